/**
 * KafkaProducer: the public producer, with the Java client's semantics on Node.
 *
 * send() serializes, picks the partition, and appends the record to its partition's batch,
 * then returns at once; the sender turns batches into Produce requests. How the Java
 * client's blocking maps here:
 * - send() does not throw (Node's convention for a call with a promise or a callback): every
 *   failure, including those Java throws from send() (closed producer, serializer failure,
 *   an invalid record, a transactional producer outside a transaction), rejects the promise
 *   or is passed to the callback, after send() returned. The one throw is a callback that is
 *   not a function: there is nowhere else to report it. With a callback, no promise is made.
 * - Where Java's send() blocks its thread (waiting for metadata or for buffer memory, up
 *   to max.block.ms), the record waits in the SendQueue instead (send-queue.ts), in call
 *   order, as with one Java thread.
 * - The producer keeps the process alive exactly while records are pending. A program that
 *   calls send() and returns still delivers everything, then exits. Only an explicit
 *   process.exit() before flush() can lose records that were accepted.
 */
import { EventEmitter } from 'node:events';
import { failureReason, ProducerLog } from '../logger';
import { BrokerPool } from '../net/broker-pool';
import { Clock, systemClock, TimerHandle } from '../net/clock';
import type { RequestObserver, TransportFactory } from '../net/connection';
import { authenticate, authenticationFailureOf, type SaslCredentials } from '../net/sasl';
import { oidcTokenProvider } from '../net/sasl/oidc';
import { OAuthBearerTokenSource } from '../net/sasl/token-source';
import { CompressionType, codecFor } from '../protocol/records/compression';
import { batchCapacityFor, RecordHeader, recordSizeUpperBound } from '../protocol/records/record-batch-builder';
import {
  BufferExhaustedError,
  brokerErrorFor,
  ConfigError,
  InvalidArgumentError,
  InvalidTopicError,
  KafkaError,
  PartitionerError,
  IllegalStateError,
  ProducerClosedError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
} from '../protocol/errors';
import { RecordAccumulator } from './accumulator';
import { BufferPool } from './buffer-pool';
import { codecsReady, loadCodecs } from './codecs';
import { ProducerConfig, ProducerOptions, resolveConfig } from './config';
import { metadataTopicAction, TOPIC_FAIL_SENDS } from './error-actions';
import { IdempotenceManager } from './idempotence';
import { PartitionInfo, ProducerMetadata } from './metadata';
import { MetricsGauges, MetricsOptions, ProducerMetricGroups, ProducerMetrics } from './metrics';
import type { EmitEvent, ProducerEventListener, ProducerEventName, ProducerEvents } from './events';
import { partitionForKey } from './partitioners/murmur2';
import { partitionerFor } from './partitioners';
import type { Partitioner } from './partitioners/partitioner';
import { APPEND_NEW_BATCH } from './accumulator';
import { AppendOutcome, PendingSend, SendQueue } from './send-queue';
import { Completion, PromiseSlot, settle } from './producer-batch';
import type { Header, ProducerRecord, RecordMetadata, SendCallback } from './record';
import { Sender } from './sender';
import { InterceptorErrorReporter, interceptSend, ProducerInterceptor } from './interceptors';
import { SendObserver } from './send-observer';
import { connectionChannel, isSendTraced, reportConnectFailed, SendContext, sendContextOf, traceSendSync } from '../tracing';
import { ConsumerGroupMetadata, TransactionManager, TransactionOffset, validateOffsets } from './transactions';
import { ProducerWriteStream, WriteStreamOptions } from './write-stream';

/**
 * Test seams (a fake clock, a scripted network, deterministic random sources in [0, 1)), and
 * two switches kafka-wire/kafkajs needs that are not options because the Java client has no
 * such settings (allowAutoTopicCreation, onRequestDone).
 */
export interface ProducerInternals {
  /** Every timer and time of the producer and of its connections. */
  clock?: Clock;
  /** Opens the byte stream to a broker instead of a TCP/TLS socket (an in-memory network). */
  connect?: TransportFactory;
  /** Partition choices (sticky, random partitioners) and reconnect jitter. */
  random?: () => number;
  /** Retry backoff jitter (0.5 gives no jitter). */
  jitter?: () => number;
  /**
   * Whether Metadata requests ask the broker to create missing topics. Default true: the Java
   * producer always asks, and the broker's auto.create.topics.enable decides. With false, a
   * send to a missing topic waits for it up to max.block.ms (UNKNOWN_TOPIC_OR_PARTITION is
   * retriable), then fails with TimeoutError. kafka-wire/kafkajs passes kafkajs's
   * allowAutoTopicCreation.
   * @internal
   */
  allowAutoTopicCreation?: boolean;
  /**
   * Told of every request each connection completes or times out (kafka-wire/kafkajs's network events).
   * @internal
   */
  onRequestDone?: RequestObserver;
}

/** What a transaction() function gets: send() and sendOffsets() bound to the transaction. */
export interface Transaction<K, V> {
  /** Sends a record in the transaction; a failure also fails the transaction (it is aborted). */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  /** sendOffsetsToTransaction for this transaction. */
  sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void>;
}

export interface CloseOptions {
  /** How long to wait for queued and in-flight records; then the rest fail. Default: no limit. */
  timeoutMs?: number;
}

const MAX_TOPIC_LENGTH = 249;
const NO_COMPLETION: Completion = () => {};
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/**
 * send()'s promise executor, at module level: an inline arrow would capture a local of send(),
 * which makes send() allocate a context on every call, callback form included.
 */
let capturedSlot: PromiseSlot | null = null;
function captureSlot(resolve: (md: RecordMetadata) => void, reject: (err: Error) => void): void {
  capturedSlot = { resolve, reject };
}

/**
 * The checks of send() do not throw: one that fails sets `refusal` and returns a marker
 * (REFUSED_BYTES, REFUSED_HEADERS) that send() compares by identity, so the common case needs
 * no try/catch around it and allocates nothing for it. Read and cleared by send() at once.
 */
let refusal: Error | null = null;
const REFUSED_BYTES = new Uint8Array(0);
const REFUSED_HEADERS: RecordHeader[] = [];

