// The sender loop against the scripted fake broker, on a fake clock: linger, in-flight
// limits, retries and their backoff, error mapping, delivery timeouts, splitting on
// MESSAGE_TOO_LARGE, acks=0, dropped connections, several brokers and protocol versions.
// Every test also checks that each record got exactly one outcome.
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import type { ProducerRecord } from '../../../src/producer/record';
import {
  InvalidRecordError,
  KafkaError,
  RecordTooLargeError,
  TimeoutError,
  TopicAuthorizationError,
} from '../../../src/protocol/errors';
import { ErrorCode, FakeBroker, FakeCluster, FakeClusterOptions, Outcomes } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

interface Harness {
  cluster: FakeCluster;
  broker: FakeBroker;
  clock: FakeClock;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  send(rec: Partial<ProducerRecord<string, string>> & { value: string | null }, label?: string): void;
  produceRequests(nodeId?: number): ReturnType<FakeBroker['requestsOf']>;
}

const harnesses: Harness[] = [];
const clusters: FakeCluster[] = [];
const releases: (() => void)[] = [];

/** A seeded random source, so partition choices and jitter repeat. */
function seeded(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

async function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, clusterOpts: FakeClusterOptions = {}): Promise<Harness> {
  const cluster = await FakeCluster.start({ topics: { t: 1 }, ...clusterOpts });
  clusters.push(cluster); // closed after the test even if the producer cannot be made
  const clock = new FakeClock();
  const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, ...producerOpts }, { clock, random: seeded(), jitter: () => 0.5 });
  const out = new Outcomes();
  const h: Harness = {
    cluster,
    broker: cluster.brokers[0],
    clock,
    producer,
    out,
    send(rec, label) {
      producer.send({ topic: 't', ...rec } as ProducerRecord<string, string>, out.cb(label));
    },
    produceRequests(nodeId) {
      return cluster.brokers.filter((b) => nodeId === undefined || b.nodeId === nodeId).flatMap((b) => b.requestsOf('Produce'));
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

const values = (h: Harness, topic = 't', partition = 0) => h.cluster.records(topic, partition).map((r) => r.valueString);

describe('linger.ms', () => {
  test('lingerMs = 0: a record is sent and settles without any virtual time passing', async () => {
    const h = await start({ lingerMs: 0 });
    const t0 = h.clock.now();
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled, { what: 'the record' });
    expect(h.clock.now()).toBe(t0);
    const [o] = h.out.all;
    expect(o.err).toBeNull();
    expect(o.md).toMatchObject({ topic: 't', partition: 0, offset: 0n, timestamp: t0 });
    h.out.expectExactlyOnce();
  });

  test('lingerMs = 100: records wait exactly until linger.ms has passed on the clock', async () => {
    const h = await start({ lingerMs: 100 });
    h.send({ value: 'a' });
    h.send({ value: 'b' });
    // Setup (metadata, producer id) needs no virtual time; the batch waits for linger.
    await h.clock.waitFor(() => h.broker.requestsOf('InitProducerId').some((r) => r.outcome === 'answered'));
    await h.clock.tick(20);
    expect(h.produceRequests()).toHaveLength(0);
    await h.clock.advanceAndSettle(99);
    expect(h.produceRequests()).toHaveLength(0);
    expect(h.out.settled).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.out.allSettled);
    const reqs = h.produceRequests();
    expect(reqs).toHaveLength(1);
    expect(reqs[0].records).toBe(2);
    expect(values(h)).toEqual(['a', 'b']);
    h.out.expectExactlyOnce();
  });
});

