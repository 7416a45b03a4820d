/**
 * Transactions (KIP-98, KIP-447, KIP-890): the transactional half of the Java client's
 * TransactionManager, driven by the sender's loop. The idempotence manager keeps the producer
 * id, epoch and sequences; this owns the transaction's state, its coordinator requests, and
 * which partitions may be drained.
 *
 * States and legal moves (TXN_MOVES; Java's State.isTransitionValid, without two-phase commit):
 *
 *   uninitialized -> initializing -> ready -> in-transaction -> committing  -> ready
 *                                                            \-> aborting   -> ready
 *   in-transaction, committing, initializing -> abortable-error -> aborting -> ready
 *   any -> fatal-error (only close() works after it)
 *
 * Coordinator requests go one at a time, in priority order (Java's Priority): FindCoordinator,
 * InitProducerId, AddPartitionsToTxn / AddOffsetsToTxn / TxnOffsetCommit, EndTxn, then an
 * epoch bump. EndTxn waits until every record of the transaction has its outcome. Each
 * response is handled as Java's handler of the same name handles it: coordinator moves and
 * loads (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) look the
 * coordinator up again and retry, CONCURRENT_TRANSACTIONS retries after a short backoff,
 * fencing and authorization are fatal, the rest abortable.
 *
 * Two protocols, chosen from the broker's finalized feature `transaction.version` as Java
 * 4.x does: version 1 adds each partition with AddPartitionsToTxn before its first batch is
 * drained, and Produce stays at v11 or below; version 2 (KIP-890 part 2) lets Produce (v12+)
 * add partitions, skips AddOffsetsToTxn, and EndTxn (v5) returns a new epoch every time.
 *
 * Differences from Java, on purpose:
 * - Produce requests of partitions already in the transaction go on while a coordinator
 *   request is out (Java's loop sends nothing else meanwhile); drain still waits for a
 *   partition until it has been added, and EndTxn until every batch is done.
 * - Once the transaction has an error, a batch's retriable error is not retried: the batch
 *   fails (the transaction will be aborted, and its epoch bumped, so nothing it would write
 *   could become visible) instead of being renumbered around the gap as Java does.
 *
 * Locality: sender loop and the producer's public transaction methods.
 */
import type { BrokerPool } from '../net/broker-pool';
import type { Clock } from '../net/clock';
import type { Connection } from '../net/connection';
import { transition, TransitionTable } from '../net/state-machine';
import {
  ADD_OFFSETS_TO_TXN_API,
  ADD_PARTITIONS_TO_TXN_API,
  ApiSpec,
  END_TXN_API,
  FIND_COORDINATOR_API,
  INIT_PRODUCER_ID_API,
  TXN_OFFSET_COMMIT_API,
} from '../protocol/api-keys';
import {
  brokerErrorFor,
  ClusterAuthorizationError,
  CommitFailedError,
  ConnectionError,
  ErrorCode,
  errorInfo,
  IllegalStateError,
  InvalidArgumentError,
  InvalidProducerIdMappingError,
  KafkaError,
  ProducerFencedError,
  RequestTimedOutError,
  TimeoutError,
  TopicAuthorizationError,
  TransactionAbortedError,
  TransactionalIdAuthorizationError,
  UnsupportedVersionError,
} from '../protocol/errors';
import { decodeAddOffsetsToTxnResponse, encodeAddOffsetsToTxnRequest } from '../protocol/messages/add-offsets-to-txn';
import { decodeAddPartitionsToTxnResponse, encodeAddPartitionsToTxnRequest } from '../protocol/messages/add-partitions-to-txn';
import { decodeEndTxnResponse, encodeEndTxnRequest } from '../protocol/messages/end-txn';
import { decodeFindCoordinatorResponse, encodeFindCoordinatorRequest } from '../protocol/messages/find-coordinator';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../protocol/messages/init-producer-id';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest } from '../protocol/messages/txn-offset-commit';
import type { Reader } from '../protocol/reader';
import type { Writer } from '../protocol/writer';
import type { EmitEvent } from './events';
import type { IdempotenceManager } from './idempotence';
import { topicPartitionKey } from './topic-partition';

export type TransactionState =
  | 'uninitialized'
  | 'initializing'
  | 'ready'
  | 'in-transaction'
  | 'committing'
  | 'aborting'
  | 'abortable-error'
  | 'fatal-error';

/** Java's State.isTransitionValid (two-phase commit left out); fatal-error is reachable from anywhere. */
export const TXN_MOVES: TransitionTable<TransactionState> = {
  uninitialized: ['initializing', 'fatal-error'],
  initializing: ['ready', 'abortable-error', 'fatal-error'],
  ready: ['in-transaction', 'uninitialized', 'fatal-error'],
  'in-transaction': ['committing', 'aborting', 'abortable-error', 'fatal-error'],
  committing: ['ready', 'initializing', 'abortable-error', 'fatal-error'],
  aborting: ['ready', 'initializing', 'fatal-error'],
  'abortable-error': ['aborting', 'abortable-error', 'uninitialized', 'fatal-error'],
  'fatal-error': ['fatal-error'],
};

/** The last stable versions before transaction version 2 (Java's LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2). */
export const PRODUCE_MAX_VERSION_TV1 = 11;
const END_TXN_MAX_VERSION_TV1 = 4;
const TXN_OFFSET_COMMIT_MAX_VERSION_TV1 = 4;
/** Java's ADD_PARTITIONS_RETRY_BACKOFF_MS: the first AddPartitionsToTxn after a commit meets CONCURRENT_TRANSACTIONS. */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;
const NO_COORDINATOR = -1;

