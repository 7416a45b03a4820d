// Bad input, against the fake broker on a fake clock: each gets a typed, clear error through
// the callback or the promise (never thrown from send(), also where Java throws; the one
// throw is a callback that is not a function) and harms nothing else: records sent before it
// (some in flight) and after it are all delivered, once each, in order.
// Invalid topic names, partitions out of range, bad timestamps, values the serializer cannot
// take, wrong header types, every option with a wrong type or range, malformed Produce
// responses.
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import { CONFIG_DEFS } from '../../../src/producer/config';
import type { ProducerOptions } from '../../../src/producer/config';
import type { ProducerRecord, RecordMetadata } from '../../../src/producer/record';
import { bytesSerializer, jsonSerializer, stringSerializer } from '../../../src/producer/serializers';
import { PRODUCE_API } from '../../../src/protocol/api-keys';
import { Connection } from '../../../src/net/connection';
import {
  ConfigError,
  InvalidArgumentError,
  KafkaError,
  MalformedResponseError,
  SerializationError,
  TimeoutError,
} from '../../../src/protocol/errors';
import { decodeProduceResponse, encodeProduceRequest } from '../../../src/protocol/messages/produce';
import { RecordBatchBuilder } from '../../../src/protocol/records/record-batch-builder';
import { FakeCluster, Outcomes } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

interface Harness {
  cluster: FakeCluster;
  clock: FakeClock;
  producer: KafkaProducer<unknown, unknown>;
  out: Outcomes;
  /** Sends a good record to t (partition i % 3) with value `ok<i>`. */
  good(i: number): void;
}

const harnesses: Harness[] = [];
const clusters: FakeCluster[] = [];

/** `goodValue` turns "ok<i>" into what the value serializer takes (default: the string). */
async function start(opts: Partial<ProducerOptions<unknown, unknown>> = {}, goodValue: (s: string) => unknown = (s) => s): Promise<Harness> {
  const cluster = await FakeCluster.start({ topics: { t: 3 } });
  clusters.push(cluster);
  const clock = new FakeClock();
  let x = 5;
  const random = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const producer = new KafkaProducer<unknown, unknown>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, ...opts } as ProducerOptions<unknown, unknown>, { clock, random });
  const out = new Outcomes();
  const h: Harness = {
    cluster,
    clock,
    producer,
    out,
    good(i) {
      producer.send({ topic: 't', partition: i % 3, value: goodValue(`ok${i}`) }, out.cb(`ok${i}`));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    h.clock.advance(0);
    await closing;
  }
  for (const c of clusters.splice(0)) await c.close();
});

