// RecordAccumulator, driven directly with a fake clock: batching by batch.size, readiness
// (linger, full, flush, memory pressure, backoff), drain (max.request.size, round-robin,
// one batch per partition), expiry, re-enqueue order, and the built-in sticky partitioner
// (Java's RecordAccumulator and BuiltInPartitioner are the reference).
import { AccumulatorOptions, AppendRecord, APPEND_BATCH_FULL, APPEND_NEW_BATCH, RecordAccumulator, retryBackoffMs } from '../../../src/producer/accumulator';
import { BufferPool } from '../../../src/producer/buffer-pool';
import { IdempotenceManager } from '../../../src/producer/idempotence';
import { BrokerInfo, Cluster, TopicInfo } from '../../../src/producer/metadata';
import { Completion, exactRecordSize, ProducerBatch } from '../../../src/producer/producer-batch';
import type { RecordMetadata } from '../../../src/producer/record';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { RECORDS_OFFSET } from '../../../src/protocol/records/record-batch-layout';
import { FakeClock } from '../../support/fake-clock';

/** A record for append(), no headers. */
function rec(topic: string, key: Uint8Array | null, value: Uint8Array | null, completion: Completion, buffer: Buffer | null): AppendRecord {
  return { topic, keyBytes: key, valueBytes: value, headers: null, headersSize: 1, completion, buffer };
}

/** As the sender does before it decides a drained batch's fate: sent, and its request back. */
function answered(b: ProducerBatch): void {
  b.markSent();
  b.returned();
}

/** A cluster view: topic -> leader per partition (-1 = no leader). */
function makeCluster(topics: Record<string, number[]>, brokerIds = [0, 1, 2]): Cluster {
  const brokers = new Map<number, BrokerInfo>(brokerIds.map((id) => [id, { nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }]));
  const t = new Map<string, TopicInfo>();
  for (const [name, leaders] of Object.entries(topics)) {
    t.set(name, {
      name,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: leaders.map((leader, partition) => ({ partition, leader, leaderEpoch: 0, replicas: [leader], isr: [leader], offline: [] })),
      availablePartitions: leaders.flatMap((l, i) => (l >= 0 ? [i] : [])),
    });
  }
  return new Cluster(brokers, t, null);
}

const BASE_OPTS: AccumulatorOptions = {
  batchSize: 16384,
  lingerMs: 0,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  deliveryTimeoutMs: 120000,
  compression: 0,
  adaptivePartitioning: false,
  partitionerAvailabilityTimeoutMs: 0,
  maxInFlightRequestsPerConnection: 5,
  jitter: () => 0.5, // no jitter: backoffs are exact
};

interface Setup {
  clock: FakeClock;
  pool: BufferPool;
  acc: RecordAccumulator;
  cluster: Cluster;
  outcomes: { err: Error | null; md: RecordMetadata }[];
  /** Appends a record with a null key (unless given) and no headers. */
  append(topic: string, partition: number, value: Buffer | null, key?: Buffer | null): AppendOutcome;
}

type AppendOutcome =
  | { kind: 'appended'; batchIsFull: boolean; newBatchCreated: boolean; partition: number }
  | { kind: 'needs-memory'; size: number; partition: number };

/** append()'s int result (APPEND_* bits, or -size) as an object the assertions can read. */
function outcomeOf(acc: RecordAccumulator, r: number): AppendOutcome {
  const partition = acc.lastAppendPartition;
  if (r < 0) return { kind: 'needs-memory', size: -r, partition };
  return { kind: 'appended', batchIsFull: (r & APPEND_BATCH_FULL) !== 0, newBatchCreated: (r & APPEND_NEW_BATCH) !== 0, partition };
}

