#!/usr/bin/env node
// The load side of the soak (scripts/soak.ts forks it): a plain Node process running the built
// package (dist/cjs), so its RSS is the producer's and Node's, nothing else (no TypeScript
// loader, no broker harness). It sends a known sequence at a fixed rate, asks the parent over
// IPC to restart the broker half way, samples memory every second, then flush() and close(),
// checks what is left of the producer's timers and sockets, and reports back over IPC.
'use strict';
const { createHook } = require('node:async_hooks');
const path = require('node:path');

const cfg = JSON.parse(process.env.KAFKA_WIRE_SOAK || '{}');
const { KafkaProducer } = require(path.join(__dirname, '..', 'dist', 'cjs'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

/** Types of async resource a producer may leave behind: timers, sockets, DNS look-ups. */
const WATCHED = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'TCPCONNECTWRAP', 'TLSWRAP', 'GETADDRINFOREQWRAP']);

function countBy(list) {
  const out = {};
  for (const x of list) out[x] = (out[x] || 0) + 1;
  return out;
}

// One 'message' listener for the whole run (it keeps the IPC channel referenced, the same
// before and after the producer, so the resource comparison sees only the producer's).
const answers = new Map();
process.on('message', (m) => {
  const resolve = m && answers.get(m.type);
  if (resolve) {
    answers.delete(m.type);
    resolve(m);
  }
});

function request(msg) {
  return new Promise((resolve) => {
    answers.set(`${msg.type}-done`, resolve);
    process.send(msg);
  });
}

async function main() {
  const total = Math.floor((cfg.ratePerSec * cfg.durationMs) / 1000);
  const calls = new Uint8Array(total); // outcomes per record (must end at exactly 1)
  const kind = new Uint8Array(total); // the first outcome: 1 acked, 2 failed
  // Touch every page now, so that this bookkeeping is in the RSS measured before the producer.
  calls.fill(1);
  calls.fill(0);
  kind.fill(1);
  kind.fill(0);
  const errors = {};
  let acked = 0;
  let failed = 0;
  const pad = 'x'.repeat(cfg.padding);

  // Every async resource of the watched types created from here until close() resolves
  // (timers and sockets of the producer, and of this loop), and whether it was destroyed.
  const live = new Map();
  let watching = true;
  const hook = createHook({
    init(id, type) {
      if (watching && WATCHED.has(type)) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  // stdout and stderr get their handles on first use: make them exist before the snapshot.
  void process.stdout;
  void process.stderr;
  const resourcesBefore = countBy(process.getActiveResourcesInfo());
  const rssBaseline = process.memoryUsage().rss;
  hook.enable();

  const producer = new KafkaProducer({ bootstrapServers: cfg.bootstrap, bufferMemory: cfg.bufferMemory, lingerMs: 5 });
  const samples = [];
  const t0 = Date.now();
  const sample = () => {
    const m = process.memoryUsage();
    const pm = producer.metrics();
    samples.push({
      tMs: Date.now() - t0,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external, // includes arrayBuffers (every Buffer)
      bufferAvailable: pm['buffer-available-bytes'],
      waitingSends: pm['waiting-sends'],
      settled: acked + failed,
    });
  };
  const sampler = setInterval(sample, 1000);

  let restart = null;
  let sent = 0;
  for (;;) {
    const elapsed = Date.now() - t0;
    if (!restart && cfg.restartAtMs >= 0 && elapsed >= cfg.restartAtMs) restart = request({ type: 'restart', atMs: elapsed });
    const due = Math.min(total, Math.floor((cfg.ratePerSec * elapsed) / 1000));
    while (sent < due) {
      const seq = sent++;
      producer.send({ topic: cfg.topic, partition: seq % cfg.partitions, value: `${cfg.runId}:${seq}:${pad}` }, (err) => {
        if (calls[seq] < 255) calls[seq]++;
        if (calls[seq] !== 1) return;
        if (err) {
          kind[seq] = 2;
          failed++;
          errors[err.name] = (errors[err.name] || 0) + 1;
        } else {
          kind[seq] = 1;
          acked++;
        }
      });
    }
    if (sent >= total && elapsed >= cfg.durationMs) break;
    await sleep(5);
  }
  const restartInfo = restart ? await restart : null;
  const flushStarted = Date.now();
  await producer.flush();
  const flushMs = Date.now() - flushStarted;
  await producer.close();
  watching = false;
  clearInterval(sampler);
  sample();
  // Give closed sockets a moment to report their end.
  for (let i = 0; i < 40 && live.size > 0; i++) await sleep(50);
  hook.disable();
  const leftover = countBy([...live.values()]);
  const resourcesAfter = countBy(process.getActiveResourcesInfo());

  let noOutcome = 0;
  let repeated = 0;
  const ackedBits = Buffer.alloc((total + 7) >> 3);
  const failedBits = Buffer.alloc((total + 7) >> 3);
  for (let i = 0; i < total; i++) {
    if (calls[i] === 0) noOutcome++;
    if (calls[i] > 1) repeated++;
    if (kind[i] === 1) ackedBits[i >> 3] |= 1 << (i & 7);
    else if (kind[i] === 2) failedBits[i >> 3] |= 1 << (i & 7);
  }

  process.removeAllListeners('message'); // let the process end once the result is out
  process.send({
    type: 'result',
    sent,
    acked,
    failed,
    noOutcome,
    repeated,
    errors,
    ackedBits: ackedBits.toString('base64'),
    failedBits: failedBits.toString('base64'),
    samples,
    rssBaseline,
    bufferMemory: cfg.bufferMemory,
    flushMs,
    restart: restartInfo,
    leftover,
    resourcesBefore,
    resourcesAfter,
    metrics: producer.metrics(),
  });
}

main().catch((err) => {
  process.send({ type: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exitCode = 1;
});