/** Good records 0..9 went out before the bad input (some may still be in flight) and 10..19 after: all stored once, in order. */
async function expectGoodDelivered(h: Harness): Promise<void> {
  await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 120_000 });
  h.out.expectExactlyOnce();
  const goods = h.out.all.filter((o) => o.label.startsWith('ok'));
  expect(goods.filter((o) => o.err).map((o) => `${o.label}: ${o.err!.message}`)).toEqual([]);
  for (let p = 0; p < 3; p++) {
    const stored = h.cluster.records('t', p).map((r) => r.valueString!.replace(/"/g, '')); // JSON values are quoted
    const expected = goods.map((o) => o.label).filter((l) => Number(l.slice(2)) % 3 === p);
    expect(stored).toEqual(expected);
  }
}

/** Sends 10 good records, runs `bad` while they are in flight, then 10 more good ones. */
async function around(h: Harness, bad: () => void): Promise<void> {
  const release = h.cluster.brokers[0].holdProduce();
  for (let i = 0; i < 10; i++) h.good(i);
  await h.clock.waitFor(() => h.cluster.brokers[0].outstandingProduce > 0, { what: 'a Produce request in flight' });
  bad();
  release();
  for (let i = 10; i < 20; i++) h.good(i);
}

/**
 * Sends `record` in both forms among good records (around()): send() does not throw, the
 * callback does not run inside the call, and the callback and the promise each get the error.
 * Returns the callback's error and the promise's.
 */
async function refused(h: Harness, record: unknown): Promise<Error[]> {
  const bad = h.out.cb('bad');
  let rejection!: Promise<unknown>;
  await around(h, () => {
    expect(h.producer.send(record as ProducerRecord, bad)).toBeUndefined();
    expect(h.out.all.find((o) => o.label === 'bad')!.calls).toBe(0);
    const sent = h.producer.send(record as ProducerRecord);
    expect(sent).toBeInstanceOf(Promise);
    rejection = sent.then(
      () => new Error('the promise resolved'),
      (e: Error) => e,
    );
  });
  await expectGoodDelivered(h);
  const viaCallback = h.out.all.find((o) => o.label === 'bad')!;
  expect(viaCallback.calls).toBe(1);
  expect(viaCallback.md).toMatchObject({ offset: -1n });
  return [viaCallback.err!, (await rejection) as Error];
}

describe('topic names', () => {
  test.each([
    ['', /Invalid topic '': the name is empty\./],
    ['a'.repeat(250), /the name is longer than 249 characters/],
    ['bad topic', /may contain only ASCII letters, digits, "\.", "_" and "-"/],
    ['slash/topic', /may contain only ASCII letters/],
    ['ünïcode', /may contain only ASCII letters/],
    ['.', /cannot be "\." or "\.\."/],
    ['..', /cannot be "\." or "\.\."/],
  ])('%j: KafkaError INVALID_TOPIC_EXCEPTION through the callback, nothing else disturbed', async (topic, message) => {
    const h = await start();
    const bad = h.out.cb('bad');
    await around(h, () => h.producer.send({ topic, value: Buffer.from('x') }, bad));
    await expectGoodDelivered(h);
    const err = h.out.all.find((o) => o.label === 'bad')!.err as KafkaError;
    expect(err).toBeInstanceOf(KafkaError);
    expect(err.code).toBe('INVALID_TOPIC_EXCEPTION');
    expect(err.message).toMatch(message);
    expect(h.cluster.brokers[0].requestsOf('Metadata').flatMap((r) => r.topics ?? [])).not.toContain(topic);
  });

  test('249 characters is still a valid name', async () => {
    const h = await start();
    h.cluster.createTopic('a'.repeat(249), 1);
    h.producer.send({ topic: 'a'.repeat(249), value: Buffer.from('x') }, h.out.cb('long'));
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 1000 });
    expect(h.out.all[0].err).toBeNull();
  });

  test.each([[undefined], [null], [42], [{ name: 't' }]])('topic %p: InvalidArgumentError through the callback and the promise', async (topic) => {
    const h = await start();
    for (const err of await refused(h, { topic, value: 'x' })) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(/record\.topic must be a string/);
    }
  });
});

describe('partitions', () => {
  test('a partition beyond the topic\'s count: waits up to max.block.ms, then TimeoutError naming partition and count', async () => {
    const h = await start({ maxBlockMs: 500 });
    const bad = h.out.cb('bad');
    await around(h, () => h.producer.send({ topic: 't', partition: 3, value: Buffer.from('x') }, bad));
    await expectGoodDelivered(h);
    const err = h.out.all.find((o) => o.label === 'bad')!.err!;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe('Partition 3 of topic t with partition count 3 is not present in metadata after 500 ms.');
  });

  test.each([[-1], [1.5], [NaN], [Infinity], ['1'], [true]])('partition %p: InvalidArgumentError through the callback and the promise', async (partition) => {
    const h = await start();
    for (const err of await refused(h, { topic: 't', partition, value: 'x' })) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(/record\.partition must be a non-negative integer/);
    }
  });
});

