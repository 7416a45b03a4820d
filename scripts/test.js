#!/usr/bin/env node
// `npm test`: every suite once against the pinned Kafka 4.x broker, then the broker-backed
// suites again against the 3.9 line (skipped when KAFKA_BOOTSTRAP names an external broker,
// or with KAFKA_SECOND_VERSION=none). Ends with one line "tests: N passed, N failed".
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const jest = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);
/** How long jest may stay alive after writing its results (a leaked timer or socket). */
const EXIT_GRACE_MS = 60_000;
let passed = 0;
let failed = 0;
let ok = true;

/**
 * Runs jest; once it has written its results, it gets EXIT_GRACE_MS to exit. A test that
 * leaves a timer or socket open would otherwise keep it (and CI) waiting for ever: it is
 * killed instead, and the run fails, since an open handle is a leak to fix.
 */
function jestRun(args, env, out) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [jest, ...args, '--json', `--outputFile=${out}`], { stdio: 'inherit', env });
    let killTimer = null;
    const watch = setInterval(() => {
      if (killTimer || !fs.existsSync(out)) return;
      killTimer = setTimeout(() => {
        console.error(`\njest did not exit ${EXIT_GRACE_MS / 1000} s after its run: a test left a timer or socket open. Stopping it; the run fails.`);
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    }, 1000);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (killTimer) clearTimeout(killTimer);
      resolve(signal ? 1 : code);
    });
  });
}

async function run(label, args, env) {
  console.log(`\n== ${label}`);
  const out = path.join(os.tmpdir(), `kafka-wire-jest-${process.pid}-${Date.now()}.json`);
  const status = await jestRun(args, env, out);
  let summary = null;
  try {
    summary = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(out, { force: true });
  } catch {
    // no summary: jest failed before running tests
  }
  if (summary) {
    passed += summary.numPassedTests;
    failed += summary.numFailedTests + summary.numRuntimeErrorTestSuites;
  }
  if (status !== 0 || !summary) ok = false;
}

(async () => {
  await run('all suites (Kafka ' + (process.env.KAFKA_VERSION || 'default') + ')', extra, process.env);
  const second = process.env.KAFKA_SECOND_VERSION ?? '3.9.1';
  if (!process.env.KAFKA_BOOTSTRAP && second !== 'none' && extra.length === 0) {
    await run(`broker suites against Kafka ${second}`, ['--selectProjects', 'broker'], { ...process.env, KAFKA_VERSION: second });
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed`);
  process.exit(ok && failed === 0 ? 0 : 1);
})();
