// metrics(): the flat Java-named figures, and with { grouped: true } the per-topic
// (producer-topic-metrics) and per-broker (producer-node-metrics) groups, on the scripted
// network and virtual time, so latencies and counts are exact.
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import type { ProducerMetricGroups } from '../../../src/producer/metrics';
import type { RequestEvent } from '../../../src/producer/events';
import { Outcomes } from '../../support/fake-broker';
import { ErrorCode, MockNetwork, MockNetworkOptions, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  requests: RequestEvent[];
  send(topic: string, value: string): void;
}

const harnesses: Harness[] = [];

/** Two brokers: topic "a" led by node 1, topic "b" by node 2, one partition each. */
function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, netOpts: MockNetworkOptions = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, {
    nodes: [1, 2],
    topics: { a: { partitions: 1, leaders: [1] }, b: { partitions: 1, leaders: [2] } },
    ...netOpts,
  });
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: net.bootstrap(1), lingerMs: 0, ...producerOpts },
    { clock, connect: net.connect, random: () => 0.25, jitter: () => 0.5 },
  );
  const out = new Outcomes();
  const requests: RequestEvent[] = [];
  producer.on('request', (e) => requests.push(e));
  const h: Harness = {
    clock,
    net,
    producer,
    out,
    requests,
    send(topic, value) {
      producer.send({ topic, value }, out.cb(`${topic}:${value}`));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
    h.out.expectExactlyOnce();
  }
});

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

test('metrics() stays the flat Java-named object; { grouped: false } is the same', async () => {
  const h = start();
  h.send('a', 'x');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  const flat = h.producer.metrics();
  expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
  for (const v of Object.values(flat)) expect(typeof v).toBe('number');
  expect(flat['record-send-total']).toBe(1);
  expect(flat['request-total']).toBe(1);
  expect(flat['compression-rate-avg']).toBe(1);
  expect(h.producer.metrics({ grouped: false })).toEqual(flat);
  expect(h.producer.metrics({})).toEqual(flat);
  // The grouped form carries the very same flat figures.
  expect(h.producer.metrics({ grouped: true }).producer).toEqual(flat);
});

test('per topic: records and bytes acknowledged, compression rate 1 without a codec; they add up to the flat totals', async () => {
  const h = start();
  for (let i = 0; i < 3; i++) h.send('a', `a${i}`);
  for (let i = 0; i < 5; i++) h.send('b', `b${i}`);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });
  expect(h.out.all.every((o) => o.err === null)).toBe(true);

  const m = h.producer.metrics({ grouped: true });
  expect(Object.keys(m.topics).sort()).toEqual(['a', 'b']);
  const bytesTo = (node: number) => sum(h.requests.filter((r) => r.node === node).map((r) => r.bytes));
  expect(m.topics.a).toEqual({ 'record-send-total': 3, 'byte-total': bytesTo(1), 'record-error-total': 0, 'record-retry-total': 0, 'compression-rate': 1 });
  expect(m.topics.b).toEqual({ 'record-send-total': 5, 'byte-total': bytesTo(2), 'record-error-total': 0, 'record-retry-total': 0, 'compression-rate': 1 });
  expect(m.topics.a['byte-total']).toBeGreaterThan(0);
  expect(m.topics.a['record-send-total'] + m.topics.b['record-send-total']).toBe(m.producer['record-send-total']);
  expect(m.topics.a['byte-total'] + m.topics.b['byte-total']).toBe(m.producer['outgoing-byte-total']);
});

test('per node: requests, bytes and latency to the virtual millisecond; requests-in-flight while an answer is held back', async () => {
  const h = start();
  h.net.prepare(1, 'Produce', { delayMs: 30 });
  h.net.prepare(1, 'Produce', { delayMs: 10 });
  h.net.prepare(2, 'Produce', { delayMs: 70 });
  h.send('a', 'first');
  h.send('b', 'x');
  await h.clock.settle();
  // Both requests are out, neither answered.
  let m = h.producer.metrics({ grouped: true });
  expect(Object.keys(m.nodes).sort()).toEqual(['1', '2']);
  expect(m.nodes['1']['requests-in-flight']).toBe(1);
  expect(m.nodes['2']['requests-in-flight']).toBe(1);
  expect(m.nodes['1']['request-latency-max']).toBe(0);

  await h.clock.advanceUntil(() => h.out.settled === 1, { what: 'the first record to a' });
  h.send('a', 'second');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });

  m = h.producer.metrics({ grouped: true });
  const bytesTo = (node: number) => sum(h.requests.filter((r) => r.node === node).map((r) => r.bytes));
  expect(m.nodes['1']).toEqual({
    'request-total': 2,
    'request-latency-avg': 20,
    'request-latency-max': 30,
    'outgoing-byte-total': bytesTo(1),
    'requests-in-flight': 0,
  });
  expect(m.nodes['2']).toEqual({
    'request-total': 1,
    'request-latency-avg': 70,
    'request-latency-max': 70,
    'outgoing-byte-total': bytesTo(2),
    'requests-in-flight': 0,
  });
  expect(m.nodes['1']['request-total'] + m.nodes['2']['request-total']).toBe(m.producer['request-total']);
  expect(m.nodes['1']['outgoing-byte-total'] + m.nodes['2']['outgoing-byte-total']).toBe(m.producer['outgoing-byte-total']);
  expect(m.producer['request-latency-max']).toBe(70);
  expect(m.producer['request-latency-avg']).toBeCloseTo((30 + 10 + 70) / 3, 10);
});