describe('max.in.flight.requests.per.connection', () => {
  /** Sends n records, one batch each (batch.size fits one record), to partition 0. */
  async function inFlightRun(opts: Partial<ProducerOptions<string, string>>, n: number): Promise<Harness> {
    const h = await start({ batchSize: 80, ...opts });
    // Idempotent: until a batch of the partition is acknowledged, its batches go one at a time.
    const warm = opts.enableIdempotence === false ? [] : ['warm-up'.padEnd(30, '.')];
    for (const v of warm) h.send({ value: v });
    await h.clock.waitFor(() => h.out.allSettled, { what: 'the warm-up record' });
    const release = h.broker.holdProduce();
    releases.push(release);
    for (let i = 0; i < n; i++) h.send({ value: `v${i}`.padEnd(30, '.') });
    const limit = opts.maxInFlightRequestsPerConnection ?? 5;
    await h.clock.waitFor(() => h.broker.outstandingProduce >= Math.min(limit, n), { what: 'requests in flight' });
    await h.clock.tick(30);
    expect(h.broker.maxOutstandingProducePerConnection).toBe(Math.min(limit, n));
    release();
    await h.clock.waitFor(() => h.out.allSettled, { what: 'all records' });
    expect(h.broker.maxOutstandingProducePerConnection).toBe(Math.min(limit, n));
    expect(h.produceRequests().length).toBe(warm.length + n); // one batch per request
    expect(values(h)).toEqual([...warm, ...Array.from({ length: n }, (_, i) => `v${i}`.padEnd(30, '.'))]);
    h.out.expectExactlyOnce();
    expect(h.out.failed).toHaveLength(0);
    return h;
  }

  test('at most 2 unanswered Produce requests when the limit is 2', async () => {
    await inFlightRun({ maxInFlightRequestsPerConnection: 2 }, 8);
  });

  test('at most 5 by default (idempotent producer)', async () => {
    await inFlightRun({}, 9);
  });

  test('1 without idempotence (strict order by muting)', async () => {
    await inFlightRun({ maxInFlightRequestsPerConnection: 1, enableIdempotence: false }, 5);
  });
});

describe('retries', () => {
  test('NOT_LEADER_OR_FOLLOWER: metadata is refreshed and the batch retried after retry.backoff.ms', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.produceRequests().some((r) => r.outcome === 'answered'));
    const metadataBefore = h.broker.requestsOf('Metadata').length;
    await h.clock.tick(20);
    expect(h.produceRequests()).toHaveLength(1);
    expect(h.out.settled).toBe(0);
    await h.clock.advanceAndSettle(99);
    expect(h.produceRequests()).toHaveLength(1);
    await h.clock.advanceAndSettle(1);
    // The refresh was asked for at once, and sent retry.backoff.ms after the previous one
    // (Java's Metadata.timeToAllowUpdate spaces every refresh): one, not a burst.
    expect(h.broker.requestsOf('Metadata').length).toBe(metadataBefore + 1);
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.produceRequests()).toHaveLength(2);
    expect(h.out.all[0].err).toBeNull();
    expect(h.out.all[0].md!.offset).toBe(0n);
    expect(h.producer.metrics()['record-retry-total']).toBe(1);
    h.out.expectExactlyOnce();
  });

  test('backoff grows exponentially per attempt: 100, 200, 400 ms (retry.backoff.ms 100, max 1000)', async () => {
    const h = await start();
    const sentAt: number[] = [];
    h.broker.onProduce(() => void sentAt.push(h.clock.now()));
    h.broker.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, 3);
    h.send({ value: 'a' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 1, maxVirtualMs: 5000 });
    expect(sentAt.slice(1).map((t, i) => t - sentAt[i])).toEqual([100, 200, 400]);
    expect(h.out.all[0].err).toBeNull();
    h.out.expectExactlyOnce();
  });

  test('retries keep the order of a partition (idempotent, several batches in flight)', async () => {
    const h = await start({ batchSize: 80 });
    h.broker.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS);
    for (let i = 0; i < 8; i++) h.send({ value: `v${i}`.padEnd(30, '.') });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 10_000 });
    expect(h.out.failed).toHaveLength(0);
    expect(values(h)).toEqual(Array.from({ length: 8 }, (_, i) => `v${i}`.padEnd(30, '.')));
    // Offsets follow send order.
    expect(h.out.all.map((o) => o.md!.offset)).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(i)));
    h.out.expectExactlyOnce();
  });

  test('retries keep the order with max.in.flight = 1 and no idempotence', async () => {
    const h = await start({ batchSize: 80, maxInFlightRequestsPerConnection: 1, enableIdempotence: false });
    h.broker.failNext('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER, 2);
    for (let i = 0; i < 5; i++) h.send({ value: `v${i}`.padEnd(30, '.') });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 10_000 });
    expect(values(h)).toEqual(Array.from({ length: 5 }, (_, i) => `v${i}`.padEnd(30, '.')));
    h.out.expectExactlyOnce();
  });

  test('retries = 0 (no idempotence): a retriable error fails the batch at once', async () => {
    const h = await start({ retries: 0, enableIdempotence: false });
    h.broker.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(KafkaError);
    expect((h.out.all[0].err as KafkaError).code).toBe('NOT_ENOUGH_REPLICAS');
    expect(h.produceRequests()).toHaveLength(1);
    h.out.expectExactlyOnce();
  });
});