const enum Priority {
  FIND_COORDINATOR = 0,
  INIT_PRODUCER_ID = 1,
  ADD_PARTITIONS_OR_OFFSETS = 2,
  END_TXN = 3,
  EPOCH_BUMP = 4,
}

type CoordinatorType = 'transaction' | 'group';
const KEY_TYPE: Record<CoordinatorType, number> = { group: 0, transaction: 1 };

/** An offset to commit with the transaction (the next record the consumer should read). */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: number | bigint;
  /** The consumer's leader epoch for the offset, if known. */
  leaderEpoch?: number;
  metadata?: string | null;
}

/** The consumer's group membership (Java's ConsumerGroupMetadata); the broker checks the KIP-447 fields when given. */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

/** A promise for the outcome of one transactional operation, shared by a caller that retries it. */
class OperationResult {
  readonly promise: Promise<void>;
  private resolveFn!: () => void;
  private rejectFn!: (err: Error) => void;
  settled = false;
  /** A caller received the outcome (within max.block.ms): the operation is over (Java's isAcked). */
  acked = false;

  constructor(readonly operation: string) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // A caller that gave up (max.block.ms) does not hear the outcome: never an unhandled rejection.
    this.promise.catch(() => {});
  }

  done(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn();
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(err);
  }
}

interface TxnRequest {
  readonly name: string;
  readonly priority: Priority;
  /** Where it goes: a coordinator, or (null) the least loaded broker. */
  readonly coordinator: CoordinatorType | null;
  readonly coordinatorKey: string;
  readonly api: ApiSpec;
  readonly result: OperationResult;
  readonly isEndTxn?: boolean;
  /** No sooner than this (a retry's backoff). */
  notBeforeMs: number;
  /** Highest version to use (the protocol version caps some APIs). */
  maxVersion(): number;
  encode(w: Writer, version: number): void;
  decode(r: Reader, version: number): unknown;
  handle(res: unknown, version: number): void;
}

export interface TransactionManagerOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  retryBackoffMs: number;
  requestTimeoutMs: number;
}

export interface TransactionHooks {
  /** Whether records of the transaction are still queued, waiting or in flight (EndTxn waits). */
  hasIncomplete(): boolean;
  /** Fails the records not yet in a request (an aborting or failed transaction). */
  abortUndrained(err: Error): void;
  /** Runs the sender's loop soon (a request to send, an answer handled). */
  wakeup(): void;
  emit?: EmitEvent;
}

export class TransactionManager {
  state: TransactionState = 'uninitialized';
  /** The error that put the manager in abortable-error or fatal-error. */
  lastError: Error | null = null;
  /** Transaction version 2 (KIP-890 part 2) in use, from the brokers' finalized features. */
  transactionV2 = false;
  private featuresEpoch = -1;
  private observedTransactionVersion = 0;
  private observedFeaturesEpoch = -1;
  private readonly coordinators: Record<CoordinatorType, number> = { transaction: NO_COORDINATOR, group: NO_COORDINATOR };
  private readonly pending: TxnRequest[] = [];
  private inFlight: TxnRequest | null = null;
  /** Partitions the coordinator has added to the transaction (drain may send to them). */
  private readonly partitionsInTransaction = new Set<string>();
  /** Partitions to add with the next AddPartitionsToTxn, and those in the one out now. */
  private readonly newPartitions = new Map<string, { topic: string; partition: number }>();
  private readonly pendingPartitions = new Set<string>();
  /** Something was added to the transaction (a partition or offsets): EndTxn must be sent. */
  private transactionStarted = false;
  /** The next transaction must start under a new epoch (after an abortable error, with version 1). */
  private epochBumpRequired = false;
  /** The operation under way (initTransactions, commitTransaction, abortTransaction), for a caller that calls again. */
  private pendingTransition: { result: OperationResult; state: TransactionState; operation: string } | null = null;

  constructor(
    private readonly opts: TransactionManagerOptions,
    private readonly idempotence: IdempotenceManager,
    private readonly pool: BrokerPool,
    private readonly clock: Clock,
    private readonly hooks: TransactionHooks,
  ) {
    idempotence.sendGate = (topic, partition) => this.isSendToPartitionAllowed(topic, partition);
  }

  get transactionalId(): string {
    return this.opts.transactionalId;
  }

  private transitionTo(next: TransactionState, error?: Error): void {
    this.state = transition('transaction', TXN_MOVES, this.state, next);
    if (next === 'abortable-error' || next === 'fatal-error') this.lastError = error ?? this.lastError;
    else this.lastError = null;
  }

  get hasError(): boolean {
    return this.state === 'abortable-error' || this.state === 'fatal-error';
  }

  // --- public operations (KafkaProducer) ----------------------------------------------------

  initTransactions(): Promise<void> {
    return this.cachedOperation('initTransactions', 'initializing', () => {
      this.throwIfFatal();
      if (this.state !== 'uninitialized') throw this.wrongState('initTransactions', 'it has completed already');
      this.transitionTo('initializing');
      const result = new OperationResult('initTransactions');
      this.enqueue(this.initProducerIdRequest(result, false));
      return result;
    });
  }

  beginTransaction(): void {
    this.throwIfPendingOperation('beginTransaction');
    this.throwIfError();
    if (this.state !== 'ready') throw this.wrongState('beginTransaction', this.state === 'uninitialized' ? 'call initTransactions() first' : undefined);
    this.transitionTo('in-transaction');
  }

