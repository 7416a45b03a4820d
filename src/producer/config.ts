/**
 * Producer options: the Java client's defaults (Kafka 4.x), its property names, its
 * validation, and a few kafka-wire options of our own (ssl, sasl, logger, serializer objects).
 *
 * Role: `resolveConfig(options)` turns what the user passed into a frozen ProducerConfig
 * with every option at its final value, or throws ConfigError.
 *
 * OPTIONS below names each option once: its kind, Java name, default, range and
 * description. The rest is derived from it: the ProducerOptions and ProducerConfig types
 * (mapped over OPTIONS), CONFIG_DEFS, the accepted keys, the resolved config (one loop over
 * the options) and docs/config-table.md (configTableMarkdown(); a unit test keeps the file
 * and the README table in step). Rules that involve more than one option are the named
 * steps of RESOLUTION_STEPS.
 *
 * How Java maps here:
 *  - ConfigDef parsing: under a Java name ('linger.ms') a value may be given as Java's
 *    property files give it, a string: integers from decimal strings, booleans from
 *    'true'/'false' (any case), strings and lists trimmed. Under a camelCase name the
 *    value must already have its JS type. Defaults go through the same conversion.
 *  - "Set by the user" (Java: `originals().containsKey(...)`) means the key is present
 *    with a value other than undefined, under either name.
 *  - ProducerConfig.postProcessParsedConfig: reconnect backoff, idempotence, client.id.
 *  - KafkaProducer's constructor: max(1, batch.size), delivery.timeout.ms, partitioner
 *    effects, bootstrap.servers parsing.
 *  - The security properties (security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config,
 *    sasl.oauthbearer.*) are translated into the ssl and sasl options before the rest is
 *    read (./java-security.ts); given with those options they are an error.
 * Stricter than Java on purpose: unknown options are errors (Java only logs them).
 */
import type { BrokerAddress } from '../net/broker-pool';
import { CompressionType, type CompressionName } from '../protocol/records/compression';
import { isIPv6 } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import type { OAuthBearerProvider } from '../net/sasl/oauthbearer';
import { urlForMessages, type OidcClientCredentials } from '../net/sasl/oidc';

import { isLogger, type Logger } from '../logger';
import { ConfigError } from '../protocol/errors';
import type { ProducerInterceptor } from './interceptors';
import { JAVA_SECURITY_PROPERTIES, javaSecurityOptions, type JavaSecurityOptions } from './java-security';
import type { Partitioner } from './partitioners/partitioner';
import { defaultSerializer } from './serializers';
import type { Serializer } from './serializers';

export type { BrokerAddress, CompressionName, Logger };

export type Acks = 0 | 1 | -1;
export type BuiltInPartitionerName = 'default' | 'round-robin' | 'consistent_random' | 'murmur2_random' | 'legacy';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
export type SaslPasswordMechanism = Exclude<SaslMechanism, 'OAUTHBEARER'>;

/** PLAIN or SCRAM: a username and a password. The mechanism may be given in any case ('scram-sha-512'). */
export interface SaslPasswordOptions {
  mechanism: SaslPasswordMechanism | Lowercase<SaslPasswordMechanism>;
  username: string;
  password: string;
}

/**
 * OAUTHBEARER: exactly one of a token provider (a function returning `{ value, lifetimeMs?,
 * principal?, extensions? }`) or the built-in OIDC client-credentials client (`oidc`).
 */
export type SaslOAuthBearerOptions = { mechanism: 'OAUTHBEARER' | 'oauthbearer' } & (
  | { oauthBearerProvider: OAuthBearerProvider; oidc?: undefined }
  | { oidc: OidcClientCredentials; oauthBearerProvider?: undefined }
);

export type SaslOptions = SaslPasswordOptions | SaslOAuthBearerOptions;

/** The sasl option once resolved: the mechanism in upper case, and the rest as given. */
export type ResolvedSaslOptions =
  | { readonly mechanism: SaslPasswordMechanism; readonly username: string; readonly password: string }
  | { readonly mechanism: 'OAUTHBEARER'; readonly oauthBearerProvider?: OAuthBearerProvider; readonly oidc?: Readonly<OidcClientCredentials> };


// ---------------------------------------------------------------------------------------
// The public types, derived from OPTIONS. Each member keeps the doc comment of its OPTIONS
// entry (mapped types carry it over), which is what editors show.

type Options = typeof OPTIONS;
export type ConfigName = keyof Options;
type KindOf<D> = D extends OptionDef<infer T, unknown> ? T : never;
type GivenTypes<K, V> = { -readonly [P in keyof Options]: OptionKinds<K, V>[KindOf<Options[P]>]['given'] };
type ResolvedTypes<K, V> = { readonly [P in keyof Options]: OptionKinds<K, V>[KindOf<Options[P]>]['resolved'] };
/** The options without a default. */
type RequiredName = { [P in keyof Options]: Options[P] extends OptionDef<OptionKind, undefined> ? P : never }[keyof Options];

type JavaNameOf<D> = D extends { readonly javaName: infer J } ? (J extends string ? J : never) : never;
/** Under a Java name, numbers and booleans may also be given as Java-style strings ('10', 'false'). */
type JavaStyle<T> = [T] extends [number] ? T | string : [T] extends [boolean] ? T | string : T;
/** The options under their Java property names ('linger.ms', 'bootstrap.servers', ...). */
type JavaNamedTypes<K, V> = { [P in keyof Options as JavaNameOf<Options[P]>]: JavaStyle<GivenTypes<K, V>[P]> };
type JavaRequiredName = JavaNameOf<Options[RequiredName]>;

/** The options by camelCase name, the required ones under either name. */
type CamelOptions<K, V> =
  | (Pick<GivenTypes<K, V>, RequiredName> & Partial<Omit<GivenTypes<K, V>, RequiredName>>)
  | (Partial<GivenTypes<K, V>> & Pick<JavaNamedTypes<K, V>, JavaRequiredName>);

/**
 * What users pass. Every option may also be given under its Java property name
 * ('linger.ms', 'bootstrap.servers', ...), where Java-style string values are accepted, and
 * Java's security properties (security.protocol, ssl.*, sasl.*) are translated into ssl and
 * sasl. Every name is typed: a misspelt option fails to compile (and is a ConfigError at run
 * time). Properties read from a file (a Record<string, string>) need a cast; they are checked
 * when the producer is made.
 */
export type ProducerOptions<K = unknown, V = unknown> = CamelOptions<K, V> & Partial<JavaNamedTypes<K, V>> & JavaSecurityOptions;