describe('non-retriable errors', () => {
  test('INVALID_RECORD fails exactly the records of that batch with InvalidRecordError', async () => {
    const h = await start({}, { topics: { t: 2 } });
    h.broker.failNext('t', 0, ErrorCode.INVALID_RECORD, 1, { errorMessage: 'no' });
    h.send({ value: 'p0-a', partition: 0 });
    h.send({ value: 'p0-b', partition: 0 });
    h.send({ value: 'p1-a', partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    const [a, b, c] = h.out.all;
    expect(a.err).toBeInstanceOf(InvalidRecordError);
    expect(b.err).toBeInstanceOf(InvalidRecordError);
    expect(a.err!.message).toMatch(/Broker message: no/);
    expect(a.md).toMatchObject({ topic: 't', partition: 0, offset: -1n, timestamp: -1 });
    expect(c.err).toBeNull();
    expect(c.md).toMatchObject({ partition: 1, offset: 0n });
    expect(h.produceRequests()).toHaveLength(1); // not retried
    h.out.expectExactlyOnce();
  });

  test('TOPIC_AUTHORIZATION_FAILED fails the batch with TopicAuthorizationError', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(TopicAuthorizationError);
    expect((h.out.all[0].err as KafkaError).code).toBe('TOPIC_AUTHORIZATION_FAILED');
    h.out.expectExactlyOnce();
  });

  test('record errors (v8+): the named record gets the error, its batch-mates a generic one', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.INVALID_RECORD, 1, { errorMessage: 'batch had bad records', recordErrors: [{ batchIndex: 1, message: 'value is bad' }] });
    for (const v of ['a', 'b', 'c']) h.send({ value: v });
    await h.clock.waitFor(() => h.out.allSettled);
    const [a, b, c] = h.out.all;
    expect(b.err).toBeInstanceOf(InvalidRecordError);
    expect(b.err!.message).toMatch(/value is bad/);
    for (const o of [a, c]) {
      expect(o.err).toBeInstanceOf(KafkaError);
      expect(o.err).not.toBeInstanceOf(InvalidRecordError);
      expect(o.err!.message).toMatch(/part of a batch which had one or more invalid records/);
    }
    h.out.expectExactlyOnce();
  });

  test('several record errors: each named record gets InvalidRecordError (Java), whatever the partition code', async () => {
    const h = await start();
    h.broker.failNext('t', 0, 32 /* INVALID_TIMESTAMP */, 1, {
      recordErrors: [
        { batchIndex: 0, message: 'timestamp 0 out of range' },
        { batchIndex: 1, message: 'timestamp 1 out of range' },
      ],
    });
    for (const v of ['a', 'b', 'c']) h.send({ value: v });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(InvalidRecordError);
    expect(h.out.all[1].err).toBeInstanceOf(InvalidRecordError);
  });
});

describe('quotas', () => {
  test('after a response with ThrottleTimeMs = 500, the next Produce to that broker waits 500 ms', async () => {
    const h = await start({ batchSize: 80 });
    const sentAt: number[] = [];
    h.broker.onProduce((_req, ctx) => {
      sentAt.push(h.clock.now());
      return ctx.index === 0 ? { throttleTimeMs: 500 } : undefined;
    });
    h.send({ value: 'a'.padEnd(30, '.') });
    await h.clock.waitFor(() => h.out.settled === 1);
    h.send({ value: 'b'.padEnd(30, '.') });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 2000 });
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(500);
  });
});

