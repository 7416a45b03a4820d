// KafkaProducer's public behaviour against the fake broker on a fake clock: what send()
// settles with, waiting for metadata and for memory (bounded by max.block.ms), flush(),
// close() with and without a timeout, and that every accepted record ends with exactly one
// outcome (counted per record, also under a seeded storm of broker faults).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { murmur2, toPositive } from '../../../src/producer/partitioners/murmur2';
import type { ProducerRecord, RecordMetadata } from '../../../src/producer/record';
import {
  BufferExhaustedError,
  IllegalStateError,
  InvalidArgumentError,
  InvalidTopicError,
  KafkaError,
  ProducerClosedError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
  TopicAuthorizationError,
  UnknownTopicOrPartitionError,
} from '../../../src/protocol/errors';
import { ErrorCode, FakeBroker, FakeCluster, FakeClusterOptions, Outcomes, ProduceAction } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

interface Harness {
  cluster: FakeCluster;
  broker: FakeBroker;
  clock: FakeClock;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  send(rec: Partial<ProducerRecord<string, string>> & { value: string | null }, label?: string): void;
}

const harnesses: Harness[] = [];
const clusters: FakeCluster[] = [];
const releases: (() => void)[] = [];

function seeded(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
}

async function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, clusterOpts: FakeClusterOptions = {}): Promise<Harness> {
  const cluster = await FakeCluster.start({ topics: { t: 3 }, ...clusterOpts });
  clusters.push(cluster); // closed after the test even if the producer cannot be made
  const clock = new FakeClock();
  const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, ...producerOpts }, { clock, random: seeded(3) });
  const out = new Outcomes();
  const h: Harness = {
    cluster,
    broker: cluster.brokers[0],
    clock,
    producer,
    out,
    send(rec, label) {
      producer.send({ topic: 't', ...rec } as ProducerRecord<string, string>, out.cb(label ?? String(rec.value)));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const r of releases.splice(0)) r();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    h.clock.advance(0);
    await closing;
  }
  for (const c of clusters.splice(0)) await c.close();
});

function hold(h: Harness): () => void {
  const release = h.broker.holdProduce();
  releases.push(release);
  return release;
}

/**
 * One acknowledged record in `partition` (value 'warm-up'), outside h.out: until a batch of a
 * partition is acknowledged, the idempotent producer sends its batches one at a time.
 */
async function warmUp(h: Harness, partition = 0): Promise<void> {
  let done = false;
  void h.producer.send({ topic: 't', partition, value: 'warm-up' }).finally(() => (done = true));
  await h.clock.waitFor(() => done, { what: 'the warm-up record' });
}

const keyPartition = (key: string, n: number) => toPositive(murmur2(Buffer.from(key, 'utf8'))) % n;