/**
 * Typed events: on/once/off/emit take a name from ProducerEvents and that event's payload
 * (declaration merging with the class below; at run time these are EventEmitter's methods).
 */
export interface KafkaProducer<K = Uint8Array | string, V = Uint8Array | string> {
  on<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  addListener<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  prependListener<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  once<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  prependOnceListener<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  off<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  removeListener<E extends ProducerEventName>(event: E, listener: ProducerEventListener<E>): this;
  removeAllListeners(event?: ProducerEventName): this;
  emit<E extends ProducerEventName>(event: E, payload: ProducerEvents[E]): boolean;
  listenerCount<E extends ProducerEventName>(event: E, listener?: ProducerEventListener<E>): number;
}

export class KafkaProducer<K = Uint8Array | string, V = Uint8Array | string> extends EventEmitter {
  readonly config: ProducerConfig<K, V>;
  private readonly clock: Clock;
  /** The `logger` option, through child({ clientId }) when it has child(); silent without one. */
  private readonly log: ProducerLog;
  /** The codec's id (CompressionType). */
  private readonly compression: number;
  private readonly metadata: ProducerMetadata;
  private readonly pool: BufferPool;
  private readonly brokers: BrokerPool;
  /** The OAUTHBEARER token all connections share; null for other mechanisms. */
  private tokens: OAuthBearerTokenSource | null = null;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly metricsRegistry = new ProducerMetrics();
  private readonly partitioner: Partitioner | null;
  private readonly idempotence: IdempotenceManager | null;
  private readonly transactions: TransactionManager | null = null;
  private readonly sends: SendQueue;
  private readonly scratch: PendingSend = {
    topic: '',
    partition: null,
    timestamp: null,
    key: null,
    value: null,
    keyBytes: null,
    valueBytes: null,
    headers: null,
    headersSize: 1,
    completion: NO_COMPLETION,
    deadlineMs: 0,
    seq: 0,
    waitingForMemory: false,
    memorySize: 0,
    chosenPartition: undefined,
    metadataVersionAtSend: 0,
    buffer: null,
  };
  /** Topic names already checked for validity. */
  private readonly validTopics = new Set<string>();
  /** partitionsFor() and waitForCluster() calls waiting for metadata (topic null: any answer will do). */
  private readonly metadataWaiters: {
    topic: string | null;
    resolve: (p: PartitionInfo[] | null) => void;
    reject: (e: Error) => void;
  }[] = [];
  private closed = false;
  private closePromise: Promise<void> | null = null;
  /** Set when the codec's package cannot be loaded: every send fails with it. */
  private codecError: Error | null = null;
  /** The `interceptors` option; null when there are none (send() then checks nothing more). */
  private readonly interceptors: readonly ProducerInterceptor[] | null;

  constructor(options: ProducerOptions<K, V>, internals: ProducerInternals = {}) {
    super();
    this.config = resolveConfig(options);
    const c = this.config;
    this.log = ProducerLog.of(c.logger, { clientId: c.clientId });
    this.interceptors = c.interceptors;
    this.clock = internals.clock ?? systemClock;
    const random = internals.random ?? Math.random;
    const compression = CompressionType[c.compressionType];
    this.compression = compression;
    if (compression !== 0 && !codecFor(compression)) {
      throw new ConfigError(`compression type '${c.compressionType}' has no codec available`, { option: 'compressionType' });
    }
    const compressionLevel =
      c.compressionType === 'gzip' ? c.compressionGzipLevel : c.compressionType === 'lz4' ? c.compressionLz4Level : c.compressionType === 'zstd' ? c.compressionZstdLevel : undefined;
    this.partitioner = partitionerFor(c.partitioner);
    this.idempotence = c.enableIdempotence ? new IdempotenceManager() : null;
    if (this.idempotence) this.idempotence.onFatal = (err) => this.logFatal(err);
    this.metadata = new ProducerMetadata({
      metadataMaxAgeMs: c.metadataMaxAgeMs,
      metadataMaxIdleMs: c.metadataMaxIdleMs,
      retryBackoffMs: c.retryBackoffMs,
      retryBackoffMaxMs: c.retryBackoffMaxMs,
      random: internals.jitter,
      log: this.log,
    });
    this.pool = new BufferPool(c.bufferMemory, c.batchSize, this.clock);
    const sasl = this.saslCredentials(c, random);
    this.brokers = new BrokerPool(c.bootstrapServers, {
      clientId: c.clientId,
      requestTimeoutMs: c.requestTimeoutMs,
      connectTimeoutMs: c.socketConnectionSetupTimeoutMs,
      reconnectBackoffMs: c.reconnectBackoffMs,
      reconnectBackoffMaxMs: c.reconnectBackoffMaxMs,
      connectionsMaxIdleMs: c.connectionsMaxIdleMs < 0 ? Infinity : c.connectionsMaxIdleMs,
      maxInFlightRequestsPerConnection: c.maxInFlightRequestsPerConnection,
      tls: c.ssl ? (c.ssl as object) : undefined,
      // SASL runs on every new connection after ApiVersions, before any other request.
      onConnected: sasl ? (conn) => authenticate(conn, sasl, { tokenTimeoutMs: c.requestTimeoutMs, clock: this.clock }) : undefined,
      onConnectFailed: (nodeId, err) => {
        if (connectionChannel.hasSubscribers) this.publishConnectFailed(nodeId, err);
        const authError = authenticationFailureOf(err);
        if (authError) this.failOnAuthenticationError(nodeId, authError);
      },
      clock: this.clock,
      connect: internals.connect,
      random,
      log: this.log,
      onRequestDone: internals.onRequestDone,
    });
    this.accumulator = new RecordAccumulator(
      {
        batchSize: c.batchSize,
        lingerMs: c.lingerMs,
        retryBackoffMs: c.retryBackoffMs,
        retryBackoffMaxMs: c.retryBackoffMaxMs,
        deliveryTimeoutMs: c.deliveryTimeoutMs,
        compression,
        compressionLevel,
        adaptivePartitioning: c.partitionerAdaptivePartitioningEnable,
        partitionerAvailabilityTimeoutMs: c.partitionerAvailabilityTimeoutMs,
        maxInFlightRequestsPerConnection: c.maxInFlightRequestsPerConnection,
        isTransactional: c.transactionalId !== null,
        random: () => Math.floor(random() * 0x80000000),
        jitter: internals.jitter ?? Math.random,
      },
      this.pool,
      this.idempotence,
    );
    this.sends = new SendQueue(this.clock, this.pool, {
      tryAppend: (p, now) => this.tryAppend(p, now),
      timeoutError: (p, what) => (what === 'wait-memory' ? this.memoryTimeout(p) : this.metadataTimeout(p)),
      fail: (p, err) => this.finishPending(p, err),
      wakeSender: () => this.sender.wakeup(),
    });
    const emit: EmitEvent = (event, payload) => {
      // Events are told from inside the sender's decisions: a listener or logger that throws
      // must not stop one halfway (Java logs what a callback or interceptor throws).
      try {
        if (this.log.enabled) this.logEvent(event, payload);
        if (this.listenerCount(event) > 0) this.emit(event, payload);
      } catch (listenerError) {
        process.emitWarning(new KafkaError(`a '${event}' event listener threw: ${(listenerError as Error)?.message ?? listenerError}`, { cause: listenerError }));
      }
    };
    if (c.transactionalId !== null) {
      this.transactions = new TransactionManager(
        { transactionalId: c.transactionalId, transactionTimeoutMs: c.transactionTimeoutMs, retryBackoffMs: c.retryBackoffMs, requestTimeoutMs: c.requestTimeoutMs },
        this.idempotence!,
        this.brokers,
        this.clock,
        {
          hasIncomplete: () => this.accumulator.incomplete.size > 0 || this.sends.length > 0,
          abortUndrained: (err) => {
            this.sends.failAll(err);
            this.sender.failQueued(err);
          },
          wakeup: () => this.sender.wakeup(),
          emit,
        },
      );
    }
    this.sender = new Sender(
      {
        acks: c.acks,
        requestTimeoutMs: c.requestTimeoutMs,
        maxRequestSize: c.maxRequestSize,
        maxInFlightRequestsPerConnection: c.maxInFlightRequestsPerConnection,
        retries: c.retries,
        deliveryTimeoutMs: c.deliveryTimeoutMs,
        retryBackoffMs: c.retryBackoffMs,
        batchSize: c.batchSize,
        compression,
        compressionLevel,
        allowAutoTopicCreation: internals.allowAutoTopicCreation,
      },
      this.accumulator,
      this.metadata,
      this.brokers,
      this.idempotence,
      this.clock,
      this.metricsRegistry,
      {
        onMetadataUpdate: () => this.onMetadataUpdate(),
        hasWaitingSends: () => this.sends.length > 0 || this.metadataWaiters.length > 0,
        canDrain: () => codecsReady([c.compressionType]),
        emit,
      },
      this.transactions,
    );
    this.loadCodec();
  }

