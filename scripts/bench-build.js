#!/usr/bin/env node
/**
 * Compiles src/ and bench/ with tsc (bench/tsconfig.json) into bench/.build, incrementally, so
 * the benches run the same JavaScript a user of dist/ runs. Type errors are reported but do not
 * stop the emit (a bench of work in progress still runs).
 *
 *   node scripts/bench-build.js        (npm run bench:micro and npm run bench call it first)
 *   node scripts/bench-build.js --baseline[=REF]
 *                                      also the kafka-wire-baseline client's build (below)
 *
 * The kafka-wire-baseline client (bench/e2e) runs kafka-wire as it was at an earlier commit,
 * by default BASELINE_REF (the parent of the observability commit), beside today's in the same
 * run. buildBaseline() takes that commit's src/ out of git (git archive: the working tree and
 * the index are not touched), puts today's kafka-wire bench driver beside it, and compiles both
 * with tsc and the options of bench/tsconfig.json into bench/.build/baseline/<commit>/. A
 * commit does not change, so each one is compiled once. `npm run bench` calls it only when
 * --clients names kafka-wire-baseline.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, 'bench', '.build');

/** Compiles; returns the build directory. Throws only if tsc could not run at all. */
function buildBenches({ quiet = false } = {}) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw r.error;
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  if (r.status !== 0 && !quiet) {
    process.stderr.write(`bench-build: tsc reported type errors (the benches still run what it emitted):\n${out.split('\n').slice(0, 20).join('\n')}\n`);
  }
  return BUILD_DIR;
}

/** The kafka-wire-baseline client's default commit: the parent of "Observability: ...". */
const BASELINE_REF = '3f69efa~1';

/**
 * The files of today's bench the baseline build compiles against the old src/: the kafka-wire
 * driver and what it imports. The run's loop stays today's (bench/.build/bench/e2e/driver.js
 * loads this copy of the driver only for its createDriver).
 */
const BASELINE_BENCH_FILES = ['bench/paths.ts', 'bench/data.ts', 'bench/e2e/types.ts', 'bench/e2e/driver.ts', 'bench/e2e/drivers/kafka-wire.ts'];

function git(args, opts = {}) {
  const r = spawnSync('git', args, { cwd: ROOT, maxBuffer: 512 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${String(r.stderr).trim()}`);
  return r.stdout;
}

/**
 * Builds kafka-wire at `ref` for the kafka-wire-baseline client, unless already built.
 * Returns { ref, commit, dir }: dir/bench/e2e/drivers/kafka-wire.js is the driver to load.
 */
function buildBaseline(ref = BASELINE_REF, { quiet = false } = {}) {
  let commit;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`bench-build: ${ref} names no commit of this repository (the kafka-wire-baseline ref)`);
  }
  const dir = path.join(BUILD_DIR, 'baseline', commit);
  const stamp = path.join(dir, 'built.json');
  const driver = path.join(dir, 'bench', 'e2e', 'drivers', 'kafka-wire.js');
  if (fs.existsSync(stamp) && fs.existsSync(driver)) return { ref, commit, dir };

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: git(['archive', '--format=tar', commit, 'src']) });
  if (tar.error) throw tar.error;
  if (tar.status !== 0) throw new Error(`tar -x of ${ref}'s src/ failed: ${String(tar.stderr).trim()}`);
  for (const f of BASELINE_BENCH_FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  // bench/tsconfig.json's options; the JavaScript lands beside the sources.
  const tsconfig = {
    extends: path.relative(dir, path.join(ROOT, 'tsconfig.json')),
    compilerOptions: { types: ['node'], rootDir: '.', noEmit: false, noEmitOnError: false, incremental: false, declaration: false, sourceMap: false },
    include: ['src', 'bench'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 && !quiet) {
    const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
    process.stderr.write(`bench-build: tsc reported type errors in the ${ref} build (it still runs what tsc emitted):\n${out.split('\n').slice(0, 20).join('\n')}\n`);
  }
  if (!fs.existsSync(driver)) throw new Error(`bench-build: the ${ref} build emitted no ${path.relative(ROOT, driver)}`);
  fs.writeFileSync(stamp, `${JSON.stringify({ ref, commit, builtAt: new Date().toISOString() })}\n`);
  return { ref, commit, dir };
}

module.exports = { buildBenches, buildBaseline, BUILD_DIR, BASELINE_REF };

if (require.main === module) {
  const t0 = Date.now();
  buildBenches();
  const baselineArg = process.argv.slice(2).find((a) => a === '--baseline' || a.startsWith('--baseline='));
  if (baselineArg) {
    const b = buildBaseline(baselineArg.includes('=') ? baselineArg.slice(baselineArg.indexOf('=') + 1) : process.env.KAFKA_WIRE_BASELINE_REF || BASELINE_REF);
    process.stdout.write(`bench-build: ${b.ref} (${b.commit.slice(0, 12)}) in ${path.relative(ROOT, b.dir)}\n`);
  }
  process.stdout.write(`bench-build: compiled into ${path.relative(ROOT, BUILD_DIR)} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
