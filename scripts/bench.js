#!/usr/bin/env node
/**
 * `npm run bench`: the side-by-side end-to-end benchmark (bench/e2e/run.ts has the options).
 * Installs the peer clients on first use (scripts/bench-install.js), compiles the benches with
 * tsc (scripts/bench-build.js), then runs the orchestrator.
 *
 *   npm run bench                          every client, every workload, 3 rounds, real broker
 *   npm run bench -- --null-broker         the same against the null broker (client cost alone)
 *   npm run bench -- --quick               records / 10, one round
 *   npm run bench -- --clients=kafka-wire,java --workloads=W1,W4 --rounds=5
 *   npm run bench -- --no-install          do not install the peers (runs of missing ones fail)
 *   npm run bench -- --clients=kafka-wire,kafka-wire-baseline [--baseline-ref=REF]
 *                                          also builds kafka-wire at REF (default
 *                                          KAFKA_WIRE_BASELINE_REF, else 3f69efa~1) for the
 *                                          kafka-wire-baseline client
 */
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildBaseline, buildBenches, BASELINE_REF } = require('./bench-build');
const { installPeers } = require('./bench-install');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const noInstall = args.includes('--no-install');
const rest = args.filter((a) => a !== '--no-install');
const valueOf = (flag) => rest.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
const clients = valueOf('--clients')?.split(',') ?? null;
const onlyOurs = clients !== null && clients.every((c) => c.startsWith('kafka-wire') || c.startsWith('java'));

if (!noInstall && !onlyOurs) installPeers();
buildBenches();
const env = { ...process.env };
if (clients?.includes('kafka-wire-baseline')) {
  const b = buildBaseline(valueOf('--baseline-ref') || process.env.KAFKA_WIRE_BASELINE_REF || BASELINE_REF);
  process.stdout.write(`bench: kafka-wire-baseline is ${b.ref} (${b.commit.slice(0, 12)})\n`);
  env.KAFKA_WIRE_BASELINE_DIR = b.dir;
}
const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs', { paths: [ROOT] }), path.join(ROOT, 'bench', 'e2e', 'run.ts'), ...rest], {
  cwd: ROOT,
  stdio: 'inherit',
  env,
});
process.exitCode = r.status ?? 1;
