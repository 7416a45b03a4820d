/**
 * The kafkajs producer API on one kafka-wire KafkaProducer.
 *
 * send() and sendBatch() hand every message to the kafka-wire producer, whose accumulator
 * batches them with the messages of other calls, and resolve once every message of the call
 * has its outcome: with one entry per topic-partition written (its baseOffset the lowest
 * offset of the call's messages there), or rejecting with the first failure, as a facade error.
 *
 * acks and compression are per send() in kafkajs and per producer in kafka-wire. The kafka-wire
 * producer is made by the first send() (a transactional one: by connect(), with acks -1), and
 * takes that send's acks (-1 when not given) and compression (none when not given, unless the
 * producer config names one). A later send() asking for other acks rejects with
 * KafkaJSNonRetriableError: acks decide what an acknowledgement means, which one producer
 * cannot change per record. A later send() asking for another codec is sent with the
 * producer's codec (the bytes a consumer reads are the same), and a warning is logged once.
 *
 * connect() makes a kafka-wire producer with acks -1 and the config's codec, and waits until
 * it has connected and fetched the cluster's metadata, within kafkajs's retry budget
 * (retry.ts). The first send() keeps it when it asks for those acks and that codec, and
 * replaces it otherwise (nothing was sent on it).
 */
import { EventEmitter } from 'node:events';
import { KafkaProducer } from '../producer/kafka-producer';
import type { ProducerOptions } from '../producer/config';
import type { RequestTrace } from '../net/connection';
import type { Header, RecordMetadata as WireRecordMetadata } from '../producer/record';
import type { Serializer } from '../producer/serializers';
import type { TransactionOffset } from '../producer/transactions';
import { CompressionTypes, compressionName } from './constants';
import { KafkaJSNonRetriableError, toKafkaJSError } from './errors';
import type { FacadeLogger } from './logger';
import { wirePartitionerFor } from './partitioners';
import { retryBudgetMs } from './retry';
import type {
  IHeaders,
  InstrumentationEvent,
  Message,
  Offsets,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  RemoveInstrumentationEventListener,
  RequestEventPayload,
  RequestTimeoutEventPayload,
  RetryOptions,
  TopicMessages,
} from './types';

/** The producer's instrumentation event names, as kafkajs's `producer.events`. */
export const PRODUCER_EVENTS = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
} as const);

export type ProducerEventName = (typeof PRODUCER_EVENTS)[keyof typeof PRODUCER_EVENTS];
const EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(PRODUCER_EVENTS));

/** What the Kafka object gives each producer it makes. */
export interface ProducerContext {
  clientId: string | undefined;
  /** The Kafka config's retry: connect()'s retry budget (kafkajs's cluster retries with it). */
  retry: RetryOptions | undefined;
  /** The Kafka config's connectionTimeout, for the retry budget. */
  connectionTimeout: number | undefined;
  /** The brokers, resolved (a brokers function is called at connect()). */
  resolveBrokers(): Promise<string[]>;
  /** kafka-wire options from the Kafka config (ssl, sasl, timeouts, retry). */
  wireOptions(retry: ProducerConfig['retry']): Partial<ProducerOptions>;
  logger: FacadeLogger;
}

type WireKey = Buffer | string | null;
type WireProducer = KafkaProducer<WireKey, Message>;

/**
 * The value serializer of the facade's kafka-wire producer: the record's value is the kafkajs
 * message itself (so a custom partitioner gets the message), and this takes its bytes.
 */
const MESSAGE_VALUE: Serializer<Message> = {
  serialize(_topic, message) {
    const v = message?.value;
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return Buffer.from(v, 'utf8');
    if (v instanceof Uint8Array) return v;
    throw new TypeError(`a message value must be a Buffer, a string or null, got ${typeof v}`);
  },
};

let eventId = 0;

