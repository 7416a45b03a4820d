/**
 * kafka-wire as it was at an earlier commit (by default the parent of the observability
 * commit), so that today's kafka-wire can be compared with it in one run. scripts/bench.js
 * builds it (scripts/bench-build.js, buildBaseline: that commit's src/ and today's kafka-wire
 * driver, compiled together) when --clients names kafka-wire-baseline, and tells this driver
 * where through KAFKA_WIRE_BASELINE_DIR. The driver is the plain kafka-wire one
 * (drivers/kafka-wire.ts) compiled against the old src/; the loop is today's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClientDriver, DriverContext } from '../driver';

type DriverModule = typeof import('./kafka-wire');

export function createDriver(ctx: DriverContext): ClientDriver {
  const dir = process.env.KAFKA_WIRE_BASELINE_DIR;
  if (!dir) throw new Error('KAFKA_WIRE_BASELINE_DIR is not set: run it through `npm run bench -- --clients=kafka-wire-baseline,...`, which builds the baseline');
  const file = path.join(dir, 'bench', 'e2e', 'drivers', 'kafka-wire.js');
  if (!fs.existsSync(file)) throw new Error(`no baseline build at ${file}`);
  const built = JSON.parse(fs.readFileSync(path.join(dir, 'built.json'), 'utf8')) as { ref: string; commit: string };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(file) as DriverModule;
  const driver = mod.createDriver(ctx);
  Object.assign(driver, { version: `${driver.version} at ${built.commit.slice(0, 7)} (${built.ref})` });
  return driver;
}
