// Producer options: Java 4.x defaults, Java property names, validation, and the docs table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as ts from 'typescript';

import { ConfigError } from '../../../src/protocol/errors';
import {
  CONFIG_DEFS,
  configTableMarkdown,
  resolveConfig,
  type Acks,
  type BrokerAddress,
  type ConfigName,
  type ProducerConfig,
  type ProducerOptions,
  type ResolvedSaslOptions,
} from '../../../src/producer/config';
import type { Partitioner } from '../../../src/producer/partitioners/partitioner';
import type { Serializer } from '../../../src/producer/serializers';
import type { Logger } from '../../../src/logger';

const BOOT = 'localhost:9092';

/** A Java-style property map; such maps have no camelCase bootstrapServers key. */
function props(p: Record<string, unknown>): ProducerOptions {
  return p as unknown as ProducerOptions;
}

function resolve(extra: Record<string, unknown> = {}): ProducerConfig {
  return resolveConfig(props({ bootstrapServers: BOOT, ...extra }));
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function expectError(extra: Record<string, unknown>, message: RegExp | string, option?: string): ConfigError {
  const err = configError(() => resolve(extra));
  expect(err.message).toMatch(message);
  if (option !== undefined) expect(err.option).toBe(option);
  expect(err.code).toBe('ERR_KAFKA_CONFIG');
  return err;
}

// Everything except clientId and the serializer objects, which are compared apart.
function comparable(c: ProducerConfig): Record<string, unknown> {
  const { clientId: _c, keySerializer: _k, valueSerializer: _v, ...rest } = c;
  return rest;
}

const customPartitioner: Partitioner = { partition: () => 0 };

describe('defaults', () => {
  // The Java client's producer defaults, Kafka 4.x (ProducerConfig / KafkaProducer).
  const JAVA_4X_DEFAULTS = {
    acks: -1, // 'all'
    lingerMs: 5, // 0 before 4.0 (KIP-1030)
    batchSize: 16384,
    bufferMemory: 33554432,
    maxBlockMs: 60000,
    maxRequestSize: 1048576,
    retries: 2147483647,
    deliveryTimeoutMs: 120000,
    requestTimeoutMs: 30000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    maxInFlightRequestsPerConnection: 5,
    enableIdempotence: true,
    compressionType: 'none',
    compressionGzipLevel: -1,
    compressionLz4Level: 9,
    compressionZstdLevel: 3,
    partitioner: 'default',
    partitionerIgnoreKeys: false,
    partitionerAdaptivePartitioningEnable: true,
    partitionerAvailabilityTimeoutMs: 0,
    metadataMaxAgeMs: 300000,
    metadataMaxIdleMs: 300000,
    connectionsMaxIdleMs: 540000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1000,
    socketConnectionSetupTimeoutMs: 10000,
    transactionalId: null,
    transactionTimeoutMs: 60000,
    ssl: null,
    sasl: null,
    saslLoginRefreshWindowFactor: 0.8,
    saslLoginRefreshWindowJitter: 0.05,
    saslLoginRefreshMinPeriodSeconds: 60,
    saslLoginRefreshBufferSeconds: 300,
    saslLoginConnectTimeoutMs: 10000,
    saslLoginReadTimeoutMs: 10000,
    saslLoginRetryBackoffMs: 100,
    saslLoginRetryBackoffMaxMs: 10000,
    logger: null,
    interceptors: null,
  };

  it('equal the Java 4.x defaults', () => {
    const c = resolve();
    expect(comparable(c)).toEqual({ ...JAVA_4X_DEFAULTS, bootstrapServers: [{ host: 'localhost', port: 9092 }] });
    expect(c.clientId).toMatch(/^producer-\d+$/);
  });

  it('CONFIG_DEFS holds the Java defaults and the Java names', () => {
    const byName = new Map(CONFIG_DEFS.map((d) => [d.name, d]));
    expect(byName.get('acks')!.default).toBe('all');
    expect(byName.get('clientId')!.default).toBe('');
    for (const [name, v] of Object.entries(JAVA_4X_DEFAULTS)) {
      if (name === 'acks') continue;
      expect([name, byName.get(name as never)!.default]).toEqual([name, v]);
    }
    const java = Object.fromEntries(CONFIG_DEFS.map((d) => [d.name, d.javaName]));
    expect(java).toMatchObject({
      bootstrapServers: 'bootstrap.servers',
      maxInFlightRequestsPerConnection: 'max.in.flight.requests.per.connection',
      partitioner: 'partitioner.class',
      keySerializer: 'key.serializer',
      valueSerializer: 'value.serializer',
      socketConnectionSetupTimeoutMs: 'socket.connection.setup.timeout.ms',
      partitionerAdaptivePartitioningEnable: 'partitioner.adaptive.partitioning.enable',
      ssl: null,
      sasl: null,
      logger: null,
      interceptors: null,
    });
  });

  it('CONFIG_DEFS has exactly one entry per ProducerConfig key', () => {
    const names = CONFIG_DEFS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(resolve()).sort());
  });

  it('the default serializers pass bytes through and encode strings as UTF-8', () => {
    const c = resolve();
    const bytes = Buffer.from([1, 2, 3]);
    expect(c.keySerializer.serialize('t', bytes)).toBe(bytes);
    expect(Buffer.from(c.valueSerializer.serialize('t', 'é')!)).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(c.keySerializer.serialize('t', null)).toBeNull();
    expect(() => c.valueSerializer.serialize('t', { a: 1 })).toThrow();
  });

  it('returns a frozen config', () => {
    const c = resolve({ ssl: { rejectUnauthorized: false }, sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.bootstrapServers)).toBe(true);
    expect(Object.isFrozen(c.bootstrapServers[0])).toBe(true);
    expect(Object.isFrozen(c.ssl)).toBe(true);
    expect(Object.isFrozen(c.sasl)).toBe(true);
    expect(() => {
      (c as { lingerMs: number }).lingerMs = 1;
    }).toThrow(TypeError);
  });
});