export class Producer {
  /** The event names, as kafkajs's producer.events. */
  readonly events = PRODUCER_EVENTS;
  private readonly emitter = new EventEmitter();
  private readonly log: FacadeLogger;
  private wire: WireProducer | null = null;
  /** The acks and codec the kafka-wire producer was made with. */
  private acks = -1;
  private compression: CompressionTypes = CompressionTypes.None;
  private compressionWarned = false;
  /** createPartitioner's partitioner, made once (as kafkajs calls createPartitioner once per producer). */
  private partitioner: ReturnType<typeof wirePartitionerFor> | null = null;
  /** The kafka-wire producer was made by connect() with acks -1 and the config's codec: the first send() may replace it. */
  private provisional = false;
  private connected = false;
  private connecting: Promise<void> | null = null;
  private brokers: string[] | null = null;
  private activeTransaction: Transaction | null = null;
  /** allowAutoTopicCreation: false: topics the kafka-wire producer has found (sends to them go straight on). */
  private readonly topicsFound = new Set<string>();
  /** allowAutoTopicCreation: false: the last send() waiting for its topics; later sends go after it, in call order. */
  private topicGate: Promise<void> | null = null;

  constructor(
    private readonly ctx: ProducerContext,
    private readonly config: ProducerConfig = {},
  ) {
    this.log = ctx.logger.namespace('Producer');
    if (config.compression !== undefined && compressionName(config.compression) === undefined) {
      throw new KafkaJSNonRetriableError(`Unknown compression code ${String(config.compression)}: use CompressionTypes`);
    }
  }