describe('timestamps', () => {
  test.each([[-1], [-1000], [1.5], [NaN], [2 ** 60], ['2024-01-01'], [new Date(0)]])('timestamp %p: InvalidArgumentError through the callback and the promise', async (timestamp) => {
    const h = await start();
    for (const err of await refused(h, { topic: 't', value: 'x', timestamp })) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(/record\.timestamp must be a non-negative integer \(ms\)/);
    }
  });

  test('timestamp 0 is valid', async () => {
    const h = await start();
    h.producer.send({ topic: 't', partition: 0, value: Buffer.from('x'), timestamp: 0 }, h.out.cb('zero'));
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 1000 });
    expect(h.out.all[0].md!.timestamp).toBe(0);
  });
});

describe('values the serializer cannot take: SerializationError, with the cause, through the callback and the promise', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  test.each([
    ['BigInt', 10n, /BigInt/],
    ['a cycle', cyclic, /circular/],
    ['undefined', undefined, /cannot represent a value of type undefined/],
    ['a function', () => 1, /cannot represent a value of type function/],
    ['a symbol', Symbol('s'), /cannot represent a value of type symbol/],
    ['a nested BigInt', { n: [1, { big: 2n }] }, /BigInt/],
  ])('jsonSerializer with %s', async (_what, value, cause) => {
    const h = await start({ valueSerializer: jsonSerializer() });
    for (const err of await refused(h, { topic: 't', value })) {
      expect(err).toBeInstanceOf(SerializationError);
      expect(err.message).toMatch(/Cannot serialize the value of a record for topic t/);
      expect(String((err as Error & { cause?: Error }).cause?.message)).toMatch(cause);
    }
  });

  test.each([
    ['default serializer, an object value', {}, { value: { a: 1 } }, /the default serializer takes a Buffer, Uint8Array or string, got Object/],
    ['default serializer, a number key', {}, { key: 42, value: 'v' }, /the default serializer takes .* got number/],
    ['default serializer, a boolean value', {}, { value: true }, /got boolean/],
    ['stringSerializer, a Buffer value', { valueSerializer: stringSerializer() }, { value: Buffer.from('x') }, /stringSerializer takes a string, got Buffer/],
    ['bytesSerializer, a string key', { keySerializer: bytesSerializer() }, { key: 'k', value: 'v' }, /bytesSerializer takes a Buffer or Uint8Array, got string/],
    ['bytesSerializer, an array value', { valueSerializer: bytesSerializer() }, { value: [1, 2] }, /got array/],
  ])('%s', async (what, opts, record, cause) => {
    const h = await start(opts as Partial<ProducerOptions<unknown, unknown>>, what.startsWith('bytes') ? (s) => Buffer.from(s) : undefined);
    for (const err of await refused(h, { topic: 't', ...(record as object) })) {
      expect(err).toBeInstanceOf(SerializationError);
      expect(String((err as Error & { cause?: Error }).cause?.message)).toMatch(cause);
    }
  });

  test('a custom serializer that returns something other than bytes', async () => {
    const h = await start({ valueSerializer: { serialize: (_t: string, d: unknown) => (d === 'bad' ? ('text' as unknown as Uint8Array) : (d as Uint8Array)) } }, (s) => Buffer.from(s));
    for (const err of await refused(h, { topic: 't', value: 'bad' })) {
      expect(err).toBeInstanceOf(SerializationError);
      expect(err.message).toMatch(/The value serializer returned string, not bytes, for topic t/);
    }
  });
});

