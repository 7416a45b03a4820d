// Failure handling that must match the Java client (NetworkClient, Metadata, Sender,
// RecordAccumulator, TransactionManager), one describe per behaviour, against the scripted fake
// broker on virtual time. Each test states what the Java producer does in that situation.
import { mulberry32 } from '../../support/seeded';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import type { ProducerRecord } from '../../../src/producer/record';
import type { Partitioner } from '../../../src/producer/partitioners/partitioner';
import { saslFailure } from '../../../src/net/sasl';
import { ErrorCode, FakeCluster, FakeClusterOptions, Outcomes } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

// Authentication is replaced per test (9c) to fail on one node only; by default it is the real one.
let mockAuthenticate: ((conn: { nodeId: number }) => Promise<void>) | null = null;
jest.mock('../../../src/net/sasl', () => {
  const actual = jest.requireActual('../../../src/net/sasl');
  return {
    ...actual,
    authenticate: (conn: { nodeId: number }, ...rest: unknown[]) => (mockAuthenticate ? mockAuthenticate(conn) : actual.authenticate(conn, ...rest)),
  };
});

// Kafka's codes not every version of the fake broker's table names.
const INVALID_TIMESTAMP = 32;
const INVALID_REPLICATION_FACTOR = 38;

interface Harness {
  cluster: FakeCluster;
  clock: FakeClock;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  /** Epoch bumps the producer reported. */
  bumps: number[];
  send(rec: Partial<ProducerRecord<string, string>> & { value: string | null }, label?: string): void;
}

const harnesses: Harness[] = [];
const clusters: FakeCluster[] = [];
const releases: (() => void)[] = [];

function seeded(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}


interface StartExtras {
  /** Bootstrap servers other than every broker. */
  bootstrap?: (c: FakeCluster) => string[];
  random?: () => number;
}

async function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, clusterOpts: FakeClusterOptions = {}, extras: StartExtras = {}): Promise<Harness> {
  const cluster = await FakeCluster.start({ topics: { t: 1 }, ...clusterOpts });
  clusters.push(cluster);
  const clock = new FakeClock();
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: extras.bootstrap ? extras.bootstrap(cluster) : cluster.bootstrap, lingerMs: 0, ...producerOpts },
    { clock, random: extras.random ?? seeded(), jitter: () => 0.5 },
  );
  const out = new Outcomes();
  const bumps: number[] = [];
  producer.on('epochBump', (e: { epoch: number }) => bumps.push(e.epoch));
  const h: Harness = {
    cluster,
    clock,
    producer,
    out,
    bumps,
    send(rec, label) {
      producer.send({ topic: 't', ...rec } as ProducerRecord<string, string>, out.cb(label ?? String(rec.value)));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  mockAuthenticate = null;
  for (const r of releases.splice(0)) r();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    h.clock.advance(0);
    await closing;
  }
  for (const c of clusters.splice(0)) await c.close();
});

/** A promise the test opens; released after the test in any case. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  releases.push(open);
  return { promise, open };
}

/**
 * Runs real I/O and virtual time (steps of stepMs) until cond() holds or maxVirtualMs passed;
 * never throws, so the caller's assertion says what was missing. Bounded in real time too.
 */
async function runFor(h: Harness, cond: () => boolean, maxVirtualMs: number, stepMs = 10): Promise<boolean> {
  const limit = h.clock.now() + maxVirtualMs;
  const deadline = Date.now() + 8000;
  await h.clock.tick();
  while (!cond() && h.clock.now() < limit && Date.now() < deadline) await h.clock.advanceAndSettle(Math.min(stepMs, limit - h.clock.now()), 4);
  return cond();
}

const metadataRequests = (h: Harness) => h.cluster.brokers.flatMap((b) => b.requestsOf('Metadata'));
const produceRequests = (h: Harness) => h.cluster.brokers.flatMap((b) => b.requestsOf('Produce'));
const values = (h: Harness, topic = 't', p = 0) => h.cluster.records(topic, p).map((r) => r.valueString);
const seqs = (h: Harness, p = 0) => h.cluster.batches('t', p).map((b) => [b.producerEpoch, b.baseSequence, b.recordsCount]);
const pad = (s: string) => s.padEnd(30, '.');
const outcome = (h: Harness, label: string) => h.out.all.find((o) => o.label === label)!;
const errName = (h: Harness, label: string) => outcome(h, label).err?.name ?? null;
const topicState = (h: Harness, topic: string) => h.cluster.topics.get(topic)!;