/** Every option at its final value. Frozen (the user's own objects inside are not). */
export interface ProducerConfig<K = unknown, V = unknown> extends ResolvedTypes<K, V> {}

// ---------------------------------------------------------------------------------------
// Kinds of option

/**
 * How a value is checked and converted. int and long are Java's (int32, and here the
 * safe-integer part of int64); list is bootstrap.servers; tls, sasl and logger are ours.
 */
export type ConfigValueType =
  | 'int'
  | 'long'
  | 'double'
  | 'boolean'
  | 'string'
  | 'list'
  | 'acks'
  | 'compression'
  | 'partitioner'
  | 'serializer'
  | 'tls'
  | 'sasl'
  | 'logger'
  | 'interceptors';

/**
 * The kinds of option, with the TypeScript type of what users pass (given) and of the
 * resolved value. K and V are the record key and value types. A kind is a ConfigValueType
 * plus what only the types tell apart (key or value serializer, a string that may be null).
 */
interface OptionKinds<K, V> {
  int: { given: number; resolved: number };
  long: { given: number; resolved: number };
  double: { given: number; resolved: number };
  boolean: { given: boolean; resolved: boolean };
  string: { given: string; resolved: string };
  nullableString: { given: string | null; resolved: string | null };
  acks: { given: 0 | 1 | -1 | 'all' | '0' | '1' | '-1'; resolved: Acks };
  compression: { given: CompressionName; resolved: CompressionName };
  list: { given: string[] | string; resolved: readonly BrokerAddress[] };
  partitioner: { given: BuiltInPartitionerName | Partitioner; resolved: BuiltInPartitionerName | Partitioner };
  keySerializer: { given: Serializer<K>; resolved: Serializer<K> };
  valueSerializer: { given: Serializer<V>; resolved: Serializer<V> };
  /** Resolved: the TLS options when TLS is on, else null. */
  tls: { given: boolean | ConnectionOptions; resolved: Readonly<ConnectionOptions> | null };
  sasl: { given: SaslOptions; resolved: ResolvedSaslOptions | null };
  /** Resolved: the user's logger (not copied), or null for none. */
  logger: { given: Logger; resolved: Logger | null };
  /** Resolved: a frozen copy of the list, or null for none (an empty list included). */
  interceptors: { given: readonly ProducerInterceptor[]; resolved: readonly ProducerInterceptor[] | null };
}
type OptionKind = keyof OptionKinds<unknown, unknown>;

/** Each kind's run-time check, and whether it takes null (meaning the default). */
const KINDS: { readonly [T in OptionKind]: { readonly type: ConfigValueType; readonly nullable: boolean } } = {
  int: { type: 'int', nullable: false },
  long: { type: 'long', nullable: false },
  double: { type: 'double', nullable: false },
  boolean: { type: 'boolean', nullable: false },
  string: { type: 'string', nullable: false },
  nullableString: { type: 'string', nullable: true },
  acks: { type: 'acks', nullable: false },
  compression: { type: 'compression', nullable: false },
  list: { type: 'list', nullable: false },
  partitioner: { type: 'partitioner', nullable: true },
  keySerializer: { type: 'serializer', nullable: true },
  valueSerializer: { type: 'serializer', nullable: true },
  tls: { type: 'tls', nullable: true },
  sasl: { type: 'sasl', nullable: true },
  logger: { type: 'logger', nullable: true },
  interceptors: { type: 'interceptors', nullable: true },
};

/** An option's kind, in its type only (no such property exists at run time). */
declare const KIND: unique symbol;

/** What an OPTIONS entry says besides its kind, Java name and default. */
interface OptionSpec {
  /** The default as the docs show it, where the value alone would mislead. */
  readonly docDefault?: string;
  readonly description: string;
  /** Inclusive bounds for int/long/double. */
  readonly min?: number;
  readonly max?: number;
  /** Extra check for int/long: a message when the value is refused. */
  readonly check?: (value: number) => string | undefined;
  /**
   * The option's own last step, from its converted value to its resolved one (`key`: as
   * the user spelled it). It runs after the rules between options, so that their errors
   * come first, as in Java.
   */
  readonly finish?: (value: unknown, key: string) => unknown;
}

interface OptionDef<T extends OptionKind, D, J extends string | null = string | null> extends OptionSpec {
  /** Java property name; null for options only kafka-wire has. */
  readonly javaName: J;
  readonly type: ConfigValueType;
  /** Java's default, before resolution (acks 'all', client.id ''); undefined: required. */
  readonly default: D;
  /** null is a valid value (it means the default). */
  readonly nullable: boolean;
  readonly [KIND]?: T;
}

/** One option as CONFIG_DEFS lists it: its OPTIONS entry with its name, without its finish step. */
export interface ConfigDefinition extends Omit<OptionDef<OptionKind, unknown>, typeof KIND | 'finish'> {
  /** camelCase name, the key in ProducerConfig. */
  readonly name: ConfigName;
}

/**
 * One OPTIONS entry, in the order of Java's ConfigDef.define: kind, Java name, default
 * (undefined: required; else a value of the kind, or null), then the rest.
 */
function option<T extends OptionKind, const J extends string | null, const D extends OptionKinds<unknown, unknown>[T]['given'] | null | undefined>(
  kind: T,
  javaName: J,
  defaultValue: D,
  spec: OptionSpec,
): OptionDef<T, D, J> {
  return { javaName, ...KINDS[kind], default: defaultValue, ...spec };
}

// ---------------------------------------------------------------------------------------
// The options

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export const COMPRESSION_NAMES: readonly CompressionName[] = Object.freeze(Object.keys(CompressionType) as CompressionName[]);
export const BUILT_IN_PARTITIONERS: readonly BuiltInPartitionerName[] = Object.freeze([
  'default',
  'round-robin',
  'consistent_random',
  'murmur2_random',
  'legacy',
]);
const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

/** The one partitioner.class value from Java 4.x with a built-in counterpart here. */
const JAVA_PARTITIONER_CLASSES: ReadonlyMap<string, BuiltInPartitionerName> = new Map([
  ['org.apache.kafka.clients.producer.RoundRobinPartitioner', 'round-robin'],
]);

/** Java 4.x: idempotence allows at most this many in-flight requests per connection. */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

/**
 * Every option, in the order of the docs. The key is the camelCase name. Each doc comment
 * repeats the description: the comment is what editors show on ProducerOptions and
 * ProducerConfig members, the description feeds the docs table; a unit test keeps them equal.
 */
