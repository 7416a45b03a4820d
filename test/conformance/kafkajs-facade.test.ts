/**
 * kafka-wire/kafkajs against the real broker, read back by the Java consumer: the producer
 * examples of kafkajs's documentation (one message; keys and headers; sendBatch over two
 * topics; a custom partitioner; transactions committed and aborted; instrumentation events;
 * errors; connect() to a broker and to none; allowAutoTopicCreation both ways), written from
 * its documented API, and the bench's kafkajs driver run unchanged on
 * the facade (its peer loader handing out the facade instead of kafkajs) and type-checked
 * with its import pointed to the facade.
 */
import * as dc from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
  CompressionTypes,
  Kafka,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSTimeout,
  logLevel,
  toKafkaJSError,
  Partitioners,
  Producer,
  type InstrumentationEvent,
  type LogEntry,
  type RequestEventPayload,
} from '../../src/kafkajs';
import { retryBudgetMs } from '../../src/kafkajs/retry';
import {
  brokerErrorFor,
  BufferExhaustedError,
  channels,
  ConfigError,
  type ConnectionMessage,
  ConnectionError,
  InvalidTopicError,
  legacyMurmur2,
  partitionForKey,
  ProducerClosedError,
  RecordTooLargeError,
  SaslAuthenticationError,
  TimeoutError,
  toPositive,
} from '../../src';
import { runWorkload } from '../../bench/e2e/driver';
import { createDriver } from '../../bench/e2e/drivers/kafkajs';
import { uniqueTopic, Verifier, VerifiedRecord } from '../support/verifier';

// The bench driver loads kafkajs through requirePeer(); here that hands out the facade.
jest.mock('../../bench/e2e/drivers/peers', () => ({
  requirePeer: (name: string) => {
    if (name === 'kafkajs') return jest.requireActual('../../src/kafkajs');
    throw new Error(`no peer ${name} in this test`);
  },
  peerVersion: () => 'kafka-wire/kafkajs',
}));

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const root = path.resolve(__dirname, '../..');
let verifier: Verifier;
const producers: Producer[] = [];
const logs: LogEntry[] = [];

const kafka = new Kafka({
  clientId: 'kafkajs-facade-test',
  brokers: bootstrap.split(','),
  logLevel: logLevel.WARN,
  logCreator: () => (entry) => logs.push(entry),
});

function producer(config: Parameters<Kafka['producer']>[0] = {}): Producer {
  const p = kafka.producer(config);
  producers.push(p);
  return p;
}

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => {});
  await verifier?.close();
});

const text = (hex: string | null) => (hex === null ? null : Buffer.from(hex, 'hex').toString('utf8'));
const headerText = (r: VerifiedRecord) => r.headers.map((h) => [h.key, text(h.value)]);

test('send one message: one result with string offsets, read back by the Java consumer', async () => {
  const topic = uniqueTopic('kjs-one');
  await verifier.createTopic(topic, 1);
  const p = producer();
  await p.connect();
  const result = await p.send({ topic, messages: [{ value: 'Hello KafkaJS user!' }] });
  expect(result).toEqual([{ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '-1' }]);
  const second = await p.send({ topic, messages: [{ value: 'again' }] });
  expect(second[0].baseOffset).toBe('1');
  await p.disconnect();
  const { records } = await verifier.consume(topic, { expected: 2 });
  expect(records.map((r) => text(r.value))).toEqual(['Hello KafkaJS user!', 'again']);
});

