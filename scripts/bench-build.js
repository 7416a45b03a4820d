#!/usr/bin/env node
/**
 * Compiles src/ and bench/ with tsc (bench/tsconfig.json) into bench/.build, incrementally, so
 * the benches run the same JavaScript a user of dist/ runs. Type errors are reported but do not
 * stop the emit (a bench of work in progress still runs).
 *
 *   node scripts/bench-build.js        (npm run bench:micro and npm run bench call it first)
 */
'use strict';

const { spawnSync } = require('node:child_process');
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

module.exports = { buildBenches, BUILD_DIR };

if (require.main === module) {
  const t0 = Date.now();
  buildBenches();
  process.stdout.write(`bench-build: compiled into ${path.relative(ROOT, BUILD_DIR)} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