describe('delivery.timeout.ms', () => {
  test('a queued batch (no leader) expires exactly at delivery.timeout.ms with TimeoutError', async () => {
    const h = await start(
      { deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000, retryBackoffMs: 1000, retryBackoffMaxMs: 1000 },
      { topics: { t: { partitions: 2, leaders: [-1, 0] } } },
    );
    h.send({ value: 'stuck', partition: 0 });
    h.send({ value: 'fine', partition: 1 });
    await h.clock.waitFor(() => h.out.settled === 1, { what: 'the record with a leader' });
    const t0 = h.clock.now();
    await h.clock.advanceAndSettle(29_999, 4);
    expect(h.out.all[0].calls).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.clock.now() - t0).toBe(30_000);
    const err = h.out.all[0].err!;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/^Expiring 1 record\(s\) for t-0: 30000 ms has passed since batch creation \(queued/);
    expect(h.out.all[1].err).toBeNull();
    h.out.expectExactlyOnce();
  });

  test('an in-flight batch expires too; the late answer is ignored (exactly one outcome)', async () => {
    const h = await start({ deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    // request.timeout.ms runs on the same clock: a first attempt sent at creation would time
    // out with its delivery deadline. So the first is refused and the retry (100 ms later,
    // its request deadline past delivery.timeout.ms) is the one in flight when it expires.
    h.broker.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.produceRequests().some((r) => r.outcome === 'answered'));
    const t0 = h.clock.now();
    const release = h.broker.holdProduce();
    releases.push(release);
    await h.clock.advanceAndSettle(100);
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    await h.clock.advanceAndSettle(29_899);
    expect(h.out.settled).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.clock.now() - t0).toBe(30_000);
    expect(h.out.all[0].err).toBeInstanceOf(TimeoutError);
    expect(h.out.all[0].err!.message).toMatch(/Expiring 1 record\(s\) for t-0: .*in flight/);
    release();
    await h.clock.waitFor(() => h.broker.outstandingProduce === 0);
    await h.clock.tick(20);
    h.out.expectExactlyOnce();
    // The broker did write it (it answered late): Java's semantics, the client cannot know.
    expect(values(h)).toEqual(['a']);
  });

  test('only the expired records fail: later records of the same partition still succeed', async () => {
    const h = await start({ deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000, batchSize: 80 });
    const release = h.broker.holdProduce();
    releases.push(release);
    h.send({ value: 'old'.padEnd(30, '.') });
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    await h.clock.advanceAndSettle(20_000);
    h.send({ value: 'new'.padEnd(30, '.') });
    await h.clock.advanceAndSettle(10_000);
    await h.clock.waitFor(() => h.out.settled === 1);
    expect(h.out.all[0].err).toBeInstanceOf(TimeoutError);
    release();
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 10_000 });
    expect(h.out.all[1].err).toBeNull();
    h.out.expectExactlyOnce();
  });

  test('after an in-flight batch expired, the sender does not spin while its request is outstanding', async () => {
    const h = await start({ deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    const release = h.broker.holdProduce();
    releases.push(release);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.broker.outstandingProduce === 1);
    await h.clock.advanceAndSettle(30_000);
    await h.clock.waitFor(() => h.out.allSettled);
    const before = h.clock.deferCount;
    await h.clock.tick(50);
    expect(h.clock.deferCount - before).toBeLessThan(5);
  });
});

describe('MESSAGE_TOO_LARGE', () => {
  test('a one-record batch fails with RecordTooLargeError', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(RecordTooLargeError);
    h.out.expectExactlyOnce();
  });

  test('a multi-record batch is split and retried; every record succeeds, in order', async () => {
    const h = await start();
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    for (const v of ['a', 'b', 'c']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    expect(h.out.all.map((o) => o.md!.offset)).toEqual([0n, 1n, 2n]);
    expect(values(h)).toEqual(['a', 'b', 'c']);
    expect(h.producer.metrics()['batch-split-total']).toBe(1);
    h.out.expectExactlyOnce();
  });

  test('split pieces are resent at once, not after another linger.ms (Java closes them)', async () => {
    const h = await start({ lingerMs: 1000 });
    const sentAt: number[] = [];
    h.broker.onProduce(() => void sentAt.push(h.clock.now()));
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    for (const v of ['a', 'b', 'c']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(sentAt[1] - sentAt[0]).toBe(0);
  });

  test('a compressed batch packed by a low ratio estimate is split into batch.size pieces (with sequences)', async () => {
    // Many well-compressing batches drive the topic's ratio estimate down, so later batches hold
    // far more than batch.size of raw records; refused as too large, such a batch is split into
    // pieces estimated at ratio 1, each at most batch.size.
    const h = await start({ compressionType: 'gzip', batchSize: 1024, lingerMs: 0 });
    const value = (i: number) => `record-${String(i).padStart(5, '0')}-`.padEnd(100, 'x');
    const warm = 1500;
    for (let i = 0; i < warm; i++) h.send({ value: value(i) });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 60_000, timeoutMs: 20_000 });
    const batchesBefore = h.cluster.batches('t', 0).length;
    h.broker.failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    const n = 40;
    for (let i = warm; i < warm + n; i++) h.send({ value: value(i) });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 60_000 });
    expect(h.out.failed).toHaveLength(0);
    const after = h.cluster.batches('t', 0).slice(batchesBefore);
    expect(after.length).toBeGreaterThan(1);
    expect(after.reduce((s, b) => s + b.recordsCount, 0)).toBe(n);
    // Consecutive sequences from the big batch's base sequence, same producer epoch.
    for (let i = 1; i < after.length; i++) {
      expect(after[i].baseSequence).toBe(after[i - 1].baseSequence + after[i - 1].recordsCount);
      expect(after[i].producerEpoch).toBe(after[0].producerEpoch);
    }
    expect(values(h)).toEqual(Array.from({ length: warm + n }, (_, i) => value(i)));
    h.out.expectExactlyOnce();
  }, 30_000);
});