describe('headers of the wrong type: InvalidArgumentError through the callback and the promise', () => {
  test.each([
    ['a number value', [{ key: 'h', value: 1 }], /header 'h' must have a Buffer, Uint8Array, string or null value, got number/],
    ['an object value', { h: { nested: true } }, /header 'h' must have a Buffer, Uint8Array, string or null value, got object/],
    ['a boolean value', { h: false }, /got boolean/],
    ['a number key', [{ key: 7, value: 'v' }], /a header key must be a string, got number/],
    ['a null entry', [null], /a header key must be a string, got undefined/],
    ['a string for headers', 'h=v', /record\.headers must be an array of \{ key, value \} or an object/],
    ['a Map for headers', new Map([['h', 'v']]), /record\.headers must be an array of \{ key, value \} or a plain object; got a Map/],
    ['a Buffer for headers', Buffer.from('hv'), /record\.headers must be an array of \{ key, value \} or a plain object; got a Buffer/],
  ])('%s', async (_what, headers, message) => {
    const h = await start();
    for (const err of await refused(h, { topic: 't', value: 'x', headers })) {
      expect(err).toMatchObject({ name: 'InvalidArgumentError', message: expect.stringMatching(message) });
    }
  });

  test('good headers of every accepted kind still go through', async () => {
    const h = await start();
    h.producer.send({ topic: 't', partition: 0, value: Buffer.from('x'), headers: [{ key: 'a', value: 's' }, { key: 'b', value: Buffer.from([1]) }, { key: 'c', value: null }] }, h.out.cb('arr'));
    h.producer.send({ topic: 't', partition: 0, value: Buffer.from('y'), headers: Object.assign(Object.create(null), { d: new Uint8Array([2]) }) }, h.out.cb('nullproto'));
    await h.clock.runUntil(() => h.out.allSettled, { stepMs: 10, maxVirtualMs: 1000 });
    expect(h.out.failed).toHaveLength(0);
    expect(h.cluster.records('t', 0).map((r) => r.headers.map((x) => x.key))).toEqual([['a', 'b', 'c'], ['d']]);
  });
});

describe('send() arguments', () => {
  test.each([[null], [undefined], ['record'], [42]])('record %p: InvalidArgumentError through the callback and the promise', async (record) => {
    const h = await start();
    for (const err of await refused(h, record)) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(/send\(\) takes a record object/);
    }
  });

  test('no argument at all: the promise rejects with InvalidArgumentError', async () => {
    const h = await start();
    const sent = (h.producer.send as unknown as () => Promise<unknown>)();
    await expect(sent).rejects.toThrow(InvalidArgumentError);
  });

  test.each([['a string', 'cb'], ['a number', 42], ['an object', {}], ['false', false]])(
    'a callback that is %s: send() throws InvalidArgumentError (there is no other channel), nothing queued',
    async (_what, callback) => {
      const h = await start();
      await around(h, () => {
        expect(() => h.producer.send({ topic: 't', value: 'x' }, callback as unknown as () => void)).toThrow(/the send\(\) callback must be a function/);
        // Checked first: with a bad record too, the callback is what is wrong.
        expect(() => h.producer.send(undefined as unknown as ProducerRecord, callback as unknown as () => void)).toThrow(InvalidArgumentError);
      });
      await expectGoodDelivered(h);
      expect(h.cluster.records('t', 0).concat(h.cluster.records('t', 1), h.cluster.records('t', 2))).toHaveLength(20);
    },
  );

  test('a null callback is the promise form', async () => {
    const h = await start();
    const sent = h.producer.send({ topic: 't', partition: 0, value: 'x' }, null as unknown as () => void) as unknown as Promise<RecordMetadata>;
    expect(sent).toBeInstanceOf(Promise);
    await h.clock.runUntil(() => h.cluster.records('t', 0).length === 1, { stepMs: 10, maxVirtualMs: 1000 });
    await expect(sent).resolves.toMatchObject({ topic: 't', partition: 0, offset: 0n });
  });
});

