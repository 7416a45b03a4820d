// The idempotent producer (KIP-98/360/679) against the fake broker, which checks producer
// epochs and sequences as a real one does: sequences per partition, retries that keep their
// sequence, duplicates counted as success, epoch bumps that renumber, and the producer id
// request. Plus the pure sequence arithmetic of IdempotenceManager.
import { IdempotenceManager, incrementSequence } from '../../../src/producer/idempotence';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { ProducerBatch } from '../../../src/producer/producer-batch';
import type { ProducerRecord } from '../../../src/producer/record';
import { ClusterAuthorizationError, TimeoutError } from '../../../src/protocol/errors';
import { ErrorCode, FakeCluster, FakeClusterOptions, Outcomes } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

interface Harness {
  cluster: FakeCluster;
  clock: FakeClock;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  send(rec: Partial<ProducerRecord<string, string>> & { value: string | null }): void;
}

const harnesses: Harness[] = [];
const clusters: FakeCluster[] = [];
const releases: (() => void)[] = [];

async function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, clusterOpts: FakeClusterOptions = {}): Promise<Harness> {
  const cluster = await FakeCluster.start({ topics: { t: 2 }, ...clusterOpts });
  clusters.push(cluster); // closed after the test even if the producer cannot be made
  const clock = new FakeClock();
  let x = 7;
  const random = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, ...producerOpts }, { clock, random });
  const out = new Outcomes();
  const h: Harness = {
    cluster,
    clock,
    producer,
    out,
    send(rec) {
      producer.send({ topic: 't', partition: 0, ...rec } as ProducerRecord<string, string>, out.cb(String(rec.value)));
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

const broker = (h: Harness) => h.cluster.brokers[0];
const seqs = (h: Harness, p = 0) => h.cluster.batches('t', p).map((b) => [b.producerEpoch, b.baseSequence, b.recordsCount]);
const values = (h: Harness, p = 0) => h.cluster.records('t', p).map((r) => r.valueString);
const pad = (s: string) => s.padEnd(30, '.');

describe('sequence numbers', () => {
  test('start at 0 per partition and advance by the record count of each batch', async () => {
    const h = await start();
    for (const v of ['a', 'b', 'c']) h.send({ value: v, partition: 0 });
    for (const v of ['x', 'y', 'z', 'w']) h.send({ value: v, partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    for (const v of ['d', 'e']) h.send({ value: v, partition: 0 });
    h.send({ value: 'v', partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.failed).toHaveLength(0);
    expect(seqs(h, 0)).toEqual([
      [0, 0, 3],
      [0, 3, 2],
    ]);
    expect(seqs(h, 1)).toEqual([
      [0, 0, 4],
      [0, 4, 1],
    ]);
    const ids = new Set([0, 1].flatMap((p) => h.cluster.batches('t', p).map((b) => b.producerId)));
    expect([...ids]).toEqual([1000]); // the id InitProducerId handed out
    expect(broker(h).requestsOf('InitProducerId')).toHaveLength(1);
    h.out.expectExactlyOnce();
  });

  test('no Produce goes out before the producer id is known', async () => {
    const h = await start();
    const release = (() => {
      let r!: () => void;
      const gate = new Promise<void>((res) => (r = res));
      broker(h).onInitProducerId(() => ({ until: gate }));
      return r;
    })();
    releases.push(release);
    h.send({ value: 'a' });
    await h.clock.waitFor(() => broker(h).requestsOf('InitProducerId').length === 1);
    await h.clock.advanceAndSettle(50);
    expect(broker(h).requestsOf('Produce')).toHaveLength(0);
    release();
    await h.clock.waitFor(() => h.out.allSettled);
    expect(seqs(h)).toEqual([[0, 0, 1]]);
  });

  test('a retried batch keeps its sequence and epoch', async () => {
    const h = await start();
    broker(h).failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, 2);
    for (const v of ['a', 'b']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    const attempts = broker(h)
      .requestsOf('Produce')
      .map((r) => [r.partitions![0].producerEpoch, r.partitions![0].baseSequence, r.partitions![0].records]);
    expect(attempts).toEqual([
      [0, 0, 2],
      [0, 0, 2],
      [0, 0, 2],
    ]);
    expect(seqs(h)).toEqual([[0, 0, 2]]);
    h.out.expectExactlyOnce();
  });

  test('an earlier batch retried: later in-flight batches get OUT_OF_ORDER and retry after it, no epoch bump', async () => {
    const h = await start({ batchSize: 80 });
    // One acknowledged batch first: until then the partition's batches go one at a time.
    h.send({ value: pad('v0') });
    await h.clock.waitFor(() => h.out.allSettled);
    broker(h).failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS);
    for (let i = 1; i < 6; i++) h.send({ value: pad(`v${i}`) });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 10_000 });
    expect(h.out.failed).toHaveLength(0);
    // The broker refused the batches behind the gap...
    const errs = broker(h)
      .requestsOf('Produce')
      .flatMap((r) => r.errors!.map((e) => e.errorCode));
    expect(errs).toContain(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // ...and every batch was finally written once, in order, under epoch 0.
    expect(seqs(h)).toEqual([0, 1, 2, 3, 4, 5].map((i) => [0, i, 1]));
    expect(values(h)).toEqual([0, 1, 2, 3, 4, 5].map((i) => pad(`v${i}`)));
    h.out.expectExactlyOnce();
  });

  test('until a batch of the partition is acknowledged, the next one waits (a broker without state for us would take any sequence)', async () => {
    // Right after a topic is created the first batch may be refused (NOT_LEADER_OR_FOLLOWER)
    // while a second, pipelined behind it, is written: a broker with no state for a producer
    // accepts any sequence, and the first batch could then never be written in order.
    const h = await start({ batchSize: 80 }, { unknownProducerMode: 'accept' });
    broker(h).failNext('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    for (let i = 0; i < 5; i++) h.send({ value: pad(`v${i}`) });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 10_000 });
    expect(h.out.failed).toHaveLength(0);
    const produce = broker(h).requestsOf('Produce');
    // The first batch went alone, twice (refused, then written); the rest followed in order.
    expect(produce.slice(0, 2).map((r) => r.partitions!.map((p) => p.baseSequence))).toEqual([[0], [0]]);
    expect(values(h)).toEqual([0, 1, 2, 3, 4].map((i) => pad(`v${i}`)));
    h.out.expectExactlyOnce();
  });
});

describe('duplicates', () => {
  test('DUPLICATE_SEQUENCE_NUMBER (a retry of a batch the broker has) counts as success; nothing is doubled', async () => {
    const h = await start();
    let n = 0;
    broker(h).onProduce(() => (n++ === 0 ? { dropAfterAppend: true } : undefined));
    for (const v of ['a', 'b']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    expect(values(h)).toEqual(['a', 'b']);
    const answers = broker(h)
      .requestsOf('Produce')
      .map((r) => r.errors![0].errorCode);
    expect(answers).toEqual([0, ErrorCode.DUPLICATE_SEQUENCE_NUMBER]);
    // The broker does not repeat the offset with this error: -1, as Java reports it.
    expect(h.out.all.map((o) => o.md!.offset)).toEqual([-1n, -1n]);
    h.out.expectExactlyOnce();
  });

  test('a broker that answers a duplicate with its original offset (Kafka today): the records get those offsets', async () => {
    const h = await start({}, { duplicateMode: 'original-offset' });
    let n = 0;
    broker(h).onProduce(() => (n++ === 0 ? { dropAfterAppend: true } : undefined));
    for (const v of ['a', 'b']) h.send({ value: v });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(values(h)).toEqual(['a', 'b']);
    expect(h.out.all.map((o) => o.md!.offset)).toEqual([0n, 1n]);
    h.out.expectExactlyOnce();
  });
});

describe('epoch bumps', () => {
  test('OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch: local epoch bump, renumbered from 0, retried', async () => {
    const h = await start();
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    broker(h).failNext('t', 0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    h.send({ value: 'b' });
    await h.clock.runUntil(() => h.out.settled === 2, { stepMs: 10, maxVirtualMs: 5000 });
    h.send({ value: 'c' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    expect(seqs(h)).toEqual([
      [0, 0, 1],
      [1, 0, 1],
      [1, 1, 1],
    ]);
    expect(values(h)).toEqual(['a', 'b', 'c']);
    // The bump is local: no new InitProducerId.
    expect(broker(h).requestsOf('InitProducerId')).toHaveLength(1);
    h.out.expectExactlyOnce();
  });

  test('UNKNOWN_PRODUCER_ID (the broker lost our state): epoch bump, the batch restarts at sequence 0', async () => {
    const h = await start({}, { unknownProducerMode: 'unknown-producer-id' });
    for (const v of ['a', 'b']) h.send({ value: v });
    await h.clock.waitFor(() => h.out.allSettled);
    h.cluster.forgetProducers();
    h.send({ value: 'c' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    const answers = broker(h)
      .requestsOf('Produce')
      .map((r) => [r.partitions![0].producerEpoch, r.partitions![0].baseSequence, r.errors![0].errorCode]);
    expect(answers).toEqual([
      [0, 0, 0],
      [0, 2, ErrorCode.UNKNOWN_PRODUCER_ID],
      [1, 0, 0],
    ]);
    expect(values(h)).toEqual(['a', 'b', 'c']);
    h.out.expectExactlyOnce();
  });

  test('a batch that fails for good after being sent leaves a gap: the next batch starts a new epoch at 0', async () => {
    const h = await start();
    broker(h).failNext('t', 0, ErrorCode.INVALID_RECORD);
    h.send({ value: 'bad' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).not.toBeNull();
    h.send({ value: 'good' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[1].err).toBeNull();
    expect(seqs(h)).toEqual([[1, 0, 1]]);
    h.out.expectExactlyOnce();
  });

  test('after a bump, other partitions also move to the new epoch from sequence 0', async () => {
    const h = await start();
    h.send({ value: 'p1-a', partition: 1 });
    await h.clock.waitFor(() => h.out.allSettled);
    broker(h).failNext('t', 0, ErrorCode.INVALID_RECORD);
    h.send({ value: 'p0-bad', partition: 0 });
    await h.clock.waitFor(() => h.out.allSettled);
    h.send({ value: 'p1-b', partition: 1 });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(seqs(h, 1)).toEqual([
      [0, 0, 1],
      [1, 0, 1],
    ]);
    h.out.expectExactlyOnce();
  });

  test('an in-flight batch that expires bumps the epoch; later batches are accepted under the new one', async () => {
    const h = await start({ deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    let hold = true;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    releases.push(release);
    // Hold the first Produce, then drop the connection when released (the batch is never written).
    broker(h).onProduce(() => (hold ? ((hold = false), { until: gate, dropConnection: true }) : undefined));
    h.send({ value: 'lost' });
    await h.clock.waitFor(() => broker(h).outstandingProduce === 1);
    await h.clock.advanceAndSettle(30_000);
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[0].err).toBeInstanceOf(TimeoutError);
    release();
    await h.clock.waitFor(() => broker(h).outstandingProduce === 0);
    h.send({ value: 'next' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.all[1].err).toBeNull();
    expect(seqs(h)).toEqual([[1, 0, 1]]);
    h.out.expectExactlyOnce();
  });

  test('an in-flight batch that expires does not renumber later in-flight batches whose fate is unknown (no duplicate)', async () => {
    // A and B are in flight on one partition. A expires while the broker still holds it; the
    // broker then writes A and B but B's answer is lost (the connection drops). B is retried:
    // it must keep its sequence (the broker answers it as a duplicate), not be renumbered
    // under a new epoch, which the broker would take as a new batch and write twice (Java
    // marks the partition's sequence "unresolved" and bumps only once nothing is in flight).
    // request.timeout.ms runs on the test's clock too, and an attempt sent at creation times
    // out no later than its delivery deadline: so A's first attempt is refused and its retry
    // (about 100 ms later, request deadline past 1030) is the one held past A's expiry at 1000.
    const h = await start({ deliveryTimeoutMs: 1000, requestTimeoutMs: 950 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    releases.push(release);
    broker(h).onProduce((_req, ctx) =>
      ctx.index === 1 ? { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS } : ctx.index === 2 ? { until: gate } : ctx.index === 3 ? { dropAfterAppend: true } : undefined,
    );
    // W first: until the partition has an acknowledged batch, its batches go one at a time.
    h.send({ value: 'W' });
    await h.clock.waitFor(() => h.out.allSettled);
    const tA = h.clock.now();
    h.send({ value: 'A' });
    await h.clock.waitFor(() => h.producer.metrics()['record-retry-total'] === 1, { what: 'the refusal of A' });
    await h.clock.runUntil(() => broker(h).requestsOf('Produce').length === 3, { stepMs: 1, maxVirtualMs: 200, what: 'the retry of A' });
    await h.clock.advanceAndSettle(tA + 600 - h.clock.now());
    h.send({ value: 'B' });
    await h.clock.waitFor(() => broker(h).requestsOf('Produce').length === 4);
    await h.clock.advanceAndSettle(410); // A has expired, B not; A's request has not timed out
    expect(h.out.all[1].err).toBeInstanceOf(TimeoutError);
    expect(h.out.all[2].calls).toBe(0);
    release();
    await h.clock.waitFor(() => broker(h).outstandingProduce === 0);
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 500 });
    expect(h.out.all[2].err).toBeNull();
    expect(values(h)).toEqual(['W', 'A', 'B']); // A failed (TimeoutError) but was written; B once
    h.out.expectExactlyOnce();
  });

  test('a first batch refused as too large is split and written before the batch behind it (a broker without state for us accepts any sequence)', async () => {
    // Batch 1 (13 records) is refused as too large and split. Had batch 2 been pipelined
    // behind it, it would be the first the broker sees from this producer, and Kafka accepts a
    // new producer at any sequence: the pieces of batch 1 could then never be written in
    // order. The first batch of a partition goes alone, so everything arrives, in order.
    const h = await start({ batchSize: 4096, deliveryTimeoutMs: 3000, requestTimeoutMs: 2000 }, { unknownProducerMode: 'accept', topics: { t: { partitions: 1, maxMessageBytes: 3000 } } });
    const v = (i: number) => `v${i}-`.padEnd(300, 'x');
    for (let i = 0; i < 15; i++) h.send({ value: v(i) });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 10_000 });
    const written = values(h).map((x) => Number(x!.split('-')[0].slice(1)));
    expect(written).toEqual([...Array(15).keys()]);
    expect(h.out.failed).toHaveLength(0);
    h.out.expectExactlyOnce();
  });

  test('pieces of a split batch queue behind an earlier re-enqueued batch (sequence order)', async () => {
    const h = await start({ batchSize: 200, deliveryTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    h.send({ value: 'W' }); // acknowledged first, so later batches of the partition pipeline
    await h.clock.waitFor(() => h.out.allSettled);
    const release = broker(h).holdProduce();
    releases.push(release);
    h.send({ value: 'A' });
    await h.clock.waitFor(() => broker(h).outstandingProduce === 1);
    h.send({ value: 'B1' });
    h.send({ value: 'B2' });
    await h.clock.waitFor(() => broker(h).outstandingProduce === 2);
    broker(h).failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS); // answer to A: retry
    broker(h).failNext('t', 0, ErrorCode.MESSAGE_TOO_LARGE); // answer to B: split
    release();
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 100, maxVirtualMs: 60_000 });
    expect(h.out.failed.map((o) => `${o.label}: ${o.err!.message}`)).toEqual([]);
    expect(values(h)).toEqual(['W', 'A', 'B1', 'B2']);
  });
});

describe('epoch exhaustion', () => {
  test('a bump at epoch 32767 fetches a new producer id; the batch is resent under it from sequence 0', async () => {
    const h = await start({}, { firstProducerId: 500 });
    let n = 0;
    broker(h).onInitProducerId(() => (n++ === 0 ? { producerEpoch: 32767 } : undefined));
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    broker(h).failNext('t', 0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    h.send({ value: 'b' });
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 5000 });
    expect(h.out.failed).toHaveLength(0);
    expect(broker(h).requestsOf('InitProducerId')).toHaveLength(2);
    expect(h.cluster.batches('t', 0).map((b) => [b.producerId, b.producerEpoch, b.baseSequence])).toEqual([
      [500, 32767, 0],
      [501, 0, 0],
    ]);
    h.out.expectExactlyOnce();
  });
});

describe('InitProducerId', () => {
  test('a retriable error is retried after retry.backoff.ms', async () => {
    const h = await start();
    let n = 0;
    broker(h).onInitProducerId(() => (n++ === 0 ? { errorCode: 15 /* COORDINATOR_NOT_AVAILABLE */ } : undefined));
    h.send({ value: 'a' });
    await h.clock.waitFor(() => broker(h).requestsOf('InitProducerId').length === 1);
    await h.clock.advanceAndSettle(99);
    expect(broker(h).requestsOf('InitProducerId')).toHaveLength(1);
    await h.clock.advanceAndSettle(1);
    await h.clock.waitFor(() => h.out.allSettled);
    expect(broker(h).requestsOf('InitProducerId')).toHaveLength(2);
    expect(h.out.all[0].err).toBeNull();
    expect(seqs(h)).toEqual([[0, 0, 1]]);
  });

  test('a fatal error (cluster authorization) fails the queued records, and later ones', async () => {
    const h = await start();
    broker(h).onInitProducerId(() => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }));
    h.send({ value: 'a' });
    h.send({ value: 'b' });
    await h.clock.waitFor(() => h.out.allSettled);
    for (const o of h.out.all) expect(o.err).toBeInstanceOf(ClusterAuthorizationError);
    h.send({ value: 'c' });
    await h.clock.waitFor(() => h.out.allSettled);
    expect(h.out.all[2].err).toBeInstanceOf(ClusterAuthorizationError);
    expect(broker(h).requestsOf('Produce')).toHaveLength(0);
    h.out.expectExactlyOnce();
  });

  test('the producer id and epoch the broker hands out are the ones written in batches', async () => {
    const h = await start({}, { firstProducerId: 77_000 });
    broker(h).onInitProducerId(() => ({ producerEpoch: 5 }));
    h.send({ value: 'a' });
    await h.clock.waitFor(() => h.out.allSettled);
    const [b] = h.cluster.batches('t', 0);
    expect([b.producerId, b.producerEpoch, b.baseSequence]).toEqual([77_000, 5, 0]);
  });
});

describe('IdempotenceManager (pure)', () => {
  function batch(partition: number, records: number): ProducerBatch {
    const b = new ProducerBatch('t', partition, Buffer.alloc(256), 256, 0, { compression: 0, writeLimit: 256 });
    for (let i = 0; i < records; i++) b.tryAppend(0, null, Buffer.from('x'), null, 1, () => {}, 0);
    return b;
  }

  test('incrementSequence wraps past 2^31 - 1 to 0', () => {
    expect(incrementSequence(0, 5)).toBe(5);
    expect(incrementSequence(0x7fffffff - 1, 1)).toBe(0x7fffffff);
    expect(incrementSequence(0x7fffffff, 1)).toBe(0);
    expect(incrementSequence(0x7fffffff - 2, 5)).toBe(2);
  });

  test('sequences per partition; a retried batch may only drain when it is the first in flight', () => {
    const m = new IdempotenceManager();
    const a = batch(0, 3);
    expect(m.shouldStopDrain(a)).toBe(true); // no producer id yet
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 0);
    expect(m.shouldStopDrain(a)).toBe(false);
    a.close(9, 0, m.assignSequence(a));
    const b = batch(0, 2);
    b.close(9, 0, m.assignSequence(b));
    const c = batch(1, 4);
    c.close(9, 0, m.assignSequence(c));
    expect([a.baseSequence, b.baseSequence, c.baseSequence]).toEqual([0, 3, 0]);
    expect(m.shouldStopDrain(b)).toBe(true); // b has a sequence and a is still outstanding
    expect(m.shouldStopDrain(a)).toBe(false);
    m.handleCompleted(a, 0);
    expect(m.shouldStopDrain(b)).toBe(false);
  });

  test('a new batch waits while the partition has a batch in flight and none acknowledged yet', () => {
    const m = new IdempotenceManager();
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 0);
    const a = batch(0, 3);
    a.close(9, 0, m.assignSequence(a));
    const b = batch(0, 2);
    expect(m.shouldStopDrain(b)).toBe(true);
    expect(m.shouldStopDrain(batch(1, 1))).toBe(false); // another partition is not held
    m.handleCompleted(a, 0);
    expect(m.shouldStopDrain(b)).toBe(false);
    b.close(9, 0, m.assignSequence(b));
    expect(m.shouldStopDrain(batch(0, 1))).toBe(false); // from now on, pipelined
  });

  test('an epoch bump renumbers the outstanding batches of the affected partition from 0', () => {
    const m = new IdempotenceManager();
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 0);
    const [a, b, c] = [batch(0, 2), batch(0, 3), batch(0, 1)];
    for (const x of [a, b, c]) x.close(9, 0, m.assignSequence(x));
    m.handleFailed(a); // sent, then failed for good: a gap
    expect(m.maybeBumpEpoch()).toBe('bumped');
    expect(m.producerEpoch).toBe(1);
    expect([b.producerEpoch, b.baseSequence, c.producerEpoch, c.baseSequence]).toEqual([1, 0, 1, 3]);
    const d = batch(0, 1);
    d.close(9, 1, m.assignSequence(d));
    expect(d.baseSequence).toBe(4);
    expect(m.maybeBumpEpoch()).toBe('none');
  });

  test('a batch failed with its fate unknown: no renumbering while others are in flight; new batches wait', () => {
    const m = new IdempotenceManager();
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 0);
    const [a, b] = [batch(0, 2), batch(0, 3)];
    for (const x of [a, b]) x.close(9, 0, m.assignSequence(x));
    m.handleFailed(a, true); // expired in flight: may be in the log
    expect(m.maybeBumpEpoch()).toBe('none');
    expect([b.producerEpoch, b.baseSequence]).toEqual([0, 2]); // b keeps its sequence
    const c = batch(0, 1);
    expect(m.shouldStopDrain(c)).toBe(true); // nothing new until b is done
    m.handleCompleted(b, 10); // b was written, so a was too: no gap
    expect(m.maybeBumpEpoch()).toBe('none');
    expect(m.shouldStopDrain(c)).toBe(false);
    c.close(9, 0, m.assignSequence(c));
    expect([c.producerEpoch, c.baseSequence]).toEqual([0, 5]);
  });

  test('an unresolved partition whose last batches all failed: the epoch is bumped once nothing is in flight', () => {
    const m = new IdempotenceManager();
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 0);
    const [a, b] = [batch(0, 2), batch(0, 3)];
    for (const x of [a, b]) x.close(9, 0, m.assignSequence(x));
    m.handleFailed(a, true);
    expect(m.maybeBumpEpoch()).toBe('none');
    m.handleFailed(b, true);
    expect(m.maybeBumpEpoch()).toBe('bumped');
    const c = batch(0, 1);
    expect(m.shouldStopDrain(c)).toBe(false);
    c.close(9, 1, m.assignSequence(c));
    expect([c.producerEpoch, c.baseSequence]).toEqual([1, 0]);
  });

  test('at epoch 32767 a bump drops the id instead (a new InitProducerId is needed)', () => {
    const m = new IdempotenceManager();
    m.transitionTo('initializing');
    m.setProducerIdAndEpoch(9, 32767);
    const a = batch(0, 1);
    a.close(9, 32767, m.assignSequence(a));
    m.handleFailed(a);
    expect(m.maybeBumpEpoch()).toBe('needs-new-id');
    expect(m.hasProducerId).toBe(false);
  });
});