function setup(opts: Partial<AccumulatorOptions> = {}, extra: { totalMemory?: number; cluster?: Cluster; idempotence?: IdempotenceManager | null } = {}): Setup {
  const clock = new FakeClock();
  const o = { ...BASE_OPTS, ...opts };
  const pool = new BufferPool(extra.totalMemory ?? 1 << 24, o.batchSize, clock);
  const acc = new RecordAccumulator(o, pool, extra.idempotence ?? null);
  const cluster = extra.cluster ?? makeCluster({ t: [0, 1, 0, 1] });
  const outcomes: Setup['outcomes'] = [];
  return {
    clock,
    pool,
    acc,
    cluster,
    outcomes,
    append(topic, partition, value, key = null) {
      return outcomeOf(acc, acc.append(rec(topic, key, value, (err, md) => outcomes.push({ err, md }), null), partition, clock.now(), cluster, clock.now()));
    },
  };
}

const bytes = (n: number, fill = 0x61) => Buffer.alloc(n, fill);

/** Bytes of the n-th record (offset delta n, same timestamp) with a null key and no headers. */
const recSize = (value: Buffer, offsetDelta = 0) => exactRecordSize(offsetDelta, 0, null, value, 1);

/** Every queued batch, in queue order per partition (removes them: expiry far in the future). */
function takeAllQueued(s: Setup): ProducerBatch[] {
  return s.acc.expiredBatches(s.clock.now() + 10 ** 9);
}

describe('append and batch.size', () => {
  test('records share a batch until the next one would pass batch.size; that one starts a new batch', () => {
    const v = bytes(50);
    const size = recSize(v);
    const batchSize = RECORDS_OFFSET + 3 * size + size - 1; // room for 3, one byte short of 4
    const s = setup({ batchSize });
    const results = [0, 1, 2, 3, 4].map(() => s.append('t', 0, v));
    expect(results.map((r) => r.kind === 'appended' && r.newBatchCreated)).toEqual([true, false, false, true, false]);
    // Once a second batch exists, the queue counts as full (Java's batchIsFull = deque.size > 1 || full).
    expect(results.map((r) => r.kind === 'appended' && r.batchIsFull)).toEqual([false, false, false, true, true]);
    const batches = takeAllQueued(s);
    expect(batches.map((b) => b.recordCount)).toEqual([3, 2]);
    expect(batches[0].isFull).toBe(true);
  });

  test('a record that exactly reaches batch.size still fits, and the batch is then full', () => {
    const v = bytes(50);
    const size = recSize(v);
    const s = setup({ batchSize: RECORDS_OFFSET + 3 * size });
    const results = [0, 1, 2].map(() => s.append('t', 0, v));
    expect(results.map((r) => r.kind === 'appended' && r.newBatchCreated)).toEqual([true, false, false]);
    expect(results[2].kind === 'appended' && results[2].batchIsFull).toBe(true);
    const r = s.append('t', 0, v);
    expect(r.kind === 'appended' && r.newBatchCreated).toBe(true);
    expect(takeAllQueued(s).map((b) => b.recordCount)).toEqual([3, 1]);
  });

  test('the first record of a batch always fits; an oversized record gets a batch of its own', () => {
    const s = setup({ batchSize: 200 });
    const small = bytes(20);
    const big = bytes(1000);
    s.append('t', 0, small);
    const r = s.append('t', 0, big);
    expect(r.kind === 'appended' && r.newBatchCreated).toBe(true);
    const after = s.append('t', 0, small);
    expect(after.kind === 'appended' && after.newBatchCreated).toBe(true);
    const batches = takeAllQueued(s);
    expect(batches.map((b) => b.recordCount)).toEqual([1, 1, 1]);
    expect(batches[1].allocatedSize).toBe(RECORDS_OFFSET + recSize(big));
    expect(batches[1].isFull).toBe(true);
  });

  test('a new batch takes its buffer from the pool; when memory is short, append says how much it needs', () => {
    const batchSize = 1024;
    const s = setup({ batchSize }, { totalMemory: 2 * batchSize });
    s.append('t', 0, bytes(10));
    s.append('t', 1, bytes(10));
    expect(s.pool.availableMemory).toBe(0);
    const r = s.append('t', 2, bytes(10));
    expect(r).toEqual({ kind: 'needs-memory', size: batchSize, partition: 2 });
    // Appending to an existing batch needs no memory.
    expect(s.append('t', 0, bytes(10)).kind).toBe('appended');
    // With the memory the caller waited for, the append goes through and keeps the buffer.
    const [done] = takeAllQueued(s);
    done.fail(new Error('settled'));
    s.acc.deallocate(done);
    const buf = s.pool.tryAllocate(batchSize)!;
    const r2 = outcomeOf(s.acc, s.acc.append(rec('t', null, bytes(10), () => {}, buf), 2, s.clock.now(), s.cluster, s.clock.now()));
    expect(r2.kind === 'appended' && r2.newBatchCreated).toBe(true);
  });

  test('a buffer the caller waited for is given back when the record fits into an existing batch', () => {
    const batchSize = 1024;
    const s = setup({ batchSize }, { totalMemory: 4 * batchSize });
    s.append('t', 0, bytes(10));
    const before = s.pool.availableMemory;
    const buf = s.pool.tryAllocate(batchSize)!;
    s.acc.append(rec('t', null, bytes(10), () => {}, buf), 0, s.clock.now(), s.cluster, s.clock.now());
    expect(s.pool.availableMemory).toBe(before);
  });

  test('an oversized record is written into the buffer the pool gave, without reallocation', () => {
    const s = setup({ batchSize: 200 });
    const big = bytes(1000);
    s.append('t', 0, big);
    const [batch] = takeAllQueued(s);
    expect(batch.builder.buffer.length).toBe(batch.allocatedSize);
  });

  test('a batch filled to exactly batch.size keeps its pooled buffer (it can go back on the free list)', () => {
    const v = bytes(50);
    const batchSize = RECORDS_OFFSET + 3 * recSize(v);
    const s = setup({ batchSize });
    for (let i = 0; i < 3; i++) s.append('t', 0, v);
    const [batch] = takeAllQueued(s);
    expect(batch.builder.buffer.length).toBe(batchSize);
  });
});

