/**
 * Every bench/micro/*.bench.ts still runs: its smoke mode, in-process, must give a positive
 * figure for ours and the baseline in every case. No timing is asserted; the figures of a
 * smoke run mean nothing, and this suite may share the machine with anything.
 * record-batch.bench.ts builds and starts bench/java (Java 17 and Maven, as the broker suites
 * need); send.bench.ts starts a null broker and a child process for its allocation count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchRun, DEFAULT_ENGINE, benchOptions, mitataEngine, tinybenchEngine } from '../../bench/micro/harness';
import { CaseResult, formatJson, formatTable } from '../../bench/micro/report';

const BENCH_DIR = path.join(__dirname, '..', '..', 'bench', 'micro');
const benchFiles = fs
  .readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

function isPositiveNumber(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n) && n > 0;
}

describe('bench/micro smoke run', () => {
  test('finds the hash, record-batch and send() benches', () => {
    expect(benchFiles).toEqual(expect.arrayContaining(['crc32c.bench.ts', 'murmur2.bench.ts', 'record-batch.bench.ts', 'send.bench.ts']));
  });

  test.each(benchFiles)('%s gives a figure for every case', async (file) => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const bench: { run?: BenchRun } = require(path.join(BENCH_DIR, file));
    expect(typeof bench.run).toBe('function');
    const results: CaseResult[] = await bench.run!(benchOptions(true, { timeMs: 10, engine: DEFAULT_ENGINE }));

    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      const label = `${r.bench} ${r.name}`;
      const checks = {
        value: isPositiveNumber(r.value),
        baseline: isPositiveNumber(r.baseline),
        ratio: isPositiveNumber(r.ratio),
        target: isPositiveNumber(r.target),
        isMet: r.isMet === (r.targetKind === 'max' ? r.value <= r.target : r.ratio >= r.target),
      };
      expect({ label, ...checks }).toEqual({ label, value: true, baseline: true, ratio: true, target: true, isMet: true });
    }
    const names = results.map((r) => `${r.bench} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);

    const table = formatTable(results);
    for (const r of results) expect(table).toContain(r.name);
    expect(JSON.parse(formatJson(results)).results).toHaveLength(results.length);
  }, 60_000);

  test.each([tinybenchEngine, mitataEngine])('the $name engine measures a function', async (engine) => {
    let n = 0;
    const m = await engine.measure(() => (n = (n + 1) | 0), { timeMs: 5, isSmoke: true, isWarm: false, opsPerCall: 1 });
    expect(isPositiveNumber(m.opsPerSec)).toBe(true);
    expect(m.sampleCount).toBeGreaterThan(0);
  });
});
