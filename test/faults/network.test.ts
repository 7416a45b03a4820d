/**
 * Network faults between the producer and one broker of its own, through a FaultProxy that the
 * broker advertises (so every connection of the producer goes through it): added latency, a
 * bandwidth limit, connections reset in the middle of a Produce request and of a Produce
 * response, a black hole (request.timeout.ms must fire), responses cut into 1-byte pieces;
 * and the producer's own time limits: delivery.timeout.ms expiry fails exactly the records
 * that expired, max.block.ms on buffer memory.
 */
import { KafkaProducer } from '../../src';
import type { ProducerOptions } from '../../src';
import { PRODUCE_API } from '../../src/protocol/api-keys';
import { FaultProxy } from '../support/fault-proxy';
import { KafkaCluster, startCluster } from '../support/kafka-cluster';
import { uniqueTopic, Verifier } from '../support/verifier';
import { expectAllAcked, expectReliable, SequenceProducer, waitUntil } from './support';

let proxy: FaultProxy;
let cluster: KafkaCluster;
let verifier: Verifier;
let producer: KafkaProducer | null = null;

beforeAll(async () => {
  proxy = await FaultProxy.start();
  cluster = await startCluster({ local: true, brokerConfig: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  const b = cluster.brokers[0];
  proxy.setTarget(b.host, b.port);
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
});

afterEach(async () => {
  proxy.clearFaults();
  await producer?.close({ timeoutMs: 0 });
  producer = null;
});

afterAll(async () => {
  await verifier?.close();
  await cluster?.stop();
  await proxy?.close();
});

/** A topic with `partitions` partitions and a warmed-up producer (metadata and producer id known). */
async function setUp(name: string, partitions: number, opts: Partial<ProducerOptions> = {}): Promise<SequenceProducer> {
  const topic = uniqueTopic(name);
  await verifier.createTopic(topic, partitions);
  producer = new KafkaProducer({ bootstrapServers: `127.0.0.1:${proxy.port}`, lingerMs: 5, ...opts });
  await producer.partitionsFor(topic);
  return new SequenceProducer(producer, topic, { partitions, padding: 40 });
}

async function finish(run: SequenceProducer, scenario: string, notes: string) {
  await run.trace.phase('flush', run.producer.flush(), 60_000);
  await run.settle(1000);
  proxy.clearFaults(); // the verifier's connections go through the proxy too
  const row = await run.trace.phase('tally', run.tally(verifier, scenario, cluster.version, notes), 50_000);
  expectReliable(row);
  return row;
}

test('added latency (100 ms each way)', async () => {
  const run = await setUp('latency', 3);
  proxy.latencyMs = 100;
  await run.paced({ ratePerSec: 2000, durationMs: 3000 });
  const row = await finish(run, '3a. proxy: +100 ms latency each way', '2,000 records/s for 3 s');
  expectAllAcked(run, row);
});

test('a bandwidth limit (32 KiB/s each way) below the offered load', async () => {
  const run = await setUp('bandwidth', 3, { deliveryTimeoutMs: 60_000 });
  proxy.bandwidthBytesPerSec = 32 * 1024;
  // ~70-byte records (in batches) at 1,000/s: about twice what the link carries.
  const t0 = Date.now();
  await run.paced({ ratePerSec: 1000, durationMs: 3000 });
  await run.producer.flush();
  const tookMs = Date.now() - t0;
  const row = await finish(run, '3b. proxy: bandwidth limit 32 KiB/s', `1,000 records/s for 3 s; all acknowledged after ${tookMs} ms`);
  expectAllAcked(run, row);
  expect(tookMs).toBeGreaterThan(4000); // the link, not the producer, set the pace
});

test('connections reset in the middle of Produce requests', async () => {
  const run = await setUp('cut-request', 3);
  await run.paced({
    ratePerSec: 2000,
    durationMs: 4000,
    at: [1000, 2000, 3000].map((ms) => ({ ms, run: async () => proxy.cutNext('request', PRODUCE_API.apiKey, 1, () => run.trace.note('proxy: request cut')) })),
  });
  const row = await finish(run, '3c. proxy: connection reset mid-request (x3)', `2,000 records/s for 4 s; ${proxy.cutCount} Produce requests cut`);
  expect(proxy.pendingCuts).toBe(0);
  expectAllAcked(run, row);
  expect(row.retries.NETWORK_EXCEPTION).toBeGreaterThan(0);
});

test('connections reset in the middle of Produce responses (the broker wrote the batches): no duplicates', async () => {
  const run = await setUp('cut-response', 3);
  const cutsBefore = proxy.cutCount;
  await run.paced({
    ratePerSec: 2000,
    durationMs: 4000,
    at: [1000, 2000, 3000].map((ms) => ({ ms, run: async () => proxy.cutNext('response', PRODUCE_API.apiKey, 1, () => run.trace.note('proxy: response cut')) })),
  });
  const row = await finish(run, '3d. proxy: connection reset mid-response (x3)', `2,000 records/s for 4 s; ${proxy.cutCount - cutsBefore} Produce responses cut`);
  expect(proxy.pendingCuts).toBe(0);
  expectAllAcked(run, row);
  expect(row.retries.NETWORK_EXCEPTION).toBeGreaterThan(0);
});

test('a black hole (accepts, never answers) for 4 s: request.timeout.ms fires, then everything is delivered', async () => {
  const run = await setUp('black-hole', 3, { requestTimeoutMs: 1500, deliveryTimeoutMs: 30_000 });
  await run.paced({
    ratePerSec: 1000,
    durationMs: 7000,
    at: [
      { ms: 1500, run: async () => proxy.pause() },
      { ms: 5500, run: async () => proxy.resume() },
    ],
  });
  const row = await finish(run, '3e. proxy: black hole for 4 s (request.timeout.ms 1.5 s)', '1,000 records/s for 7 s; silent from 1.5 s to 5.5 s');
  expect(row.retries.REQUEST_TIMED_OUT).toBeGreaterThan(0);
  expectAllAcked(run, row);
});

test('responses cut into 1-byte pieces', async () => {
  const run = await setUp('pieces', 3);
  proxy.responsePieces = true;
  const before = proxy.pieceWrites;
  await run.paced({ ratePerSec: 1000, durationMs: 3000 });
  await run.producer.flush();
  const pieces = proxy.pieceWrites - before;
  const row = await finish(run, '3f. proxy: responses in 1-byte pieces', `1,000 records/s for 3 s; ${pieces} one-byte writes`);
  expectAllAcked(run, row);
  expect(pieces).toBeGreaterThan(1000);
});

test('delivery.timeout.ms: exactly the records that expired fail, with TimeoutError; the rest succeed', async () => {
  const run = await setUp('delivery-timeout', 3, { requestTimeoutMs: 1000, deliveryTimeoutMs: 2500, lingerMs: 5 });
  run.sendMany(300);
  await run.producer.flush();
  // Silent broker: these records cannot be delivered before delivery.timeout.ms.
  proxy.pause();
  const firstDoomed = run.sent;
  run.sendMany(300);
  await waitUntil(() => run.settled === run.sent, 10_000, 'the records sent into the black hole to expire');
  const expiredAtMs = Date.now() - run.startedMs;
  proxy.resume();
  const firstAfter = run.sent;
  run.sendMany(300);
  const row = await finish(run, '4a. delivery.timeout.ms expiry (2.5 s) while the broker is silent', `300 ok, 300 into a black hole (expired after ${expiredAtMs} ms), 300 after`);
  for (const o of run.outcomes) {
    if (o.seq >= firstDoomed && o.seq < firstAfter) expect(o.err?.name).toBe('TimeoutError');
    else expect(o.err).toBeNull();
  }
  expect(row.failed).toBe(300);
  expect(row.errors).toEqual({ TimeoutError: 300 });
});

test('max.block.ms on buffer memory: waiting sends fail with BufferExhaustedError, accepted ones are delivered', async () => {
  const run = await setUp('max-block-memory', 1, { bufferMemory: 64 * 1024, batchSize: 16 * 1024, maxBlockMs: 1000, lingerMs: 0 });
  proxy.pause();
  // ~1 KB records: 64 KiB holds about 60 of them.
  const big = new SequenceProducer(run.producer, run.topic, { partitions: 1, padding: 1000 });
  big.sendMany(300);
  await waitUntil(() => big.failed > 0, 5000, 'sends to give up waiting for memory');
  proxy.resume();
  await run.producer.flush();
  await big.settle(1000);
  const row = await big.tally(verifier, '4b. max.block.ms (1 s) on buffer.memory (64 KiB) while the broker is silent', cluster.version, '300 records of 1 KB sent at once');
  expectReliable(row);
  expect(Object.keys(row.errors)).toEqual(['BufferExhaustedError']);
  expect(row.acked).toBeGreaterThan(0);
  expect(row.failedInLog).toBe(0);
});