describe('ready()', () => {
  test('not ready before linger.ms, ready at linger.ms; nextReadyCheckDelayMs is exact', () => {
    const s = setup({ lingerMs: 100 });
    s.append('t', 0, bytes(10)); // leader 0
    let r = s.acc.ready(s.cluster, s.clock.now());
    expect([...r.readyNodes]).toEqual([]);
    expect(r.nextReadyCheckDelayMs).toBe(100);
    s.clock.advance(30);
    r = s.acc.ready(s.cluster, s.clock.now());
    expect(r.nextReadyCheckDelayMs).toBe(70);
    s.clock.advance(69);
    r = s.acc.ready(s.cluster, s.clock.now());
    expect([...r.readyNodes]).toEqual([]);
    expect(r.nextReadyCheckDelayMs).toBe(1);
    s.clock.advance(1);
    r = s.acc.ready(s.cluster, s.clock.now());
    expect([...r.readyNodes]).toEqual([0]);
    expect(r.nextReadyCheckDelayMs).toBe(Infinity);
  });

  test('the delay is the earliest of several partitions; leaders are reported once', () => {
    const s = setup({ lingerMs: 100 });
    s.append('t', 0, bytes(10)); // leader 0 at t0
    s.clock.advance(40);
    s.append('t', 1, bytes(10)); // leader 1 at t0+40
    s.append('t', 2, bytes(10)); // leader 0 at t0+40
    let r = s.acc.ready(s.cluster, s.clock.now());
    expect(r.nextReadyCheckDelayMs).toBe(60);
    s.clock.advance(60);
    r = s.acc.ready(s.cluster, s.clock.now());
    expect([...r.readyNodes]).toEqual([0]);
    expect(r.nextReadyCheckDelayMs).toBe(40);
    s.clock.advance(40);
    r = s.acc.ready(s.cluster, s.clock.now());
    expect([...r.readyNodes].sort()).toEqual([0, 1]);
  });

  test('a full batch is ready at once, whatever linger.ms', () => {
    const v = bytes(50);
    const s = setup({ lingerMs: 10_000, batchSize: RECORDS_OFFSET + 2 * recSize(v) + 10 });
    s.append('t', 0, v);
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
    s.append('t', 0, v);
    s.append('t', 0, v); // second batch: the first is full
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes]).toEqual([0]);
  });

  test('flush makes every batch ready, until it ends', () => {
    const s = setup({ lingerMs: 10_000 });
    s.append('t', 0, bytes(10));
    s.append('t', 1, bytes(10));
    s.acc.beginFlush();
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes].sort()).toEqual([0, 1]);
    s.acc.endFlush();
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
  });

  test('close makes every batch ready', () => {
    const s = setup({ lingerMs: 10_000 });
    s.append('t', 0, bytes(10));
    s.acc.close();
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes]).toEqual([0]);
  });

  test('sends waiting for memory make every batch ready', () => {
    const s = setup({ lingerMs: 10_000, batchSize: 1024 }, { totalMemory: 2048 });
    s.append('t', 0, bytes(10));
    s.append('t', 1, bytes(10));
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
    void s.pool.waitFor(1024, s.clock.now() + 1000).catch(() => {});
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes].sort()).toEqual([0, 1]);
  });

  test('an unknown leader flags the topic for a metadata refresh and readies nothing', () => {
    const cluster = makeCluster({ t: [-1, 0] });
    const s = setup({}, { cluster });
    s.append('t', 0, bytes(10));
    const r = s.acc.ready(cluster, s.clock.now());
    expect([...r.unknownLeaderTopics]).toEqual(['t']);
    expect(r.readyNodes.size).toBe(0);
  });

  test('a muted partition (max.in.flight = 1) is not ready until unmuted', () => {
    const s = setup({ maxInFlightRequestsPerConnection: 1 });
    s.append('t', 0, bytes(10));
    const [b] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    s.acc.mute(b);
    s.append('t', 0, bytes(10));
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
    expect(s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).size).toBe(0);
    s.acc.unmute(b);
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes]).toEqual([0]);
  });
});

