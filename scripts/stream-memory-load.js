#!/usr/bin/env node
// The measured side of `npm run stream:memory` (scripts/stream-memory.ts forks it with no
// execArgv): a plain Node process with no TypeScript loader, no Jest and no broker harness, so
// its RSS is Node's plus the producer's plus the generating source. It loads the producer from
// plain JavaScript (src/ transpiled by the parent), connects, takes the RSS baseline, then
// pipes a lazily generated sequence of values through
//   stream.pipeline(source, producer.createWriteStream({ topic }))
// sampling memory every 100 ms, and reports back over IPC.
'use strict';
const { pipeline } = require('node:stream/promises');
const fs = require('node:fs');
const v8 = require('node:v8');
const { valueSource } = require('./stream-memory-source');

const rssAtStart = process.memoryUsage.rss();
const cfg = JSON.parse(process.env.KAFKA_WIRE_STREAM_MEMORY || '{}');
const { KafkaProducer } = require(cfg.lib);
const rssLoaded = process.memoryUsage.rss();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RssAnon / RssFile / RssShmem of /proc/self/status in bytes (Linux; null elsewhere). */
function rssKinds() {
  try {
    const text = fs.readFileSync('/proc/self/status', 'utf8');
    const out = {};
    for (const k of ['RssAnon', 'RssFile', 'RssShmem']) {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text);
      out[k] = m ? Number(m[1]) * 1024 : 0;
    }
    return out;
  } catch {
    return null;
  }
}

/** V8's own view: committed physical heap pages and its malloc'd memory, in bytes. */
function v8Stats() {
  const h = v8.getHeapStatistics();
  return { physical: h.total_physical_size, malloced: h.malloced_memory, peakMalloced: h.peak_malloced_memory };
}

/** V8's heap spaces (new space = the young generation), sizes and use in bytes. */
function heapSpaces() {
  const out = {};
  for (const s of v8.getHeapSpaceStatistics()) out[s.space_name] = { size: s.space_size, used: s.space_used_size };
  return out;
}

async function main() {
  const n = cfg.records;
  const valueSize = cfg.valueSize;
  const producer = new KafkaProducer({ bootstrapServers: cfg.bootstrap, bufferMemory: cfg.bufferMemory, lingerMs: cfg.lingerMs });
  // Connected: metadata for the topic, a producer id, one record acknowledged.
  const warm = await producer.send({ topic: cfg.topic, value: 'warm-up' });
  await sleep(200);
  const baseline = process.memoryUsage();
  const baselineSpaces = heapSpaces();
  const baselineKinds = rssKinds();
  const baselineV8 = v8Stats();

  // Memory samples: every 100 ms the maxima are updated; one sample a second is kept for the
  // report's table.
  const max = { rss: baseline.rss, heapUsed: baseline.heapUsed, heapTotal: baseline.heapTotal, external: baseline.external, arrayBuffers: baseline.arrayBuffers };
  let atPeak = null; // process.memoryUsage() and heap spaces when the RSS was highest
  const series = [];
  let stream = null;
  const t0 = Date.now();
  let lastKept = -1;
  let sampleCount = 0;
  const sample = () => {
    const m = process.memoryUsage();
    sampleCount++;
    for (const k of Object.keys(max)) if (m[k] > max[k]) max[k] = m[k];
    const tMs = Date.now() - t0;
    if (atPeak === null || m.rss > atPeak.memory.rss) atPeak = { tMs, memory: m, spaces: heapSpaces(), kinds: rssKinds(), v8: v8Stats() };
    const second = Math.floor(tMs / 1000);
    if (second !== lastKept) {
      lastKept = second;
      const pm = producer.metrics();
      series.push({
        tMs,
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        bufferAvailable: pm['buffer-available-bytes'],
        waitingSends: pm['waiting-sends'],
        pending: stream ? stream.recordsPending : 0,
        acked: stream ? stream.recordsSent : 0,
      });
    }
  };
  const sampler = setInterval(sample, 100);

  const { source, generated } = valueSource(n, valueSize);

  // The stream exactly as the issue has it: a topic, no per-record callbacks.
  stream = producer.createWriteStream({ topic: cfg.topic });
  let drains = 0;
  stream.on('drain', () => drains++);
  let error = null;
  const started = Date.now();
  try {
    await pipeline(source, stream);
  } catch (err) {
    error = err;
  }
  const elapsedMs = Date.now() - started;
  sample();
  clearInterval(sampler);
  const end = process.memoryUsage();
  const endSpaces = heapSpaces();
  const maxRssOs = process.resourceUsage().maxRSS * 1024; // kilobytes on Linux
  const metrics = producer.metrics();
  await producer.close();

  process.send({
    type: 'result',
    error: error ? String(error && error.stack ? error.stack : error) : null,
    records: n,
    generated: generated(),
    valueSize,
    elapsedMs,
    recordsSent: stream.recordsSent,
    recordsFailed: stream.recordsFailed,
    recordsPending: stream.recordsPending,
    drains,
    warmUp: { partition: warm.partition, offset: Number(warm.offset) },
    rssAtStart,
    rssLoaded,
    baseline,
    baselineSpaces,
    baselineKinds,
    baselineV8,
    max,
    maxRssOs,
    atPeak,
    end,
    endSpaces,
    sampleCount,
    series,
    heapSizeLimit: v8.getHeapStatistics().heap_size_limit,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS || '',
    metrics: {
      recordSendTotal: metrics['record-send-total'],
      recordErrorTotal: metrics['record-error-total'],
      batchSizeAvg: metrics['batch-size-avg'],
      recordsPerRequestAvg: metrics['records-per-request-avg'],
      bufferTotalBytes: metrics['buffer-total-bytes'],
    },
  });
}

main().catch((err) => {
  process.send({ type: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exitCode = 1;
});