const OPTIONS = {
  /**
   * Brokers to contact first, as host:port (IPv6 as [address]:port): an array, or one comma-separated string. Must
   * not be empty or repeat an entry.
   */
  bootstrapServers: option('list', 'bootstrap.servers', undefined, {
    docDefault: '(required)',
    finish: (list, key) => parseBootstrap(key, list as string[]),
    description:
      'Brokers to contact first, as host:port (IPv6 as [address]:port): an array, or one comma-separated string. Must not be empty or repeat an entry.',
  }),
  /**
   * Name sent to brokers with every request (their logs and quotas). When not set: producer-<transactionalId>, or
   * producer-N from a process-wide counter starting at 1.
   */
  clientId: option('string', 'client.id', '', {
    docDefault: '`producer-N`',
    description:
      'Name sent to brokers with every request (their logs and quotas). When not set: producer-<transactionalId>, or producer-N from a process-wide counter starting at 1.',
  }),
  /**
   * Acknowledgements the partition leader gathers before it answers: 0 none (no answer awaited), 1 the leader
   * alone, all or -1 every in-sync replica. Resolved to 0, 1 or -1.
   */
  acks: option('acks', 'acks', 'all', {
    description:
      'Acknowledgements the partition leader gathers before it answers: 0 none (no answer awaited), 1 the leader alone, all or -1 every in-sync replica. Resolved to 0, 1 or -1.',
  }),
  /** How long a batch that is not full may wait for more records before it is sent (5 since Kafka 4.0, 0 before). */
  lingerMs: option('long', 'linger.ms', 5, {
    min: 0,
    description: 'How long a batch that is not full may wait for more records before it is sent (5 since Kafka 4.0, 0 before).',
  }),
  /**
   * Size in bytes of one partition's batch buffer, and the sticky partitioner's switch threshold. 0 behaves as 1
   * (no batching).
   */
  batchSize: option('int', 'batch.size', 16384, {
    min: 0,
    finish: (n) => Math.max(1, n as number), // Java: max(1, batch.size)
    description:
      "Size in bytes of one partition's batch buffer, and the sticky partitioner's switch threshold. 0 behaves as 1 (no batching).",
  }),
  /** Total bytes of batches waiting to be sent. When it is used up, send() waits up to maxBlockMs for room. */
  bufferMemory: option('long', 'buffer.memory', 33554432, {
    min: 0,
    description: 'Total bytes of batches waiting to be sent. When it is used up, send() waits up to maxBlockMs for room.',
  }),
  /** Longest time send() and partitionsFor() wait for topic metadata or for buffer memory. */
  maxBlockMs: option('long', 'max.block.ms', 60000, {
    min: 0,
    description: 'Longest time send() and partitionsFor() wait for topic metadata or for buffer memory.',
  }),
  /** Largest Produce request in bytes, and so the largest single record accepted. */
  maxRequestSize: option('int', 'max.request.size', 1048576, {
    min: 0,
    description: 'Largest Produce request in bytes, and so the largest single record accepted.',
  }),
  /**
   * How often a failed batch is retried; deliveryTimeoutMs is the real bound. 0 turns idempotence off, or is an
   * error if enableIdempotence was set to true.
   */
  retries: option('int', 'retries', INT_MAX, {
    min: 0,
    description:
      'How often a failed batch is retried; deliveryTimeoutMs is the real bound. 0 turns idempotence off, or is an error if enableIdempotence was set to true.',
  }),
  /**
   * Upper bound from send() to the record's outcome, retries included. Must be at least lingerMs +
   * requestTimeoutMs: an error if set lower, raised to that sum if not set.
   */
  deliveryTimeoutMs: option('int', 'delivery.timeout.ms', 120000, {
    min: 0,
    description:
      "Upper bound from send() to the record's outcome, retries included. Must be at least lingerMs + requestTimeoutMs: an error if set lower, raised to that sum if not set.",
  }),
  /** How long to wait for a broker's answer to one request; also the timeout sent in Produce requests. */
  requestTimeoutMs: option('int', 'request.timeout.ms', 30000, {
    min: 0,
    description: "How long to wait for a broker's answer to one request; also the timeout sent in Produce requests.",
  }),
  /** First wait before a failed request is retried; doubles with each attempt, with random jitter of 20%. */
  retryBackoffMs: option('long', 'retry.backoff.ms', 100, {
    min: 0,
    description: 'First wait before a failed request is retried; doubles with each attempt, with random jitter of 20%.',
  }),
  /** Longest wait between retries. */
  retryBackoffMaxMs: option('long', 'retry.backoff.max.ms', 1000, {
    min: 0,
    description: 'Longest wait between retries.',
  }),
  /**
   * Unanswered requests allowed on one broker connection. At most 5 unless enableIdempotence is set to false; 1
   * keeps strict order per partition without idempotence.
   */
  maxInFlightRequestsPerConnection: option('int', 'max.in.flight.requests.per.connection', 5, {
    min: 1,
    description:
      'Unanswered requests allowed on one broker connection. At most 5 unless enableIdempotence is set to false; 1 keeps strict order per partition without idempotence.',
  }),
  /**
   * Producer id and sequence numbers, so that retries neither duplicate nor reorder records. Needs acks all and
   * retries > 0: when not set, a conflicting acks or retries turns it off; when set to true, the conflict is an
   * error.
   */
  enableIdempotence: option('boolean', 'enable.idempotence', true, {
    description:
      'Producer id and sequence numbers, so that retries neither duplicate nor reorder records. Needs acks all and retries > 0: when not set, a conflicting acks or retries turns it off; when set to true, the conflict is an error.',
  }),
  /** Codec for record batches: none, gzip, snappy, lz4 or zstd. */
  compressionType: option('compression', 'compression.type', 'none', {
    description: 'Codec for record batches: none, gzip, snappy, lz4 or zstd.',
  }),
  /** gzip level: 1 to 9, or -1 for the codec's default. */
  compressionGzipLevel: option('int', 'compression.gzip.level', -1, {
    check: v=>v===-1||v>=1&&v<=9?void 0:"must be between 1 and 9, or -1",
    description: "gzip level: 1 to 9, or -1 for the codec's default.",
  }),
  /** lz4 level: 1 to 17. */
  compressionLz4Level: option('int', 'compression.lz4.level', 9, {
    min: 1,
    max: 17,
    description: 'lz4 level: 1 to 17.',
  }),
  /** zstd level: -131072 to 22. */
  compressionZstdLevel: option('int', 'compression.zstd.level', 3, {
    min: -131072,
    max: 22,
    description: 'zstd level: -131072 to 22.',
  }),
  /**
   * Picks the partition of a record that names none. 'default' is the built-in one (murmur2 of the key bytes;
   * records without a key stick to one partition per batch, adaptively). Also: round-robin, consistent_random,
   * murmur2_random, legacy, or an object with a partition() method. Any other than 'default' turns adaptive
   * partitioning and partitionerIgnoreKeys off.
   */
  partitioner: option('partitioner', 'partitioner.class', 'default', {
    description:
      "Picks the partition of a record that names none. 'default' is the built-in one (murmur2 of the key bytes; records without a key stick to one partition per batch, adaptively). Also: round-robin, consistent_random, murmur2_random, legacy, or an object with a partition() method. Any other than 'default' turns adaptive partitioning and partitionerIgnoreKeys off.",
  }),
  /** Built-in partitioner only: place every record as if it had no key. Ignored with any other partitioner. */
  partitionerIgnoreKeys: option('boolean', 'partitioner.ignore.keys', false, {
    description: 'Built-in partitioner only: place every record as if it had no key. Ignored with any other partitioner.',
  }),
  /**
   * Built-in partitioner only: records without a key go less often to partitions whose brokers are slower to take
   * data. Forced off with any other partitioner.
   */
  partitionerAdaptivePartitioningEnable: option('boolean', 'partitioner.adaptive.partitioning.enable', true, {
    description:
      'Built-in partitioner only: records without a key go less often to partitions whose brokers are slower to take data. Forced off with any other partitioner.',
  }),
  /**
   * Built-in adaptive partitioning: skip a partition whose leader has had ready data it could not take for this
   * long. 0: never skip.
   */
  partitionerAvailabilityTimeoutMs: option('long', 'partitioner.availability.timeout.ms', 0, {
    min: 0,
    description:
      'Built-in adaptive partitioning: skip a partition whose leader has had ready data it could not take for this long. 0: never skip.',
  }),
  /** Cluster metadata is refreshed at least this often, even when nothing failed. */
  metadataMaxAgeMs: option('long', 'metadata.max.age.ms', 300000, {
    min: 0,
    description: 'Cluster metadata is refreshed at least this often, even when nothing failed.',
  }),
  /** A topic not written to for this long leaves the producer's metadata. At least 5000. */
  metadataMaxIdleMs: option('long', 'metadata.max.idle.ms', 300000, {
    min: 5000,
    description: "A topic not written to for this long leaves the producer's metadata. At least 5000.",
  }),
  /** Connections idle for this long are closed. Negative: never (Java sets no lower bound here either). */
  connectionsMaxIdleMs: option('long', 'connections.max.idle.ms', 540000, {
    description: 'Connections idle for this long are closed. Negative: never (Java sets no lower bound here either).',
  }),
  /**
   * First wait before reconnecting to a broker; it grows exponentially up to reconnectBackoffMaxMs. Set without
   * reconnectBackoffMaxMs, it is also the maximum.
   */
  reconnectBackoffMs: option('long', 'reconnect.backoff.ms', 50, {
    min: 0,
    description:
      'First wait before reconnecting to a broker; it grows exponentially up to reconnectBackoffMaxMs. Set without reconnectBackoffMaxMs, it is also the maximum.',
  }),
  /** Longest wait before reconnecting to a broker. */
  reconnectBackoffMaxMs: option('long', 'reconnect.backoff.max.ms', 1000, {
    min: 0,
    description: 'Longest wait before reconnecting to a broker.',
  }),
  /** How long one attempt to open a connection (TCP, and TLS when on) may take. */
  socketConnectionSetupTimeoutMs: option('long', 'socket.connection.setup.timeout.ms', 10000, {
    min: 0,
    description: 'How long one attempt to open a connection (TCP, and TLS when on) may take.',
  }),
  /**
   * Makes the producer transactional: records are sent inside transactions (initTransactions(), beginTransaction(),
   * commitTransaction(), abortTransaction()). A producer started later with the same id fences this one. Requires
   * idempotence.
   */
  transactionalId: option('nullableString', 'transactional.id', null, {
    description:
      'Makes the producer transactional: records are sent inside transactions (initTransactions(), beginTransaction(), commitTransaction(), abortTransaction()). A producer started later with the same id fences this one. Requires idempotence.',
  }),
  /** How long a transaction may stay open before the coordinator aborts it (at most the broker's transaction.max.timeout.ms). */
  transactionTimeoutMs: option('int', 'transaction.timeout.ms', 60000, {
    min: 0,
    description: "How long a transaction may stay open before the coordinator aborts it (at most the broker's transaction.max.timeout.ms).",
  }),
  /**
   * Turns keys into bytes: an object with a serialize(topic, data) method. Default: Buffer and Uint8Array as they
   * are, strings as UTF-8, null as null.
   */
  keySerializer: option('keySerializer', 'key.serializer', null, {
    docDefault: 'bytes',
    finish: (s) => s ?? defaultSerializer(),
    description:
      'Turns keys into bytes: an object with a serialize(topic, data) method. Default: Buffer and Uint8Array as they are, strings as UTF-8, null as null.',
  }),
  /** Turns values into bytes, like keySerializer. */
  valueSerializer: option('valueSerializer', 'value.serializer', null, {
    docDefault: 'bytes',
    finish: (s) => s ?? defaultSerializer(),
    description: 'Turns values into bytes, like keySerializer.',
  }),
  /**
   * TLS: true for Node's defaults, or tls.ConnectionOptions: ca to trust a private CA; cert and key (PEM), or pfx
   * (PKCS#12) with passphrase, for mutual TLS. kafka-wire only: the Java properties security.protocol and ssl.* are
   * translated into it (trust stores as PEM only; key stores as PKCS12 or PEM).
   */
  ssl: option('tls', null, null, {
    docDefault: 'off',
    description:
      "TLS: true for Node's defaults, or tls.ConnectionOptions: ca to trust a private CA; cert and key (PEM), or pfx (PKCS#12) with passphrase, for mutual TLS. kafka-wire only: the Java properties security.protocol and ssl.* are translated into it (trust stores as PEM only; key stores as PKCS12 or PEM).",
  }),
  /**
   * SASL authentication: { mechanism, username, password } for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; { mechanism:
   * 'OAUTHBEARER', oauthBearerProvider } with an async function returning { value, lifetimeMs?, principal?,
   * extensions? }, or { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl, clientId, clientSecret, scope?,
   * extensions? } } for the built-in OIDC client-credentials client. Mechanism names in any case. Sessions the
   * broker limits (connections.max.reauth.ms) are re-authenticated on the same connection. kafka-wire only: the Java
   * properties sasl.mechanism, sasl.jaas.config and sasl.oauthbearer.* are translated into it (not GSSAPI, nor
   * unsecured OAUTHBEARER tokens).
   */
  sasl: option('sasl', null, null, {
    docDefault: 'off',
    description:
      "SASL authentication: { mechanism, username, password } for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; { mechanism: 'OAUTHBEARER', oauthBearerProvider } with an async function returning { value, lifetimeMs?, principal?, extensions? }, or { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl, clientId, clientSecret, scope?, extensions? } } for the built-in OIDC client-credentials client. Mechanism names in any case. Sessions the broker limits (connections.max.reauth.ms) are re-authenticated on the same connection. kafka-wire only: the Java properties sasl.mechanism, sasl.jaas.config and sasl.oauthbearer.* are translated into it (not GSSAPI, nor unsecured OAUTHBEARER tokens).",
  }),
  /** OAUTHBEARER: a token is refreshed once this fraction of its lifetime has passed (0.5 to 1.0). */
  saslLoginRefreshWindowFactor: option('double', 'sasl.login.refresh.window.factor', 0.8, {
    min: 0.5,
    max: 1.0,
    description: 'OAUTHBEARER: a token is refreshed once this fraction of its lifetime has passed (0.5 to 1.0).',
  }),
  /** OAUTHBEARER: up to this fraction of the lifetime is added at random to the refresh time (0 to 0.25). */
  saslLoginRefreshWindowJitter: option('double', 'sasl.login.refresh.window.jitter', 0.05, {
    min: 0,
    max: 0.25,
    description: 'OAUTHBEARER: up to this fraction of the lifetime is added at random to the refresh time (0 to 0.25).',
  }),
  /** OAUTHBEARER: the shortest time between two refreshes, in seconds (0 to 900). */
  saslLoginRefreshMinPeriodSeconds: option('int', 'sasl.login.refresh.min.period.seconds', 60, {
    min: 0,
    max: 900,
    description: 'OAUTHBEARER: the shortest time between two refreshes, in seconds (0 to 900).',
  }),
  /** OAUTHBEARER: how long before expiry a refresh should happen at the latest, in seconds (0 to 3600). */
  saslLoginRefreshBufferSeconds: option('int', 'sasl.login.refresh.buffer.seconds', 300, {
    min: 0,
    max: 3600,
    description: 'OAUTHBEARER: how long before expiry a refresh should happen at the latest, in seconds (0 to 3600).',
  }),
  /** OAUTHBEARER: first wait after a failed token fetch; doubles per failure up to saslLoginRetryBackoffMaxMs. */
  saslLoginRetryBackoffMs: option('long', 'sasl.login.retry.backoff.ms', 100, {
    min: 0,
    description: 'OAUTHBEARER: first wait after a failed token fetch; doubles per failure up to saslLoginRetryBackoffMaxMs.',
  }),
  /** OAUTHBEARER with oidc: how long connecting to the token endpoint may take (Java: no limit by default). */
  saslLoginConnectTimeoutMs: option('int', 'sasl.login.connect.timeout.ms', 10000, {
    min: 1,
    docDefault: '`10000` (Java: none)',
    description: 'OAUTHBEARER with oidc: how long connecting to the token endpoint may take (Java: no limit by default).',
  }),
  /** OAUTHBEARER with oidc: how long the token endpoint may take to answer (Java: no limit by default). */
  saslLoginReadTimeoutMs: option('int', 'sasl.login.read.timeout.ms', 10000, {
    min: 1,
    docDefault: '`10000` (Java: none)',
    description: 'OAUTHBEARER with oidc: how long the token endpoint may take to answer (Java: no limit by default).',
  }),
  /** OAUTHBEARER: longest wait between token fetch attempts. */
  saslLoginRetryBackoffMaxMs: option('long', 'sasl.login.retry.backoff.max.ms', 10000, {
    min: 0,
    description: 'OAUTHBEARER: longest wait between token fetch attempts.',
  }),
  /**
   * Where the producer logs: an object shaped like pino's logger, with debug, info, warn and error methods called as
   * (fields, message); child({ clientId }) is used when present. Unreachable or refusing brokers are warn, metadata
   * changes and retries debug, fatal errors error. kafka-wire only (Java: its logging framework).
   */
  logger: option('logger', null, null, {
    docDefault: 'silent',
    description:
      "Where the producer logs: an object shaped like pino's logger, with debug, info, warn and error methods called as (fields, message); child({ clientId }) is used when present. Unreachable or refusing brokers are warn, metadata changes and retries debug, fatal errors error. kafka-wire only (Java: its logging framework).",
  }),
  /**
   * Producer interceptors, as Java's ProducerInterceptor: [{ onSend?(record), onAcknowledgement?(metadata, error) }].
   * onSend runs in send() before serialization and may return a replacement record; onAcknowledgement runs for
   * every record's outcome, before its callback or promise. One that throws is skipped and reported (logger, else a
   * process warning). kafka-wire only (Java: interceptor.classes).
   */
  interceptors: option('interceptors', null, null, {
    docDefault: 'none',
    description:
      'Producer interceptors, as Java\'s ProducerInterceptor: [{ onSend?(record), onAcknowledgement?(metadata, error) }]. onSend runs in send() before serialization and may return a replacement record; onAcknowledgement runs for every record\'s outcome, before its callback or promise. One that throws is skipped and reported (logger, else a process warning). kafka-wire only (Java: interceptor.classes).',
  }),
};