describe('drain()', () => {
  /** One batch of `value` in each of `partitions`, all led by node 0. */
  function filled(n: number, value = bytes(100)) {
    const s = setup({}, { cluster: makeCluster({ t: Array.from({ length: n }, () => 0) }) });
    for (let p = 0; p < n; p++) s.append('t', p, value);
    return s;
  }
  const batchBytes = (v = bytes(100)) => RECORDS_OFFSET + recSize(v);

  test('takes at most one batch per partition per drain', () => {
    const v = bytes(50);
    const s = setup({ batchSize: RECORDS_OFFSET + recSize(v) }, { cluster: makeCluster({ t: [0] }) });
    for (let i = 0; i < 3; i++) s.append('t', 0, v);
    for (let i = 0; i < 3; i++) {
      const drained = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
      expect(drained).toHaveLength(1);
    }
    expect(s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).size).toBe(0);
  });

  test('stops at max.request.size, and the next drain resumes at the partition where it stopped', () => {
    const s = filled(4);
    const max = 2 * batchBytes() + 10; // two batches per request
    const first = s.acc.drain(s.cluster, [0], max, s.clock.now()).get(0)!;
    expect(first.map((b) => b.partition)).toEqual([0, 1]);
    const second = s.acc.drain(s.cluster, [0], max, s.clock.now()).get(0)!;
    expect(second.map((b) => b.partition)).toEqual([2, 3]);
  });

  test('round-robin start index: a drain that saw every partition restarts at the last one examined (Java)', () => {
    const s = filled(4);
    const all = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    expect(all.map((b) => b.partition)).toEqual([0, 1, 2, 3]);
    for (let p = 0; p < 4; p++) s.append('t', p, bytes(100));
    const one = batchBytes() + 10; // room for one batch
    const order: number[] = [];
    for (let i = 0; i < 4; i++) order.push(...s.acc.drain(s.cluster, [0], one, s.clock.now()).get(0)!.map((b) => b.partition));
    // Java saves the index of the last partition examined (3), so the next drain starts there.
    expect(order).toEqual([3, 0, 1, 2]);
  });

  test('a lone batch larger than max.request.size still goes (alone)', () => {
    const s = filled(2, bytes(500));
    const max = 100;
    expect(s.acc.drain(s.cluster, [0], max, s.clock.now()).get(0)!.map((b) => b.partition)).toEqual([0]);
    expect(s.acc.drain(s.cluster, [0], max, s.clock.now()).get(0)!.map((b) => b.partition)).toEqual([1]);
  });

  test('drains per node: only the partitions that node leads', () => {
    const s = setup({}, { cluster: makeCluster({ t: [0, 1, 0, 1] }) });
    for (let p = 0; p < 4; p++) s.append('t', p, bytes(10));
    const out = s.acc.drain(s.cluster, [1], 1 << 20, s.clock.now());
    expect([...out.keys()]).toEqual([1]);
    expect(out.get(1)!.map((b) => b.partition)).toEqual([1, 3]);
  });

  test('a drained batch is closed: valid record batch v2 bytes, no producer state without idempotence', () => {
    const s = setup();
    s.append('t', 0, Buffer.from('v1'), Buffer.from('k1'));
    s.clock.advance(7);
    s.append('t', 0, Buffer.from('v2'), null);
    const [b] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    const [decoded] = decodeRecordBatches(b.closedBytes);
    expect(decoded.crcValid).toBe(true);
    expect(decoded.producerId).toBe(-1);
    expect(decoded.baseSequence).toBe(-1);
    expect(decoded.records.map((r) => [r.key?.toString() ?? null, r.value?.toString(), r.timestamp - decoded.baseTimestamp])).toEqual([
      ['k1', 'v1', 0],
      [null, 'v2', 7],
    ]);
  });
});