  /**
   * Some codecs (zstd) finish loading asynchronously. Records are accepted meanwhile; the
   * sender closes batches only once the codec is ready, and a codec that cannot load fails
   * every record with its error.
   */
  private loadCodec(): void {
    const name = this.config.compressionType;
    if (codecsReady([name])) return;
    loadCodecs([name]).then(
      () => this.sender.wakeup(),
      (err: Error) => {
        this.codecError = err;
        this.sender.failAll(err);
        this.sends.failWaitingForMetadata(err);
      },
    );
  }

  /**
   * Sends one record. Returns a promise of its RecordMetadata, or, given a callback, calls
   * it once with (error, metadata) and returns nothing. Never throws, except for a callback
   * that is not a function (InvalidArgumentError): every other failure rejects the promise or
   * goes to the callback, after send() returned.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> | void {
    // undefined or null: the promise form. Anything else must be a function.
    if (callback !== undefined && callback !== null && typeof callback !== 'function') {
      throw new InvalidArgumentError(`the send() callback must be a function, got ${typeof callback}`);
    }
    // One check when nobody observes sends: no context, no wrapper, no closure.
    if (this.interceptors === null && !isSendTraced()) return this.doSend(record, callback, null);
    return this.observedSend(record, callback);
  }

  /**
   * A send with interceptors or `kafka-wire:send` subscribers: onSend may replace the record,
   * then the channel's start/end surround the synchronous part (a start subscriber may replace
   * the headers), and a SendObserver stands before the record's callback or promise.
   */
  private observedSend(record: ProducerRecord<K, V>, callback: SendCallback | undefined): Promise<RecordMetadata> | void {
    if (record === null || typeof record !== 'object') return this.doSend(record, callback, null);
    const interceptors = this.interceptors;
    if (interceptors !== null) record = interceptSend(interceptors, record, this.reportInterceptorError);
    const observer = new SendObserver(record, interceptors, this.reportInterceptorError);
    if (!isSendTraced()) return this.doObservedSend(record, callback, observer);
    const ctx = sendContextOf(record);
    observer.ctx = ctx;
    return traceSendSync(ctx, this.tracedSend, this, callback, observer);
  }

  /** Between `start` and `end`: the record, with the headers the context holds once `start` returned. */
  private tracedSend(ctx: SendContext, callback: SendCallback | undefined, observer: SendObserver): Promise<RecordMetadata> | void {
    const record = ctx.record as ProducerRecord<K, V>;
    return this.doObservedSend(ctx.headers === record.headers ? record : { ...record, headers: ctx.headers }, callback, observer);
  }

  private doObservedSend(record: ProducerRecord<K, V>, callback: SendCallback | undefined, observer: SendObserver): Promise<RecordMetadata> | void {
    try {
      return this.doSend(record, callback, observer);
    } catch (err) {
      // Not a refused record (doSend reports those through the observer): a defect of ours.
      observer.thrown(err);
      throw err;
    }
  }

  /** Reports an interceptor that threw (it was skipped): to the logger, else as a process warning. */
  private readonly reportInterceptorError: InterceptorErrorReporter = (method, index, err) => {
    const message = `interceptor ${index} threw in ${method} and was skipped: ${(err as Error)?.message ?? err}`;
    if (this.log.enabled) this.log.warn({ interceptor: index, method, error: err }, message);
    else process.emitWarning(new KafkaError(message, { cause: err }));
  };