describe('every option with a wrong type or out of range: ConfigError naming it', () => {
  /** Values of the wrong type for each kind of option (each must be refused). */
  const WRONG_TYPE: Record<string, unknown[]> = {
    int: ['5', true, {}, [], 1.5, NaN, Infinity, 10n, null],
    long: ['5', true, {}, [], 1.5, NaN, -Infinity, 10n, null],
    boolean: ['true', 1, 0, {}, null],
    string: [5, true, {}, ['a']],
    list: [9092, true, {}, [1], [], ''],
    acks: [true, 2, -2, 'ALL', 'none', {}],
    compression: [1, true, 'brotli', 'GZIP', {}],
    partitioner: [1, true, 'sticky', {}, function Partitioner() {}],
    serializer: [1, 'json', {}, () => null],
    tls: ['yes', 1, []],
    double: ['0.8', true, {}, [], NaN, Infinity, 10n, null],
    sasl: [
      'PLAIN',
      1,
      { mechanism: 'GSSAPI', username: 'u', password: 'p' },
      { mechanism: 'PLAIN', username: 'u' },
      { mechanism: 'OAUTHBEARER' },
      { mechanism: 'OAUTHBEARER', oauthBearerProvider: 'token' },
      { mechanism: 'OAUTHBEARER', oauthBearerProvider: () => ({ value: 't' }), oidc: { tokenEndpointUrl: 'https://idp/token', clientId: 'c', clientSecret: 's' } },
      { mechanism: 'oauthbearer', oidc: { tokenEndpointUrl: 'ftp://idp/token', clientId: 'c', clientSecret: 's' } },
      { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: 'https://idp/token', clientId: '', clientSecret: 's' } },
      { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: 'https://idp/token', clientId: 'c', clientSecret: 's', scope: 5 } },
    ],
    logger: ['pino', 1, true, {}, () => undefined, { debug() {}, info() {}, warn() {} }],
    interceptors: ['x', 1, {}, [null], [1], [{ onSend: true }], [{ onAcknowledgement: 'f' }]],
  };
  const cases: [string, unknown][] = [];
  for (const d of CONFIG_DEFS) {
    for (const v of WRONG_TYPE[d.type] ?? []) {
      if (v === null && d.nullable) continue;
      // 'retries' and 'acks' are their own Java names, where Java's string forms are accepted.
      if (typeof v === 'string' && d.javaName === d.name && /^-?\d+$/.test(v)) continue;
      if (d.name === 'bootstrapServers' && v === null) continue;
      cases.push([d.name, v]);
    }
    if ((d.type === 'int' || d.type === 'long') && d.min !== undefined) cases.push([d.name, d.min - 1]);
    if ((d.type === 'int' || d.type === 'long') && d.max !== undefined) cases.push([d.name, d.max + 1]);
    if (d.type === 'double' && d.min !== undefined) cases.push([d.name, d.min - 0.01]);
    if (d.type === 'double' && d.max !== undefined) cases.push([d.name, d.max + 0.01]);
    if (d.type === 'int') cases.push([d.name, 2 ** 31]);
  }
  // connectionsMaxIdleMs has no lower bound, as in Java.
  const filtered = cases.filter(([name, v]) => !(name === 'connectionsMaxIdleMs' && typeof v === 'number' && v < 0 && Number.isSafeInteger(v)));

  test(`${filtered.length} cases cover every option`, () => {
    const covered = new Set(filtered.map(([name]) => name));
    expect(CONFIG_DEFS.filter((d) => !covered.has(d.name)).map((d) => d.name)).toEqual([]);
  });

  test.each(filtered)('%s = %p', (name, value) => {
    const options = { bootstrapServers: ['127.0.0.1:9092'], [name]: value } as unknown as ProducerOptions;
    let thrown: unknown;
    try {
      new KafkaProducer(options);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).option).toBe(name);
    expect((thrown as Error).message).toMatch(new RegExp(`'${name}[.']`));
  });

  test.each(CONFIG_DEFS.filter((d) => d.javaName && ['int', 'long', 'boolean'].includes(d.type)).map((d) => [d.javaName!, d.type]))(
    'Java name %s with a string that is not a %s',
    (javaName) => {
      expect(() => new KafkaProducer({ bootstrapServers: ['127.0.0.1:9092'], [javaName]: 'not-a-value' } as unknown as ProducerOptions)).toThrow(
        expect.objectContaining({ name: 'ConfigError', option: javaName }),
      );
    },
  );

  test('an unknown option and a typo', () => {
    expect(() => new KafkaProducer({ bootstrapServers: ['127.0.0.1:9092'], lingerMS: 5 } as unknown as ProducerOptions)).toThrow(/did you mean 'lingerMs'/i);
  });
});