describe('retry backoff', () => {
  /** Java's ExponentialBackoff(initial, 2, max, 0.2).backoff(attempts), with the random draw given. */
  function javaBackoff(initial: number, max: number, attempts: number, u: number): number {
    const expMax = max > initial ? Math.log(max / Math.max(initial, 1)) / Math.log(2) : 0;
    const exp = Math.min(attempts, expMax);
    const term = initial * Math.pow(2, exp);
    const randomFactor = 0.8 + u * 0.4; // nextDouble(1 - jitter, 1 + jitter)
    const value = Math.trunc(randomFactor * term);
    return value > max ? max : value;
  }

  test('retryBackoffMs matches Java for a grid of attempts and random draws', () => {
    for (const [initial, max] of [
      [100, 800],
      [100, 100_000],
      [50, 51],
      [1, 1000],
      [250, 1000],
    ]) {
      for (let attempts = 0; attempts < 15; attempts++) {
        for (const u of [0, 0.25, 0.5, 0.999]) {
          expect([initial, max, attempts, u, retryBackoffMs(initial, max, attempts, () => u)]).toEqual([initial, max, attempts, u, javaBackoff(initial, max, attempts, u)]);
        }
      }
    }
  });

  test('jitter keeps each backoff within [0.8, 1.2) of its base, as Java\'s 0.2 jitter', () => {
    for (const attempts of [0, 1, 2, 3]) {
      const base = 100 * 2 ** attempts;
      expect(retryBackoffMs(100, 1000, attempts, () => 0)).toBe(Math.floor(base * 0.8));
      expect(retryBackoffMs(100, 1000, attempts, () => 0.999999)).toBeLessThan(base * 1.2);
      expect(retryBackoffMs(100, 1000, attempts, () => 0.999999)).toBeGreaterThanOrEqual(Math.floor(base * 1.19));
    }
  });

  test('with the defaults (100, 1000) the capped backoff is exactly 1000 ms, as in Java', () => {
    expect(retryBackoffMs(100, 1000, 4, () => 0.5)).toBe(1000);
    expect(retryBackoffMs(100, 1000, 10, () => 0)).toBe(javaBackoff(100, 1000, 10, 0)); // 800
  });

  test('initial >= max gives max', () => {
    expect(retryBackoffMs(2000, 1000, 0, () => 0)).toBe(1000);
    expect(retryBackoffMs(2000, 1000, 5, () => 0.9)).toBe(1000);
  });

  test('a re-enqueued batch waits out its backoff (100, then 200 ms) before it is ready or drainable', () => {
    const s = setup({ lingerMs: 0 });
    s.append('t', 0, bytes(10));
    const [b] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    s.clock.advance(5);
    answered(b);
    s.acc.reenqueue(b, s.clock.now());
    expect(b.attempts).toBe(1);
    let r = s.acc.ready(s.cluster, s.clock.now());
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(100);
    expect(s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).size).toBe(0);
    s.clock.advance(99);
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
    s.clock.advance(1);
    expect([...s.acc.ready(s.cluster, s.clock.now()).readyNodes]).toEqual([0]);
    expect(s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)).toEqual([b]);
    answered(b);
    s.acc.reenqueue(b, s.clock.now());
    r = s.acc.ready(s.cluster, s.clock.now());
    expect(r.nextReadyCheckDelayMs).toBe(200);
  });

  test('a newer leader epoch seen since the retry began skips the backoff (KIP-951), however it was learned', () => {
    const s = setup();
    s.append('t', 0, bytes(10));
    const [b] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    answered(b);
    s.acc.reenqueue(b, s.clock.now());
    // Same leader epoch: the retry waits out its backoff.
    expect(s.acc.ready(s.cluster, s.clock.now()).readyNodes.size).toBe(0);
    // A Metadata answer (no Produce hint) with the partition's leader epoch moved on, leader elsewhere.
    const moved = makeCluster({ t: [1, 1, 0, 1] });
    const p0 = moved.topics.get('t')!.partitions[0] as { leaderEpoch: number };
    p0.leaderEpoch = 1;
    expect([...s.acc.ready(moved, s.clock.now()).readyNodes]).toEqual([1]);
    // Once sent again and re-queued, the next retry backs off again.
    expect(s.acc.drain(moved, [1], 1 << 20, s.clock.now()).get(1)).toEqual([b]);
    answered(b);
    s.acc.reenqueue(b, s.clock.now());
    expect(s.acc.ready(moved, s.clock.now()).readyNodes.size).toBe(0);
  });
});

