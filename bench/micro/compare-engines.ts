/**
 * How bench/micro chose its engine: runs the murmur2 bench in fresh processes with tinybench
 * and with mitata, alternating, and prints each engine's run-to-run spread ((max - min) /
 * median over the runs) and wall time.
 * Not a bench itself (the runner only picks up *.bench.ts).
 *
 *   npx tsx bench/micro/compare-engines.ts [runs per engine, default 3] [extra runner args...]
 */

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { CaseResult } from './report';

const RUNNER = path.join(__dirname, '..', '..', 'scripts', 'bench-micro.js');
const ENGINES = ['tinybench', 'mitata'] as const;

interface Run {
  engine: string;
  wallMs: number;
  results: CaseResult[];
}

function runOnce(engine: string, extraArgs: string[]): Run {
  const started = Date.now();
  const child = spawnSync(process.execPath, [RUNNER, 'murmur2', `--engine=${engine}`, '--json', ...extraArgs], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Date.now() - started;
  if (child.status !== 0) throw new Error(`${engine} run failed:\n${child.stderr}`);
  return { engine, wallMs, results: JSON.parse(child.stdout).results };
}

/** (max - min) / median, in percent. */
function spreadPct(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (100 * (s[s.length - 1] - s[0])) / s[(s.length - 1) >> 1];
}

function main(): void {
  const runsPerEngine = Number(process.argv[2] ?? 3);
  const extraArgs = process.argv.slice(3);
  const runs: Run[] = [];
  for (let i = 0; i < runsPerEngine; i++) {
    // Alternate the order so a slow spell on a shared machine does not land on one engine.
    const order = i % 2 === 0 ? ENGINES : [...ENGINES].reverse();
    for (const engine of order) {
      const run = runOnce(engine, extraArgs);
      runs.push(run);
      process.stderr.write(`${engine} run ${i + 1}: ${(run.wallMs / 1000).toFixed(1)} s\n`);
    }
  }

  const lines = ['engine     case        ours spread  baseline spread  ratio spread  ratios'];
  for (const engine of ENGINES) {
    const mine = runs.filter((r) => r.engine === engine);
    const caseNames = mine[0].results.map((r) => r.name);
    const sums = { ours: 0, baseline: 0, ratio: 0 };
    for (const name of caseNames) {
      const rows = mine.map((run) => run.results.find((r) => r.name === name)!);
      const ours = spreadPct(rows.map((r) => r.value));
      const baseline = spreadPct(rows.map((r) => r.baseline));
      const ratio = spreadPct(rows.map((r) => r.ratio));
      sums.ours += ours;
      sums.baseline += baseline;
      sums.ratio += ratio;
      lines.push(
        `${engine.padEnd(9)}  ${name.padEnd(9)}  ${ours.toFixed(1).padStart(10)}%  ${baseline.toFixed(1).padStart(14)}%` +
          `  ${ratio.toFixed(1).padStart(11)}%  ${rows.map((r) => r.ratio.toFixed(2)).join(' ')}`,
      );
    }
    const n = caseNames.length;
    const wall = mine.map((r) => r.wallMs / 1000);
    lines.push(
      `${engine.padEnd(9)}  ${'mean'.padEnd(9)}  ${(sums.ours / n).toFixed(1).padStart(10)}%  ${(sums.baseline / n).toFixed(1).padStart(14)}%` +
        `  ${(sums.ratio / n).toFixed(1).padStart(11)}%  wall ${wall.map((w) => w.toFixed(1)).join(' ')} s`,
    );
  }
  lines.push('', 'per run (ours / baseline, millions per second):');
  for (const run of runs) {
    lines.push(`${run.engine.padEnd(9)}  ${run.results.map((r) => `${(r.value / 1e6).toFixed(1)}/${(r.baseline / 1e6).toFixed(2)}`).join('  ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