  private doSend(record: ProducerRecord<K, V>, callback: SendCallback | undefined, observer: SendObserver | null): Promise<RecordMetadata> | void {
    if (this.closed) return this.refuse(record, callback, observer, new ProducerClosedError('Cannot send after the producer has been closed.'));
    if (record === null || typeof record !== 'object') {
      return this.refuse(record, callback, observer, new InvalidArgumentError('send() takes a record object: { topic, value, key?, partition?, timestamp?, headers? }'));
    }
    const { topic } = record;
    if (typeof topic !== 'string') return this.refuse(record, callback, observer, new InvalidArgumentError(`record.topic must be a string, got ${typeof topic}`));
    const partition = record.partition ?? null;
    if (partition !== null && (!Number.isInteger(partition) || partition < 0)) {
      return this.refuse(record, callback, observer, new InvalidArgumentError(`record.partition must be a non-negative integer, got ${String(partition)}`));
    }
    const timestamp = record.timestamp ?? null;
    if (timestamp !== null && (!Number.isSafeInteger(timestamp) || timestamp < 0)) {
      return this.refuse(record, callback, observer, new InvalidArgumentError(`record.timestamp must be a non-negative integer (ms), got ${String(timestamp)}`));
    }
    // Outside an open transaction a transactional producer refuses the record (IllegalStateError).
    // Read here, acted on after serialization: a record that is itself bad fails with its own
    // error first, as in Java.
    const transactionError = this.transactions ? this.transactions.checkSend() : null;
    const headers = normalizeHeaders(record.headers);
    if (headers === REFUSED_HEADERS) return this.refuse(record, callback, observer, takeRefusal());
    const keyBytes = this.serialize('key', topic, record.key ?? null);
    if (keyBytes === REFUSED_BYTES) return this.refuse(record, callback, observer, takeRefusal());
    const valueBytes = this.serialize('value', topic, record.value);
    if (valueBytes === REFUSED_BYTES) return this.refuse(record, callback, observer, takeRefusal());

    let promise: Promise<RecordMetadata> | undefined;
    let completion: Completion;
    if (callback) {
      completion = callback;
    } else {
      promise = new Promise<RecordMetadata>(captureSlot);
      completion = capturedSlot!;
      capturedSlot = null;
    }
    if (observer !== null) {
      observer.inner = completion;
      completion = observer;
    }
    const now = this.clock.now();
    // The common case appends at once through a reused scratch object; only a send that has
    // to wait gets an object of its own.
    const p = this.scratch;
    p.topic = topic;
    p.partition = partition;
    p.timestamp = timestamp;
    p.key = record.key ?? null;
    p.value = record.value;
    p.keyBytes = keyBytes;
    p.valueBytes = valueBytes;
    p.headers = headers;
    p.headersSize = headers ? sizeOfHeadersOf(headers) : 1;
    p.completion = completion;
    p.deadlineMs = now + this.config.maxBlockMs;
    p.seq = this.sends.nextSeq();
    p.waitingForMemory = false;
    p.memorySize = 0;
    p.chosenPartition = undefined;
    p.metadataVersionAtSend = this.metadata.version;
    p.buffer = null;
    if (transactionError) {
      // Not in a transaction (IllegalStateError), or the transaction failed: the record fails
      // with that error (then abortTransaction() is next).
      this.finishPending(p, transactionError);
      p.completion = NO_COMPLETION;
      p.key = p.value = p.keyBytes = p.valueBytes = p.headers = null;
      return promise;
    }
    if (!this.validTopics.has(topic)) {
      const invalid = invalidTopicReason(topic);
      if (invalid) {
        this.finishPending(p, new InvalidTopicError(`Invalid topic '${topic}': ${invalid}.`));
        p.completion = NO_COMPLETION;
        p.key = p.value = p.keyBytes = p.valueBytes = p.headers = null;
        return promise;
      }
      this.validTopics.add(topic);
    }
    if (this.sends.length > 0 || this.tryAppend(p, now) !== 'done') this.sends.enqueue(p);
    else this.sends.markProcessed(p.seq);
    p.completion = NO_COMPLETION;
    p.key = p.value = p.keyBytes = p.valueBytes = p.headers = null;
    return promise;
  }

  /** The serializer's bytes, or REFUSED_BYTES with `refusal` set (a SerializationError). */
  private serialize(what: 'key' | 'value', topic: string, data: unknown): Uint8Array | null {
    const serializer = what === 'key' ? this.config.keySerializer : this.config.valueSerializer;
    let bytes: Uint8Array | null;
    try {
      bytes = (serializer as { serialize(t: string, d: unknown): Uint8Array | null }).serialize(topic, data);
    } catch (err) {
      refusal = new SerializationError(`Cannot serialize the ${what} of a record for topic ${topic}: ${(err as Error)?.message ?? err}`, { cause: err });
      return REFUSED_BYTES;
    }
    if (bytes !== null && bytes !== undefined && !(bytes instanceof Uint8Array)) {
      refusal = new SerializationError(`The ${what} serializer returned ${typeof bytes}, not bytes, for topic ${topic}`);
      return REFUSED_BYTES;
    }
    return bytes ?? null;
  }

  /**
   * Settles a send refused before it had a place in the send queue: the error goes where the
   * record's outcome would have gone (its promise, its callback, through the observer when
   * observed), after send() returned.
   */
  private refuse(record: unknown, callback: SendCallback | undefined, observer: SendObserver | null, err: Error): Promise<RecordMetadata> | void {
    let promise: Promise<RecordMetadata> | undefined;
    let completion: Completion;
    if (callback) completion = callback;
    else {
      promise = new Promise<RecordMetadata>(captureSlot);
      completion = capturedSlot!;
      capturedSlot = null;
    }
    if (observer !== null) {
      observer.inner = completion;
      completion = observer;
    }
    const r = record !== null && typeof record === 'object' ? (record as Partial<ProducerRecord>) : null;
    const md: RecordMetadata = {
      topic: typeof r?.topic === 'string' ? r.topic : '',
      partition: typeof r?.partition === 'number' ? r.partition : -1,
      offset: -1n,
      timestamp: -1,
      serializedKeySize: -1,
      serializedValueSize: -1,
    };
    this.metricsRegistry.recordErrors++;
    queueMicrotask(() => settle(completion, err, md));
    return promise;
  }