  /**
   * Resolves the brokers, makes the kafka-wire producer and waits until it has connected to a
   * broker and fetched the cluster's metadata, within kafkajs's retry budget; a transactional
   * producer then registers its transactional id (initTransactions).
   */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.doConnect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    try {
      this.brokers = await this.ctx.resolveBrokers();
    } catch (err) {
      throw toKafkaJSError(err);
    }
    const transactional = this.config.transactionalId !== undefined;
    const wire = this.createWire(-1, this.config.compression);
    this.provisional = !transactional;
    try {
      // As kafkajs's cluster.connect(): a broker within the retry budget, or
      // KafkaJSNumberOfRetriesExceeded (its originalError the last connection failure).
      await wire.waitForCluster(retryBudgetMs(this.ctx.retry, this.ctx.connectionTimeout)).catch((err: unknown) => {
        throw toKafkaJSError(err, 'record');
      });
      if (transactional) await wire.initTransactions().catch((err: unknown) => {
        throw toKafkaJSError(err);
      });
    } catch (err) {
      if (this.wire === wire) this.wire = null;
      this.provisional = false;
      await wire.close({ timeoutMs: 0 }).catch(() => {});
      throw err;
    }
    this.connected = true;
    this.emit(PRODUCER_EVENTS.CONNECT, null);
  }

  /**
   * Closes the kafka-wire producer: messages already handed over are still delivered (their
   * send() resolves), an open transaction is aborted. connect() may be called again afterwards.
   */
  async disconnect(): Promise<void> {
    if (this.connecting) await this.connecting.catch(() => {});
    const wire = this.wire;
    const wasConnected = this.connected;
    this.wire = null;
    this.connected = false;
    this.provisional = false;
    this.activeTransaction = null;
    if (wire) await wire.close();
    if (wasConnected) this.emit(PRODUCER_EVENTS.DISCONNECT, null);
  }

  /** Whether the kafka-wire producer is idempotent; before it is made, whether it will be with acks -1 (kafka-wire's default: on). */
  isIdempotent(): boolean {
    return this.wire?.config.enableIdempotence ?? this.config.idempotent ?? true;
  }

  logger(): FacadeLogger {
    return this.log;
  }

  /** Listens to an instrumentation event; returns the function that removes the listener. */
  on<T = unknown>(eventName: ProducerEventName, listener: (event: InstrumentationEvent<T>) => void): RemoveInstrumentationEventListener {
    if (!EVENT_NAMES.has(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${[...EVENT_NAMES].join(', ')}; got ${String(eventName)}`);
    }
    if (typeof listener !== 'function') throw new KafkaJSNonRetriableError('The listener must be a function');
    this.emitter.on(eventName, listener);
    return () => {
      this.emitter.off(eventName, listener);
    };
  }

  /** Sends messages to one topic; resolves with one entry per partition written. */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== 'object') throw new KafkaJSNonRetriableError('send() takes { topic, messages, acks?, timeout?, compression? }');
    return this.sendTopics([{ topic: record.topic, messages: record.messages }], record.acks, record.compression);
  }

  /** Sends messages to several topics in one call; the results of every topic, in one array. */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.topicMessages)) {
      throw new KafkaJSNonRetriableError('sendBatch() takes { topicMessages: [{ topic, messages }], acks?, timeout?, compression? }');
    }
    return this.sendTopics(batch.topicMessages, batch.acks, batch.compression);
  }

  /** Opens a transaction (a producer with a transactionalId, connected). */
  async transaction(): Promise<Transaction> {
    if (this.config.transactionalId === undefined) {
      throw new KafkaJSNonRetriableError('Must provide a transactionalId to the producer to use transactions');
    }
    const wire = this.requireWire();
    if (this.activeTransaction?.isActive()) {
      throw new KafkaJSNonRetriableError('A transaction is already open on this producer: commit or abort it before starting another');
    }
    try {
      wire.beginTransaction();
    } catch (err) {
      throw toKafkaJSError(err);
    }
    const tx = new Transaction(this, wire, (t) => {
      if (this.activeTransaction === t) this.activeTransaction = null;
    });
    this.activeTransaction = tx;
    return tx;
  }

  // --- internals -----------------------------------------------------------------------------

  /** @internal The sending path of send(), sendBatch() and a transaction's send(). */
  async sendTopics(list: readonly TopicMessages[], acks: number | undefined, compression: CompressionTypes | undefined): Promise<RecordMetadata[]> {
    validateTopicMessages(list);
    const wire = this.wireFor(acks, compression);
    const sends = this.config.allowAutoTopicCreation === false ? await this.afterTopicsFound(wire, list) : this.handOver(wire, list);
    const outcomes = await Promise.allSettled(sends);
    return resultsOf(outcomes);
  }

  /** Hands every message of the call to the kafka-wire producer, in order. */
  private handOver(wire: WireProducer, list: readonly TopicMessages[]): Promise<WireRecordMetadata>[] {
    const sends: Promise<WireRecordMetadata>[] = [];
    try {
      for (const { topic, messages } of list) {
        for (const m of messages) {
          sends.push(
            Promise.resolve(
              wire.send({
                topic,
                key: m.key ?? null,
                value: m,
                partition: m.partition ?? null,
                timestamp: timestampOf(m.timestamp),
                headers: headersOf(m.headers),
              }),
            ),
          );
        }
      }
    } catch (err) {
      // Messages before the one that threw are on their way; their outcomes are not reported.
      for (const s of sends) s.catch(() => {});
      throw toKafkaJSError(err, 'record');
    }
    return sends;
  }

  /**
   * allowAutoTopicCreation: false. kafka-wire would hold a send to a missing topic for
   * max.block.ms (60 s), and every later send behind it; kafkajs fails it after its retries.
   * So a call with a topic not found yet first waits for the topic's metadata, within kafkajs's
   * retry budget, and rejects (KafkaJSNumberOfRetriesExceeded, originalError
   * UNKNOWN_TOPIC_OR_PARTITION) without sending anything when it does not come. Calls made
   * meanwhile wait their turn, so messages still reach kafka-wire in call order. Once found, a
   * topic is not checked again (for this kafka-wire producer).
   */
  private afterTopicsFound(wire: WireProducer, list: readonly TopicMessages[]): Promise<Promise<WireRecordMetadata>[]> | Promise<WireRecordMetadata>[] {
    const unknown = new Set<string>();
    for (const { topic } of list) if (!this.topicsFound.has(topic)) unknown.add(topic);
    if (unknown.size === 0 && this.topicGate === null) return this.handOver(wire, list);
    const budget = retryBudgetMs({ ...this.ctx.retry, ...this.config.retry }, this.ctx.connectionTimeout);
    const previous = this.topicGate;
    const turn = (async () => {
      if (previous) await previous;
      const waits: Promise<unknown>[] = [];
      for (const topic of unknown) {
        if (!this.topicsFound.has(topic)) waits.push(wire.waitForTopic(topic, budget).then(() => this.topicsFound.add(topic)));
      }
      try {
        await Promise.all(waits);
      } catch (err) {
        for (const w of waits) w.catch(() => {});
        throw toKafkaJSError(err, 'record');
      }
      if (this.wire !== wire) throw new KafkaJSNonRetriableError('The producer was disconnected while the send waited for its topics');
      return this.handOver(wire, list);
    })();
    const gate = turn.then(
      () => {},
      () => {},
    );
    this.topicGate = gate;
    void gate.then(() => {
      if (this.topicGate === gate) this.topicGate = null;
    });
    return turn;
  }

  private requireWire(): WireProducer {
    if (!this.connected) throw new KafkaJSNonRetriableError('The producer is not connected: call connect() first');
    if (this.wire === null) throw new KafkaJSNonRetriableError('The producer is disconnected');
    return this.wire;
  }

  /** The kafka-wire producer for a send with these acks and codec: made now, or checked against them. */
  private wireFor(acks: number | undefined, compression: CompressionTypes | undefined): WireProducer {
    if (!this.connected) throw new KafkaJSNonRetriableError('The producer is not connected: call connect() first');
    const wantedAcks = acks ?? -1;
    if (wantedAcks !== -1 && wantedAcks !== 0 && wantedAcks !== 1) {
      throw new KafkaJSNonRetriableError(`acks must be -1 (all in-sync replicas), 1 (the leader) or 0 (none); got ${String(acks)}`);
    }
    if (compression !== undefined && compressionName(compression) === undefined) {
      throw new KafkaJSNonRetriableError(`Unknown compression code ${String(compression)}: use CompressionTypes`);
    }
    if (this.wire === null) return this.createWire(wantedAcks, this.config.compression ?? compression);
    if (this.provisional) {
      // The first send: the producer connect() made stays if it has this send's acks and codec,
      // else one with them replaces it (if it cannot be made, the next send tries again).
      const codec = this.config.compression ?? compression ?? CompressionTypes.None;
      if (wantedAcks === this.acks && codec === this.compression) {
        this.provisional = false;
        return this.wire;
      }
      const made = this.wire;
      const replacement = this.createWire(wantedAcks, codec);
      this.provisional = false;
      void made.close().catch(() => {});
      return replacement;
    }
    if (wantedAcks !== this.acks) {
      throw new KafkaJSNonRetriableError(
        `This producer sends with acks ${this.acks} (set by its first send${this.config.transactionalId !== undefined ? ': transactional producers use -1' : ''}); ` +
          `a send with acks ${wantedAcks} needs a producer of its own: kafka-wire sets acks per producer, not per send`,
      );
    }
    if (compression !== undefined && compression !== this.compression && !this.compressionWarned) {
      this.compressionWarned = true;
      this.log.warn(
        `compression ${compressionName(compression)} asked for, but this producer compresses with ${compressionName(this.compression)} (set when it was made); the messages are sent with ${compressionName(this.compression)}`,
      );
    }
    return this.wire;
  }

  private createWire(acks: number, compression: CompressionTypes | undefined): WireProducer {
    const c = this.config;
    const codec = compression ?? CompressionTypes.None;
    const options: ProducerOptions<WireKey, Message> = {
      ...this.ctx.wireOptions(c.retry),
      bootstrapServers: this.brokers!,
      clientId: this.ctx.clientId,
      acks: acks as -1 | 0 | 1,
      compressionType: compressionName(codec),
      enableIdempotence: c.idempotent,
      maxInFlightRequestsPerConnection: c.maxInFlightRequests ?? undefined,
      transactionalId: c.transactionalId,
      transactionTimeoutMs: c.transactionTimeout,
      metadataMaxAgeMs: c.metadataMaxAge,
      valueSerializer: MESSAGE_VALUE,
      logger: this.log.asWireLogger(),
    };
    let wire: WireProducer;
    try {
      options.partitioner = this.partitioner ??= wirePartitionerFor(c.createPartitioner);
      wire = new KafkaProducer<WireKey, Message>(options, {
        allowAutoTopicCreation: c.allowAutoTopicCreation !== false,
        onRequestDone: (trace) => this.onRequestDone(trace, wire.config.clientId),
      });
    } catch (err) {
      throw err instanceof TypeError ? new KafkaJSNonRetriableError(err.message, { cause: err }) : toKafkaJSError(err);
    }
    this.wire = wire;
    this.acks = acks;
    this.compression = codec;
    this.topicsFound.clear();
    return wire;
  }

  /**
   * producer.network.request (a request answered, or written when no answer is expected) and
   * producer.network.request_timeout (no answer within the request timeout), from kafka-wire's
   * connections: every request, Metadata and ApiVersions included, as kafkajs reports them.
   */
  private onRequestDone(t: RequestTrace, clientId: string): void {
    const type = t.timedOut ? PRODUCER_EVENTS.REQUEST_TIMEOUT : PRODUCER_EVENTS.REQUEST;
    if (this.emitter.listenerCount(type) === 0) return;
    const common: RequestTimeoutEventPayload = {
      apiKey: t.apiKey,
      apiName: t.apiName,
      apiVersion: t.version,
      broker: `${t.host}:${t.port}`,
      clientId,
      correlationId: t.correlationId,
      createdAt: t.createdAtMs,
      sentAt: t.sentAtMs,
      pendingDuration: t.sentAtMs - t.createdAtMs,
    };
    if (t.timedOut) this.emit(type, common);
    else this.emit(type, { ...common, duration: t.doneAtMs - t.sentAtMs, size: t.responseBytes } satisfies RequestEventPayload);
  }

  private emit(type: ProducerEventName, payload: unknown): void {
    if (this.emitter.listenerCount(type) === 0) return;
    const event: InstrumentationEvent<unknown> = { id: ++eventId, type, timestamp: Date.now(), payload };
    for (const listener of this.emitter.listeners(type)) {
      try {
        (listener as (e: InstrumentationEvent<unknown>) => void)(event);
      } catch (err) {
        this.log.error(`a ${type} listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}

/**
 * kafkajs's transaction object: send/sendBatch in the transaction, sendOffsets, then commit or
 * abort. After a failed commit, abort() is next (as in kafkajs).
 */
export class Transaction {
  private active = true;

  constructor(
    private readonly producer: Producer,
    private readonly wire: KafkaProducer<WireKey, Message>,
    private readonly ended: (tx: Transaction) => void,
  ) {}

  isActive(): boolean {
    return this.active;
  }

  private requireActive(): void {
    if (!this.active) throw new KafkaJSNonRetriableError('The transaction is not active: it was committed or aborted');
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.requireActive();
    if (record === null || typeof record !== 'object') throw new KafkaJSNonRetriableError('send() takes { topic, messages, acks?, timeout?, compression? }');
    return this.producer.sendTopics([{ topic: record.topic, messages: record.messages }], record.acks, record.compression);
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.requireActive();
    if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.topicMessages)) {
      throw new KafkaJSNonRetriableError('sendBatch() takes { topicMessages: [{ topic, messages }], acks?, timeout?, compression? }');
    }
    return this.producer.sendTopics(batch.topicMessages, batch.acks, batch.compression);
  }

  /**
   * Commits a consumer group's offsets with the transaction. Offsets are committed as given
   * (the next offset to read). Only the group id is sent: no generation or member id, so the
   * broker does not fence a consumer that lost its partitions.
   */
  async sendOffsets(args: Offsets & { consumerGroupId: string }): Promise<void> {
    this.requireActive();
    if (args === null || typeof args !== 'object' || typeof args.consumerGroupId !== 'string' || !Array.isArray(args.topics)) {
      throw new KafkaJSNonRetriableError('sendOffsets() takes { consumerGroupId, topics: [{ topic, partitions: [{ partition, offset }] }] }');
    }
    const offsets: TransactionOffset[] = [];
    for (const t of args.topics) {
      for (const p of t.partitions) {
        let offset: bigint;
        try {
          offset = BigInt(p.offset);
        } catch (err) {
          throw new KafkaJSNonRetriableError(`Invalid offset ${String(p.offset)} for ${t.topic}-${p.partition}`, { cause: err });
        }
        offsets.push({ topic: t.topic, partition: p.partition, offset });
      }
    }
    try {
      await this.wire.sendOffsetsToTransaction(offsets, { groupId: args.consumerGroupId });
    } catch (err) {
      throw toKafkaJSError(err);
    }
  }

  /** Sends what is queued and commits; if a message failed, rejects (then abort()). */
  async commit(): Promise<void> {
    this.requireActive();
    try {
      await this.wire.commitTransaction();
    } catch (err) {
      throw toKafkaJSError(err);
    }
    this.end();
  }

  /** Aborts: nothing of the transaction becomes visible to read_committed consumers. */
  async abort(): Promise<void> {
    this.requireActive();
    try {
      await this.wire.abortTransaction();
    } catch (err) {
      throw toKafkaJSError(err);
    }
    this.end();
  }

  private end(): void {
    this.active = false;
    this.ended(this);
  }
}