describe('MESSAGE_TOO_LARGE from the broker\'s own size limit', () => {
  test('max.message.bytes below batch.size: a refused batch is split until it fits; only a record too large alone fails', async () => {
    // Java splits into batch.size pieces (KAFKA-8350), which here rebuilds the same refused
    // batch until delivery.timeout.ms. Pieces that would repeat the batch are halved instead.
    const h = await start({ lingerMs: 100, deliveryTimeoutMs: 30_000, requestTimeoutMs: 10_000 }, { topics: { t: { partitions: 1, maxMessageBytes: 3000 } } });
    const small = (i: number) => `s${i}-`.padEnd(300, 'x');
    for (let i = 0; i < 20; i++) h.send({ value: small(i) }, `s${i}`);
    h.send({ value: 'big-'.padEnd(4000, 'y') }, 'big');
    for (let i = 20; i < 40; i++) h.send({ value: small(i) }, `s${i}`);
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 20_000 });
    expect(h.out.failed.map((o) => `${o.label}: ${o.err!.name}`)).toEqual(['big: RecordTooLargeError']);
    expect(values(h)).toEqual(Array.from({ length: 40 }, (_, i) => small(i)));
    for (const b of h.cluster.batches('t', 0)) expect(b.recordsCount).toBeLessThanOrEqual(9);
    h.out.expectExactlyOnce();
  });

  test('incompressible data after compressible data: no batch outgrows its buffer, so none is refused; all delivered in order', async () => {
    // The ratio estimate learnt on compressible values lets a batch take several times
    // batch.size of raw bytes; random values then compress to about their raw size, and the
    // broker (max.message.bytes 2000) refuses the batch. The pieces are at most batch.size.
    const h = await start({ compressionType: 'gzip', batchSize: 1024 }, { topics: { t: { partitions: 1, maxMessageBytes: 2000 } } });
    const warm = 1500;
    for (let i = 0; i < warm; i++) h.send({ value: `c${i}-`.padEnd(100, 'x') }, `c${i}`);
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 60_000, timeoutMs: 20_000 });
    const noise = seeded(99);
    const rnd = (i: number) => `r${i}-` + Buffer.from(Array.from({ length: 60 }, () => Math.floor(noise() * 256))).toString('base64');
    const n = 30;
    for (let i = 0; i < n; i++) h.send({ value: rnd(i) }, `r${i}`);
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 5, maxVirtualMs: 60_000 });
    expect(h.out.failed.map((o) => o.label)).toEqual([]);
    const refused = h.produceRequests().filter((r) => r.errors!.some((e) => e.errorCode === ErrorCode.MESSAGE_TOO_LARGE));
    // Batches compress into their pooled buffer piece by piece, so a wrong ratio estimate can
    // no longer pack one past what the broker accepts.
    expect(refused).toHaveLength(0);
    expect(h.producer.metrics()['batch-split-total']).toBe(0);
    const tail = h.cluster.records('t', 0).slice(warm).map((r) => r.valueString!.split('-')[0]);
    expect(tail).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    h.out.expectExactlyOnce();
  }, 30_000);
});