describe('malformed Produce responses', () => {
  /** Corruptions of a Produce response frame [int32 size][int32 correlation id][tags][body]. */
  const CORRUPT: [string, (f: Buffer) => Buffer, 'request' | 'connection'][] = [
    // The frame stays whole (size consistent) but the body is short: decoding fails for this request only.
    ['body truncated', (f) => withSize(f.subarray(0, f.length - 6)), 'request'],
    ['nothing after the header', (f) => withSize(f.subarray(0, 9)), 'request'],
    ['topic count huge', (f) => patch(f, 9, [0xff, 0xff, 0xff, 0x7f]), 'request'],
    ['every byte after the header 0xff', (f) => Buffer.concat([f.subarray(0, 9), Buffer.alloc(f.length - 9, 0xff)]), 'request'],
    // The frame itself is broken: the stream cannot be trusted, the connection closes.
    ['negative frame size', (f) => patch(f, 0, [0xff, 0xff, 0xff, 0xf0]), 'connection'],
    ['wrong correlation id', (f) => patch(f, 4, [0x7f, 0x00, 0x00, 0x01]), 'connection'],
  ];

  test.each(CORRUPT)('%s: the records are retried and delivered once, in order; the others in flight are unaffected', async (_what, mangle) => {
    const h = await start({ requestTimeoutMs: 5000, deliveryTimeoutMs: 60_000 });
    let mangled = 0;
    h.cluster.brokers[0].onProduce(() => (mangled++ === 1 ? { mangleResponse: mangle } : undefined));
    const retries: string[] = [];
    h.producer.on('retry', (e: { error: string }) => retries.push(e.error));
    for (let i = 0; i < 10; i++) {
      h.good(i);
      await h.clock.advanceAndSettle(1, 2);
    }
    for (let i = 10; i < 20; i++) h.good(i);
    await expectGoodDelivered(h);
    expect(mangled).toBeGreaterThan(1);
    expect(retries.length).toBeGreaterThan(0);
  });

  test.each(CORRUPT)('%s: the request fails with MalformedResponseError (at the connection)', async (_what, mangle, scope) => {
    const cluster = await FakeCluster.start({ topics: { t: 1 } });
    clusters.push(cluster);
    cluster.brokers[0].onProduce((_req, ctx) => (ctx.index === 0 ? { mangleResponse: mangle } : undefined));
    const conn = new Connection({ host: '127.0.0.1', port: cluster.brokers[0].port, requestTimeoutMs: 3000 });
    await conn.connect();
    try {
      const produce = () =>
        conn.request(
          PRODUCE_API,
          (w, v) =>
            encodeProduceRequest(w, v, {
              transactionalId: null,
              acks: -1,
              timeoutMs: 1000,
              topicData: [{ name: 't', topicId: cluster.topics.get('t')!.topicId, partitionData: [{ index: 0, records: oneBatch() }] }],
            }),
          decodeProduceResponse,
        );
      const err = await produce().then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(MalformedResponseError);
      if (scope === 'request') {
        // Only that request failed: the connection goes on.
        expect(conn.state).toBe('ready');
        const ok = await produce();
        expect(ok.responses[0].partitionResponses[0].errorCode).toBe(0);
      } else {
        expect(conn.state).toBe('closed');
      }
    } finally {
      conn.close();
    }
  });
});

function withSize(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

function patch(frame: Buffer, at: number, bytes: number[]): Buffer {
  const out = Buffer.from(frame);
  for (let i = 0; i < bytes.length && at + i < out.length; i++) out[at + i] = bytes[i];
  return out;
}

function oneBatch(): Buffer {
  const b = new RecordBatchBuilder(Buffer.alloc(256), { compression: 0 });
  b.append(Date.now(), null, Buffer.from('v'), null, 1);
  return b.close();
}