test('several messages with keys, headers and timestamps: Java-compatible partitions, one result per partition', async () => {
  const topic = uniqueTopic('kjs-keys');
  await verifier.createTopic(topic, 3);
  const p = producer();
  await p.connect();
  const keys = ['key1', 'key2', 'key3', 'key4', 'key5', 'key6'];
  const messages = keys.map((key, i) => ({
    key,
    value: `value-${i}`,
    timestamp: String(1_700_000_000_000 + i),
    headers: { 'correlation-id': `c-${i}`, 'system-id': 'my-system', multi: ['a', Buffer.from('b')] },
  }));
  const result = await p.send({ topic, messages });
  const { records } = await verifier.consume(topic, { expected: keys.length });
  expect(records).toHaveLength(keys.length);
  for (const r of records) {
    const i = keys.indexOf(text(r.key)!);
    expect(r.partition).toBe(partitionForKey(Buffer.from(keys[i]), 3)); // kafkajs 2.x's DefaultPartitioner is Java's
    expect(text(r.value)).toBe(`value-${i}`);
    expect(r.timestamp).toBe(1_700_000_000_000 + i);
    expect(headerText(r)).toEqual([
      ['correlation-id', `c-${i}`],
      ['system-id', 'my-system'],
      ['multi', 'a'],
      ['multi', 'b'],
    ]);
  }
  // One entry per partition written, its baseOffset the first offset of this call there.
  const partitions = [...new Set(records.map((r) => r.partition))].sort();
  expect(result.map((e) => e.partition).sort()).toEqual(partitions);
  for (const e of result) {
    expect(e.topicName).toBe(topic);
    expect(e.errorCode).toBe(0);
    expect(e.baseOffset).toBe(String(Math.min(...records.filter((r) => r.partition === e.partition).map((r) => r.offset))));
  }
});

test('sendBatch to two topics, with a tombstone and an explicit partition', async () => {
  const topicA = uniqueTopic('kjs-batch-a');
  const topicB = uniqueTopic('kjs-batch-b');
  await verifier.createTopic(topicA, 2);
  await verifier.createTopic(topicB, 1);
  const p = producer();
  await p.connect();
  const result = await p.sendBatch({
    compression: CompressionTypes.GZIP,
    topicMessages: [
      { topic: topicA, messages: [{ value: 'a0', partition: 1 }, { key: 'gone', value: null, partition: 1 }] },
      { topic: topicB, messages: [{ value: 'b0' }, { value: 'b1' }] },
    ],
  });
  expect(result).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ topicName: topicA, partition: 1, baseOffset: '0' }),
      expect.objectContaining({ topicName: topicB, partition: 0, baseOffset: '0' }),
    ]),
  );
  expect(result).toHaveLength(2);
  const a = await verifier.consume(topicA, { expected: 2 });
  expect(a.records.map((r) => [r.partition, text(r.key), text(r.value)])).toEqual([
    [1, null, 'a0'],
    [1, 'gone', null],
  ]);
  const b = await verifier.consume(topicB, { expected: 2 });
  expect(b.records.map((r) => text(r.value))).toEqual(['b0', 'b1']);
});

test('a custom partitioner through createPartitioner gets the topic, its partitions and the message', async () => {
  const topic = uniqueTopic('kjs-partitioner');
  await verifier.createTopic(topic, 4);
  const seen: { topic: string; partitions: number; leaders: boolean; value: unknown }[] = [];
  const p = producer({
    createPartitioner: () => ({ topic: t, partitionMetadata, message }) => {
      seen.push({ topic: t, partitions: partitionMetadata.length, leaders: partitionMetadata.every((m) => m.leader >= 0), value: message.value });
      return Number(message.value) % partitionMetadata.length;
    },
  });
  await p.connect();
  await p.send({ topic, messages: ['1', '2', '3', '6', '7'].map((value) => ({ value, headers: { h: 'x' } })) });
  expect(seen).toHaveLength(5);
  expect(seen.every((s) => s.topic === topic && s.partitions === 4 && s.leaders)).toBe(true);
  const { records } = await verifier.consume(topic, { expected: 5 });
  for (const r of records) expect(r.partition).toBe(Number(text(r.value)) % 4);
});

test('Partitioners.LegacyPartitioner places keys as KafkaJS 1.x did', async () => {
  const topic = uniqueTopic('kjs-legacy');
  await verifier.createTopic(topic, 5);
  const p = producer({ createPartitioner: Partitioners.LegacyPartitioner });
  await p.connect();
  const keys = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'user-42'];
  await p.send({ topic, messages: keys.map((key) => ({ key, value: key })) });
  const { records } = await verifier.consume(topic, { expected: keys.length });
  for (const r of records) expect(r.partition).toBe(toPositive(legacyMurmur2(Buffer.from(text(r.key)!))) % 5);
  // Called directly, the factories give kafkajs-style partition functions.
  const fn = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1, 2].map((i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
  expect(fn({ topic, partitionMetadata, message: { key: 'key1', value: 'v' } })).toBe(partitionForKey(Buffer.from('key1'), 3));
});

