/**
 * Producer options: the Java client's defaults (Kafka 4.x), its property names, its
 * validation, and a few kafka-wire options of our own (ssl, sasl, serializer objects).
 *
 * Role: `resolveConfig(options)` turns what the user passed into a frozen ProducerConfig
 * with every option at its final value, or throws ConfigError. CONFIG_DEFS is the one
 * table behind the names (camelCase and Java), the defaults, the type and range checks
 * and docs/config-table.md (configTableMarkdown(); a unit test keeps the file in step).
 *
 * How Java maps here:
 *  - ConfigDef parsing: under a Java name ('linger.ms') a value may be given as Java's
 *    property files give it, a string: integers from decimal strings, booleans from
 *    'true'/'false' (any case), strings and lists trimmed. Under a camelCase name the
 *    value must already have its JS type.
 *  - "Set by the user" (Java: `originals().containsKey(...)`) means the key is present
 *    with a value other than undefined, under either name.
 *  - ProducerConfig.postProcessParsedConfig: reconnect backoff, idempotence, client.id.
 *  - KafkaProducer's constructor: max(1, batch.size), delivery.timeout.ms, partitioner
 *    effects, bootstrap.servers parsing.
 * Stricter than Java on purpose: unknown options are errors (Java only logs them).
 */
import { isIPv6 } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { ConfigError } from '../protocol/errors';
import type { Partitioner } from './partitioners/partitioner';
import { defaultSerializer } from './serializers';
import type { Serializer } from './serializers';