/** A call's result: one entry per topic-partition written, or its first failure. */
function resultsOf(outcomes: PromiseSettledResult<WireRecordMetadata>[]): RecordMetadata[] {
  const results = new Map<string, { entry: RecordMetadata; offset: bigint }>();
  for (const o of outcomes) {
    if (o.status === 'rejected') throw toKafkaJSError(o.reason, 'record');
    const md = o.value;
    const id = `${md.partition}:${md.topic}`;
    const seen = results.get(id);
    if (seen === undefined) {
      results.set(id, {
        entry: { topicName: md.topic, partition: md.partition, errorCode: 0, baseOffset: md.offset.toString(), logAppendTime: '-1', logStartOffset: '-1' },
        offset: md.offset,
      });
    } else if (md.offset < seen.offset) {
      seen.offset = md.offset;
      seen.entry.baseOffset = md.offset.toString();
    }
  }
  return [...results.values()].map((r) => r.entry);
}

function validateTopicMessages(list: readonly TopicMessages[]): void {
  for (const tm of list) {
    if (tm === null || typeof tm !== 'object' || typeof tm.topic !== 'string' || tm.topic === '') {
      throw new KafkaJSNonRetriableError(`Invalid topic ${JSON.stringify((tm as TopicMessages | null)?.topic)}`);
    }
    if (!Array.isArray(tm.messages)) throw new KafkaJSNonRetriableError(`Invalid messages array for topic "${tm.topic}": ${String(tm.messages)}`);
    for (const m of tm.messages) {
      if (m === null || typeof m !== 'object') throw new KafkaJSNonRetriableError(`Invalid message for topic "${tm.topic}": ${String(m)}`);
      if (m.value === undefined) {
        throw new KafkaJSNonRetriableError(`A message for topic "${tm.topic}" has no value: give value null for a tombstone`);
      }
    }
  }
}

function timestampOf(ts: Message['timestamp']): number | null {
  if (ts === undefined || ts === null) return null;
  const n = typeof ts === 'number' ? ts : Number(ts);
  if (!Number.isSafeInteger(n) || n < 0) throw new KafkaJSNonRetriableError(`Invalid message timestamp ${JSON.stringify(ts)}: milliseconds since the epoch`);
  return n;
}

function headersOf(headers: IHeaders | undefined): Header[] | null {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== 'object') throw new KafkaJSNonRetriableError('Message headers must be an object');
  const out: Header[] = [];
  for (const [key, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const one of v) out.push({ key, value: one ?? null });
    else out.push({ key, value: v ?? null });
  }
  return out;
}