describe('send() outcomes', () => {
  test('RecordMetadata: topic, partition (murmur2 of the key), offset, timestamp, serialized sizes', async () => {
    const h = await start();
    const t0 = h.clock.now();
    const p = keyPartition('key1', 3);
    const other = (p + 1) % 3;
    h.send({ key: 'key1', value: 'hello' });
    h.send({ key: 'key1', value: 'again', timestamp: 42 });
    h.send({ key: null, value: null, partition: other });
    h.send({ key: 'ü', value: '€uro', partition: other, headers: { h1: 'v1', h2: null } });
    await h.clock.waitFor(() => h.out.allSettled);
    const mds = h.out.all.map((o) => o.md);
    expect(h.out.failed).toHaveLength(0);
    expect(mds[0]).toEqual({ topic: 't', partition: p, offset: 0n, timestamp: t0, serializedKeySize: 4, serializedValueSize: 5 });
    expect(mds[1]).toEqual({ topic: 't', partition: p, offset: 1n, timestamp: 42, serializedKeySize: 4, serializedValueSize: 5 });
    expect(mds[2]).toEqual({ topic: 't', partition: other, offset: 0n, timestamp: t0, serializedKeySize: -1, serializedValueSize: -1 });
    expect(mds[3]).toMatchObject({ partition: other, offset: 1n, serializedKeySize: 2, serializedValueSize: 6 });
    // What the broker stored.
    const stored = h.cluster.records('t', other);
    expect(stored.map((r) => [r.offset, r.keyString, r.valueString])).toEqual([
      [0, null, null],
      [1, 'ü', '€uro'],
    ]);
    expect(stored[1].headers.map((x) => [x.key, x.value?.toString() ?? null])).toEqual([
      ['h1', 'v1'],
      ['h2', null],
    ]);
    expect(h.cluster.records('t', p).map((r) => r.timestamp)).toEqual([t0, 42]);
    h.out.expectExactlyOnce();
  });

  test('the promise form resolves with the same RecordMetadata', async () => {
    const h = await start();
    let md: RecordMetadata | undefined;
    void h.producer.send({ topic: 't', partition: 1, value: 'x' }).then((m) => (md = m));
    await h.clock.waitFor(() => md !== undefined);
    expect(md).toMatchObject({ topic: 't', partition: 1, offset: 0n });
  });

  test('a topic with LogAppendTime: the timestamp is the broker\'s, not the create time', async () => {
    const h = await start({}, { topics: { t: { partitions: 1, logAppendTime: true } } });
    const before = Date.now();
    h.send({ value: 'a', timestamp: 5 });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].md!.timestamp).toBeGreaterThanOrEqual(before);
  });

  test('records keep send() order per partition, also while the first ones wait for metadata', async () => {
    const h = await start({}, { topics: {}, autoCreateTopics: 1 });
    for (let i = 0; i < 20; i++) h.send({ topic: 'fresh', value: `v${i}` });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all.map((o) => o.md!.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    expect(h.cluster.records('fresh', 0).map((r) => r.valueString)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    h.out.expectExactlyOnce();
  });

  test('a record larger than max.request.size is refused at once with RecordTooLargeError', async () => {
    const h = await start({ maxRequestSize: 1000 });
    h.send({ value: 'x'.repeat(2000) });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(RecordTooLargeError);
    expect(h.out.all[0].err!.message).toMatch(/max\.request\.size/);
    expect(h.broker.requestsOf('Produce')).toHaveLength(0);
  });

  test('an invalid topic name is reported through the callback right after send() returns, never inside it', async () => {
    const h = await start();
    h.send({ topic: 'bad topic!', value: 'a' });
    expect(h.out.all[0].calls).toBe(0);
    await Promise.resolve();
    expect(h.out.all[0].calls).toBe(1);
    expect((h.out.all[0].err as KafkaError).code).toBe('INVALID_TOPIC_EXCEPTION');
    expect(h.out.all[0].err).toBeInstanceOf(InvalidTopicError);
  });

  test('a serializer that throws fails the record with SerializationError, after send() returned (nothing is queued)', async () => {
    const h = await start({
      valueSerializer: {
        serialize: () => {
          throw new Error('nope');
        },
      },
    });
    const callback = jest.fn();
    expect(h.producer.send({ topic: 't', value: 'a' }, callback)).toBeUndefined();
    expect(callback).not.toHaveBeenCalled();
    const rejected = h.producer.send({ topic: 't', value: 'a' });
    expect(h.producer.metrics()['incomplete-batches']).toBe(0);
    await expect(rejected).rejects.toThrow(SerializationError);
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback.mock.calls[0][0]).toBeInstanceOf(SerializationError);
    expect((callback.mock.calls[0][0] as Error & { cause?: Error }).cause?.message).toBe('nope');
  });
});

