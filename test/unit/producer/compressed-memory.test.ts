// buffer.memory bounds what compressed batches hold, for gzip, snappy, lz4 and zstd: highly
// compressible records drive the compression ratio estimate down until a batch takes far more
// than batch.size of records, and still every byte the batches reference (measured as the real
// ArrayBuffers reachable from them) stays within the memory the pool charged for them. The
// batches on the wire stay about batch.size, and the pool is full again once all are done.
import { AccumulatorOptions, RecordAccumulator } from '../../../src/producer/accumulator';
import { BufferPool } from '../../../src/producer/buffer-pool';
import { loadCodecs } from '../../../src/producer/codecs';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import { BrokerInfo, Cluster, TopicInfo } from '../../../src/producer/metadata';
import type { ProducerBatch } from '../../../src/producer/producer-batch';
import type { RecordMetadata } from '../../../src/producer/record';
import { codecFor, CompressionType } from '../../../src/protocol/records/compression';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { FakeCluster, Outcomes } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const BUFFER_MEMORY = 64 * 1024;
const BATCH_SIZE = 16 * 1024;

beforeAll(async () => {
  await loadCodecs();
});

/**
 * The distinct ArrayBuffers reachable from `roots` through object properties and array
 * elements (functions, such as send() callbacks, are not followed), minus `exclude`.
 */
function reachableArrayBuffers(roots: Iterable<unknown>, exclude: ReadonlySet<ArrayBufferLike> = new Set()): Set<ArrayBufferLike> {
  const seen = new Set<object>();
  const found = new Set<ArrayBufferLike>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      if (!exclude.has(o.buffer)) found.add(o.buffer);
      continue;
    }
    if (o instanceof ArrayBuffer) {
      if (!exclude.has(o)) found.add(o);
      continue;
    }
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return found;
}

/** Module-level buffers of the codecs (stream headers and the like): shared, not any batch's. */
const codecConstants = () => reachableArrayBuffers(CODECS.map((name) => codecFor(CompressionType[name])));

/** Bytes of memory the batches hold: every distinct ArrayBuffer they reference. */
function heldBytes(batches: Iterable<ProducerBatch>, exclude: ReadonlySet<ArrayBufferLike>): number {
  let sum = 0;
  for (const ab of reachableArrayBuffers(batches, exclude)) sum += ab.byteLength;
  return sum;
}

function makeCluster(partitions: number): Cluster {
  const brokers = new Map<number, BrokerInfo>([0, 1].map((id) => [id, { nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }]));
  const leaders = Array.from({ length: partitions }, (_, i) => i % 2);
  const topic: TopicInfo = {
    name: 't',
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    partitions: leaders.map((leader, partition) => ({ partition, leader, leaderEpoch: 0, replicas: [leader], isr: [leader], offline: [] })),
    availablePartitions: leaders.map((_, i) => i),
  };
  return new Cluster(brokers, new Map([['t', topic]]), null);
}

const OPTS: Omit<AccumulatorOptions, 'compression'> = {
  batchSize: BATCH_SIZE,
  lingerMs: 0,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  deliveryTimeoutMs: 120_000,
  adaptivePartitioning: false,
  partitionerAvailabilityTimeoutMs: 0,
  maxInFlightRequestsPerConnection: 5,
  jitter: () => 0.5,
};

