/**
 * kafka-wire/kafkajs against the scripted FakeBroker (127.0.0.1, real time): connect() makes a
 * connection and fetches metadata within kafkajs's retry budget, or rejects as kafkajs does;
 * allowAutoTopicCreation: false reaches the Metadata requests and fails a send to a missing
 * topic after the budget without holding later sends; producer.network.request and
 * request_timeout carry host:port, correlation ids and durations. The same behaviour against a
 * real broker: test/conformance/kafkajs-facade.test.ts.
 */
import * as net from 'node:net';
import {
  CompressionTypes,
  Kafka,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  logLevel,
  type InstrumentationEvent,
  type KafkaConfig,
  type RequestEventPayload,
  type RequestTimeoutEventPayload,
} from '../../src/kafkajs';
import { retryBudgetMs, retryWaitsMs } from '../../src/kafkajs/retry';
import { TimeoutError } from '../../src';
import { FakeBroker } from '../support/fake-broker';

const brokers: FakeBroker[] = [];
const disconnects: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const d of disconnects.splice(0)) await d().catch(() => {});
  for (const b of brokers.splice(0)) await b.close();
});

async function startBroker(opts: Parameters<typeof FakeBroker.start>[0] = {}): Promise<FakeBroker> {
  const b = await FakeBroker.start(opts);
  brokers.push(b);
  return b;
}

function kafkaFor(bootstrap: string, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'facade-unit', brokers: [bootstrap], logLevel: logLevel.NOTHING, ...config });
}