  /** Tries to append a send now; says what it waits for otherwise. */
  private tryAppend(p: PendingSend, now: number): AppendOutcome {
    if (this.codecError) {
      this.finishPending(p, this.codecError);
      return 'done';
    }
    if (this.transactions?.hasError) {
      this.finishPending(p, this.transactions.lastError!);
      return 'done';
    }
    if (this.metadata.add(p.topic, now)) this.sender.wakeup();
    const cluster = this.metadata.cluster;
    const info = cluster.topics.get(p.topic);
    if (!info) {
      // Java's waitOnMetadata: an answer that came after send() was called and says the topic
      // is unauthorized or invalid fails the send; an older answer's error is not trusted
      // (access may have been granted since), and any other topic error waits out
      // max.block.ms (its cause goes into the TimeoutError).
      const last = this.metadata.lastError(p.topic);
      if (last && this.metadata.version > p.metadataVersionAtSend && metadataTopicAction(last.code) & TOPIC_FAIL_SENDS) {
        this.finishPending(p, brokerErrorFor(last.code, `metadata for topic ${p.topic}`));
        return 'done';
      }
      this.metadata.requestUpdateForTopic(p.topic);
      this.sender.wakeup();
      return 'wait-metadata';
    }
    const count = info.partitions.length;
    if (p.partition !== null && p.partition >= count) {
      this.metadata.requestUpdateForTopic(p.topic);
      this.sender.wakeup();
      return 'wait-metadata';
    }
    // Chosen once per send, even if it then waits for memory (a stateful partitioner such as
    // round-robin must step once per record).
    let partition = p.chosenPartition;
    if (partition === undefined) {
      if (p.partition !== null) partition = p.partition;
      else if (this.partitioner) {
        try {
          partition = this.partitioner.partition(p.topic, p.key, p.keyBytes, p.value, p.valueBytes, cluster);
        } catch (err) {
          // A custom partitioner's throw fails this record alone, whether send() is still on
          // the stack or the record waited for metadata.
          this.finishPending(p, new PartitionerError(`The partitioner threw for a record of topic ${p.topic}: ${(err as Error)?.message ?? err}`, { cause: err }));
          return 'done';
        }
        if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
          this.finishPending(p, new InvalidArgumentError(`the partitioner returned ${partition} for topic ${p.topic} with ${count} partitions`));
          return 'done';
        }
      } else if (p.keyBytes !== null && !this.config.partitionerIgnoreKeys) partition = partitionForKey(p.keyBytes, count);
      else partition = -1;
      p.chosenPartition = partition;
    }

