/**
 * The error classes kafkajs applications catch, by kafkajs's names, and the one function that
 * turns a kafka-wire error into one of them (toKafkaJSError). Every mapped error keeps the
 * kafka-wire error it came from as `cause`.
 *
 * Classes and flags follow kafkajs's documented behaviour: KafkaJSError is retriable unless
 * told otherwise, KafkaJSNonRetriableError and its subclasses never are, and a protocol error
 * carries Kafka's error name as `type` and its number as `code`.
 */
import {
  BrokerError,
  ConnectionError,
  KafkaError,
  NoCommonVersionError,
  RecordTooLargeError,
  SaslAuthenticationError,
  TimeoutError,
  BufferExhaustedError,
} from '../protocol/errors';
import { ErrorCode } from '../protocol/errors';

function named(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

export interface KafkaJSErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

/** The base of every facade error. Retriable unless `retriable: false` is given. */
export class KafkaJSError extends Error {
  static {
    named(this, 'KafkaJSError');
  }
  readonly retriable: boolean;
  readonly helpUrl?: string;

  constructor(error: string | Error, options: KafkaJSErrorOptions = {}) {
    super(typeof error === 'string' ? error : error.message, 'cause' in options ? { cause: options.cause } : undefined);
    this.retriable = options.retriable ?? true;
    Error.captureStackTrace?.(this, new.target);
  }
}

/** An error that trying again will not fix. */
export class KafkaJSNonRetriableError extends KafkaJSError {
  static {
    named(this, 'KafkaJSNonRetriableError');
  }
  constructor(error: string | Error, options: { cause?: unknown } = {}) {
    super(error, { ...options, retriable: false });
  }
}

/** What describes a broker error code: Kafka's name for it, its number, its text. */
export interface ProtocolErrorDescription {
  type: string;
  code: number;
  message: string;
  retriable?: boolean;
}

/** A broker answered with an error code: `type` is Kafka's name (UNKNOWN_TOPIC_OR_PARTITION), `code` its number. */
export class KafkaJSProtocolError extends KafkaJSError {
  static {
    named(this, 'KafkaJSProtocolError');
  }
  readonly type: string;
  readonly code: number;

  constructor(error: ProtocolErrorDescription, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(error.message, { ...options, retriable: options.retriable ?? error.retriable ?? false });
    this.type = error.type;
    this.code = error.code;
  }
}

/** The client gave up: its retries (here, Java's delivery.timeout.ms or max.block.ms) ran out. */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  static {
    named(this, 'KafkaJSNumberOfRetriesExceeded');
  }
  /** The last error seen before giving up, as a facade error (the record's own error when there is none). */
  readonly originalError: Error;
  readonly retryCount: number;
  readonly retryTime: number;

  constructor(error: string | Error, options: { originalError?: Error; retryCount?: number; retryTime?: number; cause?: unknown } = {}) {
    super(error, { cause: options.cause });
    this.originalError = options.originalError ?? (typeof error === 'string' ? this : error);
    this.retryCount = options.retryCount ?? -1;
    this.retryTime = options.retryTime ?? -1;
  }
}

/** A connection to a broker could not be made, or was lost. */
export class KafkaJSConnectionError extends KafkaJSError {
  static {
    named(this, 'KafkaJSConnectionError');
  }
  readonly broker?: string;
  readonly code?: string;

  constructor(error: string | Error, options: { broker?: string; code?: string; cause?: unknown } = {}) {
    super(error, { cause: options.cause, retriable: true });
    if (options.broker !== undefined) this.broker = options.broker;
    if (options.code !== undefined) this.code = options.code;
  }
}

/** A request went unanswered for longer than the request timeout. */
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  static {
    named(this, 'KafkaJSRequestTimeoutError');
  }
  readonly broker?: string;
  readonly correlationId?: number;
  readonly createdAt?: number;
  readonly sentAt?: number;
  readonly pendingDuration?: number;

  constructor(
    error: string | Error,
    options: { broker?: string; correlationId?: number; createdAt?: number; sentAt?: number; pendingDuration?: number; cause?: unknown } = {},
  ) {
    super(error, { cause: options.cause, retriable: true });
    this.broker = options.broker;
    this.correlationId = options.correlationId;
    this.createdAt = options.createdAt;
    this.sentAt = options.sentAt;
    this.pendingDuration = options.pendingDuration;
  }
}

