#!/usr/bin/env node
// `npm run stream:memory:floor`: what Node itself costs under the memory check of
// `npm run stream:memory`, with no producer. The same source (scripts/stream-memory-source.js)
// goes through stream.pipeline into a stand-in sink that does only what any bounded sink must:
// it copies each value into batch buffers (batch.size each, allocated lazily up to
// buffer.memory), keeps a full buffer "in flight" until a release timer frees buffers at the
// rate the producer reaches against the broker, and holds write() back while no buffer is free.
// Each buffer in flight may also keep `state` bytes of JavaScript objects, the stand-in for a
// batch's bookkeeping (its object, its records' completions, its request): one array of small
// integers, 48 + 8n bytes (0, or at least 48; 48 keeps an empty array, 32 bytes).
//
// Every state size runs in a fresh plain `node` (no flags), and the report is the RSS growth
// over the process's baseline (taken as stream:memory takes it: after start-up, before the
// pipeline), with V8's young generation ("new space") and old space at the highest sample.
//
//   npm run stream:memory:floor
//   options: --size=2GiB --value-size=1024 --buffer-memory=32MiB --batch-size=16384
//            --rate=150 (MB/s released) --states=0,64,160,400,1024 (bytes per buffer in flight)
'use strict';
const { fork } = require('node:child_process');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const v8 = require('node:v8');
const { arg, parseBytes } = require('./script-args');
const { valueSource } = require('./stream-memory-source');

const MiB = 1024 * 1024;
const mib = (n) => (n / MiB).toFixed(1);

function newAndOld() {
  const out = {};
  for (const s of v8.getHeapSpaceStatistics()) out[s.space_name] = s.space_size;
  return { newSpace: out.new_space || 0, oldSpace: out.old_space || 0 };
}

/** The measured side: one state size, in this (fresh) process. */
async function measure(cfg) {
  await new Promise((r) => setTimeout(r, 200));
  const baseline = process.memoryUsage.rss();
  const atBaseline = newAndOld();
  let peak = { rss: baseline, ...atBaseline };
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak.rss) peak = { rss, ...newAndOld() };
  }, 100);

  const buffers = Math.floor(cfg.bufferMemory / cfg.batchSize);
  const free = [];
  // Buffers in flight, and beside them (only with a state size) each one's state: with none,
  // nothing at all is allocated per buffer.
  const inFlight = [];
  const inFlightState = [];
  let made = 0;
  let current = null;
  let offset = 0;
  let held = null; // a write waiting for a free buffer
  const take = () => (free.length > 0 ? free.pop() : made < buffers ? (made++, Buffer.allocUnsafe(cfg.batchSize)) : null);
  // An array of n small integers takes 48 + 8n bytes (Node's V8 has no pointer compression).
  const stateSlots = Math.max(0, Math.floor((cfg.state - 48) / 8));
  const perMs = (cfg.rate * 1e6) / 1000 / cfg.batchSize; // buffers released per millisecond
  let credit = 0;
  const release = setInterval(() => {
    credit += perMs;
    while (credit >= 1 && inFlight.length > 0) {
      credit -= 1;
      free.push(inFlight.shift());
      if (cfg.state > 0) inFlightState.shift();
    }
    if (inFlight.length === 0) credit = 0;
    if (held !== null && free.length > 0) {
      const go = held;
      held = null;
      go();
    }
  }, 1);

  const append = (chunk, callback) => {
    if (current === null || offset + chunk.length > cfg.batchSize) {
      if (current !== null) {
        inFlight.push(current);
        if (cfg.state > 0) inFlightState.push(new Array(stateSlots).fill(0));
      }
      current = take();
      offset = 0;
      if (current === null) {
        held = () => append(chunk, callback);
        return;
      }
    }
    offset += chunk.copy(current, offset);
    callback();
  };
  const sink = new Writable({ objectMode: true, write: (chunk, _encoding, callback) => append(chunk, callback) });
  const { source } = valueSource(cfg.records, cfg.valueSize);
  const t0 = Date.now();
  await pipeline(source, sink);
  const elapsedMs = Date.now() - t0;
  clearInterval(sampler);
  clearInterval(release);
  const maxRss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);
  return { state: cfg.state, elapsedMs, baseline, growth: maxRss - baseline, atBaseline, peak };
}

async function main() {
  if (process.env.KAFKA_WIRE_STREAM_FLOOR) {
    process.send(await measure(JSON.parse(process.env.KAFKA_WIRE_STREAM_FLOOR)));
    return;
  }
  const size = parseBytes(arg('size', '2GiB'));
  const valueSize = parseBytes(arg('value-size', '1024'));
  const bufferMemory = parseBytes(arg('buffer-memory', String(32 * MiB)));
  const batchSize = parseBytes(arg('batch-size', '16384'));
  const rate = Number(arg('rate', '150'));
  const states = arg('states', '0,64,160,400,1024').split(',').map(Number);
  const records = Math.floor(size / valueSize);
  if (!(records > 0 && valueSize >= 4 && valueSize <= batchSize && bufferMemory >= batchSize && rate > 0 && states.every((s) => s === 0 || s >= 48))) {
    throw new Error('bad arguments (see the comment at the top of scripts/stream-memory-floor.js)');
  }
  console.log(
    `stream:memory:floor: ${mib(records * valueSize)} MiB as ${records} values of ${valueSize} B into a stand-in sink: ` +
      `${bufferMemory / batchSize} buffers of ${batchSize} B (${mib(bufferMemory)} MiB), released at ${rate} MB/s; no producer, no broker`,
  );
  console.log('\n  state per buffer in flight (B)   s   growth MiB   growth - buffer.memory   new space MiB (baseline -> peak)   old space MiB');
  for (const state of states) {
    const r = await new Promise((resolve, reject) => {
      const child = fork(__filename, [], {
        env: { ...process.env, NODE_OPTIONS: '', KAFKA_WIRE_STREAM_FLOOR: JSON.stringify({ records, valueSize, bufferMemory, batchSize, rate, state }) },
        execArgv: [],
      });
      child.on('message', resolve);
      child.on('exit', (code) => reject(new Error(`the measured process exited (code ${code}) without a result`)));
    });
    console.log(
      `  ${String(state).padStart(30)}   ${(r.elapsedMs / 1000).toFixed(0).padStart(2)}   ${mib(r.growth).padStart(10)}   ${mib(r.growth - bufferMemory).padStart(22)}   ` +
        `${`${mib(r.atBaseline.newSpace)} -> ${mib(r.peak.newSpace)}`.padStart(32)}   ${`${mib(r.atBaseline.oldSpace)} -> ${mib(r.peak.oldSpace)}`.padStart(13)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