describe("Node's promise conventions: send() does not throw", () => {
  test('producer.send(r).catch(log) and the callback form, as a new user writes them, in a process of their own: every failure is logged or called back, after send() returned; nothing reaches the process', () => {
    const script = path.join(__dirname, '..', '..', 'support', 'new-user-sends.ts');
    const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!);
    const expected = [
      'closed producer: ProducerClosedError',
      'no record: InvalidArgumentError',
      'null record: InvalidArgumentError',
      'no topic: InvalidArgumentError',
      'negative partition: InvalidArgumentError',
      'bad timestamp: InvalidArgumentError',
      'bad header: InvalidArgumentError',
      'value the serializer cannot take: SerializationError',
      'serializer that throws: SerializationError',
      'outside a transaction: IllegalStateError',
      'invalid topic name: InvalidTopicError',
      'interceptors, bad partition: InvalidArgumentError',
    ];
    expect(report).toEqual({
      logged: expected,
      callbacks: expected, // none marked "(inside send())"
      thrown: [],
      acks: ['InvalidArgumentError', 'InvalidArgumentError'], // once per send, both forms
      delivered: true,
      beforeControl: [],
      // The one rejection left unhandled on purpose: the check does see one.
      reachedProcess: ['unhandledRejection: control'],
    });
  });

  test('the same in this process: every failure rejects or is called back once, never inside send()', async () => {
    const h = await start();
    await h.producer.send({ topic: 't', value: 'warm-up' }).catch(() => {});
    const others: KafkaProducer<string, string>[] = [];
    const another = (opts: Partial<ProducerOptions<string, string>>): KafkaProducer<string, string> => {
      const p = new KafkaProducer<string, string>({ bootstrapServers: h.cluster.bootstrap, lingerMs: 0, ...opts }, { clock: h.clock });
      others.push(p);
      return p;
    };
    const throwingSerializer = another({
      valueSerializer: {
        serialize: () => {
          throw new Error('nope');
        },
      },
    });
    const transactional = another({ transactionalId: 'tx' });
    const acks: (Error | null)[] = [];
    const intercepted = another({ interceptors: [{ onAcknowledgement: (_md, err) => acks.push(err) }] });
    const closed = another({});
    const closing = closed.close();
    h.clock.advance(0);
    await closing;

    const cases: [string, KafkaProducer<string, string>, unknown, new (...args: never[]) => Error][] = [
      ['a closed producer', closed, { topic: 't', value: 'v' }, ProducerClosedError],
      ['no record', h.producer, undefined, InvalidArgumentError],
      ['a string for a record', h.producer, 'v', InvalidArgumentError],
      ['no topic', h.producer, { value: 'v' }, InvalidArgumentError],
      ['a negative partition', h.producer, { topic: 't', value: 'v', partition: -1 }, InvalidArgumentError],
      ['a header of the wrong type', h.producer, { topic: 't', value: 'v', headers: { h: 1 } }, InvalidArgumentError],
      ['a value the serializer cannot take', h.producer, { topic: 't', value: { an: 'object' } }, SerializationError],
      ['a serializer that throws', throwingSerializer, { topic: 't', value: 'v' }, SerializationError],
      ['a transactional producer outside a transaction', transactional, { topic: 't', value: 'v' }, IllegalStateError],
      ['an invalid topic name', h.producer, { topic: 'a b', value: 'v' }, InvalidTopicError],
      ['interceptors and an invalid record', intercepted, { topic: 't', value: 'v', timestamp: -5 }, InvalidArgumentError],
    ];
    const logged: [string, unknown][] = [];
    const viaCallback: [string, unknown, number][] = [];
    for (const [what, producer, record] of cases) {
      const log = (err: unknown): void => {
        logged.push([what, err]);
      };
      producer.send(record as ProducerRecord<string, string>).catch(log);
      let calls = 0;
      producer.send(record as ProducerRecord<string, string>, (err) => viaCallback.push([what, err, ++calls]));
      // Never inside the send() call.
      expect(calls).toBe(0);
    }
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(logged.map(([what]) => what)).toEqual(cases.map(([what]) => what));
    expect(viaCallback.map(([what, , calls]) => [what, calls])).toEqual(cases.map(([what]) => [what, 1]));
    for (const [what, , , type] of cases) {
      expect([what, logged.find(([w]) => w === what)![1]]).toEqual([what, expect.any(type)]);
      expect([what, viaCallback.find(([w]) => w === what)![1]]).toEqual([what, expect.any(type)]);
    }
    // The interceptor heard of each failure once.
    expect(acks).toEqual([expect.any(InvalidArgumentError), expect.any(InvalidArgumentError)]);

    for (const p of others) {
      const c = p.close({ timeoutMs: 0 });
      h.clock.advance(0);
      await c;
    }
  });
});