describe('0. a failed reconnect asks for metadata (NetworkClient.handleServerDisconnect)', () => {
  test('a leader that refuses connections: the record goes to the leader the next metadata names, long before metadata.max.age.ms', async () => {
    const h = await start({}, { brokers: 2, topics: { t: { partitions: 1, leaders: [0] } } });
    h.send({ value: 'before' });
    await h.clock.waitFor(() => h.out.allSettled);
    await h.cluster.broker(0).close(); // refuses connections; metadata still names it
    h.send({ value: 'after' });
    await runFor(h, () => false, 3000, 50);
    expect(outcome(h, 'after').calls).toBe(0);
    h.cluster.setLeader('t', 0, 1);
    // Java: every failed attempt asks for metadata (within the refresh backoff, at most
    // retry.backoff.max.ms apart), so the move is seen within a few seconds.
    await runFor(h, () => h.out.allSettled, 10_000, 50);
    expect(outcome(h, 'after')).toMatchObject({ calls: 1, err: null });
    expect(values(h)).toEqual(['before', 'after']);
  });
});

describe('1. a refused batch of an older epoch does not block its partition (TransactionManager.handleFailedBatch)', () => {
  test('after another partition bumped the epoch, a refused in-flight batch fails alone; later batches are renumbered and delivered', async () => {
    const h = await start({ batchSize: 80, deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 }, { topics: { t: 2 } });
    // One acknowledged batch per partition first, so both pipeline.
    h.send({ value: pad('w0'), partition: 0 });
    h.send({ value: pad('w1'), partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    const first = gate();
    const rest = gate();
    h.cluster.brokers[0].onProduce((_req, ctx) => {
      if (ctx.index === 1) return { until: first.promise }; // x (partition 1) and k1
      if (ctx.index === 2) return { until: rest.promise, errors: [{ topic: 't', partition: 0, errorCode: INVALID_TIMESTAMP }] }; // k2
      if (ctx.index > 2) return { until: rest.promise };
      return undefined;
    });
    h.cluster.failNext('t', 1, ErrorCode.INVALID_RECORD); // x: refused, a certain gap: epoch bump
    h.send({ value: pad('x'), partition: 1 }, 'x');
    for (const k of ['k1', 'k2', 'k3']) h.send({ value: pad(k), partition: 0 }, k);
    await h.clock.waitFor(() => produceRequests(h).length === 4, { what: 'three requests in flight' });
    first.open();
    await h.clock.waitFor(() => h.bumps.length === 1, { what: 'the epoch bump for partition 1' });
    rest.open(); // k2 (epoch 0, now old) is refused, k3 meets the gap it leaves
    await runFor(h, () => h.out.allSettled, 5000);
    h.send({ value: pad('k4'), partition: 0 }, 'k4');
    await runFor(h, () => h.out.allSettled, 5000);
    expect(outcome(h, 'k3')).toMatchObject({ calls: 1, err: null });
    expect(outcome(h, 'k4')).toMatchObject({ calls: 1, err: null });
    expect(h.out.failed.map((o) => o.label)).toEqual(['x', 'k2']);
    h.out.expectExactlyOnce();
    expect(values(h, 't', 0)).toEqual(['w0', 'k1', 'k3', 'k4'].map(pad));
    const outOfOrder = produceRequests(h).flatMap((r) => r.errors!).filter((e) => e.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(outOfOrder.length).toBeLessThanOrEqual(1);
  });
});

describe('2. a topic dropped for idleness during an outage is asked for again (Sender.sendProducerData)', () => {
  test('leader unknown for longer than metadata.max.idle.ms: few Metadata requests, all naming the topic; delivered once the leader is back', async () => {
    const h = await start({ metadataMaxIdleMs: 5000 }, { topics: { t: { partitions: 1, leaders: [-1] } } });
    h.send({ value: 'a' });
    const windowMs = 8000;
    await runFor(h, () => false, windowMs, 50);
    const during = metadataRequests(h);
    // Java re-adds the topic of every batch without a leader and spaces refreshes by
    // retry.backoff.ms (100) growing to retry.backoff.max.ms: never more than one per 100 ms.
    expect(during.length).toBeLessThanOrEqual(windowMs / 100);
    expect(during.filter((r) => !r.topics || !r.topics.includes('t'))).toEqual([]);
    h.cluster.setLeader('t', 0, 0);
    await runFor(h, () => h.out.allSettled, 5000, 50);
    expect(outcome(h, 'a')).toMatchObject({ calls: 1, err: null });
    expect(values(h)).toEqual(['a']);
  });
});

describe('3. refreshes back off after answers that teach nothing (Metadata.timeToAllowUpdate)', () => {
  test('send() to a partition the topic does not have: Metadata spaced by retry.backoff.ms growing to its max, TimeoutError at max.block.ms', async () => {
    const h = await start({ maxBlockMs: 2000 });
    h.send({ value: 'a', partition: 5 });
    await runFor(h, () => h.out.allSettled, 2500);
    // Java: about 6-8 in 2 s (100, 200, 400, 800, 1000 ms apart); never one per event-loop turn.
    expect(metadataRequests(h).length).toBeLessThanOrEqual(2000 / 100);
    expect(errName(h, 'a')).toBe('TimeoutError');
  });

  test('TOPIC_AUTHORIZATION_FAILED in Metadata while batches of the topic are queued: no request storm', async () => {
    const h = await start({ lingerMs: 60_000, deliveryTimeoutMs: 120_000 }, { topics: { t: 1, u: 1 } });
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.producer.metrics()['records-queued'] === 1, { what: 'the record queued (linger)' });
    topicState(h, 't').metadataErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    const before = metadataRequests(h).length;
    h.send({ topic: 'u', value: 'b' }); // a new topic: an immediate refresh, which now refuses t
    await h.clock.waitFor(() => metadataRequests(h).slice(before).some((r) => r.outcome === 'answered'), { what: 'the refresh' });
    await h.clock.tick(10);
    void h.producer.flush(); // every batch ready: sender passes, each of which sees t leaderless
    const windowMs = 3000;
    await runFor(h, () => false, windowMs);
    // Java asks again for the leaderless topic, but within the refresh backoff.
    expect(metadataRequests(h).length - before).toBeLessThanOrEqual(windowMs / 100);
  });
});

describe('4. Produce v13 answers are read with the topic ids of the request (Sender.handleProduceResponse)', () => {
  for (const idempotent of [false, true]) {
    test(`a refresh that drops the topic while the request is out does not make the written batch retried (idempotence ${idempotent ? 'on' : 'off'})`, async () => {
      const h = await start({ enableIdempotence: idempotent });
      h.send({ value: 'warm' });
      await h.clock.waitFor(() => h.out.allSettled);
      const release = h.cluster.brokers[0].holdProduce();
      releases.push(release);
      h.send({ value: 'a' });
      await h.clock.waitFor(() => h.cluster.brokers[0].outstandingProduce === 1, { what: 'the held request' });
      expect(produceRequests(h).at(-1)!.version).toBe(13);
      topicState(h, 't').metadataErrorCode = ErrorCode.LEADER_NOT_AVAILABLE;
      const mdBefore = metadataRequests(h).length;
      void h.producer.partitionsFor('u').catch(() => {}); // forces a refresh now (t is in it)
      await h.clock.waitFor(() => metadataRequests(h).slice(mdBefore).some((r) => r.outcome === 'answered' && !!r.topics?.includes('t')), { what: 'the refresh' });
      await h.clock.tick(20);
      release();
      await h.clock.waitFor(() => h.cluster.brokers[0].outstandingProduce === 0);
      await h.clock.tick(20);
      topicState(h, 't').metadataErrorCode = ErrorCode.NONE; // let a retry, if any, through
      await runFor(h, () => h.out.allSettled, 5000);
      await runFor(h, () => false, 2000); // and give it time to be written
      expect(values(h)).toEqual(['warm', 'a']);
      expect(outcome(h, 'a')).toMatchObject({ calls: 1, err: null });
      expect(outcome(h, 'a').md!.offset).toBe(1n);
    });
  }
});

describe('6. partitioner.availability.timeout.ms (RecordAccumulator.partitionReady)', () => {
  test('a partition whose leader cannot take data (at max.in.flight, answers held) for longer than the timeout gets no more keyless records', async () => {
    const h = await start(
      { enableIdempotence: false, maxInFlightRequestsPerConnection: 2, batchSize: 40, partitionerAvailabilityTimeoutMs: 500 },
      { brokers: 2, topics: { t: { partitions: 2, leaders: [0, 1] } } },
      { random: mulberry32(7) },
    );
    const release = h.cluster.broker(1).holdProduce();
    releases.push(release);
    const label = (phase: string, i: number) => `${phase}${i}`;
    // Keyless records until node 1 has max.in.flight (2) requests held and batches queued behind
    // them. (Not max.in.flight 1: a muted partition is not "ready", in Java too, so its node is
    // never found unavailable.)
    for (let i = 0; i < 12; i++) {
      h.send({ value: pad(label('w', i)) }, label('w', i));
      await h.clock.tick(4);
    }
    expect(h.cluster.broker(1).outstandingProduce).toBe(2);
    expect(h.producer.metrics()['records-queued']).toBeGreaterThan(0);
    await runFor(h, () => false, 1000, 100); // node 1 not drainable for longer than 500 ms
    const n = 20;
    for (let i = 0; i < n; i++) {
      h.send({ value: pad(label('r', i)) }, label('r', i));
      await h.clock.tick(4);
    }
    release();
    await runFor(h, () => h.out.allSettled, 5000);
    expect(h.out.failed).toEqual([]);
    const warmOn1 = h.out.all.filter((o) => o.label.startsWith('w') && o.md!.partition === 1).length;
    expect(warmOn1).toBeGreaterThan(1); // partition 1 did take records before
    // After the timeout, at most the sticky choice already made may still go there.
    const laterOn1 = h.out.all.filter((o) => o.label.startsWith('r') && o.md!.partition === 1).map((o) => o.label);
    expect(laterOn1.length).toBeLessThanOrEqual(1);
  });
});

describe('7. a custom partitioner that throws fails that record only', () => {
  const throwing: Partitioner = {
    partition(_topic, key) {
      if (key === 'bad') throw new Error('no partition for you');
      return 0;
    },
  };

  test('direct send (metadata known): the record fails with PartitionerError and flush() still resolves', async () => {
    const h = await start({ partitioner: throwing });
    h.send({ key: 'good', value: 'warm' }, 'warm');
    await h.clock.waitFor(() => h.out.allSettled);
    let thrown: unknown = null;
    try {
      h.send({ key: 'bad', value: 'x' }, 'bad');
    } catch (err) {
      thrown = err;
    }
    let flushed = false;
    void h.producer.flush().then(() => (flushed = true));
    await runFor(h, () => flushed && outcome(h, 'bad').calls > 0, 1000);
    expect(flushed).toBe(true);
    expect(thrown).toBeNull();
    expect(errName(h, 'bad')).toBe('PartitionerError');
    h.out.expectExactlyOnce();
  });

  test('send that waited for metadata: that record fails with PartitionerError, the next one is delivered, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const h = await start({ partitioner: throwing });
      h.send({ key: 'bad', value: 'x' }, 'bad'); // topic not known yet: both wait for metadata
      h.send({ key: 'good', value: 'y' }, 'good');
      let flushed = false;
      void h.producer.flush().then(() => (flushed = true));
      await runFor(h, () => flushed && h.out.allSettled, 1000);
      await h.clock.tick(10);
      expect(unhandled).toEqual([]);
      expect(errName(h, 'bad')).toBe('PartitionerError');
      expect(outcome(h, 'good')).toMatchObject({ calls: 1, err: null });
      expect(flushed).toBe(true);
      expect(values(h)).toEqual(['y']);
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
    }
  });
});