describe('acks', () => {
  test('acks = 0: records settle once written, offset -1n and their create time; no answer comes', async () => {
    const h = await start({ acks: 0 });
    h.send({ value: 'a', timestamp: 1234 });
    h.send({ value: 'b' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all.map((o) => o.err)).toEqual([null, null]);
    expect(h.out.all[0].md).toMatchObject({ offset: -1n, timestamp: 1234 });
    expect(h.out.all[1].md).toMatchObject({ offset: -1n, timestamp: h.clock.now() });
    await h.clock.waitFor(() => values(h).length === 2);
    expect(h.produceRequests().map((r) => [r.acks, r.outcome])).toEqual([[0, 'acks0']]);
    expect(h.broker.requestsOf('InitProducerId')).toHaveLength(0); // idempotence is off with acks=0
    h.out.expectExactlyOnce();
  });

  test('acks = 1 is sent as 1', async () => {
    const h = await start({ acks: 1 });
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.produceRequests()[0].acks).toBe(1);
    expect(h.out.all[0].md!.offset).toBe(0n);
  });
});

describe('connection loss', () => {
  test('a connection dropped before the broker appended: the batch is retried, nothing lost or doubled', async () => {
    const h = await start({ enableIdempotence: false });
    let dropped = false;
    h.broker.onProduce(() => {
      if (dropped) return undefined;
      dropped = true;
      return { dropConnection: true };
    });
    for (const v of ['a', 'b', 'c']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    expect(values(h)).toEqual(['a', 'b', 'c']);
    expect(h.produceRequests().map((r) => r.outcome)).toEqual(['dropped', 'answered']);
    h.out.expectExactlyOnce();
  });

  test('without idempotence, a connection dropped after the append duplicates the batch (at least once)', async () => {
    const h = await start({ enableIdempotence: false });
    let n = 0;
    h.broker.onProduce(() => (n++ === 0 ? { dropAfterAppend: true } : undefined));
    h.send({ value: 'a' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[0].err).toBeNull();
    expect(values(h)).toEqual(['a', 'a']);
    h.out.expectExactlyOnce();
  });

  test('all brokers gone for good: records fail at delivery.timeout.ms, exactly once', async () => {
    const h = await start({ deliveryTimeoutMs: 1000, requestTimeoutMs: 1000, reconnectBackoffMs: 200, reconnectBackoffMaxMs: 200 });
    h.send({ value: 'first' });
    await h.clock.waitFor(() => h.out.allSettled);
    await h.broker.close();
    h.send({ value: 'second' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 100, maxVirtualMs: 5000 });
    expect(h.out.all[1].err).toBeInstanceOf(TimeoutError);
    h.out.expectExactlyOnce();
  });

  test('while every broker is unreachable, the sender does not poll every millisecond', async () => {
    const h = await start({ deliveryTimeoutMs: 60_000, requestTimeoutMs: 30_000, reconnectBackoffMs: 1000, reconnectBackoffMaxMs: 1000 });
    h.send({ value: 'first' });
    await h.clock.waitFor(() => h.out.allSettled);
    await h.broker.close();
    h.send({ value: 'second' });
    await h.clock.advanceAndSettle(1000, 2);
    const fired = h.clock.firedCount;
    await h.clock.advanceAndSettle(1000, 1);
    // A few wake-ups per reconnect backoff would be expected; not one per millisecond.
    expect(h.clock.firedCount - fired).toBeLessThan(50);
  });
});

describe('unanswered requests', () => {
  test('a request the broker never answers times out (request.timeout.ms, on the clock), the batch goes again on a new connection', async () => {
    const h = await start({ requestTimeoutMs: 200 });
    h.send({ value: 'warm-up' });
    await h.clock.waitFor(() => h.out.allSettled);
    let swallowed = false;
    h.broker.onProduce(() => (swallowed ? undefined : ((swallowed = true), { noResponse: true })));
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.produceRequests().length === 2, { what: 'the swallowed request' });
    // The connection's timer is one of the clock's: nothing happens until virtual time moves.
    await h.clock.advanceAndSettle(199);
    expect(h.producer.metrics()['record-retry-total']).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.producer.metrics()['record-retry-total'] === 1, { what: 'the request timeout' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[1].err).toBeNull();
    const [, first, second] = h.produceRequests();
    expect(first.outcome).toBe('no-response');
    expect(second.connectionId).not.toBe(first.connectionId);
    expect(values(h)).toEqual(['warm-up', 'a']);
    h.out.expectExactlyOnce();
  });

  test('a slow answer (delayMs, real time) is just waited for', async () => {
    const h = await start();
    h.broker.onProduce(() => ({ delayMs: 15 }));
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].md!.offset).toBe(0n);
  });
});