describe('waiting for metadata (max.block.ms)', () => {
  test('an unknown topic: TimeoutError naming the topic, exactly at max.block.ms', async () => {
    const h = await start({ maxBlockMs: 1000 });
    h.send({ topic: 'nope', value: 'a' });
    await h.clock.waitFor(() => h.broker.requestsOf('Metadata').length > 0);
    await h.clock.advanceAndSettle(999);
    expect(h.out.settled).toBe(0);
    // It kept asking meanwhile (retry.backoff.ms between refreshes).
    expect(h.broker.requestsOf('Metadata').length).toBeGreaterThan(3);
    await h.clock.advanceAndSettle(1);
    expect(h.out.settled).toBe(1);
    const err = h.out.all[0].err!;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe('Topic nope not present in metadata after 1000 ms.');
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(h.out.all[0].md).toMatchObject({ topic: 'nope', offset: -1n });
    h.out.expectExactlyOnce();
  });

  test('a partition beyond the known count: TimeoutError naming partition and count', async () => {
    const h = await start({ maxBlockMs: 500 });
    h.send({ value: 'a', partition: 5 });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 50, maxVirtualMs: 1000 });
    expect(h.out.all[0].err!.message).toBe('Partition 5 of topic t with partition count 3 is not present in metadata after 500 ms.');
  });

  test('a topic that appears while a send waits: the send goes through', async () => {
    const h = await start({ maxBlockMs: 1000 });
    h.send({ topic: 'later', value: 'a' });
    await h.clock.advanceAndSettle(300);
    h.cluster.createTopic('later', 1);
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 50, maxVirtualMs: 1000 });
    expect(h.out.all[0].err).toBeNull();
    expect(h.cluster.records('later', 0).map((r) => r.valueString)).toEqual(['a']);
  });

  test('a fatal topic error in metadata (authorization) fails the send at once, without waiting', async () => {
    const h = await start({ maxBlockMs: 60_000 }, { topics: { secret: { partitions: 1, metadataErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED } } });
    h.send({ topic: 'secret', value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(TopicAuthorizationError);
  });

  test('partitionsFor() waits for metadata and lists the partitions', async () => {
    const h = await start();
    let parts: { partition: number; leader: number }[] | undefined;
    void h.producer.partitionsFor('t').then((p) => (parts = p));
    await h.clock.waitFor(() => parts !== undefined);
    expect(parts!.map((p) => [p.partition, p.leader])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });
});

describe('buffer.memory', () => {
  const big = (i: number) => `r${i}`.padEnd(600, '.');

  test('exhausted while the broker does not answer: sends wait, then fail with BufferExhaustedError at max.block.ms', async () => {
    const h = await start({ bufferMemory: 4096, batchSize: 1024, maxBlockMs: 1000, deliveryTimeoutMs: 60_000, requestTimeoutMs: 30_000 });
    await warmUp(h);
    const release = hold(h);
    for (let i = 0; i < 6; i++) h.send({ value: big(i), partition: 0 }, `r${i}`);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 4, { what: 'four batches in flight' });
    expect(h.producer.metrics()['buffer-available-bytes']).toBe(0);
    expect(h.producer.metrics()['waiting-sends']).toBe(2);
    await h.clock.advanceAndSettle(999);
    expect(h.out.settled).toBe(0);
    await h.clock.advanceAndSettle(1);
    expect(h.out.settled).toBe(2);
    expect(h.out.all[4].err).toBeInstanceOf(BufferExhaustedError);
    expect(h.out.all[4].err).toBeInstanceOf(TimeoutError); // as Java's BufferExhaustedException
    expect(h.out.all[5].err).toBeInstanceOf(TimeoutError);
    release();
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all.slice(0, 4).map((o) => o.err)).toEqual([null, null, null, null]);
    expect(h.producer.metrics()['buffer-available-bytes']).toBe(4096);
    h.out.expectExactlyOnce();
  });

  // Regression: a send queued behind a memory waiter used to fail with "Partition 0 of topic t
  // ... is not present in metadata" (processPending took every expired send for a metadata
  // timeout); fixed concurrently in b03a7b3.
  test('a send queued behind a memory waiter also fails with BufferExhaustedError, not a metadata timeout', async () => {
    const h = await start({ bufferMemory: 4096, batchSize: 1024, maxBlockMs: 1000, deliveryTimeoutMs: 60_000, requestTimeoutMs: 30_000 });
    await warmUp(h);
    hold(h);
    for (let i = 0; i < 6; i++) h.send({ value: big(i), partition: 0 }, `r${i}`);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 4);
    await h.clock.advanceAndSettle(1000);
    expect(h.out.all[5].err).toBeInstanceOf(BufferExhaustedError);
    expect(h.out.all[5].err!.message).not.toMatch(/not present in metadata/);
  });

  test('a waiting send proceeds, in order, once an answer frees memory', async () => {
    const h = await start({ bufferMemory: 2048, batchSize: 1024, maxBlockMs: 1000 });
    await warmUp(h);
    const release = hold(h);
    for (let i = 0; i < 4; i++) h.send({ value: big(i), partition: 0 }, `r${i}`);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 2);
    await h.clock.advanceAndSettle(500);
    release();
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 400 });
    expect(h.out.failed).toHaveLength(0);
    expect(h.cluster.records('t', 0).map((r) => r.valueString)).toEqual(['warm-up', ...[0, 1, 2, 3].map(big)]);
    h.out.expectExactlyOnce();
  });
});