describe.each(CODECS)('%s', (name) => {
  test('batches of well-compressing records never hold more than buffer.memory; on the wire they reach about batch.size; the pool is full at the end', () => {
    const clock = new FakeClock();
    const pool = new BufferPool(BUFFER_MEMORY, BATCH_SIZE, clock);
    const acc = new RecordAccumulator({ ...OPTS, compression: CompressionType[name] }, pool, null);
    const cluster = makeCluster(2);
    const exclude = codecConstants();
    // 960 repeated bytes and 40 varying hex digits: compresses 10-20 times with every codec.
    let seed = 0x5eed;
    const hex = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 28).toString(16);
    const values = Array.from({ length: 64 }, () => Buffer.from('a'.repeat(960) + Array.from({ length: 40 }, hex).join('')));
    const valueLength = 1000;
    let settled = 0;
    let failed = 0;
    let valueBytes = 0;
    const callback = (err: Error | null, md: RecordMetadata) => {
      settled++;
      if (err) failed++;
      else valueBytes += md.serializedValueSize;
    };
    let appended = 0;
    let maxHeld = 0;
    let maxRecordsInBatch = 0;
    const wireSizes: number[] = [];
    let maxUncharged = 0;
    const check = () => {
      const held = heldBytes(acc.incomplete, exclude);
      maxHeld = Math.max(maxHeld, held);
      maxUncharged = Math.max(maxUncharged, held - (BUFFER_MEMORY - pool.availableMemory));
    };
    // What the sender does, without a network: close and "send" what is ready, then the broker
    // acknowledges it and the batch's memory goes back to the pool.
    const sendReady = () => {
      const ready = acc.ready(cluster, clock.now());
      const drained = acc.drain(cluster, ready.readyNodes, 1 << 20, clock.now());
      check();
      for (const batches of drained.values()) {
        for (const b of batches) {
          wireSizes.push(b.closedBytes.length);
          maxRecordsInBatch = Math.max(maxRecordsInBatch, b.recordCount);
          if (wireSizes.length % 16 === 0) {
            const [decoded] = decodeRecordBatches(b.closedBytes);
            expect(decoded.crcValid).toBe(true);
            expect(decoded.records).toHaveLength(b.recordCount);
          }
          b.markSent();
          b.returned();
          b.complete(0, -1);
          acc.deallocate(b);
        }
      }
    };
    // Enough batches for the ratio estimate (which improves by 0.005 per batch, as Java's) to
    // come down close to what these records compress to.
    while (wireSizes.length < 320) {
      const r = acc.append({ topic: 't', keyBytes: null, valueBytes: values[appended & 63], headers: null, headersSize: 1, completion: callback, buffer: null }, appended & 1, clock.now(), cluster, clock.now());
      if (r >= 0) {
        appended++;
        if (appended % 512 === 0) check();
        continue;
      }
      check(); // memory is full here
      sendReady();
    }
    while (acc.hasUndrained()) sendReady();
    expect(settled).toBe(appended);
    expect(failed).toBe(0);
    expect(valueBytes).toBe(appended * valueLength);
    expect(pool.availableMemory).toBe(BUFFER_MEMORY);
    expect(heldBytes(acc.incomplete, exclude)).toBe(0);
    // The point of compression: batches came to hold many times batch.size of records...
    expect(maxRecordsInBatch * valueLength).toBeGreaterThan(8 * BATCH_SIZE);
    // ...within the memory charged: every byte held is memory the pool charged, so never more
    // than buffer.memory (and more than one batch's worth, or this would prove nothing).
    expect({ maxHeld, maxUncharged }).toEqual({ maxHeld: expect.any(Number), maxUncharged: 0 });
    expect(maxHeld).toBeLessThanOrEqual(BUFFER_MEMORY);
    expect(maxHeld).toBeGreaterThan(BATCH_SIZE);
    // On the wire, once the estimate has settled, batches are about batch.size (not tiny, never over).
    for (const size of wireSizes) expect(size).toBeLessThanOrEqual(BATCH_SIZE);
    const late = wireSizes.slice(-40).sort((a, b) => a - b);
    expect(late[Math.floor(late.length / 2)]).toBeGreaterThanOrEqual(0.75 * BATCH_SIZE);
  }, 60_000);

  test('through KafkaProducer: memory stays within buffer.memory while the broker does not answer and after, and every record arrives in order', async () => {
    const cluster = await FakeCluster.start({ topics: { t: 2 } });
    const clock = new FakeClock();
    const producer = new KafkaProducer<string, Buffer>(
      { bootstrapServers: cluster.bootstrap, compressionType: name, bufferMemory: BUFFER_MEMORY, batchSize: BATCH_SIZE, lingerMs: 0, maxBlockMs: 600_000, deliveryTimeoutMs: 600_000 },
      { clock },
    );
    // Test-only view of the producer's internals: the batches it holds and its pool.
    const internals = producer as unknown as { accumulator: RecordAccumulator; pool: BufferPool };
    const exclude = codecConstants();
    let maxHeld = 0;
    let maxUncharged = 0;
    // Records what it sees rather than asserting: it also runs inside the broker's hook.
    const check = () => {
      const held = heldBytes(internals.accumulator.incomplete, exclude);
      maxHeld = Math.max(maxHeld, held);
      maxUncharged = Math.max(maxUncharged, held - (BUFFER_MEMORY - internals.pool.availableMemory));
    };
    const wireSizes: number[] = [];
    cluster.brokers[0].onProduce((req) => {
      check();
      for (const t of req.topics) for (const p of t.partitions) if (p.records) wireSizes.push(p.records.length);
    });
    const release = cluster.brokers[0].holdProduce();
    const out = new Outcomes();
    const n = 3000;
    const value = (i: number) => Buffer.concat([Buffer.from(`${String(i).padStart(6, '0')}-`), Buffer.alloc(4000, 0x62)]);
    try {
      for (let i = 0; i < n; i++) {
        producer.send({ topic: 't', partition: i & 1, value: value(i) }, out.cb(String(i)));
        if (i % 100 === 0) check();
      }
      // The broker holds every request: memory fills up and sends wait for it.
      await clock.runUntil(() => producer.metrics()['waiting-sends'] > 0, { stepMs: 1, maxVirtualMs: 10_000 });
      check();
      release();
      await clock.runUntil(() => out.allSettled, { stepMs: 1, maxVirtualMs: 600_000, timeoutMs: 50_000 });
      check();
      expect(out.failed).toHaveLength(0);
      out.expectExactlyOnce();
      expect(producer.metrics()['buffer-available-bytes']).toBe(BUFFER_MEMORY);
      expect(heldBytes(internals.accumulator.incomplete, exclude)).toBe(0);
      expect({ maxHeld, maxUncharged }).toEqual({ maxHeld: expect.any(Number), maxUncharged: 0 });
      expect(maxHeld).toBeLessThanOrEqual(BUFFER_MEMORY);
      expect(maxHeld).toBeGreaterThan(BATCH_SIZE);
      for (const size of wireSizes) expect(size).toBeLessThanOrEqual(BATCH_SIZE);
      for (const p of [0, 1]) {
        const stored = cluster.records('t', p).map((r) => Number(r.value!.subarray(0, 6).toString()));
        expect(stored).toEqual(Array.from({ length: n / 2 }, (_, k) => 2 * k + p));
      }
    } finally {
      release();
      const closing = producer.close({ timeoutMs: 0 });
      clock.advance(0);
      await closing;
      await cluster.close();
    }
  }, 60_000);
});