describe('expiry (delivery.timeout.ms)', () => {
  test('queued batches expire by creation time, oldest first, from each queue head', () => {
    const v = bytes(50);
    const s = setup({ deliveryTimeoutMs: 1000, batchSize: RECORDS_OFFSET + recSize(v) });
    s.append('t', 0, v); // batch A, t0
    s.clock.advance(10);
    s.append('t', 1, v); // batch B, t0+10
    s.clock.advance(10);
    s.append('t', 0, v); // batch C (A is full), t0+20
    expect(s.acc.nextExpiryDelayMs(s.clock.now())).toBe(980);
    s.clock.advance(979);
    expect(s.acc.expiredBatches(s.clock.now())).toEqual([]);
    s.clock.advance(1);
    const first = s.acc.expiredBatches(s.clock.now());
    expect(first.map((b) => [b.partition, b.createdMs])).toEqual([[0, s.clock.now() - 1000]]);
    expect(s.acc.nextExpiryDelayMs(s.clock.now())).toBe(10);
    s.clock.advance(10);
    expect(s.acc.expiredBatches(s.clock.now()).map((b) => b.partition)).toEqual([1]);
    s.clock.advance(10);
    expect(s.acc.expiredBatches(s.clock.now()).map((b) => b.partition)).toEqual([0]);
    expect(s.acc.nextExpiryDelayMs(s.clock.now())).toBe(Infinity);
    expect(s.acc.hasUndrained()).toBe(false);
  });

  test('an expired batch takes no more appends', () => {
    const s = setup({ deliveryTimeoutMs: 1000 });
    s.append('t', 0, bytes(10));
    s.clock.advance(1000);
    const [b] = s.acc.expiredBatches(s.clock.now());
    expect(b.isFull).toBe(true);
    const r = s.append('t', 0, bytes(10));
    expect(r.kind === 'appended' && r.newBatchCreated).toBe(true);
  });
});