/** OPTIONS as a list, each entry with its name. */
type Definition = ConfigDefinition & Pick<OptionSpec, 'finish'>;
const DEFS: readonly Definition[] = Object.freeze(
  (Object.keys(OPTIONS) as ConfigName[]).map((name): Definition => Object.freeze({ name, ...OPTIONS[name] })),
);

export const CONFIG_DEFS: ReadonlyArray<ConfigDefinition> = DEFS;

/** Every accepted key (camelCase and Java) to its definition. A Map, so '__proto__' and friends are plain misses. */
const BY_KEY: ReadonlyMap<string, Definition> = new Map(
  DEFS.flatMap((d): [string, Definition][] => (d.javaName === null ? [[d.name, d]] : [[d.name, d], [d.javaName, d]])),
);

// The Java client numbers producers from 1 per JVM (ProducerConfig's PRODUCER_CLIENT_ID_SEQUENCE);
// here per module instance. Only a successful resolveConfig without a client id takes a number.
let clientIdSequence = 1;

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
  const r = new Resolution(readOptions(options));
  for (const step of RESOLUTION_STEPS) step(r);
  // One property per OPTIONS entry, each brought to its ProducerConfig type by the steps.
  return Object.freeze(r.values) as ProducerConfig<K, V>;
}

interface GivenValue {
  /** The key it came under, as the user spelled it. */
  readonly key: string;
  /** Checked and converted. */
  readonly value: unknown;
}

