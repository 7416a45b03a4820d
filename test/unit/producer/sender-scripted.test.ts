// The sender on a scripted in-memory network and one virtual clock shared by the producer
// and its connections (the Java client's MockClient/MockTime style): retry backoff, request
// timeouts, an unreachable leader and delivery.timeout.ms, each checked to the virtual
// millisecond. No socket is opened and no real timer is armed; every record is checked to get
// exactly one outcome.
import { Socket } from 'node:net';

import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import type { RecordMetadata } from '../../../src/producer/record';
import { TimeoutError } from '../../../src/protocol/errors';
import { Outcomes } from '../../support/fake-broker';
import { ErrorCode, MockNetwork, MockNetworkOptions, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  /** Virtual time at the start: setup (connect, metadata, producer id) takes none. */
  t0: number;
  /** Virtual time at which each record's callback ran, by label. */
  settledAt: Map<string, number>;
  send(value: string, label?: string): void;
}

const harnesses: Harness[] = [];

/** A seeded random source, so reconnect jitter repeats. */
function seeded(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, netOpts: MockNetworkOptions & { bootstrap?: number[] } = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 1 }, ...netOpts });
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: net.bootstrap(...(netOpts.bootstrap ?? [])), lingerMs: 0, ...producerOpts },
    // jitter 0.5: retry backoff without jitter, so its steps are exact.
    { clock, connect: net.connect, random: seeded(), jitter: () => 0.5 },
  );
  const out = new Outcomes();
  const settledAt = new Map<string, number>();
  const h: Harness = {
    clock,
    net,
    producer,
    out,
    t0: clock.now(),
    settledAt,
    send(value, label = value) {
      const cb = out.cb(label);
      producer.send({ topic: 't', value }, (err: Error | null, md: RecordMetadata) => {
        if (!settledAt.has(label)) settledAt.set(label, clock.now());
        cb(err, md);
      });
    },
  };
  harnesses.push(h);
  return h;
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);

// Proof that the network under test is the scripted one and time is virtual only: no socket
// (TCP or TLS) connects, no real timer is armed.
let spies: jest.SpyInstance[] = [];
beforeEach(() => {
  spies = [jest.spyOn(Socket.prototype, 'connect'), jest.spyOn(global, 'setTimeout')];
});

afterEach(async () => {
  for (const s of spies) expect(s).not.toHaveBeenCalled();
  for (const s of spies) s.mockRestore();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
    h.out.expectExactlyOnce();
  }
});