describe('partitioner calls', () => {
  test('round-robin steps once per record, also when a record waits for memory', async () => {
    const h = await start({ partitioner: 'round-robin', bufferMemory: 2048, batchSize: 1024, maxBlockMs: 10_000 }, { topics: { t: 4 } });
    const release = hold(h);
    for (let i = 0; i < 4; i++) h.send({ value: `v${i}`, key: null }, `v${i}`);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1 && h.producer.metrics()['waiting-sends'] === 2);
    release();
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all.map((o) => o.md!.partition)).toEqual([0, 1, 2, 3]);
  });

  test('round-robin steps once per record when memory is plentiful', async () => {
    const h = await start({ partitioner: 'round-robin' }, { topics: { t: 4 } });
    for (let i = 0; i < 6; i++) h.send({ value: `v${i}` });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all.map((o) => o.md!.partition)).toEqual([0, 1, 2, 3, 0, 1]);
  });
});

describe('flush()', () => {
  test('resolves only after every earlier record settled (linger is ignored meanwhile)', async () => {
    const h = await start({ lingerMs: 60_000 });
    for (let p = 0; p < 3; p++) h.send({ value: `v${p}`, partition: p });
    let settledWhenFlushed = -1;
    let flushed = false;
    void h.producer.flush().then(() => {
      flushed = true;
      settledWhenFlushed = h.out.settled;
    });
    await h.clock.waitFor(() => flushed);
    expect(settledWhenFlushed).toBe(3);
    h.out.expectExactlyOnce();
  });

  test('does not wait for sends made after it (here: one stuck waiting for metadata)', async () => {
    const h = await start({ lingerMs: 60_000, maxBlockMs: 60_000 });
    h.send({ value: 'a', partition: 0 });
    let flushed = false;
    void h.producer.flush().then(() => (flushed = true));
    h.send({ topic: 'missing', value: 'b' });
    await h.clock.waitFor(() => flushed);
    expect(h.out.all[0].calls).toBe(1);
    expect(h.out.all[1].calls).toBe(0);
  });

  test('does not wait for a later record whose batch begins in the object of a batch it waits for', async () => {
    // A done batch's object begins the next new batch (ProducerBatch.reuse). Here y's batch is
    // done while flush() still waits for x's retry, and c's new batch begins in y's object:
    // flush() must end with x, not wait for c.
    const h = await start({ lingerMs: 60_000 });
    h.broker.failNext('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    h.send({ value: 'x', partition: 0 });
    h.send({ value: 'y', partition: 1 });
    let flushed = false;
    void h.producer.flush().then(() => (flushed = true));
    await h.clock.waitFor(() => h.out.settled === 1);
    expect(h.out.all[1].calls).toBe(1);
    h.broker.failNext('t', 2, ErrorCode.NOT_LEADER_OR_FOLLOWER, 50);
    h.send({ value: 'c', partition: 2 });
    await h.clock.runUntil(() => flushed, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all.map((o) => o.calls)).toEqual([1, 1, 0]);
  });

  test('with nothing pending it resolves at once', async () => {
    const h = await start();
    await expect(h.producer.flush()).resolves.toBeUndefined();
  });

  test('flush() also waits for the records of a batch that was split on MESSAGE_TOO_LARGE', async () => {
    const h = await start({ lingerMs: 60_000 });
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    for (const v of ['a', 'b', 'c']) h.send({ value: v, partition: 0 });
    let settledWhenFlushed = -1;
    let flushed = false;
    void h.producer.flush().then(() => {
      flushed = true;
      settledWhenFlushed = h.out.settled;
    });
    await h.clock.runUntil(() => flushed, { stepMs: 10, maxVirtualMs: 5000 });
    expect(settledWhenFlushed).toBe(3);
  });
});

describe('a listener that throws, a defect in the sender loop', () => {
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  });
  afterEach(() => warnings.mockRestore());

  test("a throwing 'request', 'retry' or 'batchError' listener is a warning; every record still gets its outcome", async () => {
    const h = await start({ retries: 1 });
    for (const event of ['request', 'retry', 'batchError'] as const) {
      h.producer.on(event, () => {
        throw new Error(`${event} listener broke`);
      });
    }
    h.broker.failNext('t', 1, ErrorCode.NOT_LEADER_OR_FOLLOWER, 3); // a retry, then a batch error
    h.send({ value: 'a', partition: 0 });
    h.send({ value: 'b', partition: 1 });
    await h.clock.runUntil(() => h.out.settled === 2, { stepMs: 10, maxVirtualMs: 10_000 });
    expect(h.out.all.map((o) => [o.calls, o.err === null])).toEqual([
      [1, true],
      [1, false],
    ]);
    const told = warnings.mock.calls.map(([w]) => String((w as Error).message));
    for (const event of ['request', 'retry', 'batchError']) expect(told).toContain(`a '${event}' event listener threw: ${event} listener broke`);
    // The producer goes on: a later record is delivered.
    h.send({ value: 'c', partition: 0 });
    await h.clock.runUntil(() => h.out.settled === 3, { stepMs: 10, maxVirtualMs: 10_000 });
    expect(h.out.all[2].err).toBeNull();
    h.out.expectExactlyOnce();
  });

  test('a defect in the loop fails what was pending; a record its callback sends then is delivered once, and no buffer is returned twice', async () => {
    const h = await start({ lingerMs: 60_000 });
    const internals = h.producer as unknown as {
      accumulator: { ready: (...a: unknown[]) => unknown; incomplete: { size: number } };
      pool: { availableMemory: number; totalMemory: number };
      sender: { wakeup(): void };
    };
    const ready = internals.accumulator.ready.bind(internals.accumulator);
    let broken = false;
    internals.accumulator.ready = (...a: unknown[]) => {
      if (broken) {
        broken = false;
        throw new Error('defect');
      }
      return ready(...a);
    };
    // b's failure sends c at once: the queues refill while the loop fails what is left, and
    // c's new batch begins in the object of a's batch, failed just before (ProducerBatch.reuse).
    h.send({ value: 'a', partition: 0 });
    const bOutcome = h.out.cb('b');
    h.producer.send({ topic: 't', value: 'b', partition: 1 }, (err, md) => {
      bOutcome(err, md);
      h.send({ value: 'c', partition: 1 });
    });
    await h.clock.runUntil(() => internals.accumulator.incomplete.size === 2, { stepMs: 10, maxVirtualMs: 1000 }); // both queued (linger)
    broken = true; // the sender's next pass
    internals.sender.wakeup();
    await h.clock.runUntil(() => h.out.settled === 2, { stepMs: 10, maxVirtualMs: 1000 });
    expect(h.out.all.map((o) => [o.label, o.calls, o.err?.message ?? null])).toEqual([
      ['a', 1, expect.stringMatching(/I\/O loop failed: defect/)],
      ['b', 1, expect.stringMatching(/I\/O loop failed: defect/)],
      ['c', 0, null],
    ]);
    await h.producer.flush();
    expect(h.out.all.map((o) => [o.label, o.calls])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(h.out.all[2].err).toBeNull();
    expect(h.cluster.brokers[0].records('t', 1).map((r) => r.value?.toString())).toEqual(['c']);
    expect(internals.pool.availableMemory).toBe(internals.pool.totalMemory);
  });
});