/** Each key to its option; the value checked and converted (Java: ConfigDef.parse). */
function readOptions(options: object): Map<ConfigName, GivenValue> {
  const given = new Map<ConfigName, GivenValue>();
  // The Java security properties (security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config, ...)
  // stand for the ssl and sasl options: translated first, then given under the property's name.
  const security = javaSecurityOptions(options);
  for (const name of ['ssl', 'sasl'] as const) {
    const t = security[name];
    if (t !== undefined) given.set(name, { key: t.key, value: convert(BY_KEY.get(name)!, t.key, t.value, false) });
  }
  for (const key of Object.keys(options)) {
    if (security.consumed.has(key)) continue;
    const d = BY_KEY.get(key);
    if (d === undefined) throw unknownOption(key);
    const raw = (options as Record<string, unknown>)[key];
    if (raw === undefined) continue; // present but undefined: not set, as with `{ ...defaults, x: undefined }`
    const value = convert(d, key, raw, key === d.javaName);
    const earlier = given.get(d.name);
    if (earlier === undefined) {
      given.set(d.name, { key, value });
    } else if (!sameValue(earlier.value, value)) {
      throw new ConfigError(
        `Options '${earlier.key}' and '${key}' are the same option and were given different values (${describe(
          (options as Record<string, unknown>)[earlier.key],
        )} and ${describe(raw)}).`,
        { option: key },
      );
    }
  }
  return given;
}