  /**
   * commitTransaction: EndTxn(commit) is queued at once and goes once every record of the
   * transaction has its outcome (the producer flushes meanwhile); a record that fails before
   * then makes the commit fail with the transaction's error.
   */
  beginCommit(): Promise<void> {
    return this.cachedOperation('commitTransaction', 'committing', () => {
      this.throwIfError();
      if (this.state !== 'in-transaction') throw this.wrongState('commitTransaction');
      this.transitionTo('committing');
      return this.beginCompleting(true);
    });
  }

  beginAbort(): Promise<void> {
    return this.cachedOperation('abortTransaction', 'aborting', () => {
      this.throwIfFatal();
      if (this.state !== 'in-transaction' && this.state !== 'abortable-error') throw this.wrongState('abortTransaction');
      this.transitionTo('aborting');
      this.newPartitions.clear();
      this.hooks.abortUndrained(new TransactionAbortedError('The transaction was aborted before this record was sent.'));
      return this.beginCompleting(false);
    });
  }

  /** Java's sendOffsetsToTransaction: AddOffsetsToTxn (version 1) and TxnOffsetCommit to the group's coordinator. */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.throwIfPendingOperation('sendOffsetsToTransaction');
    this.throwIfError();
    if (this.state !== 'in-transaction') throw this.wrongState('sendOffsetsToTransaction');
    const result = new OperationResult('sendOffsetsToTransaction');
    if (this.transactionV2) {
      this.transactionStarted = true;
      this.enqueue(this.txnOffsetCommitRequest(result, offsets, group));
    } else {
      this.enqueue(this.addOffsetsRequest(result, offsets, group));
    }
    this.hooks.wakeup();
    return result.promise;
  }

  /**
   * Called by send() before a record is accepted: a record may go only into an open
   * transaction. Returns the error the record must fail with (send() does not throw): an
   * IllegalStateError in the wrong state, the transaction's error when it cannot take the
   * record (abortable or fatal); else null.
   */
  checkSend(): Error | null {
    if (this.state === 'in-transaction') return null;
    if (this.hasError) return this.lastError ?? new KafkaError(`transaction in state ${this.state}`);
    if (this.state === 'uninitialized' || this.state === 'initializing') return this.wrongState('send', 'call initTransactions() first');
    return this.wrongState('send', this.state === 'ready' ? 'call beginTransaction() first' : undefined);
  }

  /**
   * A record is about to open a batch of `topic`-`partition` (Java's maybeAddPartition). With
   * version 1 the partition is added with the next AddPartitionsToTxn; with version 2 Produce adds it.
   */
  maybeAddPartition(topic: string, partition: number): void {
    const key = topicPartitionKey(topic, partition);
    if (this.partitionsInTransaction.has(key)) return;
    if (this.transactionV2) {
      this.partitionsInTransaction.add(key);
      this.transactionStarted = true;
      return;
    }
    if (this.pendingPartitions.has(key) || this.newPartitions.has(key)) return;
    this.newPartitions.set(key, { topic, partition });
  }

  /** Whether batches of the partition may be drained: it is in the transaction, and nothing failed for good. */
  isSendToPartitionAllowed(topic: string, partition: number): boolean {
    if (this.state === 'fatal-error') return false;
    return this.partitionsInTransaction.has(topicPartitionKey(topic, partition));
  }

  /**
   * A batch failed for good (Java's maybeTransitionToErrorState): fencing, authorization and
   * unsupported versions end the producer; anything else makes the transaction abortable.
   */
  onBatchFailed(err: Error): void {
    if (isFatal(err)) {
      this.fatalError(err);
      return;
    }
    // Already failed or aborting: the first error is the one reported.
    if (this.state !== 'in-transaction' && this.state !== 'committing') return;
    if (!this.transactionV2) this.epochBumpRequired = true;
    const abortable = err instanceof KafkaError && err.retriable ? new TransactionAbortedError(`A record of the transaction failed after its retries: ${err.message}`, { cause: err }) : err;
    this.transitionTo('abortable-error', abortable);
  }

  /** Coordinator requests are queued or out: the process must stay alive for them. */
  get hasPendingRequests(): boolean {
    return this.pending.length > 0 || this.inFlight !== null;
  }

  /** The operation under way (a commit or abort), for close() to wait for. */
  get pendingOperation(): Promise<void> | null {
    const pending = this.currentTransition();
    return pending && !pending.result.settled ? pending.result.promise : null;
  }

  /** The producer closes without grace: every pending operation fails. */
  close(err: Error): void {
    for (const r of this.pending.splice(0)) r.result.fail(err);
    this.pendingTransition?.result.fail(err);
    this.pendingTransition = null;
  }

  // --- the sender's loop ----------------------------------------------------------------------

  /**
   * One pass: abort undrained records of a failed or aborting transaction, then send the next
   * coordinator request if none is out. Returns the delay until it should run again.
   */
  runOnce(now: number): number {
    if (this.state === 'fatal-error') {
      this.hooks.abortUndrained(this.lastError!);
      return Infinity;
    }
    if (this.state === 'abortable-error' && (this.lastError instanceof TransactionalIdAuthorizationError || this.lastError instanceof ClusterAuthorizationError)) {
      // Java's Sender.shouldHandleAuthorizationError: fail what is pending and start over, so
      // that initTransactions() can be called again once access is granted.
      const err = this.lastError;
      this.hooks.abortUndrained(err);
      for (const r of this.pending.splice(0)) r.result.fail(err);
      this.pendingTransition?.result.fail(err);
      this.transitionTo('uninitialized');
      return Infinity;
    }
    if (this.state === 'abortable-error') {
      this.hooks.abortUndrained(this.lastError!);
      // A commit under way, offsets waiting: they fail with the error (Java's maybeTerminateRequestWithError).
      for (const r of this.pending.splice(0)) r.result.fail(this.lastError!);
      this.pendingTransition?.result.fail(this.lastError!);
    }
    this.updateObservedFeatures();
    if (this.inFlight) return Infinity;
    if (this.newPartitions.size > 0 && this.state !== 'aborting') this.enqueueAddPartitions();
    const next = this.pending[0];
    if (!next) return Infinity;
    if (next.isEndTxn && this.hooks.hasIncomplete()) return Infinity; // a finished batch wakes the loop
    if (next.isEndTxn && !this.transactionStarted) {
      // Nothing was added: there is nothing for the coordinator to end (Java's nextRequest).
      this.pending.shift();
      this.resetTransaction();
      // With an epoch bump due, the operation completes with the bump.
      if (this.epochBumpRequired) this.enqueueEpochBump(next.result);
      else this.completeTransition(next.result, 'ready');
      return 0;
    }
    if (next.notBeforeMs > now) return next.notBeforeMs - now;
    let node: number | null;
    if (next.coordinator) {
      node = this.coordinators[next.coordinator];
      if (node === NO_COORDINATOR) {
        this.lookupCoordinator(next.coordinator, next.coordinatorKey);
        return 0;
      }
    } else {
      node = this.pool.leastLoadedNode();
      if (node === null) return Math.max(1, this.pool.minReconnectDelayMs());
    }
    const conn = this.pool.ready(node);
    if (!conn) {
      if (next.coordinator && this.pool.connectFailures(node) !== 0) {
        // The coordinator cannot be reached (its broker died) or left the cluster: look it up
        // again and retry after the backoff (Java's Sender.maybeFindCoordinatorAndRetry). Its
        // partitions move once the broker's session expires, and then the answer names another.
        next.notBeforeMs = now + this.opts.retryBackoffMs;
        this.lookupCoordinator(next.coordinator, next.coordinatorKey);
        return 0;
      }
      const delay = this.pool.reconnectDelayMs(node);
      return delay > 0 ? delay : Infinity; // connecting: the pool wakes us
    }
    this.pending.shift();
    this.send(next, node, conn);
    return Infinity;
  }

  private send(req: TxnRequest, node: number, conn: Connection): void {
    let version: number;
    try {
      version = Math.min(conn.versionFor(req.api), req.maxVersion());
    } catch (err) {
      this.fatalError(err as Error, req.result);
      return;
    }
    this.inFlight = req;
    this.hooks.emit?.('transactionRequest', { api: req.api.name, node, version });
    conn
      .send(req.api, version, (w) => req.encode(w, version), (r) => req.decode(r, version), { timeoutMs: this.opts.requestTimeoutMs })
      .then(
        (res) => {
          this.inFlight = null;
          req.handle(res, version);
        },
        (err: Error) => {
          this.inFlight = null;
          if (!(err instanceof ConnectionError || err instanceof RequestTimedOutError)) {
            // Not a network failure: the request could not be written (a version without a
            // needed field) or its answer not read. Java fails the producer on both.
            this.fatalError(err instanceof KafkaError ? err : new KafkaError(`${req.name} failed: ${err.message}`, { cause: err }), req.result);
            return;
          }
          // Disconnected or timed out: find the coordinator again (it may have moved), retry.
          if (req.coordinator) this.lookupCoordinator(req.coordinator, req.coordinatorKey);
          this.retry(req);
        },
      )
      .catch((err: Error) => this.fatalError(new KafkaError(`transaction handling failed: ${err.message}`, { cause: err }), req.result))
      .finally(() => this.hooks.wakeup());
  }

  /** Java's maybeUpdateTransactionV2Enabled: the newest finalized features seen on any connection. */
  private updateObservedFeatures(): void {
    for (const conn of this.pool.readyConnections()) {
      const res = conn.apiVersionsResponse;
      if (!res || res.finalizedFeaturesEpoch <= this.observedFeaturesEpoch) continue;
      this.observedFeaturesEpoch = res.finalizedFeaturesEpoch;
      const tv = res.finalizedFeatures.find((f) => f.name === 'transaction.version');
      this.observedTransactionVersion = tv ? tv.maxVersionLevel : 0;
    }
  }

  /** Applies the observed transaction version at the points Java does (init, and before EndTxn). */
  private applyTransactionVersion(onInitialization: boolean): void {
    this.updateObservedFeatures();
    if (this.observedFeaturesEpoch <= this.featuresEpoch) return;
    this.featuresEpoch = this.observedFeaturesEpoch;
    const was = this.transactionV2;
    this.transactionV2 = this.observedTransactionVersion >= 2;
    // Moving to version 2 starts the next transaction under a new epoch (KIP-890).
    if (!onInitialization && !was && this.transactionV2) this.epochBumpRequired = true;
  }

  // --- requests -------------------------------------------------------------------------------

  private enqueue(req: TxnRequest): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].priority > req.priority) i--;
    this.pending.splice(i, 0, req);
    this.hooks.wakeup();
  }

  private retry(req: TxnRequest, backoffMs = this.opts.retryBackoffMs): void {
    req.notBeforeMs = this.clock.now() + backoffMs;
    this.enqueue(req);
  }

  private lookupCoordinator(type: CoordinatorType, key: string): void {
    this.coordinators[type] = NO_COORDINATOR;
    if (this.pending.some((r) => r.api === FIND_COORDINATOR_API && r.coordinatorKey === key)) return;
    if (this.inFlight?.api === FIND_COORDINATOR_API && this.inFlight.coordinatorKey === key) return;
    const result = new OperationResult('FindCoordinator');
    const req: TxnRequest = {
      name: 'FindCoordinator',
      priority: Priority.FIND_COORDINATOR,
      coordinator: null,
      coordinatorKey: key,
      api: FIND_COORDINATOR_API,
      result,
      notBeforeMs: 0,
      maxVersion: () => FIND_COORDINATOR_API.maxVersion,
      encode: (w, v) => encodeFindCoordinatorRequest(w, v, { keyType: KEY_TYPE[type], keys: [key] }),
      decode: decodeFindCoordinatorResponse,
      handle: (res) => {
        const coordinators = (res as ReturnType<typeof decodeFindCoordinatorResponse>).coordinators;
        const c = coordinators.find((x) => x.key === key || x.key === '') ?? coordinators[0];
        if (!c) {
          this.fatalError(new KafkaError(`FindCoordinator for ${type} ${key} returned no coordinator`), result);
          return;
        }
        if (c.errorCode === ErrorCode.NONE) {
          this.pool.addNode({ nodeId: c.nodeId, host: c.host, port: c.port });
          this.coordinators[type] = c.nodeId;
          this.hooks.emit?.('coordinator', { type, key, nodeId: c.nodeId });
          result.done();
        } else if (errorInfo(c.errorCode).retriable) this.retry(req);
        else if (c.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) this.fatalError(brokerErrorFor(c.errorCode, c.errorMessage), result);
        else if (c.errorCode === ErrorCode.GROUP_AUTHORIZATION_FAILED || c.errorCode === ErrorCode.TRANSACTION_ABORTABLE)
          this.abortableError(brokerErrorFor(c.errorCode, c.errorMessage ?? `group ${key}`), result);
        else this.fatalError(new KafkaError(`Could not find the ${type} coordinator for ${key}: ${errorInfo(c.errorCode).name}`, { cause: brokerErrorFor(c.errorCode, c.errorMessage) }), result);
      },
    };
    this.enqueue(req);
  }

  /** InitProducerId with the transactional id; with the current id and epoch, an epoch bump (KIP-360). */
  private initProducerIdRequest(result: OperationResult, isEpochBump: boolean): TxnRequest {
    const producerId = isEpochBump ? this.idempotence.producerId : -1;
    const producerEpoch = isEpochBump ? this.idempotence.producerEpoch : -1;
    const req: TxnRequest = {
      name: 'InitProducerId',
      priority: isEpochBump ? Priority.EPOCH_BUMP : Priority.INIT_PRODUCER_ID,
      coordinator: 'transaction',
      coordinatorKey: this.opts.transactionalId,
      api: INIT_PRODUCER_ID_API,
      result,
      notBeforeMs: 0,
      maxVersion: () => INIT_PRODUCER_ID_API.maxVersion,
      encode: (w, v) => {
        if (isEpochBump && v < 3) throw new UnsupportedVersionError('the transaction coordinator cannot bump the epoch (InitProducerId v3+ is needed, Kafka 2.5 or later)');
        encodeInitProducerIdRequest(w, v, { transactionalId: this.opts.transactionalId, transactionTimeoutMs: this.opts.transactionTimeoutMs, producerId, producerEpoch });
      },
      decode: decodeInitProducerIdResponse,
      handle: (res) => {
        const r = res as ReturnType<typeof decodeInitProducerIdResponse>;
        const code = r.errorCode;
        if (code === ErrorCode.NONE) {
          if (!isEpochBump) this.applyTransactionVersion(true);
          this.idempotence.resetProducerIdAndEpoch(r.producerId, r.producerEpoch);
          this.epochBumpRequired = false;
          this.hooks.emit?.(isEpochBump ? 'epochBump' : 'producerId', { producerId: r.producerId, epoch: r.producerEpoch });
          this.completeTransition(result, 'ready');
        } else if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
          this.lookupCoordinator('transaction', this.opts.transactionalId);
          this.retry(req);
        } else if (errorInfo(code).retriable) this.retry(req);
        else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) this.abortableError(brokerErrorFor(code), result);
        else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.fatalError(fenced(), result);
        else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(brokerErrorFor(code), result);
        else this.fatalError(new KafkaError(`Unexpected error in InitProducerId: ${errorInfo(code).name}`, { cause: brokerErrorFor(code) }), result);
      },
    };
    return req;
  }

  private enqueueAddPartitions(): void {
    const adding = [...this.newPartitions.entries()];
    this.newPartitions.clear();
    const byTopic = new Map<string, number[]>();
    for (const [key, tp] of adding) {
      this.pendingPartitions.add(key);
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    const result = new OperationResult('AddPartitionsToTxn');
    const producerId = this.idempotence.producerId;
    const producerEpoch = this.idempotence.producerEpoch;
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    const req: TxnRequest = {
      name: 'AddPartitionsToTxn',
      priority: Priority.ADD_PARTITIONS_OR_OFFSETS,
      coordinator: 'transaction',
      coordinatorKey: this.opts.transactionalId,
      api: ADD_PARTITIONS_TO_TXN_API,
      result,
      notBeforeMs: 0,
      maxVersion: () => ADD_PARTITIONS_TO_TXN_API.maxVersion,
      encode: (w, v) => encodeAddPartitionsToTxnRequest(w, v, { transactionalId: this.opts.transactionalId, producerId, producerEpoch, topics }),
      decode: decodeAddPartitionsToTxnResponse,
      handle: (res) => {
        const r = res as ReturnType<typeof decodeAddPartitionsToTxnResponse>;
        let partitionErrors = false;
        const unauthorized = new Set<string>();
        const answered: string[] = [];
        for (const t of r.results) {
          for (const p of t.partitions) {
            answered.push(topicPartitionKey(t.name, p.partitionIndex));
            const code = p.errorCode;
            if (code === ErrorCode.NONE) continue;
            if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) {
              this.lookupCoordinator('transaction', this.opts.transactionalId);
              this.retry(req);
              return;
            }
            if (code === ErrorCode.CONCURRENT_TRANSACTIONS) {
              // The previous transaction is still completing: try again soon, not after a full backoff.
              this.retry(req, this.partitionsInTransaction.size === 0 ? Math.min(ADD_PARTITIONS_RETRY_BACKOFF_MS, this.opts.retryBackoffMs) : this.opts.retryBackoffMs);
              return;
            }
            if (errorInfo(code).retriable) {
              this.retry(req);
              return;
            }
            if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
              this.fatalError(fenced(), result);
              return;
            }
            if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) {
              this.fatalError(brokerErrorFor(code), result);
              return;
            }
            if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
              this.epochBumpRequired = true;
              this.abortableError(brokerErrorFor(code), result);
              return;
            }
            if (code === ErrorCode.TRANSACTION_ABORTABLE) {
              this.abortableError(brokerErrorFor(code), result);
              return;
            }
            if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) unauthorized.add(t.name);
            else partitionErrors = true; // OPERATION_NOT_ATTEMPTED and anything unexpected
          }
        }
        for (const key of answered) this.pendingPartitions.delete(key);
        for (const [key] of adding) this.pendingPartitions.delete(key);
        if (unauthorized.size > 0) this.abortableError(new TopicAuthorizationError(`Not authorized to write to topic(s) ${[...unauthorized].join(', ')}`), result);
        else if (partitionErrors) this.abortableError(new KafkaError(`Could not add partitions to the transaction: ${JSON.stringify(r.results)}`), result);
        else {
          for (const [key] of adding) this.partitionsInTransaction.add(key);
          this.transactionStarted = true;
          result.done();
        }
      },
    };
    this.enqueue(req);
  }

  private addOffsetsRequest(result: OperationResult, offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): TxnRequest {
    const producerId = this.idempotence.producerId;
    const producerEpoch = this.idempotence.producerEpoch;
    const req: TxnRequest = {
      name: 'AddOffsetsToTxn',
      priority: Priority.ADD_PARTITIONS_OR_OFFSETS,
      coordinator: 'transaction',
      coordinatorKey: this.opts.transactionalId,
      api: ADD_OFFSETS_TO_TXN_API,
      result,
      notBeforeMs: 0,
      maxVersion: () => ADD_OFFSETS_TO_TXN_API.maxVersion,
      encode: (w, v) => encodeAddOffsetsToTxnRequest(w, v, { transactionalId: this.opts.transactionalId, producerId, producerEpoch, groupId: group.groupId }),
      decode: decodeAddOffsetsToTxnResponse,
      handle: (res) => {
        const code = (res as ReturnType<typeof decodeAddOffsetsToTxnResponse>).errorCode;
        if (code === ErrorCode.NONE) {
          this.transactionStarted = true;
          // The operation completes with the TxnOffsetCommit that follows.
          this.enqueue(this.txnOffsetCommitRequest(result, offsets, group));
        } else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) {
          this.lookupCoordinator('transaction', this.opts.transactionalId);
          this.retry(req);
        } else if (errorInfo(code).retriable) this.retry(req);
        else if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
          this.epochBumpRequired = true;
          this.abortableError(brokerErrorFor(code), result);
        } else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.fatalError(fenced(), result);
        else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING)
          this.fatalError(brokerErrorFor(code), result);
        else if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) this.abortableError(brokerErrorFor(code, `group ${group.groupId}`), result);
        else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(brokerErrorFor(code), result);
        else this.fatalError(new KafkaError(`Unexpected error in AddOffsetsToTxn: ${errorInfo(code).name}`, { cause: brokerErrorFor(code) }), result);
      },
    };
    return req;
  }

  private txnOffsetCommitRequest(result: OperationResult, offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): TxnRequest {
    const producerId = this.idempotence.producerId;
    const producerEpoch = this.idempotence.producerEpoch;
    // Offsets still to commit, by topic-partition: a retry sends only those that failed retriably.
    const remaining = new Map<string, TransactionOffset>();
    for (const o of offsets) remaining.set(topicPartitionKey(o.topic, o.partition), o);
    const v2 = this.transactionV2;
    const req: TxnRequest = {
      name: 'TxnOffsetCommit',
      priority: Priority.ADD_PARTITIONS_OR_OFFSETS,
      coordinator: 'group',
      coordinatorKey: group.groupId,
      api: TXN_OFFSET_COMMIT_API,
      result,
      notBeforeMs: 0,
      maxVersion: () => (v2 ? TXN_OFFSET_COMMIT_API.maxVersion : TXN_OFFSET_COMMIT_MAX_VERSION_TV1),
      encode: (w, v) => {
        const groupMetadataSet = (group.generationId ?? -1) !== -1 || (group.memberId ?? '') !== '' || (group.groupInstanceId ?? null) !== null;
        if (v < 3 && groupMetadataSet) throw new UnsupportedVersionError(`the group coordinator speaks TxnOffsetCommit v${v}; committing with group metadata needs v3 (Kafka 2.5 or later)`);
        const byTopic = new Map<string, TransactionOffset[]>();
        for (const o of remaining.values()) {
          let list = byTopic.get(o.topic);
          if (!list) byTopic.set(o.topic, (list = []));
          list.push(o);
        }
        encodeTxnOffsetCommitRequest(w, v, {
          transactionalId: this.opts.transactionalId,
          groupId: group.groupId,
          producerId,
          producerEpoch,
          generationId: group.generationId ?? -1,
          memberId: group.memberId ?? '',
          groupInstanceId: group.groupInstanceId ?? null,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: Number(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
          })),
        });
      },
      decode: decodeTxnOffsetCommitResponse,
      handle: (res) => {
        const r = res as ReturnType<typeof decodeTxnOffsetCommitResponse>;
        let reload = false;
        for (const t of r.topics) {
          for (const p of t.partitions) {
            const code = p.errorCode;
            if (code === ErrorCode.NONE) {
              remaining.delete(topicPartitionKey(t.name, p.partitionIndex));
              continue;
            }
            if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.REQUEST_TIMED_OUT) {
              reload = true;
              continue;
            }
            if (errorInfo(code).retriable) continue;
            if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) this.abortableError(brokerErrorFor(code, `group ${group.groupId}`), result);
            else if (code === ErrorCode.FENCED_INSTANCE_ID || code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(brokerErrorFor(code), result);
            else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION)
              this.abortableError(new CommitFailedError(`The transactional offset commit failed: the consumer group metadata is out of date (${errorInfo(code).name}).`, { cause: brokerErrorFor(code) }), result);
            else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.fatalError(fenced(), result);
            else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT) this.fatalError(brokerErrorFor(code), result);
            else this.fatalError(new KafkaError(`Unexpected error in TxnOffsetCommit: ${errorInfo(code).name}`, { cause: brokerErrorFor(code) }), result);
            return;
          }
        }
        if (reload) this.lookupCoordinator('group', group.groupId);
        if (remaining.size === 0) result.done();
        else this.retry(req);
      },
    };
    return req;
  }

  private beginCompleting(commit: boolean): OperationResult {
    const result = new OperationResult(commit ? 'commitTransaction' : 'abortTransaction');
    // The transaction ends under the protocol it began with; a move to version 2 seen now
    // applies from the next one, after an epoch bump (Java's beginCompletingTransaction).
    const v2 = this.transactionV2;
    this.applyTransactionVersion(false);
    const producerId = this.idempotence.producerId;
    const producerEpoch = this.idempotence.producerEpoch;
    const req: TxnRequest = {
      name: commit ? 'EndTxn(commit)' : 'EndTxn(abort)',
      priority: Priority.END_TXN,
      coordinator: 'transaction',
      coordinatorKey: this.opts.transactionalId,
      api: END_TXN_API,
      result,
      isEndTxn: true,
      notBeforeMs: 0,
      maxVersion: () => (v2 ? END_TXN_API.maxVersion : END_TXN_MAX_VERSION_TV1),
      encode: (w, v) => encodeEndTxnRequest(w, v, { transactionalId: this.opts.transactionalId, producerId, producerEpoch, committed: commit }),
      decode: decodeEndTxnResponse,
      handle: (res) => {
        const r = res as ReturnType<typeof decodeEndTxnResponse>;
        const code = r.errorCode;
        if (code === ErrorCode.NONE) {
          // EndTxn v5 (transaction version 2) returns the epoch of the next transaction.
          if (r.producerId !== -1) this.idempotence.resetProducerIdAndEpoch(r.producerId, r.producerEpoch);
          this.resetTransaction();
          if (this.epochBumpRequired && !(r.producerId !== -1)) {
            this.enqueueEpochBump(result);
            return;
          }
          this.epochBumpRequired = false;
          this.completeTransition(result, 'ready');
        } else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) {
          this.lookupCoordinator('transaction', this.opts.transactionalId);
          this.retry(req);
        } else if (errorInfo(code).retriable) this.retry(req);
        else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.fatalError(fenced(), result);
        else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING)
          this.fatalError(brokerErrorFor(code), result);
        else if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
          this.epochBumpRequired = true;
          this.abortableError(brokerErrorFor(code), result);
        } else if (!commit && code === ErrorCode.TRANSACTION_ABORTABLE) {
          // An abort that is itself abortable would loop: as in Java, it ends the producer.
          this.fatalError(new KafkaError('Failed to abort the transaction', { cause: brokerErrorFor(code) }), result);
        } else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(brokerErrorFor(code), result);
        else this.fatalError(new KafkaError(`Unexpected error in EndTxn: ${errorInfo(code).name}`, { cause: brokerErrorFor(code) }), result);
      },
    };
    this.enqueue(req);
    return result;
  }

  /** After the transaction ended: a new epoch from the coordinator before the next one (KIP-360). */
  private enqueueEpochBump(result: OperationResult): void {
    this.transitionTo('initializing');
    this.enqueue(this.initProducerIdRequest(result, true));
  }

  private resetTransaction(): void {
    this.transactionStarted = false;
    this.newPartitions.clear();
    this.pendingPartitions.clear();
    this.partitionsInTransaction.clear();
  }

  // --- outcomes -------------------------------------------------------------------------------

  private completeTransition(result: OperationResult, next: TransactionState | null): void {
    if (next && this.state !== next) this.transitionTo(next);
    // pendingTransition stays until a caller has the outcome (see acknowledge).
    result.done();
    this.hooks.wakeup();
  }

  /**
   * The producer handed the outcome of `promise` to its caller: the operation is over. One
   * whose caller timed out stays, so that calling it again returns its outcome (Java's
   * TransactionalRequestResult.isAcked).
   */
  acknowledge(promise: Promise<void>): void {
    if (this.pendingTransition?.result.promise === promise) this.pendingTransition.result.acked = true;
  }

  /** The operation under way, unless its outcome was delivered already. */
  private currentTransition(): { result: OperationResult; state: TransactionState; operation: string } | null {
    if (this.pendingTransition?.result.acked) this.pendingTransition = null;
    return this.pendingTransition;
  }

  private abortableError(err: Error, result: OperationResult): void {
    if (this.state === 'aborting') {
      // Already aborting: the abort goes on; this operation alone fails.
      result.fail(err);
      return;
    }
    if (TXN_MOVES[this.state].includes('abortable-error')) this.transitionTo('abortable-error', err);
    result.fail(err);
  }

  private fatalError(err: Error, result?: OperationResult): void {
    if (this.state !== 'fatal-error') {
      this.transitionTo('fatal-error', err);
      this.idempotence.fail(err);
      this.hooks.emit?.('transactionError', { fatal: true, error: err });
    }
    result?.fail(err);
    // Nothing else can complete now.
    for (const r of this.pending.splice(0)) r.result.fail(this.lastError!);
    this.pendingTransition?.result.fail(this.lastError!);
    this.hooks.wakeup();
  }

  // --- checks ---------------------------------------------------------------------------------

  /**
   * Java's handleCachedTransactionRequestResult: calling an operation again while it is under
   * way (after a timeout) waits for the same outcome; a different one is an IllegalStateError.
   */
  private cachedOperation(operation: string, state: TransactionState, start: () => OperationResult): Promise<void> {
    const pending = this.currentTransition();
    if (pending) {
      if (pending.operation !== operation) throw this.pendingOperationError(operation, pending.operation);
      return pending.result.promise;
    }
    const result = start();
    this.pendingTransition = { result, state, operation };
    this.hooks.wakeup();
    return result.promise;
  }

  private throwIfPendingOperation(operation: string): void {
    const pending = this.currentTransition();
    if (pending) throw this.pendingOperationError(operation, pending.operation);
  }

  private pendingOperationError(operation: string, pending: string): IllegalStateError {
    return new IllegalStateError(
      `Cannot call ${operation}() while ${pending}() is not finished (transaction state ${this.state}): call ${pending}() again to wait for its outcome.`,
    );
  }

  private throwIfFatal(): void {
    if (this.state === 'fatal-error') throw this.lastError!;
  }

  private throwIfError(): void {
    if (this.state === 'fatal-error') throw this.lastError!;
    if (this.state === 'abortable-error') {
      throw new TransactionAbortedError(`The transaction hit an error and can only be aborted: ${this.lastError?.message}`, { cause: this.lastError });
    }
  }

  private wrongState(operation: string, hint?: string): IllegalStateError {
    return new IllegalStateError(`Cannot ${operation === 'send' ? 'send a record' : `call ${operation}()`} in transaction state ${this.state}${hint ? `: ${hint}` : ''}.`);
  }

  /** Rejects an operation that did not finish within max.block.ms (it goes on; calling it again waits for it). */
  static timeoutError(operation: string, ms: number): TimeoutError {
    return new TimeoutError(`${operation}() did not complete within ${ms} ms (max.block.ms); it goes on, and calling ${operation}() again waits for it.`);
  }
}