/** An operation did not finish in time (a transactional call past max.block.ms, say). */
export class KafkaJSTimeout extends KafkaJSError {
  static {
    named(this, 'KafkaJSTimeout');
  }
}

/** SASL authentication failed. */
export class KafkaJSSASLAuthenticationError extends KafkaJSError {
  static {
    named(this, 'KafkaJSSASLAuthenticationError');
  }
  constructor(error: string | Error, options: { cause?: unknown } = {}) {
    super(error, { ...options, retriable: false });
  }
}

/** No metadata yet. */
export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  static {
    named(this, 'KafkaJSMetadataNotLoaded');
  }
}

/** No metadata for this topic. */
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  static {
    named(this, 'KafkaJSTopicMetadataNotLoaded');
  }
  readonly topic?: string;
  constructor(error: string | Error, options: { topic?: string; cause?: unknown } = {}) {
    super(error, { cause: options.cause });
    this.topic = options.topic;
  }
}

/** The broker speaks no version of an API the client needs. */
export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  static {
    named(this, 'KafkaJSServerDoesNotSupportApiKey');
  }
  readonly apiKey?: number;
  readonly apiName?: string;
  constructor(error: string | Error, options: { apiKey?: number; apiName?: string; cause?: unknown } = {}) {
    super(error, { cause: options.cause });
    this.apiKey = options.apiKey;
    this.apiName = options.apiName;
  }
}

/** Part of the kafkajs API this facade does not provide (consumer, admin, ...). */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  static {
    named(this, 'KafkaJSNotImplemented');
  }
}

/** Several errors at once. */
export class KafkaJSAggregateError extends Error {
  static {
    named(this, 'KafkaJSAggregateError');
  }
  readonly errors: Error[];
  constructor(message: string, errors: Error[]) {
    super(message);
    this.errors = errors;
  }
}

/**
 * Where an error came from, which decides how a TimeoutError reads: a record that timed out
 * was given up on after retries (KafkaJSNumberOfRetriesExceeded); an operation that timed out
 * (a transactional call past max.block.ms) is KafkaJSTimeout.
 */
export type ErrorSource = 'record' | 'operation';

/**
 * The facade error for anything kafka-wire threw or rejected with. Errors that are not
 * kafka-wire's (a TypeError from a user's partitioner, ...) and facade errors pass through.
 */
export function toKafkaJSError(err: unknown, source: ErrorSource = 'operation'): unknown {
  if (err instanceof KafkaJSError || !(err instanceof KafkaError)) return err;
  if (err instanceof SaslAuthenticationError) return new KafkaJSSASLAuthenticationError(err.message, { cause: err });
  if (err instanceof BrokerError) return protocolError(err);
  if (err instanceof RecordTooLargeError) {
    return new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: ErrorCode.MESSAGE_TOO_LARGE, message: err.message }, { retriable: false, cause: err });
  }
  if (err instanceof ConnectionError) return new KafkaJSConnectionError(err.message, { broker: err.broker, code: err.code, cause: err });
  if (err instanceof BufferExhaustedError) return new KafkaJSError(err.message, { retriable: true, cause: err });
  if (err instanceof TimeoutError) {
    if (source === 'operation') return new KafkaJSTimeout(err.message, { cause: err });
    const last = err.cause;
    const originalError = last instanceof KafkaError ? (toKafkaJSError(last, 'operation') as Error) : undefined;
    return new KafkaJSNumberOfRetriesExceeded(err.message, { originalError, cause: err });
  }
  if (err instanceof NoCommonVersionError) return new KafkaJSServerDoesNotSupportApiKey(err.message, { apiKey: err.apiKey, cause: err });
  if (err.retriable) return new KafkaJSError(err.message, { retriable: true, cause: err });
  return new KafkaJSNonRetriableError(err.message, { cause: err });
}

function protocolError(err: BrokerError): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ type: err.errorName, code: err.errorCode, message: err.message }, { retriable: err.retriable, cause: err });
}