describe('close()', () => {
  test('delivers what is queued (linger ignored), then sends fail with ProducerClosedError', async () => {
    const h = await start({ lingerMs: 60_000 });
    for (const v of ['a', 'b']) h.send({ value: v, partition: 0 });
    let closed = false;
    void h.producer.close().then(() => (closed = true));
    await h.clock.waitFor(() => closed);
    expect(h.out.failed).toHaveLength(0);
    expect(h.out.allSettled).toBe(true);
    expect(h.cluster.records('t', 0).map((r) => r.valueString)).toEqual(['a', 'b']);
    const late = jest.fn();
    expect(h.producer.send({ topic: 't', value: 'late' }, late)).toBeUndefined();
    expect(late).not.toHaveBeenCalled();
    await expect(h.producer.send({ topic: 't', value: 'late' })).rejects.toThrow(ProducerClosedError);
    expect(late).toHaveBeenCalledTimes(1);
    expect(late.mock.calls[0][0]).toBeInstanceOf(ProducerClosedError);
    expect(late.mock.calls[0][0].message).toMatch(/after the producer has been closed/);
    expect(late.mock.calls[0][1]).toMatchObject({ topic: 't', partition: -1, offset: -1n });
    await expect(h.producer.partitionsFor('t')).rejects.toBeInstanceOf(ProducerClosedError);
    // close() again is the same close.
    await expect(h.producer.close()).resolves.toBeUndefined();
    h.out.expectExactlyOnce();
  });

  test('close() waits for retries in progress', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, 2);
    h.send({ value: 'a', partition: 0 });
    let closed = false;
    void h.producer.close().then(() => (closed = true));
    await h.clock.runUntil(() => closed, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[0].err).toBeNull();
  });

  test('close({ timeoutMs: 0 }) with a broker that does not answer fails every pending record, once', async () => {
    const h = await start({ enableIdempotence: false, maxInFlightRequestsPerConnection: 1, batchSize: 80, maxBlockMs: 60_000 });
    hold(h);
    for (let i = 0; i < 4; i++) h.send({ value: `v${i}`.padEnd(30, '.'), partition: 0 }); // 1 in flight, 3 queued
    h.send({ topic: 'missing', value: 'waiting for metadata' });
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    let closed = false;
    void h.producer.close({ timeoutMs: 0 }).then(() => (closed = true));
    h.clock.advance(0);
    await h.clock.waitFor(() => closed);
    await h.clock.tick(20);
    expect(h.out.allSettled).toBe(true);
    for (const o of h.out.all) {
      expect(o.err).toBeInstanceOf(KafkaError);
      expect((o.err as KafkaError).code).toBe('ERR_KAFKA_PRODUCER_CLOSED');
    }
    h.out.expectExactlyOnce();
  });

  test('close({ timeoutMs: 500 }) gives up exactly after 500 ms', async () => {
    const h = await start();
    hold(h);
    h.send({ value: 'a', partition: 0 });
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    let closed = false;
    void h.producer.close({ timeoutMs: 500 }).then(() => (closed = true));
    await h.clock.advanceAndSettle(499);
    expect(closed).toBe(false);
    expect(h.out.settled).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => closed);
    expect((h.out.all[0].err as KafkaError).code).toBe('ERR_KAFKA_PRODUCER_CLOSED');
    expect(h.out.all[0].err).toBeInstanceOf(ProducerClosedError);
    h.out.expectExactlyOnce();
  });

  test('close() rejects a negative timeout', async () => {
    const h = await start();
    expect(() => h.producer.close({ timeoutMs: -1 })).toThrow(/non-negative/);
  });

  test('a send waiting for memory gets exactly one outcome when close({ timeoutMs: 0 }) forces it out', async () => {
    const h = await start({ bufferMemory: 2048, batchSize: 1024, maxBlockMs: 60_000 });
    await warmUp(h);
    hold(h);
    const big = (i: number) => `r${i}`.padEnd(600, '.');
    for (let i = 0; i < 3; i++) h.send({ value: big(i), partition: 0 }, `r${i}`);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 2);
    expect(h.producer.metrics()['waiting-sends']).toBe(1);
    let closed = false;
    void h.producer.close({ timeoutMs: 0 }).then(() => (closed = true));
    h.clock.advance(0);
    await h.clock.waitFor(() => closed);
    await h.clock.tick(20);
    h.out.expectExactlyOnce();
  });

  test('close() delivers the records of a batch split on MESSAGE_TOO_LARGE (none is lost)', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    for (const v of ['a', 'b', 'c']) h.send({ value: v, partition: 0 });
    let closed = false;
    void h.producer.close().then(() => (closed = true));
    await h.clock.runUntil(() => closed, { stepMs: 10, maxVirtualMs: 5000 });
    await h.clock.tick(20);
    h.out.expectExactlyOnce();
    expect(h.out.failed).toHaveLength(0);
  });
});

