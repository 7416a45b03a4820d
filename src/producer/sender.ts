/**
 * Sender: the producer's I/O loop, as the Java client's Sender thread, on Node's event loop.
 *
 * One pass (runOnce): idempotence housekeeping (producer id, epoch bump) -> metadata refresh
 * if due -> ready leaders -> drain batches per leader -> expire batches past
 * delivery.timeout.ms -> one Produce request per broker. Then it sleeps exactly until the
 * next thing can happen (a linger or backoff deadline, an expiry, a reconnect, a metadata
 * refresh): one timer for the whole producer, never one per record, never a busy loop.
 * wakeup() runs a pass soon after a batch fills, a response frees an in-flight slot, a
 * connection becomes ready, metadata changes, or flush()/close() asks.
 *
 * Responses settle batches: success completes every record; retriable errors put the batch
 * back at the head of its queue with backoff while delivery.timeout.ms allows;
 * MESSAGE_TOO_LARGE splits it; anything else fails it with a typed error.
 */
import { BrokerPool } from '../net/broker-pool';
import type { Connection } from '../net/connection';
import { INIT_PRODUCER_ID_API, METADATA_API, PRODUCE_API } from '../protocol/api-keys';
import {
  brokerErrorFor,
  ConnectionError,
  ErrorCode,
  errorInfo,
  InvalidRecordError,
  KafkaError,
  MalformedResponseError,
  RecordTooLargeError,
  RequestTimedOutError,
  TimeoutError,
} from '../protocol/errors';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../protocol/messages/init-producer-id';
import { decodeMetadataResponse, encodeMetadataRequest, ZERO_UUID } from '../protocol/messages/metadata';
import {
  decodeProduceResponse,
  DetachedRecords,
  encodeProduceRequest,
  NodeEndpoint,
  PartitionProduceResponse,
  ProduceResponse,
  TopicProduceData,
} from '../protocol/messages/produce';
import type { RecordAccumulator } from './accumulator';
import {
  CHECK_SEQUENCE,
  DUPLICATE_IS_SUCCESS,
  FATAL,
  LEADER_HINT,
  POSSIBLY_PERSISTED,
  produceErrorAction,
  REFRESH_METADATA,
  requestFailureCode,
  RETRY,
  SPLIT,
} from './error-actions';
import type { Clock, TimerHandle } from '../net/clock';
import type { IdempotenceManager } from './idempotence';
import type { ProducerMetadata } from './metadata';
import type { EmitEvent } from './events';
import type { ProducerMetrics } from './metrics';
import { BatchList, LIST_IN_FLIGHT } from './batch-list';
import type { ProducerBatch } from './producer-batch';
import { topicPartitionKey } from './topic-partition';
import { PRODUCE_MAX_VERSION_TV1, TransactionManager } from './transactions';
import { connectionChannel, ProduceRequestMessage, produceRequestChannel, ProduceResponseMessage, produceResponseChannel, reportConnections } from '../tracing';


export interface SenderOptions {
  acks: number;
  requestTimeoutMs: number;
  maxRequestSize: number;
  maxInFlightRequestsPerConnection: number;
  retries: number;
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  batchSize: number;
  compression: number;
  compressionLevel?: number;
  /**
   * Metadata requests ask the broker to create missing topics (its auto.create.topics.enable
   * decides). Default true, as the Java producer always asks; kafka-wire/kafkajs passes false
   * for kafkajs's allowAutoTopicCreation: false.
   */
  allowAutoTopicCreation?: boolean;
}

export interface SenderHooks {
  /** Metadata changed: waiting send() calls may proceed. */
  onMetadataUpdate(): void;
  /** Whether send() calls are waiting (metadata or memory): keeps the loop and sockets alive. */
  hasWaitingSends(): boolean;
  /** False while the codec is still loading: batches are not closed (drained) until then. */
  canDrain(): boolean;
  emit?: EmitEvent;
}

