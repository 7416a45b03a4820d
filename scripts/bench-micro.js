#!/usr/bin/env node
/**
 * Compiles the benches (scripts/bench-build.js, tsc into bench/.build), runs every
 * bench/micro/*.bench.ts as compiled, and prints one table of
 * ours-against-baseline figures. Each bench file exports `run(options) -> CaseResult[]`;
 * see bench/micro/harness.ts. A new bench needs only a new *.bench.ts file.
 *
 *   npm run bench:micro                      full run: per case, 10 rounds of 100 ms for ours and
 *                                            for the baseline, alternating
 *   npm run bench:micro -- --smoke           one round of 50 ms, for checking the benches run
 *   npm run bench:micro -- crc32c            only bench files whose name contains "crc32c"
 *   options: --time=MS  --rounds=N  --engine=tinybench|mitata  --json (JSON on stdout instead of the table)
 *            --json=FILE (table on stdout, JSON to FILE)  --markdown (the table as Markdown)
 *            --check (exit 1 if a target is missed)
 *   exit status: 2 if a bench file failed (the others still run and print), else 1 if --check
 *   and a target was missed, else 0.
 *   env: BENCH_SMOKE=1 is the same as --smoke.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { buildBenches } = require('./bench-build');

// The sources, and what tsc made of them (bench/.build): the benches run the compiled
// JavaScript, as a user of dist/ would (see bench/tsconfig.json for why not tsx).
const SOURCE_DIR = path.join(__dirname, '..', 'bench', 'micro');
const BENCH_DIR = path.join(__dirname, '..', 'bench', '.build', 'bench', 'micro');

function parseArgs(argv) {
  const opts = { isSmoke: process.env.BENCH_SMOKE === '1', timeMs: undefined, rounds: undefined, engine: undefined, json: null, isCheck: false, filters: [] };
  for (const arg of argv) {
    if (arg === '--smoke') opts.isSmoke = true;
    else if (arg === '--check') opts.isCheck = true;
    else if (arg === '--markdown') opts.isMarkdown = true;
    else if (arg === '--json') opts.json = '-';
    else if (arg.startsWith('--json=')) opts.json = arg.slice('--json='.length);
    else if (arg.startsWith('--time=')) opts.timeMs = Number(arg.slice('--time='.length));
    else if (arg.startsWith('--rounds=')) opts.rounds = Number(arg.slice('--rounds='.length));
    else if (arg.startsWith('--engine=')) opts.engine = arg.slice('--engine='.length);
    else if (arg === '--help' || arg === '-h') opts.isHelp = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else opts.filters.push(arg);
  }
  if (opts.timeMs !== undefined && !(opts.timeMs > 0)) throw new Error('--time must be a positive number of milliseconds');
  if (opts.rounds !== undefined && !(Number.isInteger(opts.rounds) && opts.rounds > 0)) throw new Error('--rounds must be a positive integer');
  return opts;
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpu: cpus.length > 0 ? cpus[0].model.trim() : 'unknown',
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.isHelp) {
    process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
    return;
  }
  buildBenches();
  const harness = require(path.join(BENCH_DIR, 'harness.js'));
  const report = require(path.join(BENCH_DIR, 'report.js'));
  const engines = { tinybench: harness.tinybenchEngine, mitata: harness.mitataEngine };
  if (opts.engine !== undefined && !engines[opts.engine]) throw new Error(`unknown engine ${opts.engine}`);
  const engine = opts.engine ? engines[opts.engine] : harness.DEFAULT_ENGINE;
  const options = harness.benchOptions(opts.isSmoke, { timeMs: opts.timeMs, rounds: opts.rounds, engine });

  const files = fs
    .readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.ts$/, '.js'))
    .filter((f) => opts.filters.length === 0 || opts.filters.some((s) => f.includes(s)))
    .sort();
  if (files.length === 0) throw new Error(`no bench/micro/*.bench.ts matches ${opts.filters.join(', ')}`);

  const context = { ...machine(), engine: engine.name, timeMsPerMeasurement: options.timeMs, rounds: options.rounds, isSmoke: options.isSmoke };
  const toTable = opts.json !== '-';
  const log = (s) => (toTable ? process.stdout : process.stderr).write(`${s}\n`);
  log(`node ${context.node} (V8 ${context.v8}), ${context.platform}, ${context.nproc} CPUs: ${context.cpu}`);
  log(`engine ${engine.name}, ${options.rounds} round${options.rounds === 1 ? '' : 's'} of ${options.timeMs} ms per side and case${options.isSmoke ? ' (smoke)' : ''}`);

  const results = [];
  const failures = [];
  const startedAt = Date.now();
  for (const file of files) {
    const started = Date.now();
    try {
      const bench = require(path.join(BENCH_DIR, file));
      if (typeof bench.run !== 'function') throw new Error(`${file} does not export run(options)`);
      const rows = await bench.run(options);
      results.push(...rows);
      log(`  ${file}: ${rows.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      // One broken bench must not hide the others' figures: report it and go on.
      failures.push({ file, error: String(err && err.message ? err.message : err) });
      process.stderr.write(`  ${file} FAILED: ${err && err.stack ? err.stack : err}\n`);
    }
  }
  const elapsedMs = Date.now() - startedAt;

  if (toTable) {
    const table = report.formatTable(results, opts.isMarkdown === true);
    process.stdout.write(`\n${table}\n\ntotal ${(elapsedMs / 1000).toFixed(1)} s\n`);
  }
  if (opts.json !== null) {
    const json = report.formatJson(results, { ...context, elapsedMs, date: new Date().toISOString(), failures });
    if (opts.json === '-') process.stdout.write(`${json}\n`);
    else fs.writeFileSync(opts.json, `${json}\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`bench-micro: ${failures.length} bench file(s) failed: ${failures.map((f) => f.file).join(', ')}\n`);
    process.exitCode = 2;
  } else if (opts.isCheck && results.some((r) => !r.isMet)) {
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench-micro: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 2;
});