    // The batch it would need alone, codec framing included: more than either limit fails it now.
    const size = batchCapacityFor(this.compression, recordSizeUpperBound(p.keyBytes, p.valueBytes, p.headers));
    if (size > this.config.maxRequestSize || size > this.config.bufferMemory) {
      const limit = size > this.config.maxRequestSize ? `${this.config.maxRequestSize}, the value of max.request.size` : `${this.config.bufferMemory}, the value of buffer.memory`;
      this.finishPending(p, new RecordTooLargeError(`The record is ${size} bytes when serialized, which is larger than ${limit}.`));
      return 'done';
    }
    const result = this.accumulator.append(p, partition, p.timestamp ?? now, cluster, now);
    p.buffer = null;
    if (result < 0) {
      p.memorySize = -result;
      return 'wait-memory';
    }
    // A new batch of a partition: the transaction must hold the partition before it is drained.
    if (result & APPEND_NEW_BATCH && this.transactions) this.transactions.maybeAddPartition(p.topic, this.accumulator.lastAppendPartition);
    if (result !== 0) this.sender.wakeup();
    return 'done';
  }

  private memoryTimeout(p: PendingSend): Error {
    const size = p.memorySize;
    return new BufferExhaustedError(
      `Failed to allocate ${size} bytes within the configured max blocking time ${this.config.maxBlockMs} ms: buffer.memory (${this.config.bufferMemory}) is in use by batches not yet sent or acknowledged.`,
    );
  }

  private metadataTimeout(p: PendingSend): Error {
    const info = this.metadata.cluster.topics.get(p.topic);
    const msg =
      p.partition !== null && info
        ? `Partition ${p.partition} of topic ${p.topic} with partition count ${info.partitions.length} is not present in metadata after ${this.config.maxBlockMs} ms`
        : `Topic ${p.topic} not present in metadata after ${this.config.maxBlockMs} ms`;
    return this.metadataTimeoutError(p.topic, msg);
  }

  /**
   * A TimeoutError waiting for metadata (send() and partitionsFor()). Its cause is the topic's
   * last metadata error when there is one, else the last failed connection attempt (refused,
   * DNS, TLS, authentication); its message names the brokers that could not be reached.
   */
  private metadataTimeoutError(topic: string | null, msg: string): TimeoutError {
    const last = topic === null ? null : this.metadata.lastError(topic);
    let cause: Error | undefined = last ? brokerErrorFor(last.code, last.message) : undefined;
    const failures = this.brokers.connectionFailures();
    if (failures.length === 0) return new TimeoutError(`${msg}.`, { cause });
    const list = failures.map((f) => `${f.address} (${failureReason(f.error)})`).join(', ');
    cause ??= failures[0].error;
    const where = this.brokers.hasReadyConnection() ? `could not reach ${list}` : `no broker could be reached: ${list}`;
    return new TimeoutError(`${msg}; ${where}`, { cause });
  }

  /** Debug lines for producer ids, epoch bumps and retries (the same hook as the events). */
  private logEvent(event: string, payload: unknown): void {
    if (event === 'retry') {
      const r = payload as { topic: string; partition: number; attempt: number; error: string };
      this.log.debug({ topic: r.topic, partition: r.partition, attempt: r.attempt, error: r.error }, `Retrying a batch for ${r.topic}-${r.partition} after ${r.error}`);
    } else if (event === 'epochBump' || event === 'producerId') {
      const r = payload as { producerId: number; epoch: number };
      const what = event === 'epochBump' ? 'Producer epoch bumped' : 'Producer id obtained';
      this.log.debug({ producerId: r.producerId, epoch: r.epoch }, `${what}: producer id ${r.producerId}, epoch ${r.epoch}`);
    }
  }

  /** The producer cannot go on (fenced, not authorized, unsupported): one error line. */
  private logFatal(err: Error): void {
    const fields: Record<string, unknown> = { err, code: (err as KafkaError).code };
    if (this.config.transactionalId !== null) fields.transactionalId = this.config.transactionalId;
    this.log.error(fields, `Producer failed fatally; only close() works from now on: ${err.message}`);
  }

  /**
   * A failed authentication (SASL, or a TLS certificate the client refuses) is not retried
   * into a timeout: sends waiting for metadata, partitionsFor() calls and queued batches fail
   * with it now, as the Java client reports AuthenticationException. The producer stays
   * usable: later sends connect again after reconnect backoff (and fail again if nothing changed).
   */
  private failOnAuthenticationError(nodeId: number, err: KafkaError): void {
    this.sends.failWaitingForMetadata(err);
    for (const w of this.metadataWaiters.splice(0)) w.reject(err);
    // Only that node's batches: the others' leaders may accept us.
    this.sender.failQueuedForNode(nodeId, err);
  }

  /** `kafka-wire:connection` connect-failed: the address from the bootstrap list or metadata. */
  private publishConnectFailed(nodeId: number, err: Error): void {
    const address = nodeId < 0 ? this.config.bootstrapServers[-nodeId - 1] : this.metadata.cluster.brokers.get(nodeId);
    reportConnectFailed(nodeId, address?.host ?? '', address?.port ?? -1, err);
  }

  /** Settles a send that never reached a batch. */
  private finishPending(p: PendingSend, err: Error): void {
    this.sends.markProcessed(p.seq);
    if (p.buffer) {
      this.pool.deallocate(p.buffer, p.buffer.length);
      p.buffer = null;
    }
    const md: RecordMetadata = { topic: p.topic, partition: p.partition ?? -1, offset: -1n, timestamp: -1, serializedKeySize: -1, serializedValueSize: -1 };
    this.metricsRegistry.recordErrors++;
    // Never inside the send() call itself: a callback always runs after send() returned.
    const c = p.completion;
    queueMicrotask(() => settle(c, err, md));
  }

  private onMetadataUpdate(): void {
    if (this.sends.length > 0) this.sends.process();
    for (let i = 0; i < this.metadataWaiters.length; ) {
      const w = this.metadataWaiters[i];
      const info = w.topic === null ? undefined : this.metadata.cluster.topics.get(w.topic);
      if (info || (w.topic === null && this.metadata.version > 0)) {
        this.metadataWaiters.splice(i, 1);
        w.resolve(info ? info.partitions.slice() : null);
      } else i++;
    }
  }

  // --- transactions ----------------------------------------------------------------------------

  private transactional(operation: string): TransactionManager {
    if (this.closed) throw new ProducerClosedError(`Cannot call ${operation}() after the producer has been closed.`);
    if (!this.transactions) throw new IllegalStateError(`Cannot call ${operation}(): the producer has no transactionalId.`);
    return this.transactions;
  }

  /**
   * Rejects with TimeoutError after max.block.ms, as Java's blocking calls throw; the operation
   * goes on, and calling it again waits for the same outcome.
   */
  private withinMaxBlock(operation: string, work: Promise<void>): Promise<void> {
    const ms = this.config.maxBlockMs;
    return new Promise<void>((resolve, reject) => {
      let timedOut = false;
      const timer = this.clock.setTimeout(() => {
        timedOut = true;
        reject(TransactionManager.timeoutError(operation, ms));
      }, ms);
      const delivered = () => {
        this.clock.clearTimeout(timer);
        // Only an outcome the caller receives ends the operation; after a timeout, calling it again does.
        if (!timedOut) this.transactions?.acknowledge(work);
      };
      work.then(
        () => {
          delivered();
          resolve();
        },
        (err: Error) => {
          delivered();
          reject(err);
        },
      );
    });
  }

  /**
   * Registers the transactional id with its coordinator and fences earlier producers with the
   * same id (their open transaction is aborted). Call once, before the first transaction.
   */
  async initTransactions(): Promise<void> {
    const txn = this.transactional('initTransactions');
    await this.withinMaxBlock('initTransactions', txn.initTransactions());
  }

  /** Opens a transaction: the records sent until commitTransaction() or abortTransaction() belong to it. */
  beginTransaction(): void {
    this.transactional('beginTransaction').beginTransaction();
  }

  /**
   * Commits consumer offsets as part of the transaction (consume-transform-produce): they take
   * effect only if the transaction commits. `offsets` are the next offsets to read.
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], groupMetadata: ConsumerGroupMetadata): Promise<void> {
    const txn = this.transactional('sendOffsetsToTransaction');
    validateOffsets(offsets, groupMetadata);
    await this.withinMaxBlock('sendOffsetsToTransaction', txn.sendOffsetsToTransaction(offsets, groupMetadata));
  }

  /**
   * Sends every record of the transaction (linger is skipped), then commits it. If a record
   * failed, the commit rejects with that error, and abortTransaction() is next.
   */
  async commitTransaction(): Promise<void> {
    const txn = this.transactional('commitTransaction');
    const commit = txn.beginCommit();
    void this.flush();
    await this.withinMaxBlock('commitTransaction', commit);
  }

  /** Aborts the transaction: records not yet sent fail with TransactionAbortedError, and none of it becomes visible. */
  async abortTransaction(): Promise<void> {
    const txn = this.transactional('abortTransaction');
    await this.withinMaxBlock('abortTransaction', txn.beginAbort());
  }

  /**
   * Runs `fn` in a transaction: begins, runs it, commits; aborts (and rethrows) if `fn` throws
   * or a record sent through it fails. Resolves with what `fn` returned.
   */
  async transaction<T>(fn: (tx: Transaction<K, V>) => Promise<T> | T): Promise<T> {
    this.beginTransaction();
    const tx: Transaction<K, V> = {
      send: (record) => {
        const sent = this.send(record);
        // Its failure fails the commit; a caller that does not await it must not see an unhandled rejection.
        sent.catch(() => {});
        return sent;
      },
      sendOffsets: (offsets, group) => this.sendOffsetsToTransaction(offsets, group),
    };
    let result: T;
    try {
      result = await fn(tx);
      await this.commitTransaction();
    } catch (err) {
      const txn = this.transactions!;
      if (txn.state === 'in-transaction' || txn.state === 'abortable-error' || txn.state === 'aborting') {
        await this.abortTransaction().catch(() => {});
      }
      throw err;
    }
    return result;
  }

  /**
   * An object-mode Writable: each chunk is a record or a bare value for `options.topic`;
   * write() returns false while sends wait for buffer.memory (see write-stream.ts).
   */
  createWriteStream(options: WriteStreamOptions<K, V> = {}): ProducerWriteStream {
    return new ProducerWriteStream(this as KafkaProducer<unknown, unknown>, () => this.sends.length, options as WriteStreamOptions);
  }

  /** Resolves when every send() made before this call has its outcome. Linger is ignored meanwhile. */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    this.sender.wakeup();
    try {
      await this.waitForSendsUpTo(this.sends.latestSeq);
    } finally {
      this.accumulator.endFlush();
    }
  }

  private async waitForSendsUpTo(seq: number): Promise<void> {
    await this.sends.whenProcessed(seq);
    // Each batch's done() now, while it is still this batch: a done batch's object begins a
    // later batch (ProducerBatch.reuse), whose records this must not wait for.
    await Promise.all(Array.from(this.accumulator.incomplete, (b) => b.done()));
  }

  /**
   * Stops accepting records (later sends fail with ProducerClosedError), delivers what is
   * queued or in flight, retries included, within `timeoutMs`, then fails whatever is left.
   * Safe to call more than once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError(`close() timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    if (this.closePromise) return this.closePromise;
    this.closed = true;
    this.closePromise = this.doClose(timeoutMs);
    return this.closePromise;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    // As Java's sender on shutdown: an open transaction is aborted, one completing is finished.
    const txn = this.transactions;
    let ending: Promise<void> | null = null;
    if (txn?.pendingOperation) ending = txn.pendingOperation.catch(() => {});
    else if (txn && (txn.state === 'in-transaction' || txn.state === 'abortable-error')) ending = txn.beginAbort().catch(() => {});
    this.accumulator.close();
    this.sender.wakeup();
    const sent = this.waitForSendsUpTo(this.sends.latestSeq);
    const drained = ending ? Promise.all([sent, ending]).then(() => {}) : sent;
    let timer: TimerHandle | null = null;
    const finished = await new Promise<boolean>((resolve) => {
      drained.then(() => resolve(true));
      if (Number.isFinite(timeoutMs)) timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    if (timer) this.clock.clearTimeout(timer);
    if (!finished) {
      const err = new ProducerClosedError('The producer was closed forcefully: the close timeout passed before these records were sent.');
      this.transactions?.close(err);
      this.sends.failAll(err);
      this.sender.failAll(err);
      this.pool.close(err);
    }
    for (const w of this.metadataWaiters.splice(0)) w.reject(new ProducerClosedError());
    this.sends.close();
    this.sender.stop();
    this.brokers.close();
    this.tokens?.close();
    this.partitioner?.close?.();
  }

  /**
   * The SASL settings the connections use. For OAUTHBEARER, the one token source all
   * connections share: the user's provider, or the built-in OIDC client, behind a cache that
   * refreshes the token before it expires (Java's ExpiringCredentialRefreshingLogin).
   */
  private saslCredentials(c: ProducerConfig<K, V>, random: () => number): SaslCredentials | null {
    const sasl = c.sasl;
    if (sasl === null) return null;
    if (sasl.mechanism !== 'OAUTHBEARER') return sasl;
    const provider =
      sasl.oauthBearerProvider ??
      oidcTokenProvider(sasl.oidc!, {
        connectTimeoutMs: c.saslLoginConnectTimeoutMs,
        readTimeoutMs: c.saslLoginReadTimeoutMs,
        retryBackoffMs: c.saslLoginRetryBackoffMs,
        retryBackoffMaxMs: c.saslLoginRetryBackoffMaxMs,
      });
    this.tokens = new OAuthBearerTokenSource(
      provider,
      {
        windowFactor: c.saslLoginRefreshWindowFactor,
        windowJitter: c.saslLoginRefreshWindowJitter,
        minPeriodSeconds: c.saslLoginRefreshMinPeriodSeconds,
        bufferSeconds: c.saslLoginRefreshBufferSeconds,
        retryBackoffMs: c.saslLoginRetryBackoffMs,
        retryBackoffMaxMs: c.saslLoginRetryBackoffMaxMs,
      },
      { clock: this.clock, random, log: this.log },
    );
    return { mechanism: 'OAUTHBEARER', tokens: this.tokens };
  }

  /** The partitions of a topic (waits for metadata up to max.block.ms). */
  partitionsFor(topic: string): Promise<PartitionInfo[]> {
    return this.waitForTopic(topic, this.config.maxBlockMs);
  }

  /**
   * partitionsFor() waiting at most `timeoutMs` (and at most max.block.ms) for the topic's
   * metadata; then rejects with TimeoutError, its cause the topic's last metadata error
   * (UNKNOWN_TOPIC_OR_PARTITION, ...) or the last failed connection attempt.
   * @internal For kafka-wire/kafkajs (allowAutoTopicCreation: false).
   */
  waitForTopic(topic: string, timeoutMs: number): Promise<PartitionInfo[]> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    const invalid = invalidTopicReason(topic);
    if (invalid) return Promise.reject(new InvalidTopicError(`Invalid topic '${topic}': ${invalid}.`));
    this.metadata.add(topic, this.clock.now());
    const info = this.metadata.cluster.topics.get(topic);
    if (info) return Promise.resolve(info.partitions.slice());
    this.metadata.requestUpdateForTopic(topic);
    return this.waitForMetadata(topic, timeoutMs) as Promise<PartitionInfo[]>;
  }

  /**
   * Resolves once the producer has cluster metadata: at once if it has, else once it has
   * connected to a bootstrap server (TLS and SASL included) and fetched it (for the topics in
   * use; none on a new producer). Waits at most `timeoutMs` (and at most max.block.ms), then
   * rejects with TimeoutError, its cause the last failed connection attempt; a failed
   * authentication rejects at once.
   * @internal For kafka-wire/kafkajs's connect().
   */
  waitForCluster(timeoutMs: number = this.config.maxBlockMs): Promise<void> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    if (this.metadata.version > 0) return Promise.resolve();
    this.metadata.requestUpdate();
    return this.waitForMetadata(null, timeoutMs).then(() => {});
  }

  /**
   * A metadata waiter (topic null: any answer), answered by onMetadataUpdate() and failed by its
   * own timer. The timer decides alone: Node may fire it up to a millisecond before the clock
   * shows the deadline, and a second check against the clock would then leave the waiter
   * waiting for ever.
   */
  private waitForMetadata(topic: string | null, timeoutMs: number): Promise<PartitionInfo[] | null> {
    const ms = timeoutMs >= 0 ? Math.min(timeoutMs, this.config.maxBlockMs) : this.config.maxBlockMs;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        const i = this.metadataWaiters.indexOf(w);
        if (i < 0) return;
        this.metadataWaiters.splice(i, 1);
        const what = topic === null ? 'Cluster metadata not received' : `Topic ${topic} not present in metadata`;
        reject(this.metadataTimeoutError(topic, `${what} after ${ms} ms`));
        this.sender.updateReferences();
      }, ms);
      const w = {
        topic,
        resolve: (v: PartitionInfo[] | null) => (this.clock.clearTimeout(timer), resolve(v)),
        reject: (e: Error) => (this.clock.clearTimeout(timer), reject(e)),
      };
      this.metadataWaiters.push(w);
      this.sender.wakeup();
    });
  }

  /**
   * Java-named metrics (record-send-total, batch-size-avg, request-latency-avg, ...) as one
   * flat object. With `{ grouped: true }`: `{ producer, topics, nodes }`, where `producer` is
   * that flat object and `topics` / `nodes` hold Java's per-topic and per-broker figures.
   */
  metrics(options?: { grouped?: false }): Record<string, number>;
  metrics(options: { grouped: true }): ProducerMetricGroups;
  metrics(options: MetricsOptions): Record<string, number> | ProducerMetricGroups;
  metrics(options?: MetricsOptions): Record<string, number> | ProducerMetricGroups {
    const gauges: MetricsGauges = {
      bufferTotalBytes: this.pool.totalMemory,
      bufferAvailableBytes: this.pool.availableMemory,
      waitingSends: this.sends.length,
      bufferPoolWaiters: this.pool.queuedCount,
      requestsInFlight: this.sender.inFlightRequests,
      connectionCount: this.brokers.connectionCount,
      connectionsCreated: this.brokers.connectionsCreated,
      reauthentications: this.brokers.reauthentications,
      failedReauthentications: this.brokers.failedReauthentications,
      batchesInFlight: this.sender.inFlightBatchCount,
      recordsQueued: this.accumulator.queuedRecordCount(),
      incompleteBatches: this.accumulator.incomplete.size,
    };
    if (!options?.grouped) return this.metricsRegistry.snapshot(gauges);
    return this.metricsRegistry.groupedSnapshot(gauges, (node) => this.brokers.connectionFor(node)?.inFlightCount ?? 0);
  }
}