describe('reenqueue', () => {
  test('without idempotence, a retried batch goes back to the head of its queue', () => {
    const v = bytes(50);
    const s = setup({ batchSize: RECORDS_OFFSET + recSize(v) });
    s.append('t', 0, v);
    const [a] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    s.append('t', 0, v);
    s.append('t', 0, v);
    answered(a);
    s.acc.reenqueue(a, s.clock.now());
    const q = takeAllQueued(s);
    expect(q[0]).toBe(a);
    expect(q).toHaveLength(3);
  });

  test('with idempotence, retried batches go back in sequence order, ahead of batches without a sequence', () => {
    const idem = new IdempotenceManager();
    idem.transitionTo('initializing');
    idem.setProducerIdAndEpoch(42, 0);
    const v = bytes(50);
    const s = setup({ batchSize: RECORDS_OFFSET + recSize(v) }, { idempotence: idem });
    // A first batch acknowledged: until then the partition's batches are drained one at a time.
    s.append('t', 0, v);
    const [first] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    idem.handleCompleted(first, 0);
    for (let i = 0; i < 3; i++) s.append('t', 0, v);
    const drained: ProducerBatch[] = [];
    for (let i = 0; i < 3; i++) drained.push(...s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!);
    expect(drained.map((b) => b.baseSequence)).toEqual([1, 2, 3]);
    s.append('t', 0, v); // a new batch, no sequence yet
    const [b0, b1, b2] = drained;
    answered(b1);
    s.acc.reenqueue(b1, s.clock.now());
    answered(b2);
    s.acc.reenqueue(b2, s.clock.now());
    answered(b0);
    s.acc.reenqueue(b0, s.clock.now());
    const q = takeAllQueued(s);
    expect(q.map((b) => b.baseSequence)).toEqual([1, 2, 3, -1]);
  });

  test('split pieces go to the head of the queue, in order, and count as incomplete', () => {
    const s = setup();
    s.append('t', 0, bytes(10));
    const [big] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    s.append('t', 0, bytes(10));
    answered(big);
    const parts = big.split(16384, 0, undefined);
    s.acc.reenqueueSplit(parts);
    for (const p of parts) expect(s.acc.incomplete.has(p)).toBe(true);
    const q = takeAllQueued(s);
    expect(q.slice(0, parts.length)).toEqual(parts);
  });
});

describe('built-in sticky partitioner (null keys)', () => {
  // A deterministic random source: 0, 1, 2, ... so partitions are chosen 0, 1, 2, ... (r % 4).
  function sticky(batchSize: number) {
    let r = 0;
    return setup({ batchSize, random: () => r++ }, { cluster: makeCluster({ t: [0, 1, 0, 1] }) });
  }
  const v = bytes(110);
  const per = recSize(v);
  // batch.size with room for 8 records of `v` (not 9): the first batch closes below batch.size.
  const batchSize = RECORDS_OFFSET + 8 * per + per - 1;
  const partitionOf = (r: AppendOutcome) => (r.kind === 'appended' ? r.partition : -1);

  test('keyless records stay on one partition for at least batch.size bytes, then move on at a batch boundary', () => {
    const s = sticky(batchSize);
    const parts = Array.from({ length: 60 }, () => partitionOf(s.append('t', -1, v)));
    expect(parts.slice(0, 16)).toEqual(Array(16).fill(0));
    // Later the partition changes; every partition's run starts a new batch.
    const switches = parts.map((p, i) => (i > 0 && p !== parts[i - 1] ? i : -1)).filter((i) => i > 0);
    expect(switches.length).toBeGreaterThan(0);
    expect(new Set(parts).size).toBeGreaterThan(1);
    const q = takeAllQueued(s);
    for (const b of q) expect(b.recordCount).toBeGreaterThan(0);
  });

  test('the record that finds the batch full after batch.size bytes goes to the next partition (Java)', () => {
    const s = sticky(batchSize);
    const parts = Array.from({ length: 17 }, () => partitionOf(s.append('t', -1, v)));
    // Batch 1: 8 records (below batch.size, so no switch); batch 2: 8 more (now past
    // batch.size, but switching waits for the batch to fill); the 17th finds it full.
    expect(parts.slice(0, 16)).toEqual(Array(16).fill(0));
    expect(parts[16]).toBe(1);
  });

  test('keyed and explicit-partition records do not touch the sticky state', () => {
    const s = sticky(batchSize);
    expect(partitionOf(s.append('t', -1, v))).toBe(0);
    for (let i = 0; i < 40; i++) s.append('t', 3, v);
    expect(partitionOf(s.append('t', -1, v))).toBe(0);
  });
});