describe('8. no needless epoch bump (TransactionManager.canRetry)', () => {
  test('OUT_OF_ORDER_SEQUENCE_NUMBER for a send made before the batch was renumbered: retried without a second bump', async () => {
    const h = await start({ batchSize: 80, deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    h.send({ value: pad('W') }, 'W');
    await h.clock.waitFor(() => h.out.allSettled);
    const first = gate();
    const rest = gate();
    h.cluster.brokers[0].onProduce((_req, ctx) => (ctx.index === 1 ? { until: first.promise } : ctx.index > 1 ? { until: rest.promise } : undefined));
    h.cluster.failNext('t', 0, ErrorCode.INVALID_RECORD); // A: refused, a certain gap
    h.send({ value: pad('A') }, 'A');
    h.send({ value: pad('B') }, 'B');
    await h.clock.waitFor(() => produceRequests(h).length === 3, { what: 'A and B in flight' });
    first.open();
    await h.clock.waitFor(() => h.bumps.length === 1, { what: 'the bump after A' }); // B renumbered in flight
    rest.open(); // B's old send meets the gap A left: OUT_OF_ORDER_SEQUENCE_NUMBER
    await runFor(h, () => h.out.allSettled, 5000);
    expect(h.out.failed.map((o) => o.label)).toEqual(['A']);
    expect(h.bumps).toEqual([1]);
    expect(seqs(h)).toEqual([
      [0, 0, 1],
      [1, 0, 1],
    ]);
  });

  test('UNKNOWN_PRODUCER_ID with log start offset -1: retried as it is, no bump', async () => {
    const h = await start();
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    h.cluster.failNext('t', 0, ErrorCode.UNKNOWN_PRODUCER_ID); // answered with logStartOffset -1
    h.send({ value: 'b' });
    await runFor(h, () => h.out.allSettled, 5000);
    expect(h.out.failed).toEqual([]);
    expect(h.bumps).toEqual([]);
    expect(seqs(h)).toEqual([
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });
});

describe('9. smaller parity points', () => {
  test('(a) KIP-951: a retry skips its backoff once metadata (no Produce leader hint) shows a newer leader epoch', async () => {
    const h = await start({ retryBackoffMs: 1000, retryBackoffMaxMs: 1000 }, { brokers: 2, topics: { t: { partitions: 1, leaders: [0] } } });
    h.send({ value: 'warm' });
    await h.clock.waitFor(() => h.out.allSettled);
    await h.clock.advanceAndSettle(2000); // the metadata refresh backoff is long over
    const sentAt: [number, number][] = [];
    for (const b of h.cluster.brokers) b.onProduce((_req, ctx) => void sentAt.push([ctx.broker.nodeId, h.clock.now()]));
    let moved = false;
    h.cluster.broker(0).onProduce(() => {
      if (moved) return undefined;
      moved = true;
      h.cluster.setLeader('t', 0, 1); // the refresh the error asks for shows the move
      return { errors: [{ topic: 't', partition: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }] }; // no hint
    });
    h.send({ value: 'a' });
    await runFor(h, () => h.out.allSettled, 3000);
    expect(outcome(h, 'a')).toMatchObject({ calls: 1, err: null });
    expect(sentAt.map(([node]) => node)).toEqual([0, 1]);
    expect(sentAt[1][1] - sentAt[0][1]).toBeLessThan(1000);
  });

  test('(b) CLUSTER_AUTHORIZATION_FAILED in a Produce answer is fatal for the idempotent producer: later sends fail with it', async () => {
    const h = await start();
    h.cluster.failNext('t', 0, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(errName(h, 'a')).toBe('ClusterAuthorizationError');
    h.send({ value: 'b' });
    await runFor(h, () => h.out.allSettled, 1000);
    expect(errName(h, 'b')).toBe('ClusterAuthorizationError');
    expect(produceRequests(h)).toHaveLength(1);
  });

  test('(c) an authentication failure on one node fails only the queued batches that node leads', async () => {
    const node1 = gate();
    mockAuthenticate = (conn) => {
      if (conn.nodeId === 0) return Promise.reject(saslFailure('credentials refused by node 0'));
      if (conn.nodeId === 1) return node1.promise; // node 1 accepts, once node 0 has failed
      return Promise.resolve(); // the bootstrap connection (node 1's address)
    };
    const h = await start(
      { enableIdempotence: false, sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } },
      { brokers: 2, topics: { t: { partitions: 2, leaders: [0, 1] } } },
      { bootstrap: (c) => [c.broker(1).bootstrap] },
    );
    h.send({ value: 'p0', partition: 0 }, 'p0');
    h.send({ value: 'p1', partition: 1 }, 'p1');
    await h.clock.waitFor(() => outcome(h, 'p0').calls > 0, { what: 'the failure on node 0' });
    node1.open();
    await runFor(h, () => h.out.allSettled, 2000);
    expect(errName(h, 'p0')).toBe('SaslAuthenticationError');
    expect(outcome(h, 'p1')).toMatchObject({ calls: 1, err: null });
    expect(values(h, 't', 1)).toEqual(['p1']);
  });

  test('(d) a topic error other than TOPIC_AUTHORIZATION_FAILED / INVALID_TOPIC_EXCEPTION waits out max.block.ms (TimeoutError with the cause); an unauthorized topic fails at once', async () => {
    const h = await start(
      { maxBlockMs: 2000 },
      { topics: { t: { partitions: 1, metadataErrorCode: INVALID_REPLICATION_FACTOR }, u: { partitions: 1, metadataErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED } } },
    );
    h.send({ topic: 'u', value: 'x' }, 'u');
    await h.clock.waitFor(() => h.out.allSettled, { what: 'the unauthorized topic' });
    expect(errName(h, 'u')).toBe('TopicAuthorizationError');
    h.send({ value: 'a' }, 't');
    await h.clock.advanceAndSettle(1999, 4);
    expect(outcome(h, 't').calls).toBe(0);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.out.allSettled);
    const err = outcome(h, 't').err as Error & { cause?: { errorCode?: number } };
    expect(err.name).toBe('TimeoutError');
    expect(err.cause?.errorCode).toBe(INVALID_REPLICATION_FACTOR);
  });
});