function invalidTopicReason(topic: string): string | null {
  if (topic.length === 0) return 'the name is empty';
  if (topic === '.' || topic === '..') return 'the name cannot be "." or ".."';
  if (topic.length > MAX_TOPIC_LENGTH) return `the name is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (!LEGAL_TOPIC.test(topic)) return 'the name may contain only ASCII letters, digits, ".", "_" and "-"';
  return null;
}

// No closure in here: a function that makes one allocates its context on every call, even
// for the common record without headers.
/** The record's headers as RecordHeaders (null for none), or REFUSED_HEADERS with `refusal` set. */
function normalizeHeaders(headers: ProducerRecord['headers']): RecordHeader[] | null {
  if (headers == null) return null;
  const out: RecordHeader[] = [];
  if (Array.isArray(headers)) {
    for (const h of headers as Header[]) if (!addHeader(out, h?.key, h?.value)) return REFUSED_HEADERS;
  } else if (isPlainObject(headers)) {
    for (const [k, v] of Object.entries(headers)) if (!addHeader(out, k, v)) return REFUSED_HEADERS;
  } else if (typeof headers === 'object') {
    // A Map, a Buffer, a class instance: Object.entries() would drop or mangle its headers.
    refusal = new InvalidArgumentError(`record.headers must be an array of { key, value } or a plain object; got a ${(headers as object).constructor?.name ?? 'object'}`);
    return REFUSED_HEADERS;
  } else {
    refusal = new InvalidArgumentError('record.headers must be an array of { key, value } or an object');
    return REFUSED_HEADERS;
  }
  return out.length > 0 ? out : null;
}

/** Adds one header; false (with `refusal` set) for a key or value of the wrong type. */
function addHeader(out: RecordHeader[], key: unknown, value: unknown): boolean {
  if (typeof key !== 'string') {
    refusal = new InvalidArgumentError(`a header key must be a string, got ${typeof key}`);
    return false;
  }
  if (value === null || value === undefined) out.push({ key, value: null });
  else if (value instanceof Uint8Array) out.push({ key, value });
  else if (typeof value === 'string') out.push({ key, value: Buffer.from(value, 'utf8') });
  else {
    refusal = new InvalidArgumentError(`header '${key}' must have a Buffer, Uint8Array, string or null value, got ${typeof value}`);
    return false;
  }
  return true;
}

/** The failure a check that returned a REFUSED_* marker left, cleared. */
function takeRefusal(): Error {
  const err = refusal!;
  refusal = null;
  return err;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function sizeOfHeadersOf(headers: RecordHeader[]): number {
  return recordSizeUpperBound(null, null, headers) - recordSizeUpperBound(null, null, null) + 1;
}