test('a transaction with commit: read_committed sees its messages, and the offsets sent with it reach the group', async () => {
  const topic = uniqueTopic('kjs-txn-commit');
  const other = uniqueTopic('kjs-txn-commit-b');
  const group = uniqueTopic('kjs-group');
  await verifier.createTopic(topic, 2);
  await verifier.createTopic(other, 1);
  const p = producer({ transactionalId: uniqueTopic('kjs-txn-id'), maxInFlightRequests: 1, idempotent: true });
  await p.connect();
  expect(p.isIdempotent()).toBe(true);
  const transaction = await p.transaction();
  expect(transaction.isActive()).toBe(true);
  await expect(p.transaction()).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
  const sent = await transaction.send({ topic, messages: [{ key: 'k', value: 'in-txn-1' }, { key: 'k', value: 'in-txn-2' }] });
  expect(sent).toHaveLength(1);
  await transaction.sendBatch({ topicMessages: [{ topic: other, messages: [{ value: 'in-txn-3' }] }] });
  await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic: other, partitions: [{ partition: 0, offset: '42' }] }] });
  await transaction.commit();
  expect(transaction.isActive()).toBe(false);
  await expect(transaction.send({ topic, messages: [{ value: 'late' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);

  const a = await verifier.consume(topic, { expected: 2, isolation: 'read_committed' });
  expect(a.records.map((r) => text(r.value))).toEqual(['in-txn-1', 'in-txn-2']);
  const b = await verifier.consume(other, { expected: 1, isolation: 'read_committed' });
  expect(b.records.map((r) => text(r.value))).toEqual(['in-txn-3']);
  expect((await verifier.committedOffsets(group))[`${other}-0`]?.offset).toBe(42);
});

test('a transaction with abort: nothing of it is visible to read_committed; the next transaction commits', async () => {
  const topic = uniqueTopic('kjs-txn-abort');
  await verifier.createTopic(topic, 1);
  const p = producer({ transactionalId: uniqueTopic('kjs-txn-id') });
  await p.connect();
  // Outside a transaction, a transactional producer refuses messages.
  await expect(p.send({ topic, messages: [{ value: 'outside' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
  const aborted = await p.transaction();
  await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
  await aborted.abort();
  expect(aborted.isActive()).toBe(false);
  const committed = await p.transaction();
  await committed.send({ topic, messages: [{ value: 'committed' }] });
  await committed.commit();

  const rc = await verifier.consume(topic, { expected: 1, isolation: 'read_committed' });
  expect(rc.records.map((r) => text(r.value))).toEqual(['committed']);
  const ru = await verifier.consume(topic, { expected: 3 });
  expect(ru.records.map((r) => text(r.value))).toEqual(['aborted-1', 'aborted-2', 'committed']);
});

test('producer.connect, producer.disconnect and producer.network.request events; on() returns the remover', async () => {
  const topic = uniqueTopic('kjs-events');
  await verifier.createTopic(topic, 1);
  const p = producer();
  const events: InstrumentationEvent<unknown>[] = [];
  const requests: InstrumentationEvent<RequestEventPayload>[] = [];
  p.on(p.events.CONNECT, (e) => events.push(e));
  p.on('producer.disconnect', (e) => events.push(e));
  const removeRequest = p.on<RequestEventPayload>('producer.network.request', (e) => requests.push(e));
  expect(() => p.on('producer.nonsense' as never, () => {})).toThrow(KafkaJSNonRetriableError);
  await p.connect();
  expect(events.map((e) => e.type)).toEqual(['producer.connect']);
  // connect() connected and fetched metadata: reported as kafkajs reports them.
  expect(requests.map((e) => e.payload.apiName)).toEqual(['ApiVersions', 'Metadata']);
  await p.send({ topic, messages: [{ value: 'x' }] });
  const produce = requests.filter((e) => e.payload.apiName === 'Produce');
  expect(produce).toHaveLength(1);
  expect(produce[0]).toMatchObject({ type: 'producer.network.request', payload: { apiKey: 0, apiName: 'Produce', clientId: 'kafkajs-facade-test' } });
  // host:port of the broker that answered: for connect()'s requests a bootstrap address, later
  // the address the broker advertises.
  expect(bootstrap.split(',')).toContain(requests[0].payload.broker);
  expect(requests[1].payload.broker).toBe(requests[0].payload.broker);
  for (const { payload } of requests) {
    expect(payload.broker).toMatch(/^.+:\d+$/);
    expect(typeof payload.duration).toBe('number');
    expect(payload.duration).toBeGreaterThanOrEqual(0);
    expect(payload.sentAt).toBeGreaterThanOrEqual(payload.createdAt);
    expect(payload.pendingDuration).toBe(payload.sentAt - payload.createdAt);
    expect(Number.isInteger(payload.correlationId) && payload.correlationId >= 0).toBe(true);
    expect(payload.size).toBeGreaterThan(0); // the answer's bytes
  }
  removeRequest();
  const before = requests.length;
  await p.send({ topic, messages: [{ value: 'y' }] });
  expect(requests.length).toBe(before);
  await p.disconnect();
  expect(events.map((e) => e.type)).toEqual(['producer.connect', 'producer.disconnect']);
  expect(typeof events[1].id).toBe('number');
  // Disconnected: send rejects; connect() again works.
  await expect(p.send({ topic, messages: [{ value: 'z' }] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
  await p.connect();
  await p.send({ topic, messages: [{ value: 'z' }] });
  await p.disconnect();
  const { records } = await verifier.consume(topic, { expected: 3 });
  expect(records.map((r) => text(r.value))).toEqual(['x', 'y', 'z']);
});

describe('connect()', () => {
  test('connects to a broker and fetches the cluster metadata: a connection is open when it resolves', async () => {
    const seen: ConnectionMessage[] = [];
    const onConnection = (m: unknown) => seen.push(m as ConnectionMessage);
    dc.subscribe(channels.connection, onConnection);
    try {
      const p = producer();
      await p.connect();
      const connected = seen.filter((m) => m.event === 'connect').map((m) => `${m.host}:${m.port}`);
      expect(connected.filter((a) => bootstrap.split(',').includes(a))).toHaveLength(1);
      expect(seen.filter((m) => m.event === 'close')).toEqual([]);
      await p.disconnect();
    } finally {
      dc.unsubscribe(channels.connection, onConnection);
    }
  });

  test('no broker at the address: KafkaJSNumberOfRetriesExceeded once the retry budget has passed, its originalError a KafkaJSConnectionError', async () => {
    const retry = { retries: 3, initialRetryTime: 100 };
    const unreachable = new Kafka({ clientId: 'kafkajs-facade-test', brokers: ['127.0.0.1:1'], connectionTimeout: 500, retry, logLevel: logLevel.NOTHING });
    const p = unreachable.producer();
    producers.push(p);
    const budget = retryBudgetMs(retry, 500); // 100 + 200 + 400 ms of retry waits, one connectionTimeout
    expect(budget).toBe(1200);
    const started = Date.now();
    const err = await p.connect().then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect((err as KafkaJSNumberOfRetriesExceeded).retriable).toBe(false);
    const original = (err as KafkaJSNumberOfRetriesExceeded).originalError;
    expect(original).toBeInstanceOf(KafkaJSConnectionError);
    expect((original as KafkaJSConnectionError).broker).toBe('127.0.0.1:1');
    expect((err as Error).message).toMatch(/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(elapsed).toBeGreaterThanOrEqual(budget - 10);
    expect(elapsed).toBeLessThan(budget + 2000);
    await expect(p.send({ topic: 'any', messages: [{ value: 'x' }] })).rejects.toThrow(/not connected/);
  });
});

describe('allowAutoTopicCreation', () => {
  test('false: a send to a missing topic fails after the retry budget (UNKNOWN_TOPIC_OR_PARTITION) and the topic is not created', async () => {
    const missing = uniqueTopic('kjs-no-autocreate');
    const present = uniqueTopic('kjs-no-autocreate-present');
    await verifier.createTopic(present, 1);
    const retry = { retries: 2, initialRetryTime: 200 };
    const p = producer({ allowAutoTopicCreation: false, retry });
    await p.connect();
    const budget = retryBudgetMs(retry, undefined); // 200 + 400 ms, and kafkajs's connectionTimeout, 1000 ms
    const started = Date.now();
    const failed = p.send({ topic: missing, messages: [{ value: 'x' }] }).then(
      () => null,
      (e: unknown) => e,
    );
    // Sent meanwhile to a topic that exists: written once the first call has its outcome.
    const written = p.send({ topic: present, messages: [{ value: 'after' }] });
    const err = await failed;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    const original = (err as KafkaJSNumberOfRetriesExceeded).originalError as KafkaJSProtocolError;
    expect(original).toBeInstanceOf(KafkaJSProtocolError);
    expect([original.type, original.code, original.retriable]).toEqual(['UNKNOWN_TOPIC_OR_PARTITION', 3, true]);
    expect(elapsed).toBeGreaterThanOrEqual(budget - 10);
    expect(elapsed).toBeLessThan(budget + 5000);
    expect((await written)[0]).toMatchObject({ topicName: present, baseOffset: '0' });
    await expect(verifier.describeTopic(missing, { timeoutMs: 5000 })).rejects.toThrow(/UnknownTopicOrPartition|does not exist|not exist/i);
    await p.disconnect();
    expect((await verifier.consume(present, { expected: 1 })).records.map((r) => text(r.value))).toEqual(['after']);
  });

  test('true (the default): the broker creates the topic (auto.create.topics.enable) and the send writes to it', async () => {
    const topic = uniqueTopic('kjs-autocreate');
    const p = producer({ allowAutoTopicCreation: true });
    await p.connect();
    const result = await p.send({ topic, messages: [{ value: 'created' }] });
    expect(result).toEqual([expect.objectContaining({ topicName: topic, baseOffset: '0' })]);
    expect((await verifier.describeTopic(topic)).partitions.length).toBeGreaterThan(0);
    expect((await verifier.consume(topic, { expected: 1 })).records.map((r) => text(r.value))).toEqual(['created']);
  });
});

describe('errors', () => {
  test('an invalid topic name: KafkaJSProtocolError INVALID_TOPIC_EXCEPTION, not retriable, the kafka-wire error as cause', async () => {
    const p = producer();
    await p.connect();
    const err = await p.send({ topic: 'not a valid topic!', messages: [{ value: 'x' }] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KafkaJSProtocolError);
    expect(err).toBeInstanceOf(KafkaJSError);
    const e = err as KafkaJSProtocolError;
    expect(e.name).toBe('KafkaJSProtocolError');
    expect(e.retriable).toBe(false);
    expect(e.type).toBe('INVALID_TOPIC_EXCEPTION');
    expect(e.code).toBe(17);
    expect(e.cause).toBeInstanceOf(InvalidTopicError);
  });

  test('kafka-wire errors map to kafkajs classes with their retriable flags, the original as cause', () => {
    const cases: [Error, string, boolean][] = [
      [brokerErrorFor(3), 'KafkaJSProtocolError', true], // UNKNOWN_TOPIC_OR_PARTITION
      [brokerErrorFor(90), 'KafkaJSProtocolError', false], // PRODUCER_FENCED
      [new SaslAuthenticationError('bad password'), 'KafkaJSSASLAuthenticationError', false],
      [new ConnectionError('refused', { broker: 'h:1' }), 'KafkaJSConnectionError', true],
      [new RecordTooLargeError('too big'), 'KafkaJSProtocolError', false],
      [new ConfigError('bad', { option: 'acks' }), 'KafkaJSNonRetriableError', false],
      [new ProducerClosedError(), 'KafkaJSNonRetriableError', false],
      [new BufferExhaustedError('full'), 'KafkaJSError', true],
    ];
    for (const [wire, name, retriable] of cases) {
      const mapped = toKafkaJSError(wire) as KafkaJSError;
      expect([wire.name, mapped.name, mapped.retriable]).toEqual([wire.name, name, retriable]);
      expect(mapped).toBeInstanceOf(KafkaJSError);
      expect(mapped.cause).toBe(wire);
    }
    expect(toKafkaJSError(brokerErrorFor(3))).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3 });
    // A message that timed out was given up on; a transactional call that timed out is a timeout.
    const expired = new TimeoutError('expired', { cause: new ConnectionError('refused') });
    const gaveUp = toKafkaJSError(expired, 'record') as KafkaJSNumberOfRetriesExceeded;
    expect(gaveUp).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect(gaveUp).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(gaveUp.retriable).toBe(false);
    expect(gaveUp.originalError).toBeInstanceOf(KafkaJSConnectionError);
    expect(toKafkaJSError(new TimeoutError('commit'), 'operation')).toBeInstanceOf(KafkaJSTimeout);
    const foreign = new TypeError('not ours');
    expect(toKafkaJSError(foreign)).toBe(foreign);
  });

  test('misuse: send before connect, acks that differ from the first send, a message without value, consumer()', async () => {
    const topic = uniqueTopic('kjs-misuse');
    await verifier.createTopic(topic, 1);
    const p = producer({ idempotent: false });
    await expect(p.send({ topic, messages: [{ value: 'x' }] })).rejects.toThrow(/not connected/);
    await p.connect();
    await p.send({ topic, acks: 1, messages: [{ value: 'first' }] });
    const differs = await p.send({ topic, acks: -1, messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(differs).toBeInstanceOf(KafkaJSNonRetriableError);
    expect((differs as Error).message).toMatch(/acks 1/);
    expect((differs as KafkaJSError).retriable).toBe(false);
    await expect(p.send({ topic, acks: 1, messages: [{ key: 'k' } as never] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError);
    // Another codec than the producer's: sent with the producer's, and a warning logged once.
    logs.length = 0;
    await p.send({ topic, acks: 1, compression: CompressionTypes.GZIP, messages: [{ value: 'second' }] });
    await p.send({ topic, acks: 1, compression: CompressionTypes.GZIP, messages: [{ value: 'third' }] });
    expect(logs.filter((l) => l.label === 'WARN' && /compression gzip/.test(l.log.message))).toHaveLength(1);
    expect(() => kafka.consumer()).toThrow(KafkaJSNotImplemented);
    // Idempotence needs acks -1: a config kafka-wire refuses is a KafkaJSNonRetriableError.
    const idem = producer({ idempotent: true });
    await idem.connect();
    await expect(idem.send({ topic, acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(KafkaJSNonRetriableError);
    const { records } = await verifier.consume(topic, { expected: 3 });
    expect(records.map((r) => text(r.value))).toEqual(['first', 'second', 'third']);
  });
});

describe("the bench's kafkajs driver on the facade", () => {
  test('runs unchanged (its peer loader hands out the facade): every record acknowledged and read back', async () => {
    const topic = uniqueTopic('kjs-bench-driver');
    await verifier.createTopic(topic, 3);
    const records = 3000;
    const result = await runWorkload(
      {
        client: 'kafkajs',
        workload: 'facade-check',
        bootstrap,
        topic,
        records,
        size: 100,
        keyed: true,
        compression: 'none',
        rate: 0,
        latency: false,
        nullBroker: false,
        progress: false,
      },
      createDriver,
    );
    expect(result).toMatchObject({ version: 'kafka-wire/kafkajs', acked: records, errors: 0 });
    const read = await verifier.consume(topic, { expected: records + 1 }); // and the warm-up record
    expect(read.records).toHaveLength(records + 1);
  });

  test('type-checks with its import pointed to kafka-wire/kafkajs', () => {
    const driverPath = path.join(root, 'bench/e2e/drivers/kafkajs.ts');
    const original = fs.readFileSync(driverPath, 'utf8');
    const loader = "const kafkajs = requirePeer('kafkajs');";
    expect(original).toContain(loader);
    const source = `import * as kafkajs from '../../../src/kafkajs';\n${original.replace(loader, '')}`;
    // The copy lives next to the original in memory only, so its relative imports resolve.
    const copyPath = path.join(root, 'bench/e2e/drivers/kafkajs-on-facade.check.ts');
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), { noEmit: true }, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const host = ts.createCompilerHost(parsed.options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => path.resolve(f) === copyPath || fileExists.call(host, f);
    host.readFile = (f) => (path.resolve(f) === copyPath ? source : readFile.call(host, f));
    host.getSourceFile = (f, lang, ...rest) =>
      path.resolve(f) === copyPath ? ts.createSourceFile(f, source, lang) : getSourceFile.call(host, f, lang, ...rest);
    const program = ts.createProgram({ rootNames: [copyPath], options: parsed.options, host });
    expect(program.getSourceFile(copyPath)?.text).toContain("from '../../../src/kafkajs'");
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return msg;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${path.relative(root, d.file.fileName)}:${line + 1} ${msg}`;
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
