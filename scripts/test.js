#!/usr/bin/env node
// `npm test`: every suite once against the pinned Kafka 4.x broker, then the broker-backed
// suites again against the 3.9 line (skipped when KAFKA_BOOTSTRAP names an external broker,
// or with KAFKA_SECOND_VERSION=none). Ends with one line "tests: N passed, N failed".
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const jest = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let ok = true;

function run(label, args, env) {
  console.log(`\n== ${label}`);
  const out = path.join(os.tmpdir(), `kafka-wire-jest-${process.pid}-${Date.now()}.json`);
  const r = spawnSync(process.execPath, [jest, ...args, '--json', `--outputFile=${out}`], { stdio: 'inherit', env });
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
  if (r.status !== 0 || !summary) ok = false;
}

run('all suites (Kafka ' + (process.env.KAFKA_VERSION || 'default') + ')', extra, process.env);
const second = process.env.KAFKA_SECOND_VERSION ?? '3.9.1';
if (!process.env.KAFKA_BOOTSTRAP && second !== 'none' && extra.length === 0) {
  run(`broker suites against Kafka ${second}`, ['--selectProjects', 'broker'], { ...process.env, KAFKA_VERSION: second });
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