/** resolveConfig's state: what the user set, and every option's value so far. */
class Resolution {
  /** Per option: the given value, else the default, both converted; the steps make it final. */
  readonly values = {} as Record<ConfigName, unknown>;

  constructor(private readonly given: ReadonlyMap<ConfigName, GivenValue>) {
    for (const d of DEFS) {
      const g = given.get(d.name);
      this.values[d.name] = g !== undefined ? g.value : d.default === undefined ? undefined : convert(d, d.name, d.default, false);
    }
  }

  isSet(name: ConfigName): boolean {
    return this.given.has(name);
  }

  /** The option as the user spelled it, for messages; its name when not given. */
  keyOf(name: ConfigName): string {
    return this.given.get(name)?.key ?? name;
  }
}

/**
 * What resolveConfig does after reading the options, in this order (which decides the error
 * a config with several faults gets): the rules between options, then each option's own
 * finish step, then the client id.
 */
const RESOLUTION_STEPS: ReadonlyArray<(r: Resolution) => void> = [
  requiredOptions,
  reconnectBackoffAloneIsAlsoMax,
  idempotenceNeedsAcksAllAndRetries,
  transactionalIdNeedsIdempotence,
  deliveryTimeoutCoversLingerAndRequest,
  customPartitionerDisablesBuiltInOptions,
  finishEachOption,
  clientIdWhenNotSet,
];

function requiredOptions(r: Resolution): void {
  for (const d of DEFS) {
    if (d.default === undefined && !r.isSet(d.name)) {
      const java = d.javaName === null ? '' : ` ('${d.javaName}')`;
      throw new ConfigError(`Option '${d.name}'${java} is required.`, { option: d.name });
    }
  }
}

/** reconnect.backoff.ms set alone is also the maximum: no exponential growth (CommonClientConfigs.postProcessReconnectBackoffConfigs). */
function reconnectBackoffAloneIsAlsoMax(r: Resolution): void {
  if (r.isSet('reconnectBackoffMs') && !r.isSet('reconnectBackoffMaxMs')) r.values.reconnectBackoffMaxMs = r.values.reconnectBackoffMs;
}

/**
 * ProducerConfig.postProcessAndValidateIdempotenceConfigs, 4.x. When enable.idempotence is
 * true -- set so, or by default -- then:
 * - retries = 0 or acks != all: a ConfigException if the user set enable.idempotence, else
 *   idempotence is turned off silently (Java logs it);
 * - max.in.flight > 5: always a ConfigException. In 4.x this check sits in the same block
 *   and runs after the two above have only *marked* idempotence for disabling (the flag is
 *   applied after the block), so acks=1 + max.in.flight=10 without an explicit
 *   enable.idempotence=false fails, although idempotence would have ended up off. 3.x
 *   turned idempotence off instead. We reproduce 4.x.
 */
function idempotenceNeedsAcksAllAndRetries(r: Resolution): void {
  const v = r.values;
  if (v.enableIdempotence !== true) return;
  const idempotenceSet = r.isSet('enableIdempotence');
  const acks = v.acks as Acks;
  const maxInFlight = v.maxInFlightRequestsPerConnection as number;
  let disable = false;
  if (v.retries === 0) {
    if (idempotenceSet) {
      throw new ConfigError(
        `Option '${r.keyOf('retries')}' must not be 0 when '${r.keyOf('enableIdempotence')}' is true (the idempotent producer needs retries).`,
        { option: r.keyOf('retries') },
      );
    }
    disable = true;
  }
  if (acks !== -1) {
    if (idempotenceSet) {
      throw new ConfigError(
        `Option '${r.keyOf('acks')}' must be 'all' (-1) when '${r.keyOf('enableIdempotence')}' is true; got ${acks}. Otherwise idempotence cannot be guaranteed.`,
        { option: r.keyOf('acks') },
      );
    }
    disable = true;
  }
  if (maxInFlight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
    const why = idempotenceSet
      ? `'${r.keyOf('enableIdempotence')}' is true`
      : `'enableIdempotence' is true by default (set it to false explicitly to allow more; as in the Java client 4.x, this holds even when acks or retries would turn idempotence off)`;
    throw new ConfigError(
      `Option '${r.keyOf('maxInFlightRequestsPerConnection')}' must be at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} because ${why}; got ${maxInFlight}.`,
      { option: r.keyOf('maxInFlightRequestsPerConnection') },
    );
  }
  if (disable) v.enableIdempotence = false;
}

/**
 * transactional.id: Java requires idempotence with it (checked after the above, since
 * idempotence may just have been turned off by acks or retries).
 */
function transactionalIdNeedsIdempotence(r: Resolution): void {
  const transactionalId = r.values.transactionalId as string | null;
  if (transactionalId === null) return;
  const key = r.keyOf('transactionalId');
  if (transactionalId === '') {
    throw new ConfigError(`Option '${key}' must be a non-empty string or null.`, { option: key });
  }
  if (r.values.enableIdempotence !== true) {
    throw new ConfigError(`Option '${key}' cannot be set without also enabling idempotence.`, { option: key });
  }
}