export class Sender {
  private scheduled = false;
  private timer: TimerHandle | null = null;
  private timerDueMs = Infinity;
  private metadataInFlight = false;
  private initInFlight = false;
  private initRetryAtMs = 0;
  /** Batches in Produce requests awaiting an answer. */
  private readonly inFlightBatches = new BatchList(LIST_IN_FLIGHT);
  private running = true;
  private referenced = true;
  /** Produce requests sent and not yet answered (or written, for acks=0). */
  inFlightRequests = 0;
  /** Per node: no Produce before this time, as the broker asked (ThrottleTimeMs, KIP-219). */
  private readonly throttledUntilMs = new Map<number, number>();

  constructor(
    private readonly opts: SenderOptions,
    private readonly accumulator: RecordAccumulator,
    private readonly metadata: ProducerMetadata,
    private readonly pool: BrokerPool,
    private readonly idempotence: IdempotenceManager | null,
    private readonly clock: Clock,
    private readonly metrics: ProducerMetrics,
    private readonly hooks: SenderHooks,
    /** A transactional producer's transaction manager: it, not the sender, obtains the producer id. */
    private readonly transactions: TransactionManager | null = null,
  ) {
    pool.onChange = () => {
      this.wakeup();
      if (connectionChannel.hasSubscribers) reportConnections(pool.readyConnections());
    };
    // Java's NetworkClient asks for metadata on every disconnect, failed connection attempts
    // included: a leader killed without a goodbye is only found out that way, once the
    // cluster has moved its partitions.
    pool.onDisconnect = () => {
      this.metadata.handleDisconnect(this.clock.now(), this.metadataInFlight);
      this.wakeup();
    };
  }

  /** Made once: send() wakes the loop for most records, and a closure per call would allocate. */
  private readonly runDeferred = () => this.runOnce();

  /** Runs a pass soon (coalesced: many wakeups before it runs cost one pass). */
  wakeup(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    this.clock.defer(this.runDeferred);
  }

  get inFlightBatchCount(): number {
    return this.inFlightBatches.size;
  }