describe('bookkeeping', () => {
  test('with batch.size below 16 KiB, objects are kept as for 16 KiB batches', () => {
    const s = setup({ batchSize: 100 }, { totalMemory: 16384 });
    const kept = (s.acc as unknown as { spareBatches: ProducerBatch[] }).spareBatches;
    for (let p = 0; p < 3; p++) s.append('t', p, bytes(10));
    for (const b of takeAllQueued(s)) {
      b.fail(new Error('settled'));
      s.acc.deallocate(b);
    }
    expect(kept).toHaveLength(1);
  });

  test('incomplete holds every batch until deallocated; memory goes back to the pool', () => {
    const s = setup({ batchSize: 1024 }, { totalMemory: 8192 });
    s.append('t', 0, bytes(10));
    s.append('t', 1, bytes(10));
    expect(s.acc.incomplete.size).toBe(2);
    expect(s.pool.availableMemory).toBe(8192 - 2048);
    const drained = s.acc.drain(s.cluster, [0, 1], 1 << 20, s.clock.now());
    for (const bs of drained.values()) for (const b of bs) s.acc.deallocate(b);
    expect(s.acc.incomplete.size).toBe(0);
    expect(s.pool.availableMemory).toBe(8192);
  });

  test('a finished batch begins the next new batch (at most one kept per batch.size of buffer.memory, batch.size counted as 16 KiB at least; never a split piece)', () => {
    const s = setup({ batchSize: 16384 }, { totalMemory: 2 * 16384 });
    s.append('t', 0, bytes(10));
    s.append('t', 1, bytes(10));
    const [a, b] = takeAllQueued(s);
    a.fail(new Error('settled'));
    b.fail(new Error('settled'));
    s.acc.deallocate(a);
    s.acc.deallocate(b);
    s.append('t', 2, bytes(10));
    s.append('t', 3, bytes(10));
    const [c, d] = takeAllQueued(s);
    // Last kept, first reused; each begins as new: its own partition, one record, open for appends.
    expect([c, d]).toEqual([expect.anything(), expect.anything()]);
    expect(c).toBe(b);
    expect(d).toBe(a);
    expect([c.partition, c.recordCount, c.attempts, d.partition, d.recordCount]).toEqual([2, 1, 0, 3, 1]);
    expect(s.acc.incomplete.has(c) && s.acc.incomplete.has(d)).toBe(true);

    // A batch not finished (queued, in flight) is never kept, nor a split piece (not from the pool).
    const kept = (s.acc as unknown as { spareBatches: ProducerBatch[] }).spareBatches;
    s.acc.deallocate(d); // queued: its memory goes back, its object does not
    expect(kept).toEqual([]);
    s.append('t', 0, bytes(10));
    const [e] = s.acc.drain(s.cluster, [0], 1 << 20, s.clock.now()).get(0)!;
    answered(e);
    const [piece] = e.split(1024, 0, undefined);
    piece.fail(new Error('settled'));
    s.acc.deallocate(piece);
    expect(kept).toEqual([]);
    s.acc.deallocate(e);
    c.fail(new Error('settled'));
    s.acc.deallocate(c);
    expect(kept).toEqual([e, c]);
    // At most one per batch.size buffer of buffer.memory (2 here): a third is let go.
    const third = new ProducerBatch('t', 1, s.pool.tryAllocate(16384)!, 16384, 0, { compression: 0, writeLimit: 16384 });
    third.fail(new Error('settled'));
    s.acc.deallocate(third);
    expect(kept).toEqual([e, c]);
    expect(s.pool.availableMemory).toBe(2 * 16384);
  });

  test('queuedRecordCount and drainAllQueued', () => {
    const s = setup();
    s.append('t', 0, bytes(10));
    s.append('t', 0, bytes(10));
    s.append('t', 2, bytes(10));
    expect(s.acc.queuedRecordCount()).toBe(3);
    expect(s.acc.drainAllQueued().map((b) => b.recordCount)).toEqual([2, 1]);
    expect(s.acc.queuedRecordCount()).toBe(0);
    expect(s.acc.hasUndrained()).toBe(false);
  });
});
