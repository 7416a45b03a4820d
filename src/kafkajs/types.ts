/**
 * The shapes the kafkajs facade takes and returns, written from kafkajs's documented API.
 */
import type { ConnectionOptions } from 'node:tls';
import type { CompressionTypes, logLevel } from './constants';

export type BrokersFunction = () => string[] | Promise<string[]>;

/** PLAIN and SCRAM. */
export interface PasswordSASLOptions {
  /** plain, scram-sha-256 or scram-sha-512 (any case). */
  mechanism: string;
  username: string;
  password: string;
}

/** What kafkajs's oauthBearerProvider returns; kafka-wire also reads lifetimeMs, principal and extensions when present. */
export interface OauthbearerProviderResponse {
  value: string;
  lifetimeMs?: number;
  principal?: string;
  extensions?: Readonly<Record<string, string>>;
}

/** OAUTHBEARER as kafkajs takes it: a function that fetches a token, called when a token is due. */
export interface OAuthBearerSASLOptions {
  mechanism: 'oauthbearer' | 'OAUTHBEARER';
  oauthBearerProvider: () => Promise<OauthbearerProviderResponse>;
}

export type SASLOptions = PasswordSASLOptions | OAuthBearerSASLOptions;

/**
 * kafkajs's retry settings. They set kafka-wire's retry backoff and retries (below), and
 * kafkajs's retry budget: the sum of the waits kafkajs's retrier would make (its defaults where
 * not given: 300 ms doubling, 5 retries, 9.3 s) plus one connectionTimeout, which bounds
 * connect() and, with allowAutoTopicCreation: false, the wait for a missing topic.
 */
export interface RetryOptions {
  /** Longest wait between two retries, ms (kafka-wire's retryBackoffMaxMs). */
  maxRetryTime?: number;
  /** First wait before a retry, ms (kafka-wire's retryBackoffMs). */
  initialRetryTime?: number;
  /** Accepted, not used: the backoff has 20% jitter, as in the Java client. */
  factor?: number;
  /** Used for the retry budget only: kafka-wire's backoff doubles, as in the Java client. */
  multiplier?: number;
  /** How often a batch is retried (kafka-wire's retries); delivery.timeout.ms still bounds it. Also the retry budget's count (5 when not given). */
  retries?: number;
  /** Accepted, not used. */
  restartOnFailure?: (e: Error) => Promise<boolean>;
}

export interface LogEntry {
  namespace: string;
  level: logLevel;
  label: string;
  log: { timestamp: string; message: string; [key: string]: unknown };
}

export type LogCreator = (level: logLevel) => (entry: LogEntry) => void;

export interface KafkaConfig {
  brokers: string[] | string | BrokersFunction;
  clientId?: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  /** Connection setup timeout, ms (kafka-wire's socketConnectionSetupTimeoutMs); also part of the retry budget (1000 when not given, as kafkajs). */
  connectionTimeout?: number;
  /** Accepted, not used: authentication is bounded by the request timeout. */
  authenticationTimeout?: number;
  /** Accepted, not used. */
  reauthenticationThreshold?: number;
  /** kafka-wire's requestTimeoutMs. */
  requestTimeout?: number;
  /** Accepted, not used: request timeouts are always enforced. */
  enforceRequestTimeout?: boolean;
  retry?: RetryOptions;
  /** Not supported: a value other than undefined throws. */
  socketFactory?: unknown;
  logLevel?: logLevel;
  logCreator?: LogCreator;
}

/** One partition as a custom partitioner sees it. */
export interface PartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas?: number[];
  leaderEpoch?: number;
}

export interface PartitionerArgs {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  message: Message;
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number;

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner;
  retry?: RetryOptions;
  /** kafka-wire's metadataMaxAgeMs. */
  metadataMaxAge?: number;
  /**
   * Whether Metadata requests ask the broker to create missing topics (default true; the
   * broker's auto.create.topics.enable decides). With false, a send to a missing topic rejects
   * with KafkaJSNumberOfRetriesExceeded (originalError: UNKNOWN_TOPIC_OR_PARTITION) once
   * kafkajs's retry budget has passed, sending nothing.
   */
  allowAutoTopicCreation?: boolean;
  /** kafka-wire's enableIdempotence; when not given, kafka-wire's (Java's) default applies: on. */
  idempotent?: boolean;
  transactionalId?: string;
  /** kafka-wire's transactionTimeoutMs. */
  transactionTimeout?: number;
  /** kafka-wire's maxInFlightRequestsPerConnection. */
  maxInFlightRequests?: number;
  /**
   * Not in kafkajs: the producer's codec, fixed when its kafka-wire producer is made. Without it
   * the first send's `compression` decides (a transactional producer, made at connect(): none).
   */
  compression?: CompressionTypes;
}

export type IHeaders = { [key: string]: Buffer | string | (Buffer | string)[] | undefined };

export interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: IHeaders;
  /** Create time, ms since the epoch (a string, as kafkajs takes it, or a number). */
  timestamp?: string | number;
}

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  acks?: number;
  timeout?: number;
  compression?: CompressionTypes;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

export interface ProducerBatch {
  acks?: number;
  timeout?: number;
  compression?: CompressionTypes;
  topicMessages?: TopicMessages[];
}

/** One partition written by a send(): offsets as decimal strings, as kafkajs gives them. */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** The lowest offset of this call's messages in the partition ('-1' with acks 0). */
  baseOffset?: string;
  /** Always '-1': kafka-wire does not tell LogAppendTime apart from create time. */
  logAppendTime?: string;
  /** Always '-1': kafka-wire does not report it. */
  logStartOffset?: string;
}

export interface TopicOffsets {
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export interface Offsets {
  topics: TopicOffsets[];
}

export interface InstrumentationEvent<T> {
  id: number;
  type: string;
  timestamp: number;
  payload: T;
}

/** The payload of producer.network.request_timeout: a request that got no answer within the request timeout. */
export interface RequestTimeoutEventPayload {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  /** The broker's host:port. */
  broker: string;
  clientId: string;
  correlationId: number;
  /** When the request was made, ms since the epoch. */
  createdAt: number;
  /** When it was written. */
  sentAt: number;
  /** sentAt - createdAt: 0, unless a re-authentication held the request. */
  pendingDuration: number;
}

/** The payload of producer.network.request: a request answered (or written, when no answer is expected: acks 0). */
export interface RequestEventPayload extends RequestTimeoutEventPayload {
  /** From sentAt to the answer, ms. */
  duration: number;
  /** Bytes of the answer (without its size prefix); 0 when none is expected. */
  size: number;
}

export type RemoveInstrumentationEventListener = () => void;