/** delivery.timeout.ms >= linger.ms + request.timeout.ms (KafkaProducer.configureDeliveryTimeout; linger capped at int max, and the sum too). */
function deliveryTimeoutCoversLingerAndRequest(r: Resolution): void {
  const v = r.values;
  const lingerAndRequestTimeout = Math.min(Math.min(v.lingerMs as number, INT_MAX) + (v.requestTimeoutMs as number), INT_MAX);
  const deliveryTimeoutMs = v.deliveryTimeoutMs as number;
  if (deliveryTimeoutMs >= lingerAndRequestTimeout) return;
  if (r.isSet('deliveryTimeoutMs')) {
    throw new ConfigError(
      `Option '${r.keyOf('deliveryTimeoutMs')}' must be at least lingerMs + requestTimeoutMs = ${lingerAndRequestTimeout}; got ${deliveryTimeoutMs}.`,
      { option: r.keyOf('deliveryTimeoutMs') },
    );
  }
  v.deliveryTimeoutMs = lingerAndRequestTimeout; // Java logs a warning and raises the default
}

/**
 * Java enables adaptive partitioning only when partitioner.class is null (the built-in
 * partitioner), and consults partitioner.ignore.keys only there. Our other built-in names
 * stand for partitioner.class values, so they count as custom.
 */
function customPartitionerDisablesBuiltInOptions(r: Resolution): void {
  const v = r.values;
  const builtIn = v.partitioner === 'default';
  v.partitionerIgnoreKeys = builtIn && (v.partitionerIgnoreKeys as boolean);
  v.partitionerAdaptivePartitioningEnable = builtIn && (v.partitionerAdaptivePartitioningEnable as boolean);
}

function finishEachOption(r: Resolution): void {
  for (const d of DEFS) {
    if (d.finish !== undefined) r.values[d.name] = d.finish(r.values[d.name], r.keyOf(d.name));
  }
}

/**
 * Last (Java: maybeOverrideClientId), so a refused config takes no number. A client.id
 * the user set is kept as is, even ''.
 */
function clientIdWhenNotSet(r: Resolution): void {
  if (!r.isSet('clientId')) r.values.clientId = `producer-${clientIdSequence++}`;
}

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
  // The Java security properties (java-security.ts) have no definition here but are accepted too.
  let security: string | undefined;
  if (key.includes('.')) {
    for (const name of JAVA_SECURITY_PROPERTIES) {
      const n = normalizeName(name);
      const dist = levenshtein(k, n);
      if (dist <= 3 && dist < Math.min(k.length, n.length) && dist < bestDistance) {
        security = name;
        bestDistance = dist;
      }
    }
  }
  if (security !== undefined) return security;
  if (best === undefined) return undefined;
  return key.includes('.') && best.javaName !== null ? best.javaName : best.name;
}

function unknownOption(key: string): ConfigError {
  const suggestion = suggestFor(key);
  let hint = '';
  if (suggestion !== undefined) hint = ` Did you mean '${suggestion}'?`;
  // The Java security properties kafka-wire translates never get here (java-security.ts); these are the others.
  else if (key.startsWith('ssl.')) hint = " kafka-wire does not take this Java TLS property; the 'ssl' option takes Node's tls.ConnectionOptions.";
  else if (key.startsWith('sasl.')) hint = " kafka-wire does not take this Java SASL property; see the 'sasl' option.";
  return new ConfigError(`Unknown producer option '${key}'.${hint}`, { option: key });
}


// ---------------------------------------------------------------------------------------
// Conversion and per-option checks (Java's ConfigDef.parseType plus the validators)

const BOOTSTRAP_EXPECTED = 'an array of "host:port" strings, or one comma-separated string';

/** Per ConfigValueType: a valid value in words, and the check and conversion of a given value (never null here). */
const PARSERS: {
  readonly [T in ConfigValueType]: {
    readonly expected: string;
    readonly parse: (d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean) => unknown;
  };
} = {
  int: { expected: 'an integer (Java int)', parse: toInteger },
  long: { expected: 'an integer (Java long)', parse: toInteger },
  double: { expected: 'a number', parse: toDouble },
  boolean: { expected: 'a boolean', parse: (_d, key, raw, javaStyle) => toBoolean(key, raw, javaStyle) },
  string: { expected: 'a string', parse: toStringValue },
  acks: { expected: "one of 'all', -1, 0, 1", parse: (_d, key, raw) => toAcks(key, raw) },
  compression: { expected: `one of ${COMPRESSION_NAMES.join(', ')}`, parse: toCompression },
  list: { expected: BOOTSTRAP_EXPECTED, parse: (_d, key, raw) => toBootstrapList(key, raw) }, // the same under both names
  partitioner: {
    expected: 'a built-in partitioner name or an object with a partition() method',
    parse: (_d, key, raw, javaStyle) => toPartitioner(key, raw, javaStyle),
  },
  serializer: { expected: 'an object with a serialize(topic, data) method', parse: (_d, key, raw) => toSerializer(key, raw) },
  tls: { expected: 'a boolean or a tls.ConnectionOptions object', parse: (_d, key, raw) => toTls(key, raw) },
  sasl: {
    expected: "an object { mechanism, username, password }, or { mechanism: 'OAUTHBEARER', oauthBearerProvider } or { mechanism: 'OAUTHBEARER', oidc }",
    parse: (_d, key, raw) => toSasl(key, raw),
  },
  logger: { expected: 'an object with debug, info, warn and error methods', parse: (_d, key, raw) => toLogger(key, raw) },
  interceptors: { expected: 'an array of objects with onSend and/or onAcknowledgement methods', parse: (_d, key, raw) => toInterceptors(key, raw) },
};

/** Checks one value and converts it to its resolved type. `javaStyle`: given under the Java name. */
function convert(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): unknown {
  const parser = PARSERS[d.type];
  if (raw === null && !d.nullable) throw typeError(key, parser.expected, raw);
  return parser.parse(d, key, raw, javaStyle);
}

const INTEGER_STRING = /^[+-]?\d+$/;