function producerOf(kafka: Kafka, config: Parameters<Kafka['producer']>[0] = {}) {
  const p = kafka.producer(config);
  disconnects.push(() => p.disconnect());
  return p;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("kafkajs's retry budget", () => {
  test("the waits of kafkajs's retrier: 300 ms doubling, 5 retries, at most maxRetryTime each", () => {
    expect(retryWaitsMs(undefined)).toBe(300 + 600 + 1200 + 2400 + 4800);
    expect(retryWaitsMs({ retries: 0 })).toBe(0);
    expect(retryWaitsMs({ retries: 3, initialRetryTime: 100, multiplier: 3 })).toBe(100 + 300 + 900);
    expect(retryWaitsMs({ retries: 4, initialRetryTime: 1000, maxRetryTime: 1500 })).toBe(1000 + 1500 + 1500 + 1500);
    // kafkajs's idempotent producer retries "forever": the sum stops at a day (max.block.ms caps the wait).
    expect(retryWaitsMs({ retries: Number.MAX_SAFE_INTEGER })).toBe(86_400_000);
  });

  test('plus one connectionTimeout (kafkajs: 1000 ms) for the attempts themselves', () => {
    expect(retryBudgetMs(undefined, undefined)).toBe(10_300);
    expect(retryBudgetMs({ retries: 1, initialRetryTime: 50 }, 200)).toBe(250);
  });
});

describe('connect()', () => {
  test('connects and fetches cluster metadata (no topics); the connection stays open', async () => {
    const broker = await startBroker();
    const p = producerOf(kafkaFor(broker.bootstrap));
    const requests: InstrumentationEvent<RequestEventPayload>[] = [];
    p.on<RequestEventPayload>('producer.network.request', (e) => requests.push(e));
    await p.connect();
    expect(broker.connectionCount).toBe(1);
    expect(broker.requests.map((r) => [r.api, r.topics])).toEqual([
      ['ApiVersions', undefined],
      ['Metadata', []],
    ]);
    expect(requests.map((e) => e.payload.apiName)).toEqual(['ApiVersions', 'Metadata']);
    for (const [i, e] of requests.entries()) {
      expect(e.type).toBe('producer.network.request');
      expect(e.payload).toMatchObject({ broker: `127.0.0.1:${broker.port}`, clientId: 'facade-unit', correlationId: i, pendingDuration: 0 });
      expect(e.payload.apiKey).toBe(broker.requests[i].apiKey);
      expect(e.payload.apiVersion).toBe(broker.requests[i].version);
      expect(e.payload.duration).toBeGreaterThanOrEqual(0);
      expect(e.payload.size).toBeGreaterThan(0);
      expect(e.payload.sentAt).toBe(e.payload.createdAt);
    }
  });

  test('no broker within the retry budget: KafkaJSNumberOfRetriesExceeded, its originalError the KafkaJSConnectionError', async () => {
    const port = await closedPort();
    const p = producerOf(kafkaFor(`127.0.0.1:${port}`, { connectionTimeout: 200, retry: { retries: 2, initialRetryTime: 50 } }));
    const connects: unknown[] = [];
    p.on('producer.connect', (e) => connects.push(e));
    const started = Date.now();
    const err = await p.connect().then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    const e = err as KafkaJSNumberOfRetriesExceeded;
    expect(e.retriable).toBe(false);
    expect(e.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(e.originalError).toBeInstanceOf(KafkaJSConnectionError);
    expect((e.originalError as KafkaJSConnectionError).broker).toBe(`127.0.0.1:${port}`);
    expect(e.cause).toBeInstanceOf(TimeoutError);
    // The budget: 50 + 100 ms of retry waits and one connectionTimeout.
    expect(elapsed).toBeGreaterThanOrEqual(340);
    expect(elapsed).toBeLessThan(3000);
    expect(connects).toEqual([]);
    await expect(p.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toThrow(/not connected/);
  });

  test('a transactional producer connects, then registers its transactional id', async () => {
    const broker = await startBroker({ transactions: true, topics: { t: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap), { transactionalId: 'tx-1' });
    await p.connect();
    expect(broker.requests.map((r) => r.api).slice(0, 3)).toEqual(['ApiVersions', 'Metadata', 'FindCoordinator']);
    expect(broker.requests.map((r) => r.api)).toContain('InitProducerId');
  });
});

describe('the first send() keeps the producer connect() made, or replaces it', () => {
  // One connection to the bootstrap server (connect()), one to the partition's leader, node 0
  // (the same listener here): each starts with ApiVersions.
  const apiVersionsCount = (b: FakeBroker) => b.requests.filter((r) => r.api === 'ApiVersions').length;

  test('acks -1 and no codec: kept', async () => {
    const broker = await startBroker({ topics: { t: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap));
    await p.connect();
    await p.send({ topic: 't', messages: [{ value: 'a' }] });
    expect(apiVersionsCount(broker)).toBe(2);
    expect(broker.connectionCount).toBe(2);
  });

  test("another codec: replaced by a producer with the send's codec, and closed", async () => {
    const broker = await startBroker({ topics: { t: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap));
    await p.connect();
    await p.send({ topic: 't', compression: CompressionTypes.GZIP, messages: [{ value: 'a' }] });
    expect(broker.cluster.batches('t', 0).map((b) => b.compression)).toEqual([1]);
    expect(apiVersionsCount(broker)).toBe(3);
    await until(() => broker.connectionCount === 2);
  });
});

describe('allowAutoTopicCreation', () => {
  test('false: Metadata does not create the topic; the send rejects after the budget, later sends go on', async () => {
    const broker = await startBroker({ autoCreateTopics: true, topics: { present: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap, { connectionTimeout: 200 }), { allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100 } });
    await p.connect();
    const settled: string[] = [];
    const started = Date.now();
    const missing = p.send({ topic: 'missing', messages: [{ value: 'x' }] }).then(
      () => null,
      (e: unknown) => {
        settled.push('missing');
        return e;
      },
    );
    // Sent after it: waits its turn, so messages reach kafka-wire in call order.
    const present = p.send({ topic: 'present', messages: [{ value: 'y' }] }).then((r) => {
      settled.push('present');
      return r;
    });
    const err = await missing;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    const original = (err as KafkaJSNumberOfRetriesExceeded).originalError;
    expect(original).toBeInstanceOf(KafkaJSProtocolError);
    expect(original).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true });
    // 100 + 200 ms of retry waits and one connectionTimeout; several Metadata requests meanwhile.
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(5000);
    expect(broker.requests.filter((r) => r.api === 'Metadata' && r.topics?.includes('missing')).length).toBeGreaterThan(1);
    expect(broker.cluster.topics.has('missing')).toBe(false);
    expect(broker.requests.some((r) => r.api === 'Produce' && r.partitions?.some((x) => x.topic === 'missing'))).toBe(false);
    expect((await present)[0]).toMatchObject({ topicName: 'present', partition: 0, baseOffset: '0' });
    expect(settled).toEqual(['missing', 'present']);
    // A topic found is not checked again; the producer goes on.
    await p.send({ topic: 'present', messages: [{ value: 'z' }] });
    expect(broker.cluster.records('present', 0).map((r) => r.valueString)).toEqual(['y', 'z']);
  });

  test('false: a topic created while the send waits is written to', async () => {
    const broker = await startBroker({ topics: { other: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap), { allowAutoTopicCreation: false });
    await p.connect();
    const sent = p.send({ topic: 'late', messages: [{ value: 'x' }] });
    await until(() => broker.requests.some((r) => r.api === 'Metadata' && r.topics?.includes('late')));
    broker.cluster.createTopic('late', 2);
    const result = await sent;
    expect(result).toHaveLength(1);
    expect(result[0].topicName).toBe('late');
  });

  test('false: an invalid topic name still fails as INVALID_TOPIC_EXCEPTION, at once', async () => {
    const broker = await startBroker();
    const p = producerOf(kafkaFor(broker.bootstrap), { allowAutoTopicCreation: false });
    await p.connect();
    await expect(p.send({ topic: 'not valid!', messages: [{ value: 'x' }] })).rejects.toMatchObject({ name: 'KafkaJSProtocolError', type: 'INVALID_TOPIC_EXCEPTION' });
  });

  test('false: disconnect() while a send waits for its topic rejects that send', async () => {
    const broker = await startBroker();
    const p = producerOf(kafkaFor(broker.bootstrap), { allowAutoTopicCreation: false });
    await p.connect();
    const sent = p.send({ topic: 'never', messages: [{ value: 'x' }] });
    await until(() => broker.requests.some((r) => r.api === 'Metadata' && r.topics?.includes('never')));
    await p.disconnect();
    await expect(sent).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
  });

  test('true (the default): Metadata lets the broker create the topic', async () => {
    const broker = await startBroker({ autoCreateTopics: true });
    const p = producerOf(kafkaFor(broker.bootstrap));
    await p.connect();
    await p.send({ topic: 'auto', messages: [{ value: 'x' }] });
    expect(broker.cluster.topics.has('auto')).toBe(true);
  });
});

describe('network events', () => {
  test('a Produce request: host:port, its correlation id, a duration and the answer size; acks 0: size 0', async () => {
    const broker = await startBroker({ topics: { t: 1 } });
    const p = producerOf(kafkaFor(broker.bootstrap), { idempotent: false });
    const requests: RequestEventPayload[] = [];
    p.on<RequestEventPayload>('producer.network.request', (e) => requests.push(e.payload));
    await p.connect();
    broker.onProduce(() => ({ delayMs: 50 }));
    await p.send({ topic: 't', acks: 1, messages: [{ value: 'x' }] });
    const produce = requests.filter((r) => r.apiName === 'Produce');
    expect(produce).toHaveLength(1);
    const logged = broker.requests.find((r) => r.api === 'Produce')!;
    expect(produce[0]).toMatchObject({ apiKey: 0, apiVersion: logged.version, correlationId: logged.correlationId, broker: `127.0.0.1:${broker.port}` });
    expect(produce[0].duration).toBeGreaterThanOrEqual(45);
    expect(produce[0].size).toBeGreaterThan(0);

    const zero = producerOf(kafkaFor(broker.bootstrap), { idempotent: false });
    const zeroRequests: RequestEventPayload[] = [];
    zero.on<RequestEventPayload>('producer.network.request', (e) => zeroRequests.push(e.payload));
    await zero.connect();
    await zero.send({ topic: 't', acks: 0, messages: [{ value: 'y' }] });
    const acks0 = zeroRequests.filter((r) => r.apiName === 'Produce');
    expect(acks0).toHaveLength(1);
    expect(acks0[0].size).toBe(0);
  });

  test('producer.network.request_timeout: a request without an answer in requestTimeout; the message is then retried', async () => {
    const broker = await startBroker({ topics: { t: 1 } });
    broker.onRequest((ctx) => (ctx.api === 'Produce' && ctx.index === 0 ? { noResponse: true } : undefined));
    const p = producerOf(kafkaFor(broker.bootstrap, { requestTimeout: 300 }));
    const timeouts: InstrumentationEvent<RequestTimeoutEventPayload>[] = [];
    p.on<RequestTimeoutEventPayload>('producer.network.request_timeout', (e) => timeouts.push(e));
    await p.connect();
    const result = await p.send({ topic: 't', messages: [{ value: 'x' }] });
    expect(result[0].baseOffset).toBe('0');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0].type).toBe('producer.network.request_timeout');
    expect(timeouts[0].payload).toMatchObject({ apiKey: 0, apiName: 'Produce', broker: `127.0.0.1:${broker.port}`, clientId: 'facade-unit' });
    expect(timeouts[0].payload).not.toHaveProperty('duration');
  });
});