describe('null broker (benchmarks)', () => {
  test('answers at once with increasing offsets, stores and logs nothing', async () => {
    const h = await start({ batchSize: 1024 }, { null: true, topics: { t: 2 } });
    for (let i = 0; i < 500; i++) h.send({ value: `v${i}`.padEnd(50, '.'), partition: i % 2 });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.failed).toHaveLength(0);
    for (const p of [0, 1]) {
      const offsets = h.out.all.filter((o) => o.md!.partition === p).map((o) => o.md!.offset);
      expect(offsets).toEqual(Array.from({ length: 250 }, (_, i) => BigInt(i)));
      expect(h.cluster.records('t', p)).toEqual([]);
    }
    expect(h.broker.requests).toEqual([]);
    h.out.expectExactlyOnce();
  });
});

describe('several brokers', () => {
  test('one Produce per leader, each with the partitions it leads', async () => {
    const h = await start({}, { brokers: 2, topics: { t: 4 } });
    for (let p = 0; p < 4; p++) h.send({ value: `p${p}`, partition: p });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.failed).toHaveLength(0);
    const n0 = h.produceRequests(0);
    const n1 = h.produceRequests(1);
    expect(n0).toHaveLength(1);
    expect(n1).toHaveLength(1);
    expect(n0[0].partitions!.map((p) => p.partition).sort()).toEqual([0, 2]);
    expect(n1[0].partitions!.map((p) => p.partition).sort()).toEqual([1, 3]);
    for (let p = 0; p < 4; p++) expect(values(h, 't', p)).toEqual([`p${p}`]);
    h.out.expectExactlyOnce();
  });

  test('a moved leader: NOT_LEADER_OR_FOLLOWER, then the record goes to the new leader', async () => {
    const h = await start({}, { brokers: 2, topics: { t: 2 } });
    h.send({ value: 'before', partition: 0 });
    await h.clock.waitFor(() => h.out.allSettled);
    h.cluster.setLeader('t', 0, 1);
    h.send({ value: 'after', partition: 0 });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[1].err).toBeNull();
    expect(h.cluster.batches('t', 0).map((b) => b.nodeId)).toEqual([0, 1]);
    expect(values(h)).toEqual(['before', 'after']);
    h.out.expectExactlyOnce();
  });

  test('a leader hint sends the retry straight to the new leader (one refused request, as Java)', async () => {
    const h = await start({}, { brokers: 2, topics: { t: 2 } });
    h.send({ value: 'before', partition: 0 });
    await h.clock.waitFor(() => h.out.allSettled);
    h.cluster.setLeader('t', 0, 1);
    h.send({ value: 'after', partition: 0 });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    const refused = h.produceRequests(0).filter((r) => r.errors!.some((e) => e.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER));
    expect(refused).toHaveLength(1);
  });
});

describe('protocol versions', () => {
  test('Produce v13 names topics by id (from Metadata v10+)', async () => {
    const h = await start();
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.produceRequests()[0].version).toBe(13);
    expect(h.out.all[0].err).toBeNull();
  });

  test('a broker capped at Produce v12 gets topic names', async () => {
    const h = await start({}, { apiVersions: { 0: { minVersion: 3, maxVersion: 12 } } });
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.produceRequests()[0].version).toBe(12);
    expect(values(h)).toEqual(['a']);
  });

  test('an old broker (classic, non-flexible versions only) works end to end', async () => {
    const h = await start(
      {},
      {
        apiVersions: {
          0: { minVersion: 3, maxVersion: 8 },
          3: { minVersion: 1, maxVersion: 8 },
          18: { minVersion: 0, maxVersion: 2 },
          22: { minVersion: 0, maxVersion: 1 },
        },
      },
    );
    for (const v of ['a', 'b']) h.send({ value: v, key: 'k' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.failed).toHaveLength(0);
    const versions = Object.fromEntries(h.broker.requests.map((r) => [r.api, r.version]));
    expect(versions).toEqual({ ApiVersions: 2, Metadata: 8, InitProducerId: 1, Produce: 8 });
    expect(h.cluster.recordsByPartition('t').flat().map((r) => r.valueString)).toEqual(['a', 'b']);
  });
});