  private runOnce(): void {
    this.scheduled = false;
    if (!this.running) return;
    const now = this.clock.now();
    let delay = Infinity;
    try {
      if (this.transactions) delay = Math.min(delay, this.transactions.runOnce(now));
      else if (this.idempotence) delay = Math.min(delay, this.maybeInitProducerId(now));
      delay = Math.min(delay, this.maybeUpdateMetadata(now));
      delay = Math.min(delay, this.sendProducerData(now));
      delay = Math.min(delay, this.pool.closeIdle());
    } catch (err) {
      // A defect here must neither stall every record silently nor crash the host process:
      // fail what is pending with the cause, and warn.
      const failure = new KafkaError(`producer I/O loop failed: ${(err as Error)?.message}`, { cause: err });
      this.failAll(failure);
      process.emitWarning(failure);
    }
    this.updateReferences();
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    if (delayMs === 0) {
      this.wakeup();
      return;
    }
    if (!Number.isFinite(delayMs)) {
      if (this.timer) this.clock.clearTimeout(this.timer);
      this.timer = null;
      this.timerDueMs = Infinity;
      return;
    }
    const due = this.clock.now() + delayMs;
    if (this.timer && this.timerDueMs <= due) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerDueMs = due;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerDueMs = Infinity;
      this.runOnce();
    }, delayMs);
    if (!this.referenced) this.timer.unref?.();
  }

  /** Keeps the process alive exactly while records or sends are pending. */
  updateReferences(): void {
    const pending = this.accumulator.incomplete.size > 0 || this.hooks.hasWaitingSends() || this.initInFlight || (this.transactions?.hasPendingRequests ?? false);
    if (pending === this.referenced) return;
    this.referenced = pending;
    this.pool.setReferenced(pending);
    if (this.timer) {
      if (pending) this.timer.ref?.();
      else this.timer.unref?.();
    }
  }

  // --- idempotence -------------------------------------------------------------------------

  /** Makes sure a producer id exists before any Produce; returns the delay until it matters. */
  private maybeInitProducerId(now: number): number {
    const idem = this.idempotence!;
    if (idem.state === 'fatal') {
      this.failQueued(idem.fatalError!);
      return Infinity;
    }
    if (idem.maybeBumpEpoch() === 'bumped') this.hooks.emit?.('epochBump', { producerId: idem.producerId, epoch: idem.producerEpoch });
    if (idem.hasProducerId || this.initInFlight) return Infinity;
    // Only ask when something needs sending.
    if (this.accumulator.incomplete.size === 0) return Infinity;
    if (now < this.initRetryAtMs) return this.initRetryAtMs - now;
    const node = this.pool.leastLoadedNode();
    if (node === null) return this.pool.minReconnectDelayMs();
    const conn = this.pool.ready(node);
    if (!conn) return Infinity; // connecting: the pool wakes us
    this.initInFlight = true;
    idem.transitionTo('initializing');
    conn
      .request(
        INIT_PRODUCER_ID_API,
        (w, v) => encodeInitProducerIdRequest(w, v, { transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1, producerEpoch: -1 }),
        decodeInitProducerIdResponse,
      )
      .then(
        (res) => {
          // A fatal error meanwhile (a Produce answer) ends the idempotent producer for good.
          if (idem.state !== 'initializing') return;
          if (res.errorCode === ErrorCode.NONE) {
            idem.setProducerIdAndEpoch(res.producerId, res.producerEpoch);
            idem.rewritePending();
            this.hooks.emit?.('producerId', { producerId: res.producerId, epoch: res.producerEpoch });
          } else if (errorInfo(res.errorCode).retriable) {
            idem.transitionTo('uninitialized');
            this.initRetryAtMs = this.clock.now() + this.opts.retryBackoffMs;
          } else {
            idem.fail(brokerErrorFor(res.errorCode, 'InitProducerId failed'));
          }
        },
        () => {
          if (idem.state !== 'initializing') return;
          idem.transitionTo('uninitialized');
          this.initRetryAtMs = this.clock.now() + this.opts.retryBackoffMs;
        },
      )
      .finally(() => {
        this.initInFlight = false;
        this.wakeup();
      });
    return Infinity;
  }

  // --- metadata ----------------------------------------------------------------------------

  private maybeUpdateMetadata(now: number): number {
    if (this.metadataInFlight) return Infinity;
    const due = this.metadata.timeToNextUpdate(now);
    if (due > 0) return due;
    const node = this.pool.leastLoadedNode();
    if (node === null) return Math.max(1, this.pool.minReconnectDelayMs());
    const conn = this.pool.ready(node);
    if (!conn) return Infinity; // connecting: the pool wakes us
    const topics = this.metadata.topicsToRequest(now);
    this.metadataInFlight = true;
    this.metadata.markRequested();
    const req = { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: this.opts.allowAutoTopicCreation !== false, includeTopicAuthorizedOperations: false };
    conn
      .request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, req), decodeMetadataResponse)
      .then(
        (res) => {
          const cluster = this.metadata.update(res, this.clock.now());
          this.pool.updateBrokers(cluster.brokers.values());
          this.metrics.metadataUpdates++;
          this.hooks.onMetadataUpdate();
        },
        () => this.metadata.failedUpdate(this.clock.now()),
      )
      .finally(() => {
        this.metadataInFlight = false;
        this.wakeup();
      });
    return Infinity;
  }

  // --- produce -----------------------------------------------------------------------------

  private sendProducerData(now: number): number {
    const cluster = this.metadata.cluster;
    const result = this.accumulator.ready(cluster, now);
    if (result.unknownLeaderTopics.size > 0) {
      // Java's Sender.sendProducerData: a topic with queued records and no leader is (re)added,
      // so one dropped for idleness (metadata.max.idle.ms) during an outage is asked for again.
      for (const topic of result.unknownLeaderTopics) this.metadata.add(topic, now);
      this.metadata.requestUpdate();
    }
    let notReadyDelay = Infinity;
    const sendable: number[] = [];
    for (const node of result.readyNodes) {
      const conn = this.pool.ready(node);
      if (!conn) {
        this.accumulator.markNodeUnavailable(node, now);
        notReadyDelay = Math.min(notReadyDelay, this.pool.reconnectDelayMs(node) || Infinity);
        continue;
      }
      // A node at max.in.flight or throttled is not ready either (Java's NetworkClient.ready),
      // which partitioner.availability.timeout.ms counts against it.
      if (conn.inFlightCount >= this.opts.maxInFlightRequestsPerConnection) {
        this.accumulator.markNodeUnavailable(node, now);
        continue; // a response wakes us
      }
      const throttledFor = (this.throttledUntilMs.get(node) ?? 0) - now;
      if (throttledFor > 0) {
        this.accumulator.markNodeUnavailable(node, now);
        notReadyDelay = Math.min(notReadyDelay, throttledFor);
        continue;
      }
      this.accumulator.markNodeAvailable(node);
      sendable.push(node);
    }
    const drained = this.hooks.canDrain() ? this.accumulator.drain(cluster, sendable, this.opts.maxRequestSize, now) : new Map<number, ProducerBatch[]>();

    for (const b of this.accumulator.expiredBatches(now)) this.expire(b, now);
    for (const b of this.inFlightBatches) if (!b.isDone && b.hasReachedDeliveryTimeout(this.opts.deliveryTimeoutMs, now)) this.expire(b, now);

    for (const [node, batches] of drained) this.sendProduceRequest(node, batches, now);

    let delay = Math.min(result.nextReadyCheckDelayMs, notReadyDelay, this.accumulator.nextExpiryDelayMs(now));
    for (const b of this.inFlightBatches) if (!b.isDone) delay = Math.min(delay, Math.max(0, b.createdMs + this.opts.deliveryTimeoutMs - now));
    // More may be drainable right away (Java polls with timeout 0 when nodes were ready).
    if (drained.size > 0) delay = 0;
    return delay;
  }

  private expire(batch: ProducerBatch, now: number): void {
    const what = batch.isInFlight ? 'in flight' : 'queued';
    this.failBatch(
      batch,
      new TimeoutError(
        `Expiring ${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}: ${now - batch.createdMs} ms has passed since batch creation (${what}; delivery.timeout.ms is ${this.opts.deliveryTimeoutMs}).`,
        // Why the leader may not have been reached: its last failed connection attempt.
        causeOption(this.pool.lastConnectError(this.metadata.cluster.leaderFor(batch.topic, batch.partition))),
      ),
      undefined,
      true, // sent at least once if it has a sequence: it may be in the log
    );
  }

  private sendProduceRequest(node: number, batches: ProducerBatch[], now: number): void {
    const conn = this.pool.connectionFor(node) as Connection;
    const cluster = this.metadata.cluster;
    let version: number;
    try {
      version = conn.versionFor(PRODUCE_API);
    } catch (err) {
      for (const b of batches) this.failBatch(b, err as Error);
      return;
    }
    const byTopic = new Map<string, TopicProduceData>();
    for (const b of batches) {
      let t = byTopic.get(b.topic);
      if (!t) {
        const topicId = cluster.topics.get(b.topic)?.topicId ?? ZERO_UUID;
        t = { name: b.topic, topicId, partitionData: [] };
        byTopic.set(b.topic, t);
      }
      t.partitionData.push({ index: b.partition, records: b.closedBytes });
      b.markSent();
      this.inFlightBatches.add(b);
      this.accumulator.mute(b);
    }
    // Transaction version 1 keeps Produce at v11: v12+ would have the broker add partitions itself.
    if (this.transactions && !this.transactions.transactionV2) version = Math.min(version, PRODUCE_MAX_VERSION_TV1);
    // v13 names topics by id; without a known id, stay at v12 (as the Java client does).
    if (version >= 13) for (const t of byTopic.values()) if (!t.topicId || t.topicId === ZERO_UUID) version = 12;
    // The answer is read with the ids this request used: a refresh in between may drop or
    // change a topic, and the written batch must still be recognised (not retried).
    const nameById = new Map<string, string>();
    if (version >= 13) for (const t of byTopic.values()) nameById.set(t.topicId!, t.name);
    const request = { transactionalId: this.transactions?.transactionalId ?? null, acks: this.opts.acks, timeoutMs: this.opts.requestTimeoutMs, topicData: [...byTopic.values()] };
    const detached: DetachedRecords = { positions: [], records: [] };
    const expectResponse = this.opts.acks !== 0;
    let bytes = 0;
    for (const b of batches) bytes += b.closedBytes.length;
    this.metrics.recordRequest(node, batches, bytes);
    this.hooks.emit?.('request', { node, version, batches: batches.length, records: batches.reduce((n, b) => n + b.recordCount, 0), bytes });
    if (produceRequestChannel.hasSubscribers) {
      let records = 0;
      for (const b of batches) records += b.recordCount;
      produceRequestChannel.publish({ node, version, batches: batches.length, records, bytes } satisfies ProduceRequestMessage);
    }
    const sentAtMs = now;
    const v = version;
    this.inFlightRequests++;
    conn
      .send<ProduceResponse>(PRODUCE_API, v, (w) => encodeProduceRequest(w, v, request, detached), decodeProduceResponse, { detached, expectResponse })
      .then(
        (res) => {
          if (expectResponse && res.throttleTimeMs > 0) this.throttledUntilMs.set(node, this.clock.now() + res.throttleTimeMs);
          if (produceResponseChannel.hasSubscribers) produceResponseChannel.publish({ node, latencyMs: this.clock.now() - sentAtMs } satisfies ProduceResponseMessage);
          this.handleProduceResponse(batches, expectResponse ? res : null, v, nameById, sentAtMs, node);
        },
        (err: Error) => {
          if (produceResponseChannel.hasSubscribers) produceResponseChannel.publish({ node, latencyMs: this.clock.now() - sentAtMs, error: err } satisfies ProduceResponseMessage);
          this.handleRequestFailure(batches, err);
        },
      )
      .finally(() => {
        this.inFlightRequests--;
        this.wakeup();
      });
  }

  private handleProduceResponse(batches: ProducerBatch[], res: ProduceResponse | null, version: number, nameById: ReadonlyMap<string, string>, sentAtMs: number, node: number): void {
    const now = this.clock.now();
    this.metrics.recordLatency(node, now - sentAtMs);
    if (res) this.metrics.recordThrottle(res.throttleTimeMs);
    const byKey = new Map<string, PartitionProduceResponse>();
    if (res) {
      for (const t of res.responses) {
        const name = version >= 13 ? nameById.get(t.topicId) ?? '' : t.name;
        for (const p of t.partitionResponses) byKey.set(topicPartitionKey(name, p.index), p);
      }
    }
    for (const b of batches) {
      if (!this.returnFromFlight(b)) continue; // expired while in flight: its records already have their outcome
      if (!res) {
        this.completeBatch(b, -1, -1); // acks=0: done once written
        continue;
      }
      const pr = byKey.get(b.partitionKey);
      if (!pr) {
        const missing = new MalformedResponseError(`Produce response has no answer for ${b.topic}-${b.partition}`, { field: 'responses', apiKey: PRODUCE_API.apiKey, apiVersion: version });
        this.handleError(b, ErrorCode.NETWORK_EXCEPTION, missing, now, null, res.nodeEndpoints);
        continue;
      }
      if (pr.errorCode === ErrorCode.NONE) this.completeBatch(b, pr.baseOffset, pr.logAppendTimeMs);
      else this.handleError(b, pr.errorCode, null, now, pr, res.nodeEndpoints);
    }
  }

  /** The whole request failed: connection lost, request timed out, or a malformed response. */
  private handleRequestFailure(batches: ProducerBatch[], err: Error): void {
    const now = this.clock.now();
    const code = requestFailureCode(err instanceof RequestTimedOutError);
    const cause = err instanceof KafkaError ? err : new ConnectionError(err.message, { cause: err });
    for (const b of batches) {
      if (!this.returnFromFlight(b)) continue;
      this.handleError(b, code, cause, now, null, []);
    }
  }

  /**
   * A batch's error, answered or not: one switch over the action bits of error-actions.ts
   * (Java's Sender.completeBatch). `err` is the cause when the request itself failed.
   */
  private handleError(batch: ProducerBatch, code: number, err: Error | null, now: number, pr: PartitionProduceResponse | null, endpoints: readonly NodeEndpoint[]): void {
    const action = produceErrorAction(code, this.idempotence !== null);
    if (action & SPLIT && batch.recordCount > 1) {
      this.split(batch, now);
      return;
    }
    if (action & REFRESH_METADATA) {
      this.metadata.requestUpdate();
      // KIP-951: the broker names the new leader; use it now rather than after a refresh.
      if (action & LEADER_HINT && pr && pr.currentLeader.leaderId >= 0 && pr.currentLeader.leaderEpoch >= 0) {
        if (this.metadata.updateLeader(batch.topic, batch.partition, pr.currentLeader, endpoints)) this.pool.updateBrokers(this.metadata.cluster.brokers.values());
      }
    }
    const withinBudget = !batch.isDone && !batch.hasReachedDeliveryTimeout(this.opts.deliveryTimeoutMs, now) && batch.attempts < this.opts.retries;
    // A transaction that has failed or is being aborted retries nothing: it will not commit.
    const transactionEnding = this.transactions !== null && (this.transactions.hasError || this.transactions.state === 'aborting');
    let retry = withinBudget && !transactionEnding && (action & (RETRY | CHECK_SEQUENCE)) !== 0;
    if (retry) {
      // A timeout or lost answer: the attempt may be in the log. A sequence error is the broker
      // saying this sequence is not (a written batch in its last five would be a duplicate).
      if (action & POSSIBLY_PERSISTED) batch.possiblyWritten = true;
      else if (action & CHECK_SEQUENCE) batch.possiblyWritten = false;
      if (action & CHECK_SEQUENCE && batch.hasSequence) retry = this.idempotence!.checkSequenceError(batch, code === ErrorCode.UNKNOWN_PRODUCER_ID, pr?.logStartOffset ?? -1);
    }
    if (retry) {
      this.accumulator.reenqueue(batch, now);
      this.metrics.recordRetried(batch);
      this.hooks.emit?.('retry', { topic: batch.topic, partition: batch.partition, attempt: batch.attempts, error: errorInfo(code).name });
      return;
    }
    if (action & DUPLICATE_IS_SUCCESS) {
      // The broker already has this batch: a success whose offset it does not repeat.
      this.completeBatch(batch, pr?.baseOffset ?? -1, pr?.logAppendTimeMs ?? -1);
      return;
    }
    let error = err ?? brokerErrorFor(code, pr?.errorMessage ?? null);
    let recordErrors: Map<number, Error> | undefined;
    if (action & SPLIT) error = new RecordTooLargeError(`The record is larger than the broker accepts for ${batch.topic}-${batch.partition} (MESSAGE_TOO_LARGE).`, { cause: error });
    if (pr && pr.recordErrors.length > 0) {
      // Only the named records were invalid; the others fail because their batch did. As in
      // Java: one named record gets the partition's error type, several get InvalidRecordError.
      recordErrors = new Map();
      const single = pr.recordErrors.length === 1;
      for (const re of pr.recordErrors) {
        const message = re.batchIndexErrorMessage ?? pr.errorMessage;
        recordErrors.set(re.batchIndex, single ? brokerErrorFor(code, message) : new InvalidRecordError(message));
      }
      error = new KafkaError(`Failed to append record because it was part of a batch which had one or more invalid records (${errorInfo(code).name}).`, { cause: error });
    }
    // Every later send fails with it too (Java's maybeTransitionToErrorState; a transactional
    // producer's manager decides in failBatch).
    if (action & FATAL && !this.transactions) this.idempotence!.fail(error);
    // Without a definite refusal (time or retries ran out, or the last attempt timed out or
    // lost its connection), an earlier attempt may have been written.
    this.failBatch(batch, error, recordErrors, (action & POSSIBLY_PERSISTED) !== 0 || !withinBudget);
  }

  /** The batch's request came back; false when its records were settled meanwhile. */
  private returnFromFlight(batch: ProducerBatch): boolean {
    this.inFlightBatches.delete(batch);
    this.accumulator.unmute(batch);
    if (batch.returned()) return true;
    // A batch that expired while in flight kept its buffer until the request was done.
    this.accumulator.deallocate(batch);
    return false;
  }

  private split(batch: ProducerBatch, now: number): void {
    // Java splits into batch.size pieces. A batch whose records fit in batch.size (a topic with
    // max.message.bytes below batch.size) would come out of that as the same batch, refused
    // again until delivery.timeout.ms (KAFKA-8350): halve it instead, so splitting always
    // makes progress, down to single records (which then fail with RecordTooLargeError).
    const raw = batch.builder.sizeInBytes;
    const splitSize = raw > this.opts.batchSize ? this.opts.batchSize : Math.ceil(raw / 2);
    this.accumulator.resetRatioAfterSplit(batch);
    const parts = batch.split(splitSize, this.opts.compression, this.opts.compressionLevel);
    if (this.idempotence && batch.hasSequence) {
      // The pieces keep the big batch's place in the sequence: consecutive from its base.
      this.idempotence.replaceWithSplit(batch, parts);
    }
    this.accumulator.deallocate(batch);
    this.accumulator.reenqueueSplit(parts);
    for (const p of parts) p.lastAttemptMs = now;
    this.metrics.batchSplits++;
  }

  private completeBatch(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    this.idempotence?.handleCompleted(batch, baseOffset);
    this.metrics.recordCompleted(batch);
    batch.complete(baseOffset, logAppendTimeMs);
    this.accumulator.deallocate(batch);
  }

  private failBatch(batch: ProducerBatch, err: Error, recordErrors?: ReadonlyMap<number, Error>, fateUnknown = false): void {
    this.idempotence?.handleFailed(batch, fateUnknown);
    this.transactions?.onBatchFailed(err);
    this.metrics.recordFailed(batch);
    this.hooks.emit?.('batchError', { topic: batch.topic, partition: batch.partition, records: batch.recordCount, error: err });
    batch.fail(err, recordErrors);
    // One whose request is still out keeps its buffer until the request comes back.
    if (batch.state === 'failed') this.accumulator.deallocate(batch);
  }

  failQueued(err: Error): void {
    for (const b of this.accumulator.drainAllQueued()) this.failBatch(b, err);
  }

  /** Fails the queued batches whose leader is `nodeId` (authentication to it failed). */
  failQueuedForNode(nodeId: number, err: Error): void {
    const cluster = this.metadata.cluster;
    for (const b of this.accumulator.drainQueued((b) => cluster.leaderFor(b.topic, b.partition) === nodeId)) this.failBatch(b, err);
  }

  /** Fails every unfinished batch, queued or in flight (forced close, a defect in the loop). */
  failAll(err: Error): void {
    this.failQueued(err);
    // What is left was taken from its queue: in flight, or drained and not sent. A batch open
    // or sealed now was opened by a failed record's callback (a new send, which stays queued).
    // Java's RecordAccumulator.abortBatches leaves those out by copying `incomplete` before
    // failing anything; here that copy could hold a failed batch's object already begun again
    // for such a send (ProducerBatch.reuse), so the copy is taken after, and they are told apart
    // by state.
    for (const b of [...this.accumulator.incomplete]) if (!b.isDone && b.state !== 'open' && b.state !== 'sealed') this.failBatch(b, err);
  }

  /** Stops the loop and its timer (after the producer has settled everything). */
  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** `{ cause }` only when there is one, so `'cause' in err` stays meaningful. */
function causeOption(cause: Error | null): { cause: Error } | undefined {
  return cause ? { cause } : undefined;
}