function fenced(): ProducerFencedError {
  return new ProducerFencedError('There is a newer producer with the same transactional id which fences the current one.');
}

/** Java's maybeTransitionToErrorState: the errors after which the producer can only be closed. */
function isFatal(err: Error): boolean {
  return (
    err instanceof ClusterAuthorizationError ||
    err instanceof TransactionalIdAuthorizationError ||
    err instanceof ProducerFencedError ||
    err instanceof UnsupportedVersionError ||
    err instanceof InvalidProducerIdMappingError
  );
}

/** Checks sendOffsetsToTransaction's arguments (a TypeError-free failure for bad input). */
export function validateOffsets(offsets: unknown, group: unknown): void {
  if (!Array.isArray(offsets)) throw new InvalidArgumentError('sendOffsetsToTransaction() takes an array of { topic, partition, offset, metadata? }');
  for (const o of offsets as TransactionOffset[]) {
    if (!o || typeof o.topic !== 'string' || !Number.isInteger(o.partition) || o.partition < 0) {
      throw new InvalidArgumentError(`each offset needs a topic (string) and a partition (non-negative integer): ${JSON.stringify(o)}`);
    }
    const off = typeof o.offset === 'bigint' ? Number(o.offset) : o.offset;
    if (!Number.isSafeInteger(off) || off < 0) throw new InvalidArgumentError(`the offset of ${o.topic}-${o.partition} must be a non-negative integer, got ${String(o.offset)}`);
  }
  const g = group as ConsumerGroupMetadata | null;
  if (!g || typeof g.groupId !== 'string' || g.groupId === '') throw new InvalidArgumentError('sendOffsetsToTransaction() needs the consumer group metadata: { groupId, generationId?, memberId?, groupInstanceId? }');
}