describe('Java property names', () => {
  const user = { serialize: (_t: string, d: unknown) => Buffer.from(String(d)) };

  const camel = {
    bootstrapServers: ['a:9092', 'b:9093'],
    clientId: 'me',
    acks: 1,
    lingerMs: 10,
    batchSize: 1000,
    bufferMemory: 1000000,
    maxBlockMs: 1000,
    maxRequestSize: 2000,
    retries: 3,
    deliveryTimeoutMs: 50000,
    requestTimeoutMs: 20000,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 20,
    maxInFlightRequestsPerConnection: 3,
    enableIdempotence: false,
    compressionType: 'zstd',
    compressionGzipLevel: 5,
    compressionLz4Level: 3,
    compressionZstdLevel: -5,
    partitioner: 'default',
    partitionerIgnoreKeys: true,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 100,
    metadataMaxAgeMs: 1000,
    metadataMaxIdleMs: 6000,
    connectionsMaxIdleMs: 1000,
    reconnectBackoffMs: 5,
    reconnectBackoffMaxMs: 50,
    socketConnectionSetupTimeoutMs: 500,
    transactionTimeoutMs: 1000,
    saslLoginRefreshWindowFactor: 0.9,
    saslLoginRefreshWindowJitter: 0.1,
    saslLoginRefreshMinPeriodSeconds: 30,
    saslLoginRefreshBufferSeconds: 120,
    saslLoginConnectTimeoutMs: 3000,
    saslLoginReadTimeoutMs: 4000,
    saslLoginRetryBackoffMs: 200,
    saslLoginRetryBackoffMaxMs: 5000,
    keySerializer: user,
    valueSerializer: user,
  };
  const java = {
    'bootstrap.servers': ['a:9092', 'b:9093'],
    'client.id': 'me',
    acks: 1,
    'linger.ms': 10,
    'batch.size': 1000,
    'buffer.memory': 1000000,
    'max.block.ms': 1000,
    'max.request.size': 2000,
    retries: 3,
    'delivery.timeout.ms': 50000,
    'request.timeout.ms': 20000,
    'retry.backoff.ms': 10,
    'retry.backoff.max.ms': 20,
    'max.in.flight.requests.per.connection': 3,
    'enable.idempotence': false,
    'compression.type': 'zstd',
    'compression.gzip.level': 5,
    'compression.lz4.level': 3,
    'compression.zstd.level': -5,
    'partitioner.class': 'default',
    'partitioner.ignore.keys': true,
    'partitioner.adaptive.partitioning.enable': false,
    'partitioner.availability.timeout.ms': 100,
    'metadata.max.age.ms': 1000,
    'metadata.max.idle.ms': 6000,
    'connections.max.idle.ms': 1000,
    'reconnect.backoff.ms': 5,
    'reconnect.backoff.max.ms': 50,
    'socket.connection.setup.timeout.ms': 500,
    'transaction.timeout.ms': 1000,
    'sasl.login.refresh.window.factor': 0.9,
    'sasl.login.refresh.window.jitter': 0.1,
    'sasl.login.refresh.min.period.seconds': 30,
    'sasl.login.refresh.buffer.seconds': 120,
    'sasl.login.connect.timeout.ms': 3000,
    'sasl.login.read.timeout.ms': 4000,
    'sasl.login.retry.backoff.ms': 200,
    'sasl.login.retry.backoff.max.ms': 5000,
    'key.serializer': user,
    'value.serializer': user,
  };
  // What a Java .properties file would hold.
  const javaStrings = {
    'bootstrap.servers': ' a:9092, b:9093 ',
    'client.id': 'me',
    acks: '1',
    'linger.ms': '10',
    'batch.size': '1000',
    'buffer.memory': '1000000',
    'max.block.ms': '1000',
    'max.request.size': '2000',
    retries: '3',
    'delivery.timeout.ms': '50000',
    'request.timeout.ms': ' 20000 ',
    'retry.backoff.ms': '10',
    'retry.backoff.max.ms': '20',
    'max.in.flight.requests.per.connection': '3',
    'enable.idempotence': 'false',
    'compression.type': 'zstd',
    'compression.gzip.level': '5',
    'compression.lz4.level': '3',
    'compression.zstd.level': '-5',
    'partitioner.class': 'default',
    'partitioner.ignore.keys': 'TRUE',
    'partitioner.adaptive.partitioning.enable': 'False',
    'partitioner.availability.timeout.ms': '100',
    'metadata.max.age.ms': '1000',
    'metadata.max.idle.ms': '6000',
    'connections.max.idle.ms': '1000',
    'reconnect.backoff.ms': '5',
    'reconnect.backoff.max.ms': '50',
    'socket.connection.setup.timeout.ms': '500',
    'transaction.timeout.ms': '+1000',
    'sasl.login.refresh.window.factor': ' 0.9',
    'sasl.login.refresh.window.jitter': '1e-1',
    'sasl.login.refresh.min.period.seconds': '30',
    'sasl.login.refresh.buffer.seconds': '120',
    'sasl.login.connect.timeout.ms': '3000',
    'sasl.login.read.timeout.ms': '4000',
    'sasl.login.retry.backoff.ms': '200',
    'sasl.login.retry.backoff.max.ms': '5000',
    'key.serializer': user,
    'value.serializer': user,
  };

  it('give the same config as the camelCase names', () => {
    const a = resolveConfig(props(camel));
    const b = resolveConfig(props(java));
    const c = resolveConfig(props(javaStrings));
    expect(comparable(b)).toEqual(comparable(a));
    expect(comparable(c)).toEqual(comparable(a));
    for (const x of [a, b, c]) {
      expect(x.clientId).toBe('me');
      expect(x.keySerializer).toBe(user);
      expect(x.valueSerializer).toBe(user);
    }
    expect(a).toMatchObject({ acks: 1, lingerMs: 10, enableIdempotence: false, partitionerIgnoreKeys: true, compressionType: 'zstd' });
  });

  it('every option in CONFIG_DEFS is covered by these maps', () => {
    const covered = new Set([...Object.keys(camel), 'partitioner', 'transactionalId', 'ssl', 'sasl', 'logger', 'interceptors']);
    for (const d of CONFIG_DEFS) expect([d.name, covered.has(d.name)]).toEqual([d.name, true]);
    for (const d of CONFIG_DEFS) {
      if (d.javaName !== null && d.name !== 'transactionalId') expect([d.javaName, d.javaName in java]).toEqual([d.javaName, true]);
    }
  });

  it('mixes with camelCase names in one map', () => {
    const c = resolveConfig(props({ 'bootstrap.servers': BOOT, lingerMs: 7, 'batch.size': '100' }));
    expect(c).toMatchObject({ lingerMs: 7, batchSize: 100 });
  });

  it('accepts the same value under both names, also as a Java string', () => {
    expect(resolve({ lingerMs: 10, 'linger.ms': '10' }).lingerMs).toBe(10);
    expect(resolveConfig(props({ bootstrapServers: ['a:1', 'b:2'], 'bootstrap.servers': 'a:1,b:2' })).bootstrapServers).toHaveLength(2);
    expect(resolve({ enableIdempotence: false, 'enable.idempotence': 'false' }).enableIdempotence).toBe(false);
  });

  it('refuses different values under both names', () => {
    const err = expectError({ lingerMs: 10, 'linger.ms': 20 }, /'lingerMs' and 'linger\.ms'.*different values/, 'linger.ms');
    expect(err.message).toContain('the number 10');
    expectError({ partitioner: customPartitioner, 'partitioner.class': 'default' }, /different values/);
  });

  it('accepts Java strings only under Java names', () => {
    expectError({ lingerMs: '10' }, /'lingerMs' must be an integer \(Java long\); got the string "10"/, 'lingerMs');
    expectError({ enableIdempotence: 'false' }, /'enableIdempotence' must be a boolean; got the string "false"/);
    expectError({ 'enable.idempotence': 'no' }, /'enable\.idempotence' must be a boolean, or the string 'true' or 'false'/);
    expectError({ 'linger.ms': '1.5' }, /'linger\.ms' must be an integer.*decimal digits; got the string "1\.5"/);
    expectError({ 'linger.ms': '1e3' }, /decimal digits/);
    expectError({ 'linger.ms': '' }, /decimal digits/);
  });

  it('trims Java string values, as ConfigDef does, but not camelCase ones', () => {
    expect(resolve({ 'compression.type': ' gzip ', 'client.id': ' x ' })).toMatchObject({ compressionType: 'gzip', clientId: 'x' });
    expect(resolve({ clientId: ' x ' }).clientId).toBe(' x ');
    expectError({ compressionType: ' gzip' }, /'compressionType' must be one of none, gzip, snappy, lz4, zstd/);
  });

  it('maps Java partitioner class RoundRobinPartitioner to round-robin', () => {
    expect(resolve({ 'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner' }).partitioner).toBe('round-robin');
  });

  it('refuses Java class names for serializers', () => {
    expectError(
      { 'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer' },
      /'key\.serializer' must be an object with a serialize\(topic, data\) method \(Java class names are not supported\)/,
      'key.serializer',
    );
  });
});