test('per topic: retries count a batch\'s records per retry, errors once per failed record; only the topic concerned moves', async () => {
  const h = start();
  // Topic a (node 1): refused twice with a retriable error, then written.
  h.net.prepare(1, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
  h.net.prepare(1, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
  // Topic b (node 2): refused for good.
  h.net.prepare(2, 'Produce', { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  for (let i = 0; i < 4; i++) h.send('a', `a${i}`);
  for (let i = 0; i < 3; i++) h.send('b', `b${i}`);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });

  const aProduce = h.net.requestsOf('Produce', 1);
  const aRecords = aProduce.map((r) => r.partitions![0].records);
  // Every attempt carried the same single batch of four.
  expect(aRecords).toEqual([4, 4, 4]);
  expect(h.out.all.filter((o) => o.label.startsWith('b:')).every((o) => o.err?.name === 'TopicAuthorizationError')).toBe(true);

  const m = h.producer.metrics({ grouped: true });
  expect(m.topics.a).toMatchObject({ 'record-send-total': 4, 'record-retry-total': 8, 'record-error-total': 0 });
  expect(m.topics.b).toMatchObject({ 'record-send-total': 0, 'record-retry-total': 0, 'record-error-total': 3, 'byte-total': 0, 'compression-rate': 0 });
  expect(m.producer['record-retry-total']).toBe(8);
  expect(m.producer['record-error-total']).toBe(3);
  // A refused request is a request all the same.
  expect(m.nodes['2']['request-total']).toBe(1);
  expect(m.nodes['1']['request-total']).toBe(3);
});

test('per topic compression-rate: bytes sent over bytes uncompressed, below 1 for compressible records', async () => {
  const h = start({ compressionType: 'gzip' });
  for (let i = 0; i < 20; i++) h.send('a', 'the same value, again and again '.repeat(4));
  h.send('b', 'q');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });
  expect(h.out.all.every((o) => o.err === null)).toBe(true);
  const m = h.producer.metrics({ grouped: true });
  const a = m.topics.a['compression-rate'];
  expect(a).toBeGreaterThan(0);
  expect(a).toBeLessThan(0.5);
  // One tiny record: gzip's framing outweighs what it saves.
  expect(m.topics.b['compression-rate']).toBeGreaterThan(1);
  const batches = h.requests.length;
  expect(m.producer['compression-rate-avg']).toBeCloseTo(
    // Each topic's figure is a mean over its batches; the flat one over all of them.
    (a * h.requests.filter((r) => r.node === 1).length + m.topics.b['compression-rate'] * h.requests.filter((r) => r.node === 2).length) / batches,
    10,
  );
});

test('grouped figures are plain data: JSON round-trips them, and topics named like Object properties are kept apart', async () => {
  const h = start({}, { nodes: [1], topics: { constructor: { partitions: 1, leaders: [1] } } });
  h.net.createTopic('__proto__', { partitions: 1, leaders: [1] });
  h.send('constructor', 'v');
  h.send('__proto__', 'w');
  h.send('__proto__', 'w2');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });
  expect(h.out.all.every((o) => o.err === null)).toBe(true);
  const m: ProducerMetricGroups = h.producer.metrics({ grouped: true });
  expect(Object.keys(m.topics).sort()).toEqual(['__proto__', 'constructor']);
  const ctor: string = 'constructor'; // m.topics.constructor would be typed as Object's own member
  expect(m.topics[ctor]['record-send-total']).toBe(1);
  expect(m.topics['__proto__']['record-send-total']).toBe(2);
  expect('toString' in m.topics).toBe(false);
  const copy = JSON.parse(JSON.stringify(m)) as ProducerMetricGroups;
  expect(Object.keys(copy.topics).sort()).toEqual(['__proto__', 'constructor']);
  expect(copy.topics['__proto__']['record-send-total']).toBe(2);
  expect(copy.producer).toEqual(m.producer);
  expect(copy.nodes['1']).toEqual(m.nodes['1']);
});

test('typed listeners get the payloads the event map names', async () => {
  const h = start();
  const retries: string[] = [];
  const errors: Error[] = [];
  h.producer.on('retry', (e) => retries.push(`${e.topic}-${e.partition} #${e.attempt} ${e.error}`));
  h.producer.once('batchError', (e) => errors.push(e.error));
  h.net.prepare(1, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
  h.net.prepare(2, 'Produce', { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  h.send('a', 'x');
  h.send('b', 'y');
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });
  expect(retries).toEqual(['a-0 #1 NOT_ENOUGH_REPLICAS']);
  expect(errors.map((e) => e.name)).toEqual(['TopicAuthorizationError']);
  expect(h.requests.every((r) => typeof r.node === 'number' && r.records >= 1 && r.bytes > 0)).toBe(true);
});