describe('metrics', () => {
  test('counts records sent, errors, requests and incomplete batches', async () => {
    const h = await start();
    h.broker.failNext('t', 1, ErrorCode.INVALID_RECORD);
    h.send({ value: 'a', partition: 0 });
    h.send({ value: 'b', partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    const m = h.producer.metrics();
    expect(m['record-send-total']).toBe(1);
    expect(m['record-error-total']).toBe(1);
    expect(m['request-total']).toBe(1);
    expect(m['batch-total']).toBe(2);
    expect(m['incomplete-batches']).toBe(0);
    expect(m['records-queued']).toBe(0);
  });

  test("'requests-in-flight' counts unanswered Produce requests", async () => {
    const h = await start();
    hold(h);
    h.send({ value: 'a', partition: 0 });
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    expect(h.producer.metrics()['requests-in-flight']).toBe(1);
  });
});

describe('exactly one outcome under a storm of faults', () => {
  test('idempotent: every record settles once; the successful ones are stored once each, in send order', async () => {
    const h = await start({ batchSize: 256, lingerMs: 2, deliveryTimeoutMs: 30_010, requestTimeoutMs: 30_000 }, { topics: { t: 3 } });
    const rnd = seeded(42);
    h.broker.onProduce((req): ProduceAction | void => {
      const x = rnd();
      if (x < 0.05) return { dropConnection: true };
      if (x < 0.1) return { dropAfterAppend: true };
      if (x < 0.3) {
        const errors = req.topics.flatMap((t) =>
          t.partitions
            .filter(() => rnd() < 0.5)
            .map((p) => ({ topic: t.name, partition: p.index, errorCode: rnd() < 0.5 ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NOT_LEADER_OR_FOLLOWER })),
        );
        return { errors };
      }
      if (x < 0.33) {
        // A non-retriable failure of one partition's batch.
        const t = req.topics[0];
        return { errors: [{ topic: t.name, partition: t.partitions[0].index, errorCode: ErrorCode.INVALID_RECORD }] };
      }
      return undefined;
    });
    const n = 300;
    for (let i = 0; i < n; i++) {
      h.send({ key: `k${i % 17}`, value: `v${i}` }, `v${i}`);
      if (i % 25 === 24) await h.clock.advanceAndSettle(1, 2);
    }
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 20, maxVirtualMs: 40_000, timeoutMs: 15_000 });
    h.out.expectExactlyOnce();
    const ok = new Set(h.out.succeeded.map((o) => o.label));
    const failed = new Set(h.out.failed.map((o) => o.label));
    expect(ok.size + failed.size).toBe(n);
    expect(ok.size).toBeGreaterThan(n / 2);
    for (let p = 0; p < 3; p++) {
      const stored = h.cluster.records('t', p).map((r) => r.valueString!);
      // No duplicates, nothing that failed, and send order kept.
      expect(new Set(stored).size).toBe(stored.length);
      for (const v of stored) expect(ok.has(v)).toBe(true);
      const idx = stored.map((v) => Number(v.slice(1)));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
    const storedCount = [0, 1, 2].reduce((s, p) => s + h.cluster.records('t', p).length, 0);
    expect(storedCount).toBe(ok.size);
  }, 20_000);
});