export type Acks = 0 | 1 | -1;
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type BuiltInPartitionerName = 'default' | 'round-robin' | 'consistent_random' | 'murmur2_random' | 'legacy';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslOptions {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** One bootstrap broker, parsed from "host:port" ("[v6addr]:port" for IPv6; host is then without brackets). */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * What users pass. Every option may also be given under its Java property name
 * ('linger.ms', 'bootstrap.servers', ...), where Java-style string values are accepted.
 */
export interface ProducerOptions<K = unknown, V = unknown> {
  bootstrapServers: string[] | string;
  clientId?: string;
  acks?: 0 | 1 | -1 | 'all' | '0' | '1' | '-1';
  lingerMs?: number;
  batchSize?: number;
  bufferMemory?: number;
  maxBlockMs?: number;
  maxRequestSize?: number;
  retries?: number;
  deliveryTimeoutMs?: number;
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  maxInFlightRequestsPerConnection?: number;
  enableIdempotence?: boolean;
  compressionType?: CompressionName;
  compressionGzipLevel?: number;
  compressionLz4Level?: number;
  compressionZstdLevel?: number;
  partitioner?: BuiltInPartitionerName | Partitioner;
  partitionerIgnoreKeys?: boolean;
  partitionerAdaptivePartitioningEnable?: boolean;
  partitionerAvailabilityTimeoutMs?: number;
  metadataMaxAgeMs?: number;
  metadataMaxIdleMs?: number;
  connectionsMaxIdleMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  socketConnectionSetupTimeoutMs?: number;
  transactionalId?: string | null;
  transactionTimeoutMs?: number;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
  ssl?: boolean | ConnectionOptions;
  sasl?: SaslOptions;
  /** The same options under their Java property names. */
  [javaName: string]: unknown;
}

/** Every option at its final value. Frozen (the user's own objects inside are not). */
export interface ProducerConfig<K = unknown, V = unknown> {
  readonly bootstrapServers: readonly BrokerAddress[];
  readonly clientId: string;
  readonly acks: Acks;
  readonly lingerMs: number;
  /** Already max(1, batch.size). */
  readonly batchSize: number;
  readonly bufferMemory: number;
  readonly maxBlockMs: number;
  readonly maxRequestSize: number;
  readonly retries: number;
  /** At least lingerMs + requestTimeoutMs (capped at 2^31-1). */
  readonly deliveryTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly maxInFlightRequestsPerConnection: number;
  /** Final: false when it was silently turned off by acks or retries. */
  readonly enableIdempotence: boolean;
  readonly compressionType: CompressionName;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly partitioner: BuiltInPartitionerName | Partitioner;
  /** Always false unless partitioner is 'default'. */
  readonly partitionerIgnoreKeys: boolean;
  /** Always false unless partitioner is 'default'. */
  readonly partitionerAdaptivePartitioningEnable: boolean;
  readonly partitionerAvailabilityTimeoutMs: number;
  readonly metadataMaxAgeMs: number;
  readonly metadataMaxIdleMs: number;
  /** Negative: idle connections are never closed. */
  readonly connectionsMaxIdleMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly socketConnectionSetupTimeoutMs: number;
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  readonly keySerializer: Serializer<K>;
  readonly valueSerializer: Serializer<V>;
  /** TLS options when TLS is on, else null. */
  readonly ssl: Readonly<ConnectionOptions> | null;
  readonly sasl: Readonly<SaslOptions> | null;
}

export type ConfigName = keyof ProducerConfig;

/**
 * How a value is checked and converted. int and long are Java's (int32, and here the
 * safe-integer part of int64); list is bootstrap.servers; tls and sasl are ours.
 */
export type ConfigValueType =
  | 'int'
  | 'long'
  | 'boolean'
  | 'string'
  | 'list'
  | 'acks'
  | 'compression'
  | 'partitioner'
  | 'serializer'
  | 'tls'
  | 'sasl';

export interface ConfigDefinition {
  /** camelCase name, the key in ProducerConfig. */
  readonly name: ConfigName;
  /** Java property name; null for options only kafka-wire has. */
  readonly javaName: string | null;
  readonly type: ConfigValueType;
  /** Java's default, before resolution (acks 'all', client.id ''); undefined: required. */
  readonly default: unknown;
  /** The default as the docs show it, where the value alone would mislead. */
  readonly docDefault?: string;
  readonly description: string;
  /** Inclusive bounds for int/long. */
  readonly min?: number;
  readonly max?: number;
  /** Extra check for int/long: a message when the value is refused. */
  readonly check?: (value: number) => string | undefined;
  /** null is a valid value (it means the default). */
  readonly nullable?: boolean;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export const COMPRESSION_NAMES: readonly CompressionName[] = Object.freeze(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
export const BUILT_IN_PARTITIONERS: readonly BuiltInPartitionerName[] = Object.freeze([
  'default',
  'round-robin',
  'consistent_random',
  'murmur2_random',
  'legacy',
]);
const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** The one partitioner.class value from Java 4.x with a built-in counterpart here. */
const JAVA_PARTITIONER_CLASSES: ReadonlyMap<string, BuiltInPartitionerName> = new Map([
  ['org.apache.kafka.clients.producer.RoundRobinPartitioner', 'round-robin'],
]);

/** Java 4.x: idempotence allows at most this many in-flight requests per connection. */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

function def(d: ConfigDefinition): ConfigDefinition {
  return Object.freeze(d);
}

export const CONFIG_DEFS: ReadonlyArray<ConfigDefinition> = Object.freeze([
  def({
    name: 'bootstrapServers',
    javaName: 'bootstrap.servers',
    type: 'list',
    default: undefined,
    docDefault: '(required)',
    description:
      'Brokers to contact first, as host:port (IPv6 as [address]:port): an array, or one comma-separated string. Must not be empty or repeat an entry.',
  }),
  def({
    name: 'clientId',
    javaName: 'client.id',
    type: 'string',
    default: '',
    docDefault: '`producer-N`',
    description:
      'Name sent to brokers with every request (their logs and quotas). When not set: producer-<transactionalId>, or producer-N from a process-wide counter starting at 1.',
  }),
  def({
    name: 'acks',
    javaName: 'acks',
    type: 'acks',
    default: 'all',
    description:
      'Acknowledgements the partition leader gathers before it answers: 0 none (no answer awaited), 1 the leader alone, all or -1 every in-sync replica. Resolved to 0, 1 or -1.',
  }),
  def({
    name: 'lingerMs',
    javaName: 'linger.ms',
    type: 'long',
    default: 5,
    min: 0,
    description: 'How long a batch that is not full may wait for more records before it is sent (5 since Kafka 4.0, 0 before).',
  }),
  def({
    name: 'batchSize',
    javaName: 'batch.size',
    type: 'int',
    default: 16384,
    min: 0,
    description:
      "Size in bytes of one partition's batch buffer, and the sticky partitioner's switch threshold. 0 behaves as 1 (no batching).",
  }),
  def({
    name: 'bufferMemory',
    javaName: 'buffer.memory',
    type: 'long',
    default: 33554432,
    min: 0,
    description: 'Total bytes of batches waiting to be sent. When it is used up, send() waits up to maxBlockMs for room.',
  }),
  def({
    name: 'maxBlockMs',
    javaName: 'max.block.ms',
    type: 'long',
    default: 60000,
    min: 0,
    description: 'Longest time send() and partitionsFor() wait for topic metadata or for buffer memory.',
  }),
  def({
    name: 'maxRequestSize',
    javaName: 'max.request.size',
    type: 'int',
    default: 1048576,
    min: 0,
    description: 'Largest Produce request in bytes, and so the largest single record accepted.',
  }),
  def({
    name: 'retries',
    javaName: 'retries',
    type: 'int',
    default: INT_MAX,
    min: 0,
    description:
      'How often a failed batch is retried; deliveryTimeoutMs is the real bound. 0 turns idempotence off, or is an error if enableIdempotence was set to true.',
  }),
  def({
    name: 'deliveryTimeoutMs',
    javaName: 'delivery.timeout.ms',
    type: 'int',
    default: 120000,
    min: 0,
    description:
      "Upper bound from send() to the record's outcome, retries included. Must be at least lingerMs + requestTimeoutMs: an error if set lower, raised to that sum if not set.",
  }),
  def({
    name: 'requestTimeoutMs',
    javaName: 'request.timeout.ms',
    type: 'int',
    default: 30000,
    min: 0,
    description: "How long to wait for a broker's answer to one request; also the timeout sent in Produce requests.",
  }),
  def({
    name: 'retryBackoffMs',
    javaName: 'retry.backoff.ms',
    type: 'long',
    default: 100,
    min: 0,
    description: 'First wait before a failed request is retried; doubles with each attempt, with random jitter of 20%.',
  }),
  def({
    name: 'retryBackoffMaxMs',
    javaName: 'retry.backoff.max.ms',
    type: 'long',
    default: 1000,
    min: 0,
    description: 'Longest wait between retries.',
  }),
  def({
    name: 'maxInFlightRequestsPerConnection',
    javaName: 'max.in.flight.requests.per.connection',
    type: 'int',
    default: 5,
    min: 1,
    description:
      'Unanswered requests allowed on one broker connection. At most 5 unless enableIdempotence is set to false; 1 keeps strict order per partition without idempotence.',
  }),
  def({
    name: 'enableIdempotence',
    javaName: 'enable.idempotence',
    type: 'boolean',
    default: true,
    description:
      'Producer id and sequence numbers, so that retries neither duplicate nor reorder records. Needs acks all and retries > 0: when not set, a conflicting acks or retries turns it off; when set to true, the conflict is an error.',
  }),
  def({
    name: 'compressionType',
    javaName: 'compression.type',
    type: 'compression',
    default: 'none',
    description: 'Codec for record batches: none, gzip, snappy, lz4 or zstd.',
  }),
  def({
    name: 'compressionGzipLevel',
    javaName: 'compression.gzip.level',
    type: 'int',
    default: -1,
    check: (v) => (v === -1 || (v >= 1 && v <= 9) ? undefined : 'must be between 1 and 9, or -1'),
    description: "gzip level: 1 to 9, or -1 for the codec's default.",
  }),
  def({
    name: 'compressionLz4Level',
    javaName: 'compression.lz4.level',
    type: 'int',
    default: 9,
    min: 1,
    max: 17,
    description: 'lz4 level: 1 to 17.',
  }),
  def({
    name: 'compressionZstdLevel',
    javaName: 'compression.zstd.level',
    type: 'int',
    default: 3,
    min: -131072,
    max: 22,
    description: 'zstd level: -131072 to 22.',
  }),
  def({
    name: 'partitioner',
    javaName: 'partitioner.class',
    type: 'partitioner',
    default: 'default',
    nullable: true,
    description:
      "Picks the partition of a record that names none. 'default' is the built-in one (murmur2 of the key bytes; records without a key stick to one partition per batch, adaptively). Also: round-robin, consistent_random, murmur2_random, legacy, or an object with a partition() method. Any other than 'default' turns adaptive partitioning and partitionerIgnoreKeys off.",
  }),
  def({
    name: 'partitionerIgnoreKeys',
    javaName: 'partitioner.ignore.keys',
    type: 'boolean',
    default: false,
    description: "Built-in partitioner only: place every record as if it had no key. Ignored with any other partitioner.",
  }),
  def({
    name: 'partitionerAdaptivePartitioningEnable',
    javaName: 'partitioner.adaptive.partitioning.enable',
    type: 'boolean',
    default: true,
    description:
      'Built-in partitioner only: records without a key go less often to partitions whose brokers are slower to take data. Forced off with any other partitioner.',
  }),
  def({
    name: 'partitionerAvailabilityTimeoutMs',
    javaName: 'partitioner.availability.timeout.ms',
    type: 'long',
    default: 0,
    min: 0,
    description:
      'Built-in adaptive partitioning: skip a partition whose leader has had ready data it could not take for this long. 0: never skip.',
  }),
  def({
    name: 'metadataMaxAgeMs',
    javaName: 'metadata.max.age.ms',
    type: 'long',
    default: 300000,
    min: 0,
    description: 'Cluster metadata is refreshed at least this often, even when nothing failed.',
  }),
  def({
    name: 'metadataMaxIdleMs',
    javaName: 'metadata.max.idle.ms',
    type: 'long',
    default: 300000,
    min: 5000,
    description: "A topic not written to for this long leaves the producer's metadata. At least 5000.",
  }),
  def({
    name: 'connectionsMaxIdleMs',
    javaName: 'connections.max.idle.ms',
    type: 'long',
    default: 540000,
    description: 'Connections idle for this long are closed. Negative: never (Java sets no lower bound here either).',
  }),
  def({
    name: 'reconnectBackoffMs',
    javaName: 'reconnect.backoff.ms',
    type: 'long',
    default: 50,
    min: 0,
    description:
      'First wait before reconnecting to a broker; it grows exponentially up to reconnectBackoffMaxMs. Set without reconnectBackoffMaxMs, it is also the maximum.',
  }),
  def({
    name: 'reconnectBackoffMaxMs',
    javaName: 'reconnect.backoff.max.ms',
    type: 'long',
    default: 1000,
    min: 0,
    description: 'Longest wait before reconnecting to a broker.',
  }),
  def({
    name: 'socketConnectionSetupTimeoutMs',
    javaName: 'socket.connection.setup.timeout.ms',
    type: 'long',
    default: 10000,
    min: 0,
    description: 'How long one attempt to open a connection (TCP, and TLS when on) may take.',
  }),
  def({
    name: 'transactionalId',
    javaName: 'transactional.id',
    type: 'string',
    default: null,
    nullable: true,
    description: 'Id for transactional delivery. Transactions are not supported yet: it must stay null.',
  }),
  def({
    name: 'transactionTimeoutMs',
    javaName: 'transaction.timeout.ms',
    type: 'int',
    default: 60000,
    min: 0,
    description: 'Transaction timeout to ask the coordinator for (no effect until transactions are supported).',
  }),
  def({
    name: 'keySerializer',
    javaName: 'key.serializer',
    type: 'serializer',
    default: null,
    nullable: true,
    docDefault: 'bytes',
    description:
      'Turns keys into bytes: an object with a serialize(topic, data) method. Default: Buffer and Uint8Array as they are, strings as UTF-8, null as null.',
  }),
  def({
    name: 'valueSerializer',
    javaName: 'value.serializer',
    type: 'serializer',
    default: null,
    nullable: true,
    docDefault: 'bytes',
    description: 'Turns values into bytes, like keySerializer.',
  }),
  def({
    name: 'ssl',
    javaName: null,
    type: 'tls',
    default: null,
    nullable: true,
    docDefault: 'off',
    description:
      "TLS: true for Node's defaults, or tls.ConnectionOptions. kafka-wire only (Java: security.protocol and ssl.*).",
  }),
  def({
    name: 'sasl',
    javaName: null,
    type: 'sasl',
    default: null,
    nullable: true,
    docDefault: 'off',
    description:
      'SASL authentication: { mechanism, username, password } with mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. kafka-wire only (Java: sasl.mechanism and sasl.jaas.config).',
  }),
]);

/** Every accepted key (camelCase and Java) to its definition. A Map, so '__proto__' and friends are plain misses. */
const BY_KEY: ReadonlyMap<string, ConfigDefinition> = (() => {
  const m = new Map<string, ConfigDefinition>();
  for (const d of CONFIG_DEFS) {
    m.set(d.name, d);
    if (d.javaName !== null) m.set(d.javaName, d);
  }
  return m;
})();

const BY_NAME = new Map<ConfigName, ConfigDefinition>(CONFIG_DEFS.map((d) => [d.name, d]));

// The Java client numbers producers from 1 per JVM (ProducerConfig's PRODUCER_CLIENT_ID_SEQUENCE);
// here per module instance. Only a successful resolveConfig without a client id takes a number.
let clientIdSequence = 1;

// ---------------------------------------------------------------------------------------
// Messages

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
    case 'number':
      return `the number ${String(v)}`;
    case 'boolean':
      return `the boolean ${String(v)}`;
    case 'bigint':
      return `the bigint ${String(v)}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof ctor === 'string' && ctor !== 'Object' && ctor !== '' ? `a ${ctor}` : 'an object';
    }
  }
}

function typeError(key: string, expected: string, given: unknown): ConfigError {
  return new ConfigError(`Option '${key}' must be ${expected}; got ${describe(given)}.`, { option: key });
}

function rangeError(key: string, requirement: string, given: unknown): ConfigError {
  return new ConfigError(`Option '${key}' ${requirement}; got ${String(given)}.`, { option: key });
}

function normalizeName(s: string): string {
  return s.toLowerCase().replace(/[._\-\s]/g, '');
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The option a mistyped key most likely meant: case and separators ('.', '_', '-') are
 * ignored, then the closest name within 3 edits (and fewer edits than either name is
 * long, so 'foo' suggests nothing). Suggested in the style the user wrote: a key with a
 * '.' gets the Java name, any other the camelCase name.
 */
function suggestFor(key: string): string | undefined {
  const k = normalizeName(key);
  let best: ConfigDefinition | undefined;
  let bestDistance = Infinity;
  for (const d of CONFIG_DEFS) {
    for (const name of d.javaName === null ? [d.name] : [d.name, d.javaName]) {
      const n = normalizeName(name);
      const dist = levenshtein(k, n);
      if (dist <= 3 && dist < Math.min(k.length, n.length) && dist < bestDistance) {
        best = d;
        bestDistance = dist;
      }
    }
  }
  if (best === undefined) return undefined;
  return key.includes('.') && best.javaName !== null ? best.javaName : best.name;
}

function unknownOption(key: string): ConfigError {
  const suggestion = suggestFor(key);
  let hint = '';
  if (suggestion !== undefined) hint = ` Did you mean '${suggestion}'?`;
  else if (key === 'security.protocol' || key.startsWith('ssl.')) hint = " For TLS use the 'ssl' option (true or tls.ConnectionOptions).";
  else if (key.startsWith('sasl.')) hint = " For SASL use the 'sasl' option ({ mechanism, username, password }).";
  return new ConfigError(`Unknown producer option '${key}'.${hint}`, { option: key });
}

// ---------------------------------------------------------------------------------------
// Conversion and per-option checks (Java's ConfigDef.parseType plus the validators)

const INTEGER_STRING = /^[+-]?\d+$/;

function toInteger(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): number {
  const isInt = d.type === 'int';
  const expected = isInt ? 'an integer (Java int)' : 'an integer (Java long)';
  let n: number;
  if (typeof raw === 'number') {
    n = raw;
  } else if (javaStyle && typeof raw === 'string') {
    const s = raw.trim();
    if (!INTEGER_STRING.test(s)) throw typeError(key, `${expected}, or a string of decimal digits`, raw);
    n = Number(s);
  } else {
    throw typeError(key, expected, raw);
  }
  if (!Number.isInteger(n)) throw typeError(key, expected, raw);
  if (isInt ? n < INT_MIN || n > INT_MAX : !Number.isSafeInteger(n)) {
    const bounds = isInt ? `${INT_MIN} to ${INT_MAX}` : `${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;
    throw rangeError(key, `must be an integer from ${bounds}`, raw);
  }
  if (d.min !== undefined && d.max !== undefined && (n < d.min || n > d.max)) {
    throw rangeError(key, `must be between ${d.min} and ${d.max}`, n);
  }
  if (d.min !== undefined && n < d.min) throw rangeError(key, `must be at least ${d.min}`, n);
  if (d.max !== undefined && n > d.max) throw rangeError(key, `must be at most ${d.max}`, n);
  const problem = d.check?.(n);
  if (problem !== undefined) throw rangeError(key, problem, n);
  return n === 0 ? 0 : n; // no -0
}

function toBoolean(key: string, raw: unknown, javaStyle: boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  if (javaStyle && typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
    throw typeError(key, "a boolean, or the string 'true' or 'false'", raw);
  }
  throw typeError(key, 'a boolean', raw);
}

function toAcks(key: string, raw: unknown): Acks {
  if (raw === 0 || raw === 1 || raw === -1) return raw;
  // Java: in("all", "-1", "0", "1") on the trimmed string, case-sensitive.
  if (typeof raw === 'string') {
    switch (raw.trim()) {
      case 'all':
      case '-1':
        return -1;
      case '0':
        return 0;
      case '1':
        return 1;
    }
  }
  if (typeof raw === 'number' || typeof raw === 'string') {
    throw rangeError(key, "must be one of 'all', -1, 0, 1", JSON.stringify(raw));
  }
  throw typeError(key, "one of 'all', -1, 0, 1", raw);
}

function toBootstrapList(key: string, raw: unknown): string[] {
  const expected = 'an array of "host:port" strings, or one comma-separated string';
  let items: unknown[];
  if (typeof raw === 'string') items = raw.trim() === '' ? [] : raw.split(',');
  else if (Array.isArray(raw)) items = raw;
  else throw typeError(key, expected, raw);
  return items.map((item) => {
    if (typeof item !== 'string') throw typeError(key, expected, item);
    return item.trim();
  });
}

function toPartitioner(key: string, raw: unknown, javaStyle: boolean): BuiltInPartitionerName | Partitioner {
  if (raw === null) return 'default';
  if (typeof raw === 'string') {
    const s = javaStyle ? raw.trim() : raw;
    if ((BUILT_IN_PARTITIONERS as readonly string[]).includes(s)) return s as BuiltInPartitionerName;
    const mapped = JAVA_PARTITIONER_CLASSES.get(s);
    if (mapped !== undefined) return mapped;
    throw rangeError(
      key,
      `must be one of ${BUILT_IN_PARTITIONERS.map((n) => `'${n}'`).join(', ')} or an object with a partition() method`,
      JSON.stringify(raw),
    );
  }
  if (typeof raw === 'object' && typeof (raw as { partition?: unknown }).partition === 'function') {
    return raw as Partitioner;
  }
  if (typeof raw === 'function') {
    throw typeError(key, 'a built-in partitioner name or a partitioner instance (pass an instance, not a class)', raw);
  }
  throw typeError(key, 'a built-in partitioner name or an object with a partition() method', raw);
}

function toSerializer(key: string, raw: unknown): Serializer<unknown> | null {
  if (raw === null) return null;
  if (typeof raw === 'object' && typeof (raw as { serialize?: unknown }).serialize === 'function') {
    return raw as Serializer<unknown>;
  }
  if (typeof raw === 'string') {
    throw typeError(key, 'an object with a serialize(topic, data) method (Java class names are not supported)', raw);
  }
  throw typeError(key, 'an object with a serialize(topic, data) method', raw);
}

function toTls(key: string, raw: unknown): Readonly<ConnectionOptions> | null {
  if (raw === null || raw === false) return null;
  if (raw === true) return Object.freeze({});
  if (typeof raw === 'object' && !Array.isArray(raw)) return Object.freeze({ ...(raw as ConnectionOptions) });
  throw typeError(key, 'a boolean or a tls.ConnectionOptions object', raw);
}

function toSasl(key: string, raw: unknown): Readonly<SaslOptions> | null {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw typeError(key, 'an object { mechanism, username, password }', raw);
  }
  const s = raw as Record<string, unknown>;
  if (typeof s.mechanism !== 'string' || !(SASL_MECHANISMS as readonly string[]).includes(s.mechanism)) {
    throw new ConfigError(
      `Option '${key}.mechanism' must be one of ${SASL_MECHANISMS.map((m) => `'${m}'`).join(', ')}; got ${describe(s.mechanism)}.`,
      { option: key },
    );
  }
  for (const field of ['username', 'password'] as const) {
    if (typeof s[field] !== 'string') {
      throw new ConfigError(`Option '${key}.${field}' must be a string; got ${describe(s[field])}.`, { option: key });
    }
  }
  return Object.freeze({ ...(s as unknown as SaslOptions) });
}

/** Checks one given value and converts it to its resolved type. `javaStyle`: given under the Java name. */
function convert(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): unknown {
  if (raw === null && !d.nullable) throw typeError(key, expectedFor(d), raw);
  switch (d.type) {
    case 'int':
    case 'long':
      return toInteger(d, key, raw, javaStyle);
    case 'boolean':
      return toBoolean(key, raw, javaStyle);
    case 'string': {
      if (raw === null) return null;
      if (typeof raw !== 'string') throw typeError(key, d.nullable ? 'a string or null' : 'a string', raw);
      return javaStyle ? raw.trim() : raw;
    }
    case 'acks':
      return toAcks(key, raw);
    case 'compression': {
      if (typeof raw !== 'string') throw typeError(key, expectedFor(d), raw);
      const s = javaStyle ? raw.trim() : raw;
      if (!(COMPRESSION_NAMES as readonly string[]).includes(s)) {
        throw rangeError(key, `must be one of ${COMPRESSION_NAMES.join(', ')}`, JSON.stringify(raw));
      }
      return s;
    }
    case 'list':
      return toBootstrapList(key, raw); // the same under both names
    case 'partitioner':
      return toPartitioner(key, raw, javaStyle);
    case 'serializer':
      return toSerializer(key, raw);
    case 'tls':
      return toTls(key, raw);
    case 'sasl':
      return toSasl(key, raw);
  }
}

function expectedFor(d: ConfigDefinition): string {
  switch (d.type) {
    case 'int':
      return 'an integer (Java int)';
    case 'long':
      return 'an integer (Java long)';
    case 'boolean':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'acks':
      return "one of 'all', -1, 0, 1";
    case 'compression':
      return `one of ${COMPRESSION_NAMES.join(', ')}`;
    case 'list':
      return 'an array of "host:port" strings, or one comma-separated string';
    case 'partitioner':
      return 'a built-in partitioner name or an object with a partition() method';
    case 'serializer':
      return 'an object with a serialize(topic, data) method';
    case 'tls':
      return 'a boolean or a tls.ConnectionOptions object';
    case 'sasl':
      return 'an object { mechanism, username, password }';
  }
}

/** Whether two converted values are the same setting (given under both names). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  return Object.is(a, b);
}

// ---------------------------------------------------------------------------------------
// bootstrap.servers (Java: ClientUtils.parseAndValidateAddresses, minus DNS resolution)

const HOST_NAME = /^[A-Za-z0-9_%](?:[A-Za-z0-9._%-]*[A-Za-z0-9_%])?$/;

function parseAddress(key: string, entry: string): BrokerAddress {
  const bad = (why: string): ConfigError =>
    new ConfigError(`Option '${key}' has an invalid entry ${JSON.stringify(entry)}: ${why}.`, { option: key });
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(entry);
  if (bracketed !== null) {
    host = bracketed[1];
    portText = bracketed[2];
    const address = host.split('%')[0];
    if (!isIPv6(address)) throw bad(`"${host}" is not an IPv6 address`);
  } else {
    if (entry.startsWith('[')) throw bad('expected [IPv6 address]:port');
    if (entry.includes('://')) throw bad('expected host:port, without a scheme');
    const colon = entry.lastIndexOf(':');
    if (colon < 0) throw bad('expected host:port');
    host = entry.slice(0, colon);
    portText = entry.slice(colon + 1);
    if (host.includes(':')) {
      throw bad(isIPv6(host) || isIPv6(entry) ? 'an IPv6 address goes in brackets, as [::1]:9092' : `"${host}" is not a host name or address`);
    }
    if (!HOST_NAME.test(host)) throw bad(host === '' ? 'the host is missing' : `"${host}" is not a host name or address`);
  }
  if (!/^\d+$/.test(portText)) throw bad(portText === '' ? 'the port is missing' : `"${portText}" is not a port number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad(`port ${portText} is outside 1..65535`);
  return Object.freeze({ host, port });
}

function parseBootstrap(key: string, entries: readonly string[]): readonly BrokerAddress[] {
  if (entries.length === 0) {
    throw new ConfigError(`Option '${key}' must name at least one broker as host:port.`, { option: key });
  }
  // Java 4.x validates bootstrap.servers with ValidList.anyNonDuplicateValues(false, false):
  // no empty list, no empty entry, no entry twice.
  const seen = new Set<string>();
  const out: BrokerAddress[] = [];
  for (const entry of entries) {
    if (entry === '') throw new ConfigError(`Option '${key}' has an empty entry.`, { option: key });
    if (seen.has(entry)) throw new ConfigError(`Option '${key}' names ${JSON.stringify(entry)} twice.`, { option: key });
    seen.add(entry);
    out.push(parseAddress(key, entry));
  }
  return Object.freeze(out);
}

// ---------------------------------------------------------------------------------------
// resolveConfig

/**
 * Validates producer options and resolves every one to its final value, with the Java
 * 4.x client's defaults and rules. Throws ConfigError naming the option at fault as the
 * user spelled it.
 */
export function resolveConfig<K = unknown, V = unknown>(options: ProducerOptions<K, V>): ProducerConfig<K, V> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(`Producer options must be an object; got ${describe(options)}.`, { option: 'options' });
  }

  // 1. Each key to its option; convert and check the value (Java: ConfigDef.parse).
  const given = new Map<ConfigDefinition, { key: string; value: unknown }>();
  for (const key of Object.keys(options)) {
    const d = BY_KEY.get(key);
    if (d === undefined) throw unknownOption(key);
    const raw = (options as Record<string, unknown>)[key];
    if (raw === undefined) continue; // present but undefined: not set, as with `{ ...defaults, x: undefined }`
    const value = convert(d, key, raw, key === d.javaName);
    const earlier = given.get(d);
    if (earlier === undefined) {
      given.set(d, { key, value });
    } else if (!sameValue(earlier.value, value)) {
      throw new ConfigError(
        `Options '${earlier.key}' and '${key}' are the same option and were given different values (${describe(
          (options as Record<string, unknown>)[earlier.key],
        )} and ${describe(raw)}).`,
        { option: key },
      );
    }
  }

  const isSet = (name: ConfigName): boolean => given.has(BY_NAME.get(name)!);
  const keyOf = (name: ConfigName): string => given.get(BY_NAME.get(name)!)?.key ?? name;
  const value = <T>(name: ConfigName): T => {
    const d = BY_NAME.get(name)!;
    const g = given.get(d);
    return (g !== undefined ? g.value : d.default) as T;
  };

  if (!isSet('bootstrapServers')) {
    throw new ConfigError("Option 'bootstrapServers' ('bootstrap.servers') is required.", { option: 'bootstrapServers' });
  }

  // acks: default 'all' goes through the same conversion as a given value.
  const acks = toAcks('acks', value('acks'));
  const retries = value<number>('retries');
  const maxInFlight = value<number>('maxInFlightRequestsPerConnection');

  // 2. reconnect.backoff.ms set alone is also the maximum: no exponential growth
  //    (CommonClientConfigs.postProcessReconnectBackoffConfigs).
  const reconnectBackoffMs = value<number>('reconnectBackoffMs');
  const reconnectBackoffMaxMs =
    isSet('reconnectBackoffMs') && !isSet('reconnectBackoffMaxMs') ? reconnectBackoffMs : value<number>('reconnectBackoffMaxMs');

  // 3. Idempotence (ProducerConfig.postProcessAndValidateIdempotenceConfigs, 4.x). When
  //    enable.idempotence is true -- set so, or by default -- then:
  //    - retries = 0 or acks != all: a ConfigException if the user set enable.idempotence,
  //      else idempotence is turned off silently (Java logs it);
  //    - max.in.flight > 5: always a ConfigException. In 4.x this check sits in the same
  //      block and runs after the two above have only *marked* idempotence for disabling
  //      (the flag is applied after the block), so acks=1 + max.in.flight=10 without an
  //      explicit enable.idempotence=false fails, although idempotence would have ended up
  //      off. 3.x turned idempotence off instead. We reproduce 4.x.
  const idempotenceSet = isSet('enableIdempotence');
  let enableIdempotence = value<boolean>('enableIdempotence');
  if (enableIdempotence) {
    let disable = false;
    if (retries === 0) {
      if (idempotenceSet) {
        throw new ConfigError(
          `Option '${keyOf('retries')}' must not be 0 when '${keyOf('enableIdempotence')}' is true (the idempotent producer needs retries).`,
          { option: keyOf('retries') },
        );
      }
      disable = true;
    }
    if (acks !== -1) {
      if (idempotenceSet) {
        throw new ConfigError(
          `Option '${keyOf('acks')}' must be 'all' (-1) when '${keyOf('enableIdempotence')}' is true; got ${acks}. Otherwise idempotence cannot be guaranteed.`,
          { option: keyOf('acks') },
        );
      }
      disable = true;
    }
    if (maxInFlight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      const why = idempotenceSet
        ? `'${keyOf('enableIdempotence')}' is true`
        : `'enableIdempotence' is true by default (set it to false explicitly to allow more; as in the Java client 4.x, this holds even when acks or retries would turn idempotence off)`;
      throw new ConfigError(
        `Option '${keyOf('maxInFlightRequestsPerConnection')}' must be at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} because ${why}; got ${maxInFlight}.`,
        { option: keyOf('maxInFlightRequestsPerConnection') },
      );
    }
    if (disable) enableIdempotence = false;
  }

  // 4. transactional.id: Java requires idempotence with it (checked after the above, since
  //    idempotence may just have been turned off); beyond that we support no transactions yet.
  const transactionalId = value<string | null>('transactionalId');
  if (transactionalId !== null) {
    const key = keyOf('transactionalId');
    if (transactionalId === '') {
      throw new ConfigError(`Option '${key}' must be a non-empty string or null.`, { option: key });
    }
    if (!enableIdempotence) {
      throw new ConfigError(`Option '${key}' cannot be set without also enabling idempotence.`, { option: key });
    }
    throw new ConfigError(`Option '${key}': transactions are not supported yet; leave it unset (null).`, { option: key });
  }

  // 5. delivery.timeout.ms >= linger.ms + request.timeout.ms (KafkaProducer.configureDeliveryTimeout;
  //    linger capped at int max, and the sum too).
  const lingerMs = value<number>('lingerMs');
  const requestTimeoutMs = value<number>('requestTimeoutMs');
  const lingerAndRequestTimeout = Math.min(Math.min(lingerMs, INT_MAX) + requestTimeoutMs, INT_MAX);
  let deliveryTimeoutMs = value<number>('deliveryTimeoutMs');
  if (deliveryTimeoutMs < lingerAndRequestTimeout) {
    if (isSet('deliveryTimeoutMs')) {
      throw new ConfigError(
        `Option '${keyOf('deliveryTimeoutMs')}' must be at least lingerMs + requestTimeoutMs = ${lingerAndRequestTimeout}; got ${deliveryTimeoutMs}.`,
        { option: keyOf('deliveryTimeoutMs') },
      );
    }
    deliveryTimeoutMs = lingerAndRequestTimeout; // Java logs a warning and raises the default
  }

  // 6. Partitioner: Java enables adaptive partitioning only when partitioner.class is null
  //    (the built-in partitioner), and consults partitioner.ignore.keys only there. Our
  //    other built-in names stand for partitioner.class values, so they count as custom.
  const partitioner = value<BuiltInPartitionerName | Partitioner>('partitioner');
  const builtIn = partitioner === 'default';
  const partitionerIgnoreKeys = builtIn && value<boolean>('partitionerIgnoreKeys');
  const partitionerAdaptivePartitioningEnable = builtIn && value<boolean>('partitionerAdaptivePartitioningEnable');

  // 7. bootstrap.servers.
  const bootstrapServers = parseBootstrap(keyOf('bootstrapServers'), value<string[]>('bootstrapServers'));

  // 8. client.id last (Java: maybeOverrideClientId), so a refused config takes no number.
  //    A client.id the user set is kept as is, even ''.
  const clientId = isSet('clientId') ? value<string>('clientId') : `producer-${clientIdSequence++}`;

  const config: ProducerConfig<K, V> = {
    bootstrapServers,
    clientId,
    acks,
    lingerMs,
    batchSize: Math.max(1, value<number>('batchSize')), // Java: max(1, batch.size)
    bufferMemory: value('bufferMemory'),
    maxBlockMs: value('maxBlockMs'),
    maxRequestSize: value('maxRequestSize'),
    retries,
    deliveryTimeoutMs,
    requestTimeoutMs,
    retryBackoffMs: value('retryBackoffMs'),
    retryBackoffMaxMs: value('retryBackoffMaxMs'),
    maxInFlightRequestsPerConnection: maxInFlight,
    enableIdempotence,
    compressionType: value('compressionType'),
    compressionGzipLevel: value('compressionGzipLevel'),
    compressionLz4Level: value('compressionLz4Level'),
    compressionZstdLevel: value('compressionZstdLevel'),
    partitioner,
    partitionerIgnoreKeys,
    partitionerAdaptivePartitioningEnable,
    partitionerAvailabilityTimeoutMs: value('partitionerAvailabilityTimeoutMs'),
    metadataMaxAgeMs: value('metadataMaxAgeMs'),
    metadataMaxIdleMs: value('metadataMaxIdleMs'),
    connectionsMaxIdleMs: value('connectionsMaxIdleMs'),
    reconnectBackoffMs,
    reconnectBackoffMaxMs,
    socketConnectionSetupTimeoutMs: value('socketConnectionSetupTimeoutMs'),
    transactionalId: null,
    transactionTimeoutMs: value('transactionTimeoutMs'),
    keySerializer: (value<Serializer<K> | null>('keySerializer') ?? defaultSerializer()) as Serializer<K>,
    valueSerializer: (value<Serializer<V> | null>('valueSerializer') ?? defaultSerializer()) as Serializer<V>,
    ssl: value<Readonly<ConnectionOptions> | null>('ssl'),
    sasl: value<Readonly<SaslOptions> | null>('sasl'),
  };
  return Object.freeze(config);
}

// ---------------------------------------------------------------------------------------
// Docs

function docDefault(d: ConfigDefinition): string {
  if (d.docDefault !== undefined) return d.docDefault;
  return `\`${typeof d.default === 'string' ? JSON.stringify(d.default) : String(d.default)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** docs/config-table.md, whole: one row per CONFIG_DEFS entry. */
export function configTableMarkdown(): string {
  const lines = [
    '# Producer options',
    '',
    'Generated from `CONFIG_DEFS` in `src/producer/config.ts` by `configTableMarkdown()`; a unit test',
    'fails when this file and the table differ. Defaults are those of the Java client (Kafka 4.x).',
    'Every option may be given under its camelCase name or its Java name; under the Java name,',
    "Java-style string values are accepted too (`'linger.ms': '10'`, `'enable.idempotence': 'false'`).",
    '',
    '| Option | Java name | Default | Meaning |',
    '| --- | --- | --- | --- |',
  ];
  for (const d of CONFIG_DEFS) {
    const java = d.javaName === null ? '—' : `\`${d.javaName}\``;
    lines.push(`| \`${d.name}\` | ${java} | ${cell(docDefault(d))} | ${cell(d.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
