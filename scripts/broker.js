#!/usr/bin/env node
'use strict';
/**
 * A local Kafka broker for manual runs and benchmarks, outliving this script.
 *
 *   node scripts/broker.js start [--brokers N] [--version X.Y.Z] [--profile throughput|fast-start]
 *       starts the broker(s) in the background and prints exactly one line on stdout:
 *       KAFKA_BOOTSTRAP=127.0.0.1:PORT
 *   node scripts/broker.js stop      stops it and deletes its data
 *   node scripts/broker.js status    prints its state (stderr) and exits 0 if running, 1 if not
 *
 * `start` spawns a detached copy of this script ("__serve") which runs the test harness
 * (test/support/kafka-cluster.ts, through tsx) and owns the broker JVM until `stop` sends it
 * SIGTERM. Its state is in .kafka/run/cli.json, its log in .kafka/run/cli.log.
 * The default profile here is "throughput" (full JIT, G1, 1 GB heap); KAFKA_VERSION and
 * KAFKA_BROKER_JVM_OPTS are honoured as in the tests.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const RUN_DIR = path.join(ROOT, '.kafka', 'run');
const STATE = path.join(RUN_DIR, 'cli.json');
const LOG = path.join(RUN_DIR, 'cli.log');
const START_TIMEOUT_MS = 20 * 60_000; // a cold jar download included
const STOP_TIMEOUT_MS = 45_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(STATE, 'utf8'));
  } catch {
    return null;
  }
}

/** The serve process recorded in cli.json, if it is still that process. */
function liveState() {
  const state = readState();
  if (!state || !isAlive(state.pid)) return null;
  try {
    const cmd = fs.readFileSync(`/proc/${state.pid}/cmdline`, 'utf8');
    if (!cmd.includes('broker.js')) return null; // pid reused
  } catch {
    // no /proc: trust the pid
  }
  return state;
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--brokers') opts.brokers = Number(value());
    else if (a === '--version') opts.version = value();
    else if (a === '--profile') opts.profile = value();
    else throw new Error(`unknown option ${a}`);
  }
  if (opts.brokers !== undefined && !(Number.isInteger(opts.brokers) && opts.brokers >= 1)) {
    throw new Error('--brokers must be a positive integer');
  }
  if (opts.profile !== undefined && opts.profile !== 'throughput' && opts.profile !== 'fast-start') {
    throw new Error('--profile must be throughput or fast-start');
  }
  return opts;
}

function logTail(lines) {
  try {
    return fs.readFileSync(LOG, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function start(argv) {
  const opts = parseArgs(argv);
  const running = liveState();
  if (running) {
    process.stderr.write(`broker already running (pid ${running.pid}, Kafka ${running.version}); stop it first to change it\n`);
    process.stdout.write(`KAFKA_BOOTSTRAP=${running.bootstrap}\n`);
    return 0;
  }
  fs.rmSync(STATE, { force: true });
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const logFd = fs.openSync(LOG, 'w');
  const env = { ...process.env };
  delete env.KAFKA_BOOTSTRAP; // always a local broker here
  const child = spawn(process.execPath, [__filename, '__serve', JSON.stringify(opts)], {
    cwd: ROOT,
    detached: true,
    env,
    stdio: ['ignore', logFd, logFd, 'ipc'],
  });
  fs.closeSync(logFd);

  return new Promise((resolve) => {
    let settled = false;
    const done = (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    const timer = setTimeout(() => {
      process.stderr.write(`broker did not start within ${START_TIMEOUT_MS} ms; log ${path.relative(ROOT, LOG)}:\n${logTail(30)}\n`);
      child.kill('SIGTERM');
      done(1);
    }, START_TIMEOUT_MS);
    child.on('message', (m) => {
      if (m && m.type === 'ready') {
        process.stdout.write(`KAFKA_BOOTSTRAP=${m.bootstrap}\n`);
        process.stderr.write(
          `Kafka ${m.version} started in ${m.startMs} ms (pid ${child.pid}); log ${path.relative(ROOT, LOG)}; ` +
            `stop with: npm run broker:stop\n`,
        );
        done(0);
      } else if (m && m.type === 'error') {
        process.stderr.write(`broker failed to start: ${m.message}\n`);
        done(1);
      }
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      process.stderr.write(
        `broker process exited (code ${code}, signal ${signal}) before it was ready; log:\n${logTail(30)}\n`,
      );
      done(1);
    });
  });
}

async function serve(optsJson) {
  const opts = JSON.parse(optsJson || '{}');
  require('tsx/cjs');
  const harness = require('../test/support/kafka-cluster.ts');
  let cluster = null;
  let stopping = null;
  const shutdown = (signal) => {
    if (stopping) return;
    process.stderr.write(`${new Date().toISOString()} ${signal}: stopping\n`);
    stopping = (async () => {
      try {
        if (cluster) await cluster.stop();
      } finally {
        fs.rmSync(STATE, { force: true });
        process.exit(0);
      }
    })();
  };
  // Registered before the harness's own hooks, which then leave these signals to us.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(sig));
  process.on('disconnect', () => undefined); // the starter leaving is expected
  const keepAlive = setInterval(() => undefined, 1 << 30);

  try {
    cluster = await harness.startCluster({
      brokers: opts.brokers,
      version: opts.version,
      jvmProfile: opts.profile || 'throughput',
    });
  } catch (e) {
    const message = e && e.stack ? e.stack : String(e);
    process.stderr.write(`${message}\n`);
    if (process.send) process.send({ type: 'error', message: String(e && e.message ? e.message : e) });
    clearInterval(keepAlive);
    process.exitCode = 1;
    if (process.connected) process.disconnect();
    return;
  }
  const state = {
    pid: process.pid,
    bootstrap: cluster.bootstrap,
    version: cluster.version,
    brokers: cluster.brokers.length,
    startMs: cluster.startMs,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(STATE, `${JSON.stringify(state, null, 2)}\n`);
  process.stderr.write(`${state.startedAt} ready: ${JSON.stringify(state)}\n`);
  if (stopping) return; // a signal arrived while starting
  if (process.send) process.send({ type: 'ready', ...state });
}

async function stop() {
  const state = readState();
  const running = liveState();
  if (!running) {
    fs.rmSync(STATE, { force: true });
    process.stderr.write(state ? 'broker was not running any more; cleaned up\n' : 'no broker started by broker:start\n');
  } else {
    process.kill(running.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(running.pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(running.pid)) {
      process.stderr.write(`broker process ${running.pid} did not stop in time; killing it\n`);
      process.kill(running.pid, 'SIGKILL');
      while (isAlive(running.pid)) await sleep(50);
    } else {
      process.stderr.write(`broker stopped (Kafka ${running.version} at ${running.bootstrap})\n`);
    }
    fs.rmSync(STATE, { force: true });
  }
  // Whatever a dead serve process left behind (JVMs, temp dirs) goes now.
  require('tsx/cjs');
  await require('../test/support/kafka-cluster.ts').cleanupLeftovers();
  return 0;
}

function status() {
  const running = liveState();
  if (running) {
    process.stderr.write(`running: ${JSON.stringify(running)}\n`);
    return 0;
  }
  process.stderr.write('not running\n');
  return 1;
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'start':
      return start(rest);
    case 'stop':
      return stop();
    case 'status':
      return status();
    case '__serve':
      await serve(rest[0]);
      return undefined;
    default:
      process.stderr.write('usage: node scripts/broker.js start [--brokers N] [--version X.Y.Z] [--profile throughput|fast-start] | stop | status\n');
      return 2;
  }
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