function toInteger(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): number {
  const isInt = d.type === 'int';
  const expected = PARSERS[d.type].expected;
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

const NUMBER_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toDouble(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): number {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (javaStyle && typeof raw === 'string' && NUMBER_STRING.test(raw.trim())) n = Number(raw.trim());
  else throw typeError(key, javaStyle ? 'a number, or a string of one' : 'a number', raw);
  if (!Number.isFinite(n)) throw typeError(key, 'a finite number', raw);
  if (d.min !== undefined && d.max !== undefined && (n < d.min || n > d.max)) throw rangeError(key, `must be between ${d.min} and ${d.max}`, n);
  if (d.min !== undefined && n < d.min) throw rangeError(key, `must be at least ${d.min}`, n);
  if (d.max !== undefined && n > d.max) throw rangeError(key, `must be at most ${d.max}`, n);
  return n;
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

function toStringValue(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): string | null {
  if (raw === null) return null;
  if (typeof raw !== 'string') throw typeError(key, d.nullable ? 'a string or null' : 'a string', raw);
  return javaStyle ? raw.trim() : raw;
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

function toCompression(d: ConfigDefinition, key: string, raw: unknown, javaStyle: boolean): CompressionName {
  if (typeof raw !== 'string') throw typeError(key, PARSERS[d.type].expected, raw);
  const s = javaStyle ? raw.trim() : raw;
  if (!(COMPRESSION_NAMES as readonly string[]).includes(s)) {
    throw rangeError(key, `must be one of ${COMPRESSION_NAMES.join(', ')}`, JSON.stringify(raw));
  }
  return s as CompressionName;
}

function toBootstrapList(key: string, raw: unknown): string[] {
  let items: unknown[];
  if (typeof raw === 'string') items = raw.trim() === '' ? [] : raw.split(',');
  else if (Array.isArray(raw)) items = raw;
  else throw typeError(key, BOOTSTRAP_EXPECTED, raw);
  return items.map((item) => {
    if (typeof item !== 'string') throw typeError(key, BOOTSTRAP_EXPECTED, item);
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

function toSasl(key: string, raw: unknown): ResolvedSaslOptions | null {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw typeError(key, PARSERS.sasl.expected, raw);
  }
  const s = raw as Record<string, unknown>;
  // kafkajs users write 'scram-sha-512': names are matched without regard to case.
  const mechanism = typeof s.mechanism === 'string' ? SASL_MECHANISMS.find((m) => m === (s.mechanism as string).toUpperCase()) : undefined;
  if (mechanism === undefined) {
    throw new ConfigError(
      `Option '${key}.mechanism' must be one of ${SASL_MECHANISMS.map((m) => `'${m}'`).join(', ')} (in any case); got ${describe(s.mechanism)}.`,
      { option: key },
    );
  }
  if (mechanism === 'OAUTHBEARER') return toOAuthBearer(key, s);
  for (const field of ['username', 'password'] as const) {
    if (typeof s[field] !== 'string') {
      throw new ConfigError(`Option '${key}.${field}' must be a string; got ${describe(s[field])}.`, { option: key });
    }
  }
  return Object.freeze({ mechanism, username: s.username as string, password: s.password as string });
}

function toOAuthBearer(key: string, s: Record<string, unknown>): ResolvedSaslOptions {
  const provider = s.oauthBearerProvider;
  const oidc = s.oidc;
  if ((provider === undefined) === (oidc === undefined)) {
    throw new ConfigError(`Option '${key}' with mechanism OAUTHBEARER needs exactly one of 'oauthBearerProvider' (a function) and 'oidc' (the OIDC client settings).`, {
      option: key,
    });
  }
  if (provider !== undefined) {
    if (typeof provider !== 'function') {
      throw new ConfigError(`Option '${key}.oauthBearerProvider' must be a function returning { value, lifetimeMs? }; got ${describe(provider)}.`, { option: key });
    }
    return Object.freeze({ mechanism: 'OAUTHBEARER', oauthBearerProvider: provider as OAuthBearerProvider });
  }
  if (typeof oidc !== 'object' || oidc === null || Array.isArray(oidc)) {
    throw new ConfigError(`Option '${key}.oidc' must be an object { tokenEndpointUrl, clientId, clientSecret, scope?, extensions? }; got ${describe(oidc)}.`, { option: key });
  }
  const o = oidc as Record<string, unknown>;
  for (const field of ['tokenEndpointUrl', 'clientId', 'clientSecret'] as const) {
    if (typeof o[field] !== 'string' || (o[field] as string).length === 0) {
      throw new ConfigError(`Option '${key}.oidc.${field}' must be a non-empty string; got ${field === 'clientSecret' ? `a value of type ${typeof o[field]}` : describe(o[field])}.`, {
        option: key,
      });
    }
  }
  let url: URL | null = null;
  try {
    url = new URL(o.tokenEndpointUrl as string);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    const given = typeof o.tokenEndpointUrl === 'string' ? urlForMessages(o.tokenEndpointUrl) : o.tokenEndpointUrl;
    throw new ConfigError(`Option '${key}.oidc.tokenEndpointUrl' must be an http or https URL; got ${describe(given)}.`, { option: key });
  }
  if (o.scope !== undefined && typeof o.scope !== 'string') {
    throw new ConfigError(`Option '${key}.oidc.scope' must be a string; got ${describe(o.scope)}.`, { option: key });
  }
  if (o.extensions !== undefined && (typeof o.extensions !== 'object' || o.extensions === null || Array.isArray(o.extensions))) {
    throw new ConfigError(`Option '${key}.oidc.extensions' must be an object of strings; got ${describe(o.extensions)}.`, { option: key });
  }
  return Object.freeze({ mechanism: 'OAUTHBEARER', oidc: Object.freeze({ ...(o as unknown as OidcClientCredentials) }) });
}

function toInterceptors(key: string, raw: unknown): readonly ProducerInterceptor[] | null {
  if (raw === null) return null;
  const expected = 'an array of objects with onSend and/or onAcknowledgement methods';
  if (!Array.isArray(raw)) throw typeError(key, expected, raw);
  raw.forEach((it: unknown, i) => {
    const ok =
      typeof it === 'object' &&
      it !== null &&
      ['onSend', 'onAcknowledgement'].every((m) => (it as Record<string, unknown>)[m] === undefined || typeof (it as Record<string, unknown>)[m] === 'function');
    if (!ok) throw typeError(key, `${expected}, whose onSend and onAcknowledgement, if present, are functions (element ${i} is not)`, it);
  });
  return raw.length === 0 ? null : Object.freeze(raw.slice() as ProducerInterceptor[]);
}

function toLogger(key: string, raw: unknown): Logger | null {
  if (raw === null) return null;
  if (isLogger(raw)) return raw;
  throw typeError(key, 'an object with debug, info, warn and error methods (a pino-style logger)', raw);
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
  for (const d of DEFS) {
    const java = d.javaName === null ? '—' : `\`${d.javaName}\``;
    lines.push(`| \`${d.name}\` | ${java} | ${cell(docDefault(d))} | ${cell(d.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