test('retry backoff grows exactly 100, 200, 400 ms (retry.backoff.ms 100), the sequence kept', async () => {
  const h = start();
  for (let i = 0; i < 3; i++) h.net.prepare(0, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
  h.send('a');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  const produce = h.net.requestsOf('Produce');
  expect(produce.map((r) => r.atMs - h.t0)).toEqual([0, 100, 300, 700]);
  expect(gaps(produce.map((r) => r.atMs))).toEqual([100, 200, 400]);
  expect(produce.map((r) => r.errors)).toEqual([[ErrorCode.NOT_ENOUGH_REPLICAS], [ErrorCode.NOT_ENOUGH_REPLICAS], [ErrorCode.NOT_ENOUGH_REPLICAS], [ErrorCode.NONE]]);
  // Every attempt is the same batch: same producer id, epoch and sequence.
  expect(new Set(produce.map((r) => JSON.stringify([r.partitions![0].producerId, r.partitions![0].producerEpoch, r.partitions![0].baseSequence])))).toEqual(
    new Set([JSON.stringify([1000, 0, 0])]),
  );
  expect(h.out.all[0].err).toBeNull();
  expect(h.out.all[0].md!.offset).toBe(0n);
  expect(h.settledAt.get('a')! - h.t0).toBe(700);
  expect(h.producer.metrics()['record-retry-total']).toBe(3);
});

test('request.timeout.ms fires on virtual time; the batch is retried on a new connection with its sequence', async () => {
  const h = start({ requestTimeoutMs: 5000 });
  h.net.prepare(0, 'Produce', { noResponse: true });
  h.send('a');
  await h.clock.settle();
  const [first] = h.net.requestsOf('Produce');
  expect(first.atMs).toBe(h.t0);

  await h.clock.run(4999);
  expect(h.net.requestsOf('Produce')).toHaveLength(1);
  expect(first.outcome).toBe('no-response');
  expect(h.out.settled).toBe(0);

  // At request.timeout.ms the connection is closed with everything in flight on it.
  await h.clock.run(1);
  expect(first.outcome).toBe('disconnected');
  expect(h.net.requestsOf('Produce')).toHaveLength(1);

  // retry.backoff.ms later, the same batch goes again on a new connection.
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  const produce = h.net.requestsOf('Produce');
  expect(produce).toHaveLength(2);
  const second = produce[1];
  expect(second.atMs - h.t0).toBe(5000 + 100);
  expect(second.connectionId).not.toBe(first.connectionId);
  expect(second.partitions![0]).toMatchObject({
    producerId: first.partitions![0].producerId,
    producerEpoch: first.partitions![0].producerEpoch,
    baseSequence: first.partitions![0].baseSequence,
    values: ['a'],
  });
  expect(h.out.all[0].err).toBeNull();
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(['a']);
  expect(h.settledAt.get('a')! - h.t0).toBe(5100);
});

test('a leader that refuses connections: metadata is asked again after each failed attempt, within the backoff; the batch goes to the leader the next metadata names', async () => {
  // Node 1 answers metadata; node 0 leads t-0 and cannot be reached.
  const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 1, leaders: [0] } }, bootstrap: [1] });
  h.net.refuseConnections(0);
  h.send('a');
  await h.clock.run(3000);
  expect(h.out.settled).toBe(0);
  const refused = h.net.connectsTo(0).map((c) => c.atMs);
  expect(h.net.connectsTo(0).every((c) => c.refused)).toBe(true);
  expect(refused.length).toBeGreaterThan(4);
  // Reconnect backoff (reconnect.backoff.ms 50, doubling, 20% jitter, up to 1000): no storm.
  for (const g of gaps(refused)) {
    expect(g).toBeGreaterThanOrEqual(40);
    expect(g).toBeLessThanOrEqual(1000);
  }
  const metadata = h.net.requestsOf('Metadata').map((r) => r.atMs);
  // Each refresh after the first follows a failed attempt made since the one before it...
  for (let i = 1; i < metadata.length; i++) expect(refused.some((t) => t >= metadata[i - 1] && t <= metadata[i])).toBe(true);
  // ...and waits for the metadata backoff (retry.backoff.ms 100, growing, up to 1000).
  for (const g of gaps(metadata)) {
    expect(g).toBeGreaterThanOrEqual(100);
    expect(g).toBeLessThanOrEqual(1000);
  }
  expect(gaps(metadata)).toEqual([...gaps(metadata)].sort((a, b) => a - b));

  // The cluster moves the partition; the next refresh names node 1 and the batch goes there.
  const movedAt = h.clock.now();
  h.net.setLeader('t', 0, 1);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  const after = h.net.requestsOf('Metadata').filter((r) => r.atMs >= movedAt);
  expect(after).toHaveLength(1);
  const [produce] = h.net.requestsOf('Produce');
  expect(produce).toMatchObject({ nodeId: 1, atMs: after[0].atMs });
  expect(h.net.requestsOf('Produce')).toHaveLength(1);
  expect(h.net.connectsTo(0).filter((c) => c.atMs > after[0].atMs)).toHaveLength(0);
  expect(h.out.all[0].err).toBeNull();
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(['a']);
});

test('delivery.timeout.ms expires a batch while it is in flight, at the virtual millisecond', async () => {
  const h = start({ requestTimeoutMs: 1000, deliveryTimeoutMs: 1500 });
  // First attempt: a retriable error after 600 ms; the retry then gets no answer.
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, delayMs: 600 });
  h.net.prepare(0, 'Produce', { noResponse: true });
  h.send('a');
  await h.clock.run(1499);
  const produce = h.net.requestsOf('Produce');
  expect(produce.map((r) => r.atMs - h.t0)).toEqual([0, 700]);
  expect(produce[0].answeredAtMs! - h.t0).toBe(600);
  expect(h.out.settled).toBe(0);

  await h.clock.run(1);
  const [o] = h.out.all;
  expect(o.err).toBeInstanceOf(TimeoutError);
  expect(o.err!.message).toContain('in flight');
  expect(h.settledAt.get('a')! - h.t0).toBe(1500);

  // The attempt's own request timeout (700 + 1000) still closes its connection; the record
  // keeps its one outcome and nothing is sent again.
  await h.clock.run(300);
  expect(produce[1].outcome).toBe('disconnected');
  await h.clock.run(1000);
  expect(h.net.requestsOf('Produce')).toHaveLength(2);
  expect(h.net.records('t', 0)).toHaveLength(0);
});