describe('unknown options', () => {
  it.each([
    ['lingerMS', 'lingerMs'],
    ['linger.msec', 'linger.ms'],
    ['bootstrapServer', 'bootstrapServers'],
    ['bootstrap_servers', 'bootstrapServers'],
    ['Linger.Ms', 'linger.ms'],
    ['max.inflight.requests.per.connection', 'max.in.flight.requests.per.connection'],
    ['maxInflightRequests', undefined],
    ['enableIdempotency', 'enableIdempotence'],
    ['compresion.type', 'compression.type'],
    ['ack', 'acks'],
    ['retry', 'retries'],
    ['keySerialiser', 'keySerializer'],
  ])('%s', (key, suggestion) => {
    const err = expectError({ [key]: 1 }, new RegExp(`Unknown producer option '${key.replace(/\./g, '\\.')}'`), key);
    if (suggestion === undefined) expect(err.message).not.toMatch(/did you mean/i);
    else expect(err.message).toContain(`Did you mean '${suggestion}'?`);
  });

  it('suggests nothing for an unrelated name', () => {
    const err = expectError({ foo: 1 }, "Unknown producer option 'foo'.", 'foo');
    expect(err.message).not.toMatch(/did you mean/i);
    expectError({ __proto__x: 1 }, /Unknown producer option/);
    expectError({ constructor: 1 }, /Unknown producer option 'constructor'/);
  });

  it('points Java security properties it does not take to ssl and sasl', () => {
    // The ones it takes are translated (java-security.test.ts); broker-side ones are not.
    expectError({ 'ssl.client.auth': 'required' }, /does not take this Java TLS property; the 'ssl' option takes Node's tls.ConnectionOptions/, 'ssl.client.auth');
    expectError({ 'sasl.server.callback.handler.class': 'x' }, /does not take this Java SASL property; see the 'sasl' option/);
  });

  it('suggests the Java security property a key most likely meant', () => {
    expectError({ 'ssl.truststore.locaton': 'x' }, /Unknown producer option 'ssl.truststore.locaton'. Did you mean 'ssl.truststore.location'\?/);
    expectError({ 'security.protocl': 'SSL' }, /Did you mean 'security.protocol'\?/);
  });

  it('is an error even when the value is undefined', () => {
    expectError({ lingerMS: undefined }, /Did you mean 'lingerMs'/);
  });

  it('refuses non-object options', () => {
    expect(() => resolveConfig(null as never)).toThrow(ConfigError);
    expect(() => resolveConfig([] as never)).toThrow(/must be an object; got an array/);
    expect(() => resolveConfig('a:1' as never)).toThrow(ConfigError);
  });
});

describe('Java security properties', () => {
  // The translation itself is java-security.test.ts's; here, how resolveConfig takes it.
  const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";';

  it('become the ssl and sasl options', () => {
    const c = resolve({ 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': PLAIN_JAAS, 'ssl.endpoint.identification.algorithm': '' });
    expect(c.sasl).toEqual({ mechanism: 'PLAIN', username: 'alice', password: 's3cret' });
    expect(typeof c.ssl?.checkServerIdentity).toBe('function');
    expect(resolve({ 'security.protocol': 'SSL' }).ssl).toEqual({});
    expect(resolve({ 'security.protocol': 'PLAINTEXT' })).toMatchObject({ ssl: null, sasl: null });
  });

  it('keep a sasl option given with security.protocol SASL_*', () => {
    const c = resolve({ 'security.protocol': 'SASL_PLAINTEXT', sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } });
    expect(c.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
    expect(c.ssl).toBeNull();
  });

  it('are an error next to the option they would set, naming the property', () => {
    expectError({ ssl: true, 'security.protocol': 'SSL' }, /'ssl' and 'security.protocol' cannot both be given/, 'security.protocol');
    expectError({ sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' }, 'sasl.mechanism': 'PLAIN' }, /'sasl' and 'sasl.mechanism' cannot both be given/, 'sasl.mechanism');
  });

  it('report a bad property by its name, without the secret', () => {
    const err = expectError({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': PLAIN_JAAS.replace('"s3cret"', 's3/cret') }, /sasl.jaas.config/, 'sasl.jaas.config');
    expect(err.message).not.toContain('s3');
  });
});

describe('types and ranges', () => {
  it('undefined means not set', () => {
    expect(resolve({ lingerMs: undefined, acks: undefined }).lingerMs).toBe(5);
  });

  it.each([
    [{ lingerMs: null }, /'lingerMs' must be an integer \(Java long\); got null/],
    [{ batchSize: 1.5 }, /'batchSize' must be an integer \(Java int\); got the number 1\.5/],
    [{ batchSize: NaN }, /'batchSize' must be an integer/],
    [{ maxBlockMs: Infinity }, /'maxBlockMs' must be an integer/],
    [{ retries: 10n }, /'retries' must be an integer \(Java int\); got the bigint 10n/],
    [{ enableIdempotence: 1 }, /'enableIdempotence' must be a boolean; got the number 1/],
    [{ clientId: 5 }, /'clientId' must be a string; got the number 5/],
    [{ compressionType: 1 }, /'compressionType' must be one of none, gzip/],
    [{ acks: true }, /'acks' must be one of 'all', -1, 0, 1; got the boolean true/],
    [{ bootstrapServers: 9092 }, /'bootstrapServers' must be an array of "host:port" strings.*; got the number 9092/],
    [{ bootstrapServers: ['a:1', 2] }, /got the number 2/],
    [{ keySerializer: {} }, /'keySerializer' must be an object with a serialize\(topic, data\) method; got an object/],
    [{ valueSerializer: () => null }, /'valueSerializer' must be an object with a serialize/],
    [{ partitioner: {} }, /'partitioner' must be a built-in partitioner name or an object with a partition\(\) method/],
    [{ partitioner: class P {} }, /pass an instance, not a class/],
    [{ ssl: 'yes' }, /'ssl' must be a boolean or a tls\.ConnectionOptions object; got the string "yes"/],
    [{ ssl: [] }, /got an array/],
    [{ sasl: 'PLAIN' }, /'sasl' must be an object \{ mechanism, username, password \}/],
    [{ sasl: { mechanism: 'GSSAPI', username: 'u', password: 'p' } }, /'sasl\.mechanism' must be one of 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'/],
    [{ sasl: { mechanism: 'PLAIN', username: 'u' } }, /'sasl\.password' must be a string; got undefined/],
    [{ logger: console.log }, /'logger' must be an object with debug, info, warn and error methods/],
    [{ logger: { info() {}, warn() {}, error() {} } }, /'logger' must be an object with debug, info, warn and error methods/],
    [{ transactionalId: 5 }, /'transactionalId' must be a string or null/],
    [{ partitionerIgnoreKeys: 'true' }, /'partitionerIgnoreKeys' must be a boolean/],
  ])('type error %#: %p', (extra, message) => {
    const err = expectError(extra, message);
    expect(err.option).toBe(Object.keys(extra)[0]);
  });

  it.each([
    [{ lingerMs: -1 }, /'lingerMs' must be at least 0; got -1/],
    [{ 'linger.ms': '-1' }, /'linger\.ms' must be at least 0; got -1/],
    [{ batchSize: -1 }, /'batchSize' must be at least 0/],
    [{ bufferMemory: -1 }, /'bufferMemory' must be at least 0/],
    [{ maxBlockMs: -1 }, /at least 0/],
    [{ maxRequestSize: -1 }, /at least 0/],
    [{ retries: -1 }, /'retries' must be at least 0/],
    [{ deliveryTimeoutMs: -1 }, /at least 0/],
    [{ requestTimeoutMs: -1 }, /at least 0/],
    [{ retryBackoffMs: -1 }, /at least 0/],
    [{ retryBackoffMaxMs: -1 }, /at least 0/],
    [{ maxInFlightRequestsPerConnection: 0 }, /'maxInFlightRequestsPerConnection' must be at least 1; got 0/],
    [{ partitionerAvailabilityTimeoutMs: -1 }, /at least 0/],
    [{ metadataMaxAgeMs: -1 }, /at least 0/],
    [{ metadataMaxIdleMs: 4999 }, /'metadataMaxIdleMs' must be at least 5000; got 4999/],
    [{ reconnectBackoffMs: -1 }, /at least 0/],
    [{ reconnectBackoffMaxMs: -1 }, /at least 0/],
    [{ socketConnectionSetupTimeoutMs: -1 }, /at least 0/],
    [{ transactionTimeoutMs: -1 }, /at least 0/],
    [{ acks: 2 }, /'acks' must be one of 'all', -1, 0, 1; got 2/],
    [{ acks: 'ALL' }, /'acks' must be one of/], // Java's validator is case-sensitive
    [{ acks: 'none' }, /'acks' must be one of/],
    [{ compressionType: 'brotli' }, /'compressionType' must be one of none, gzip, snappy, lz4, zstd; got "brotli"/],
    [{ compressionType: 'GZIP' }, /must be one of/],
    [{ compressionGzipLevel: 0 }, /'compressionGzipLevel' must be between 1 and 9, or -1; got 0/],
    [{ compressionGzipLevel: 10 }, /between 1 and 9, or -1/],
    [{ compressionGzipLevel: -2 }, /between 1 and 9, or -1/],
    [{ compressionLz4Level: 0 }, /'compressionLz4Level' must be between 1 and 17; got 0/],
    [{ compressionLz4Level: 18 }, /between 1 and 17/],
    [{ compressionZstdLevel: 23 }, /'compressionZstdLevel' must be between -131072 and 22; got 23/],
    [{ compressionZstdLevel: -131073 }, /between -131072 and 22/],
    [{ batchSize: 2147483648 }, /'batchSize' must be an integer from -2147483648 to 2147483647/],
    [{ 'batch.size': '99999999999' }, /from -2147483648 to 2147483647/],
    [{ lingerMs: 2 ** 60 }, /'lingerMs' must be an integer from/],
    [{ partitioner: 'sticky' }, /'partitioner' must be one of 'default', 'round-robin', 'consistent_random', 'murmur2_random', 'legacy'/],
  ])('range error %#: %p', (extra, message) => {
    const err = expectError(extra, message);
    expect(err.option).toBe(Object.keys(extra)[0]);
  });

  it('accepts the edges of every range', () => {
    expect(() =>
      resolve({
        lingerMs: 0,
        batchSize: 0,
        bufferMemory: 0,
        maxRequestSize: 0,
        retries: 2147483647,
        maxInFlightRequestsPerConnection: 1,
        metadataMaxIdleMs: 5000,
        compressionGzipLevel: 9,
        compressionLz4Level: 17,
        compressionZstdLevel: -131072,
        partitionerAvailabilityTimeoutMs: 0,
        maxBlockMs: Number.MAX_SAFE_INTEGER,
      }),
    ).not.toThrow();
    for (const level of [-1, 1, 9]) expect(resolve({ compressionGzipLevel: level }).compressionGzipLevel).toBe(level);
    expect(resolve({ compressionLz4Level: 1, compressionZstdLevel: 22 })).toMatchObject({ compressionLz4Level: 1, compressionZstdLevel: 22 });
  });

  it('connectionsMaxIdleMs has no lower bound, as in Java (negative: never close)', () => {
    expect(resolve({ connectionsMaxIdleMs: -1 }).connectionsMaxIdleMs).toBe(-1);
  });

  it('resolves acks to a number', () => {
    expect(resolve({ acks: 'all' }).acks).toBe(-1);
    expect(resolve({ acks: '-1' }).acks).toBe(-1);
    expect(resolve({ acks: -1 }).acks).toBe(-1);
    expect(resolve({ acks: '1', enableIdempotence: false }).acks).toBe(1);
    expect(resolve({ acks: 0 }).acks).toBe(0);
    expect(resolve({ acks: ' all ' }).acks).toBe(-1);
  });

  it('treats batchSize 0 as 1, as Java (max(1, batch.size))', () => {
    expect(resolve({ batchSize: 0 }).batchSize).toBe(1);
    expect(resolve({ 'batch.size': '0' }).batchSize).toBe(1);
    expect(resolve({ batchSize: 1 }).batchSize).toBe(1);
  });

  it('takes ssl true as empty TLS options and false as off', () => {
    expect(resolve({ ssl: true }).ssl).toEqual({});
    expect(resolve({ ssl: false }).ssl).toBeNull();
    const tls = { servername: 'kafka', rejectUnauthorized: false };
    const c = resolve({ ssl: tls });
    expect(c.ssl).toEqual(tls);
    expect(Object.isFrozen(tls)).toBe(false); // the user's own object is left alone
  });

  it('keeps valid sasl options', () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      expect(resolve({ sasl: { mechanism, username: 'u', password: 'p' } }).sasl).toEqual({ mechanism, username: 'u', password: 'p' });
    }
  });

  it('sasl mechanisms in any case resolve to their upper-case name', () => {
    expect(resolve({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }).sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' });
    expect(resolve({ sasl: { mechanism: 'Plain', username: 'u', password: 'p' } }).sasl?.mechanism).toBe('PLAIN');
  });

  it('OAUTHBEARER takes a provider function or the oidc settings, exactly one', () => {
    const provider = () => ({ value: 't' });
    expect(resolve({ sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider } }).sasl).toEqual({ mechanism: 'OAUTHBEARER', oauthBearerProvider: provider });
    const oidc = { tokenEndpointUrl: 'https://idp.example/token', clientId: 'c', clientSecret: 's', scope: 'kafka' };
    expect(resolve({ sasl: { mechanism: 'OAUTHBEARER', oidc } }).sasl).toEqual({ mechanism: 'OAUTHBEARER', oidc });
    expect(() => resolve({ sasl: { mechanism: 'OAUTHBEARER' } })).toThrow(/exactly one of 'oauthBearerProvider'/);
    expect(() => resolve({ sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: provider, oidc } })).toThrow(/exactly one/);
    expect(() => resolve({ sasl: { mechanism: 'OAUTHBEARER', oidc: { ...oidc, tokenEndpointUrl: 'not a url' } } })).toThrow(/http or https URL/);
    // A URL is quoted without its query or user info, where secrets may have been put.
    expect(() => resolve({ sasl: { mechanism: 'OAUTHBEARER', oidc: { ...oidc, tokenEndpointUrl: 'ftp://u:pw@idp/token?client_secret=s3' } } })).toThrow(
      /got the string "ftp:\/\/idp\/token"\./,
    );
    // The secret is never quoted back.
    let message = '';
    try {
      resolve({ sasl: { mechanism: 'OAUTHBEARER', oidc: { ...oidc, clientSecret: 42 } } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/clientSecret' must be a non-empty string; got a value of type number\./);
  });

  it('the token refresh settings take Java-style strings under their Java names and keep their bounds', () => {
    const c = resolve({ 'sasl.login.refresh.window.factor': '0.9', 'sasl.login.refresh.window.jitter': 0.1, 'sasl.login.refresh.min.period.seconds': '30' });
    expect([c.saslLoginRefreshWindowFactor, c.saslLoginRefreshWindowJitter, c.saslLoginRefreshMinPeriodSeconds]).toEqual([0.9, 0.1, 30]);
    expect(() => resolve({ saslLoginRefreshWindowFactor: 0.4 })).toThrow(/between 0.5 and 1/);
    expect(() => resolve({ saslLoginRefreshWindowJitter: 0.3 })).toThrow(/between 0 and 0.25/);
  });

  it('keeps the logger object as given (not copied or frozen)', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const c = resolve({ logger });
    expect(c.logger).toBe(logger);
    expect(Object.isFrozen(logger)).toBe(false);
    expect(resolve({ logger: null }).logger).toBeNull();
  });

  it('null for nullable options means the default', () => {
    const c = resolve({ partitioner: null, keySerializer: null, transactionalId: null, ssl: null, sasl: null });
    expect(c).toMatchObject({ partitioner: 'default', transactionalId: null, ssl: null, sasl: null });
    expect(typeof c.keySerializer.serialize).toBe('function');
  });
});

describe('idempotence', () => {
  type Case = [enable: boolean | undefined, acks: 0 | 1 | -1, retries: number, maxInFlight: number, outcome: boolean | RegExp];
  const ACKS_ERR = /'acks' must be 'all' \(-1\) when 'enableIdempotence' is true/;
  const RETRIES_ERR = /'retries' must not be 0 when 'enableIdempotence' is true/;
  const INFLIGHT_ERR = /'maxInFlightRequestsPerConnection' must be at most 5/;
  const cases: Case[] = [
    // not set: conflicts turn it off silently, but max.in.flight > 5 always fails (4.x)
    [undefined, -1, 3, 5, true],
    [undefined, 1, 3, 5, false],
    [undefined, 0, 3, 5, false],
    [undefined, -1, 0, 5, false],
    [undefined, 1, 0, 5, false],
    [undefined, -1, 3, 6, INFLIGHT_ERR],
    [undefined, 1, 3, 10, INFLIGHT_ERR], // java-producer.md §6: acks=1 + max.in.flight=10 fails
    [undefined, -1, 0, 10, INFLIGHT_ERR],
    // set to true: conflicts are errors
    [true, -1, 3, 5, true],
    [true, -1, 3, 1, true],
    [true, 1, 3, 5, ACKS_ERR],
    [true, 0, 3, 5, ACKS_ERR],
    [true, -1, 0, 5, RETRIES_ERR],
    [true, 1, 0, 5, RETRIES_ERR], // retries is checked first, as in Java
    [true, -1, 3, 6, INFLIGHT_ERR],
    // set to false: nothing to check
    [false, -1, 3, 5, false],
    [false, 1, 0, 5, false],
    [false, 0, 3, 100, false],
  ];
  it.each(cases)('enable=%p acks=%p retries=%p maxInFlight=%p -> %p', (enable, acks, retries, maxInFlight, outcome) => {
    const extra: Record<string, unknown> = { acks, retries, maxInFlightRequestsPerConnection: maxInFlight };
    if (enable !== undefined) extra.enableIdempotence = enable;
    if (outcome instanceof RegExp) {
      expectError(extra, outcome);
    } else {
      const c = resolve(extra);
      expect(c.enableIdempotence).toBe(outcome);
      expect(c.acks).toBe(acks); // never rewritten
      expect(c.maxInFlightRequestsPerConnection).toBe(maxInFlight);
    }
  });

  it('names the option as the user spelled it, and explains the implicit case', () => {
    const err = expectError({ acks: '1', 'max.in.flight.requests.per.connection': '10' }, /'max\.in\.flight\.requests\.per\.connection' must be at most 5/);
    expect(err.option).toBe('max.in.flight.requests.per.connection');
    expect(err.message).toContain('true by default');
    expect(err.message).toContain('got 10');
    expectError({ 'enable.idempotence': 'true', acks: 1 }, /'acks' must be 'all' \(-1\) when 'enable\.idempotence' is true/, 'acks');
  });
});

describe('transactionalId', () => {
  it('is accepted under either spelling, with idempotence on and transaction.timeout.ms 60 s by default', () => {
    for (const opts of [{ transactionalId: 'tx-1' }, { 'transactional.id': 'tx-1' }]) {
      const c = resolve(opts);
      expect(c.transactionalId).toBe('tx-1');
      expect(c.enableIdempotence).toBe(true);
      expect(c.transactionTimeoutMs).toBe(60000);
    }
    expect(resolve({ transactionalId: 'tx-1', 'transaction.timeout.ms': 5000 }).transactionTimeoutMs).toBe(5000);
  });

  it('needs idempotence, as in Java: a setting that turns it off is a ConfigError', () => {
    expectError({ transactionalId: 'tx-1', acks: 1 }, /cannot be set without also enabling idempotence/, 'transactionalId');
    expectError({ transactionalId: 'tx-1', enableIdempotence: false }, /cannot be set without also enabling idempotence/, 'transactionalId');
    expectError({ 'transactional.id': 'tx-1', 'enable.idempotence': 'false' }, /cannot be set without also enabling idempotence/, 'transactional.id');
  });

  it('must not be empty', () => {
    expectError({ transactionalId: '' }, /'transactionalId' must be a non-empty string or null/);
  });
});

describe('deliveryTimeoutMs', () => {
  it('is raised to lingerMs + requestTimeoutMs when not set', () => {
    expect(resolve({ lingerMs: 100000, requestTimeoutMs: 30000 }).deliveryTimeoutMs).toBe(130000);
    expect(resolve({ requestTimeoutMs: 200000 }).deliveryTimeoutMs).toBe(200005);
    expect(resolve({ lingerMs: 0, requestTimeoutMs: 30000 }).deliveryTimeoutMs).toBe(120000);
  });

  it('caps the sum at the Java int maximum', () => {
    expect(resolve({ lingerMs: 2 ** 40, requestTimeoutMs: 1000 }).deliveryTimeoutMs).toBe(2147483647);
  });

  it('is an error when set lower than the sum', () => {
    const err = expectError(
      { deliveryTimeoutMs: 30000 },
      /'deliveryTimeoutMs' must be at least lingerMs \+ requestTimeoutMs = 30005; got 30000/,
      'deliveryTimeoutMs',
    );
    expect(err).toBeInstanceOf(ConfigError);
    expectError({ 'delivery.timeout.ms': '1000', lingerMs: 0 }, /'delivery\.timeout\.ms' must be at least/, 'delivery.timeout.ms');
  });

  it('is kept when set equal to or above the sum', () => {
    expect(resolve({ deliveryTimeoutMs: 30005 }).deliveryTimeoutMs).toBe(30005);
    expect(resolve({ deliveryTimeoutMs: 10, lingerMs: 0, requestTimeoutMs: 10 }).deliveryTimeoutMs).toBe(10);
  });
});

describe('partitioner', () => {
  it('the built-in default keeps the partitioner options', () => {
    const c = resolve({ partitionerIgnoreKeys: true, partitionerAdaptivePartitioningEnable: true });
    expect(c).toMatchObject({ partitioner: 'default', partitionerIgnoreKeys: true, partitionerAdaptivePartitioningEnable: true });
  });

  it('a custom partitioner turns adaptive partitioning off and ignoreKeys is ignored', () => {
    const c = resolve({ partitioner: customPartitioner, partitionerIgnoreKeys: true, partitionerAdaptivePartitioningEnable: true });
    expect(c.partitioner).toBe(customPartitioner);
    expect(c.partitionerAdaptivePartitioningEnable).toBe(false);
    expect(c.partitionerIgnoreKeys).toBe(false);
    expect(resolve({ 'partitioner.class': customPartitioner }).partitioner).toBe(customPartitioner);
  });

  it.each(['round-robin', 'consistent_random', 'murmur2_random', 'legacy'])('%s counts as a partitioner.class', (name) => {
    const c = resolve({ partitioner: name, partitionerIgnoreKeys: true });
    expect(c).toMatchObject({ partitioner: name, partitionerAdaptivePartitioningEnable: false, partitionerIgnoreKeys: false });
  });
});

describe('reconnect backoff', () => {
  it('reconnectBackoffMs set alone is also the maximum (Java: no exponential growth)', () => {
    expect(resolve({ reconnectBackoffMs: 200 })).toMatchObject({ reconnectBackoffMs: 200, reconnectBackoffMaxMs: 200 });
    expect(resolve({ 'reconnect.backoff.ms': '2000' })).toMatchObject({ reconnectBackoffMs: 2000, reconnectBackoffMaxMs: 2000 });
  });

  it('both set, or only the maximum: kept', () => {
    expect(resolve({ reconnectBackoffMs: 200, reconnectBackoffMaxMs: 5000 })).toMatchObject({ reconnectBackoffMs: 200, reconnectBackoffMaxMs: 5000 });
    expect(resolve({ reconnectBackoffMaxMs: 5000 })).toMatchObject({ reconnectBackoffMs: 50, reconnectBackoffMaxMs: 5000 });
  });
});

describe('clientId', () => {
  it('counts producer-N up from the module counter', () => {
    const first = Number(/^producer-(\d+)$/.exec(resolve().clientId)![1]);
    expect(first).toBeGreaterThanOrEqual(1);
    expect(resolve().clientId).toBe(`producer-${first + 1}`);
    expect(resolve().clientId).toBe(`producer-${first + 2}`);
  });

  it('a set client id takes no number, nor does a refused config', () => {
    const n = Number(/^producer-(\d+)$/.exec(resolve().clientId)![1]);
    expect(resolve({ clientId: 'mine' }).clientId).toBe('mine');
    expect(resolve({ clientId: '' }).clientId).toBe(''); // user-set, kept as is (Java)
    expect(() => resolve({ lingerMs: -1 })).toThrow(ConfigError);
    expect(() => resolve({ deliveryTimeoutMs: 1 })).toThrow(ConfigError);
    expect(resolve().clientId).toBe(`producer-${n + 1}`);
  });
});

describe('bootstrapServers', () => {
  const servers = (v: unknown) => resolveConfig(props({ bootstrapServers: v })).bootstrapServers;

  it('parses host:port lists, arrays and comma-separated strings', () => {
    expect(servers('a:9092')).toEqual([{ host: 'a', port: 9092 }]);
    expect(servers('a.example.com:9092, b-2.example.com:9093')).toEqual([
      { host: 'a.example.com', port: 9092 },
      { host: 'b-2.example.com', port: 9093 },
    ]);
    expect(servers(['10.0.0.1:1', ' my_host:65535 '])).toEqual([
      { host: '10.0.0.1', port: 1 },
      { host: 'my_host', port: 65535 },
    ]);
  });

  it('parses bracketed IPv6', () => {
    expect(servers('[::1]:9092')).toEqual([{ host: '::1', port: 9092 }]);
    expect(servers(['[2001:db8::1]:9093', '[fe80::1%eth0]:9094', 'localhost:9092'])).toEqual([
      { host: '2001:db8::1', port: 9093 },
      { host: 'fe80::1%eth0', port: 9094 },
      { host: 'localhost', port: 9092 },
    ]);
    expect(resolveConfig(props({ 'bootstrap.servers': '[::1]:9092,[::ffff:127.0.0.1]:9093' })).bootstrapServers).toEqual([
      { host: '::1', port: 9092 },
      { host: '::ffff:127.0.0.1', port: 9093 },
    ]);
  });

  it('is required', () => {
    const err = configError(() => resolveConfig(props({ lingerMs: 1 })));
    expect(err.message).toMatch(/'bootstrapServers' \('bootstrap\.servers'\) is required/);
    expect(err.option).toBe('bootstrapServers');
    expect(() => resolveConfig(props({ bootstrapServers: undefined }))).toThrow(/is required/);
  });

  it.each([
    ['', /must name at least one broker/],
    ['   ', /must name at least one broker/],
    [[], /must name at least one broker/],
    ['a:1,,b:2', /has an empty entry/],
    ['a:1,', /has an empty entry/],
    ['a:1,a:1', /names "a:1" twice/],
    ['localhost', /invalid entry "localhost": expected host:port/],
    ['localhost:', /the port is missing/],
    [':9092', /the host is missing/],
    ['localhost:abc', /"abc" is not a port number/],
    ['localhost:-1', /"-1" is not a port number/],
    ['localhost:0', /port 0 is outside 1\.\.65535/],
    ['localhost:65536', /port 65536 is outside 1\.\.65535/],
    ['::1:9092', /an IPv6 address goes in brackets, as \[::1\]:9092/],
    ['[::1]', /expected \[IPv6 address\]:port/],
    ['[::1]:', /the port is missing/],
    ['[not-v6]:9092', /"not-v6" is not an IPv6 address/],
    ['kafka://a:9092', /expected host:port, without a scheme/],
    ['a:b:9092', /"a:b" is not a host name or address/],
    ['2001:db8::1:9092', /an IPv6 address goes in brackets/],
    ['bad host:9092', /is not a host name or address/],
  ])('refuses %p', (value, message) => {
    const err = configError(() => servers(value));
    expect(err.message).toMatch(message);
    expect(err.option).toBe('bootstrapServers');
  });

  it('names the Java key when the list came under it', () => {
    const err = configError(() => resolveConfig(props({ 'bootstrap.servers': 'nope' })));
    expect(err.option).toBe('bootstrap.servers');
  });
});

describe('docs/config-table.md', () => {
  it('equals configTableMarkdown()', () => {
    const file = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'config-table.md'), 'utf8');
    expect(file).toBe(configTableMarkdown());
  });

  it('has one row per option with its Java name and default', () => {
    const md = configTableMarkdown();
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(CONFIG_DEFS.length);
    expect(md).toContain('| `lingerMs` | `linger.ms` | `5` |');
    expect(md).toContain('| `acks` | `acks` | `"all"` |');
    expect(md).toContain('| `ssl` | — | off |');
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(6); // 4 cells, no stray pipes
  });
});

describe('README.md', () => {
  it('holds the same options table as configTableMarkdown()', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- config-table:start -->\n');
    const end = readme.indexOf('<!-- config-table:end -->');
    expect(start).toBeGreaterThan(0);
    const md = configTableMarkdown();
    expect(readme.slice(start + '<!-- config-table:start -->\n'.length, end)).toBe(md.slice(md.indexOf('| Option |')));
  });
});

describe('the types and docs derived from the option definitions', () => {
  it('each default, given explicitly, resolves as when not set (defaults go through the same checks)', () => {
    // clientId is left out: set, even to its default '', it takes no producer-N.
    const explicit = Object.fromEntries(CONFIG_DEFS.filter((d) => d.default !== undefined && d.name !== 'clientId').map((d) => [d.name, d.default]));
    expect(comparable(resolve(explicit))).toEqual(comparable(resolve()));
  });

  it('only options without a default are required (bootstrapServers, as the types say below)', () => {
    expect(CONFIG_DEFS.filter((d) => d.default === undefined).map((d) => d.name)).toEqual(['bootstrapServers']);
  });

  it('the table lists every definition once, in order, with its Java name', () => {
    const rows = configTableMarkdown()
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split(' | '));
    expect(rows.map((cells) => cells[0])).toEqual(CONFIG_DEFS.map((d) => `| \`${d.name}\``));
    expect(rows.map((cells) => cells[1])).toEqual(CONFIG_DEFS.map((d) => (d.javaName === null ? '—' : `\`${d.javaName}\``)));
  });

  // Editors show an option's doc comment (carried from its definition to ProducerOptions and
  // ProducerConfig by the mapped types); the docs table shows its description. Keep them equal.
  it("each definition's doc comment is its description", () => {
    const path = join(__dirname, '..', '..', '..', 'src', 'producer', 'config.ts');
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const docs = new Map<string, string>();
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && node.name.getText() === 'OPTIONS' && node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
        for (const p of node.initializer.properties) {
          const text = ts
            .getJSDocCommentsAndTags(p)
            .map((doc) => (ts.isJSDoc(doc) ? (ts.getTextOfJSDocComment(doc.comment) ?? '') : ''))
            .join(' ');
          docs.set(p.name!.getText(), text.replace(/\s+/g, ' ').trim());
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect([...docs.keys()]).toEqual(CONFIG_DEFS.map((d) => d.name));
    for (const d of CONFIG_DEFS) expect([d.name, docs.get(d.name)]).toEqual([d.name, d.description]);
  });
});

// Compile-time checks of the derived types (the type check fails if one is false).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/** Keys other than index signatures. */
type NamedKeys<T> = keyof { [P in keyof T as string extends P ? never : number extends P ? never : P]: unknown };
/** The camelCase keys (the Java names have dots). */
type CamelKeys<T> = Exclude<NamedKeys<T>, `${string}.${string}`>;
type RequiredKeys<T> = { [P in NamedKeys<T>]-?: {} extends Pick<T, P> ? never : P }[NamedKeys<T>];
type MutableKeys<T> = { [P in NamedKeys<T>]-?: Equal<Pick<T, P>, Readonly<Pick<T, P>>> extends true ? never : P }[NamedKeys<T>];
export type DerivedTypeChecks = [
  // Every definition, and nothing else, in both types; every Java name in ProducerOptions.
  Expect<Equal<CamelKeys<ProducerOptions>, ConfigName>>,
  Expect<Equal<keyof ProducerConfig, ConfigName>>,
  Expect<Equal<RequiredKeys<ProducerConfig>, ConfigName>>,
  Expect<Equal<Exclude<CamelKeys<ProducerOptions>, MutableKeys<ProducerOptions>>, never>>,
  Expect<Equal<MutableKeys<ProducerConfig>, never>>,
  // The serializers follow K and V.
  Expect<Equal<ProducerOptions<string, number>['keySerializer'], Serializer<string> | undefined>>,
  Expect<Equal<ProducerOptions<string, number>['valueSerializer'], Serializer<number> | undefined>>,
  Expect<Equal<ProducerConfig<string, number>['keySerializer'], Serializer<string>>>,
  Expect<Equal<ProducerConfig<string, number>['valueSerializer'], Serializer<number>>>,
  // Given and resolved types differ where resolution converts.
  Expect<Equal<ProducerOptions['acks'], Acks | 'all' | '0' | '1' | '-1' | undefined>>,
  Expect<Equal<ProducerConfig['acks'], Acks>>,
  // Required under either name (see the checks below), so optional under each.
  Expect<Equal<ProducerOptions['bootstrapServers'], string[] | string | undefined>>,
  Expect<Equal<Exclude<'bootstrap.servers' | 'linger.ms' | 'sasl.login.refresh.window.factor' | 'security.protocol', NamedKeys<ProducerOptions>>, never>>,
  Expect<Equal<ProducerOptions['linger.ms'], number | string | undefined>>,
  Expect<Equal<ProducerConfig['bootstrapServers'], readonly BrokerAddress[]>>,
  Expect<Equal<ProducerOptions['transactionalId'], string | null | undefined>>,
  Expect<Equal<ProducerOptions['lingerMs'], number | undefined>>,
  Expect<Equal<ProducerConfig['sasl'], ResolvedSaslOptions | null>>,
  Expect<Equal<ProducerOptions['logger'], Logger | undefined>>,
  Expect<Equal<ProducerConfig['logger'], Logger | null>>,
];

/** Compile-time checks of what ProducerOptions accepts and refuses (never run). */
export function producerOptionsChecks(): ProducerOptions[] {
  return [
    { bootstrapServers: 'h:9092', lingerMs: 5 },
    { 'bootstrap.servers': 'h:9092', 'linger.ms': '5', 'enable.idempotence': 'false' },
    { bootstrapServers: ['h:9092'], 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x' },
    // @ts-expect-error bootstrapServers is required (under one of its names)
    { lingerMs: 5 },
    // @ts-expect-error a misspelt option does not compile
    { bootstrapServers: 'h:9092', lingerMS: 5 },
    // @ts-expect-error a misspelt Java name does not compile
    { bootstrapServers: 'h:9092', 'linger.msec': 5 },
    // @ts-expect-error a misspelt security property does not compile
    { bootstrapServers: 'h:9092', 'ssl.truststore.locaton': '/x' },
  ];
}
