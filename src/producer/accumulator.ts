/**
 * RecordAccumulator: per-partition queues of batches, as the Java client's.
 *
 * - append() writes a record into the last batch of its partition's queue, or into a new
 *   batch when it does not fit; memory for new batches comes from the BufferPool.
 * - ready() finds the leaders that have something to send: a full batch, linger elapsed,
 *   retry backoff over, memory waiters, flush or close in progress; and the time until the
 *   next batch becomes ready, so the sender sleeps exactly that long.
 * - drain() takes at most one batch per partition for each ready node, up to
 *   max.request.size, resuming where the previous drain for that node stopped.
 * - With a null key (and no explicit partition), the built-in sticky partitioner picks the
 *   partition here, where queue lengths are known (KIP-794).
 *
 * Locality: append from send(); everything else from the sender loop.
 */
import { exponentialBackoff } from '../net/backoff';
import type { RecordHeader } from '../protocol/records/record-batch-builder';
import { RECORDS_OFFSET } from '../protocol/records/record-batch-layout';
import { BatchList, LIST_INCOMPLETE } from './batch-list';
import type { BufferPool } from './buffer-pool';
import type { IdempotenceManager } from './idempotence';
import type { Cluster } from './metadata';
import { BuiltInPartitioner, StickyPartitionInfo } from './partitioners/built-in';
import { batchAllocationSize, BatchOptions, Completion, exactRecordSize, ProducerBatch } from './producer-batch';
import { topicPartitionKey } from './topic-partition';

export interface AccumulatorOptions {
  batchSize: number;
  lingerMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  deliveryTimeoutMs: number;
  compression: number;
  compressionLevel?: number;
  adaptivePartitioning: boolean;
  partitionerAvailabilityTimeoutMs: number;
  /** Muting (strict order without idempotence) applies when this is 1. */
  maxInFlightRequestsPerConnection: number;
  /** Batches carry the transactional flag (a transactional producer). */
  isTransactional?: boolean;
  /** Integer source for the sticky partitioner. */
  random?: () => number;
  /** [0, 1) source for retry backoff jitter. */
  jitter?: () => number;
}

export interface ReadyCheck {
  readyNodes: Set<number>;
  /** ms until a not-yet-ready batch may become ready (Infinity if none). */
  nextReadyCheckDelayMs: number;
  unknownLeaderTopics: Set<string>;
}

/** What append() needs of a record (KafkaProducer passes its pending send as it is). */
export interface AppendRecord {
  readonly topic: string;
  readonly keyBytes: Uint8Array | null;
  readonly valueBytes: Uint8Array | null;
  readonly headers: readonly RecordHeader[] | null;
  /** Bytes of the headers in record form (1 for none). */
  readonly headersSize: number;
  readonly completion: Completion;
  readonly buffer: Buffer | null;
}

/** append() result bits when >= 0 (appended). Java's RecordAppendResult, without an object. */
export const APPEND_BATCH_FULL = 1;
export const APPEND_NEW_BATCH = 2;

interface TopicQueues {
  /** Indexed by partition; a queue exists once the partition was appended to. */
  deques: ProducerBatch[][];
  /** Queues that exist in `deques`. */
  queueCount: number;
  builtIn: BuiltInPartitioner | null;
  /** Indexed by partition: its topicPartitionKey, made once for all its batches. */
  keys: string[];
}

/** Batch retry backoff: attempt n (from 0). The shared backoff, under the name the tests know. */
export const retryBackoffMs = exponentialBackoff;

export class RecordAccumulator {
  private readonly topics = new Map<string, TopicQueues>();
  /**
   * Finished batches kept to begin new ones in (ProducerBatch.reuse): a batch made afresh each
   * time would be garbage that outlives V8's young-generation collections while in flight
   * (RELIABILITY.md, "Write stream"). At most one per batch.size of buffer.memory, counting
   * batch.size as at least 16 KiB: a batch object is about 1 KiB, so what is kept stays near
   * 6% of buffer.memory even with tiny batches.
   */
  private readonly spareBatches: ProducerBatch[] = [];
  private readonly maxSpareBatches: number;
  /** Every batch created and not yet done: flush() and close() wait on these. */
  readonly incomplete = new BatchList(LIST_INCOMPLETE);
  private readonly drainIndex = new Map<number, number>();
  private readonly muted = new Set<string>();
  /**
   * Per node: since when it has had ready data it could not send (-1: it can send), for the
   * availability timeout (Java's NodeLatencyStats). One object per node, changed in place: a
   * node goes in and out of this state with every request at max.in.flight, and a Map entry
   * added and deleted each time would rebuild the Map's table in the old generation.
   */
  private readonly nodeStuck = new Map<number, { sinceMs: number }>();
  private flushesInProgress = 0;
  private closed = false;
  /** Records in queued (undrained) batches, kept by every change to the queues. */
  private queuedRecords = 0;
  /** The partition the last append() chose (the sticky one for -1). */
  lastAppendPartition = -1;
  /** Compression ratio estimate per topic (Java keeps one per topic and codec). */
  private readonly ratios = new Map<string, number>();
  private readonly random: () => number;
  /** Retry backoff jitter source in [0, 1). */
  private readonly jitter: () => number;

  constructor(
    private readonly opts: AccumulatorOptions,
    private readonly pool: BufferPool,
    private readonly idempotence: IdempotenceManager | null,
  ) {
    this.random = opts.random ?? Math.random;
    this.jitter = opts.jitter ?? Math.random;
    this.maxSpareBatches = Math.floor(pool.totalMemory / Math.max(pool.poolableSize, 16384));
  }

  private topicQueues(topic: string): TopicQueues {
    let t = this.topics.get(topic);
    if (!t) {
      t = { deques: [], queueCount: 0, builtIn: null, keys: [] };
      this.topics.set(topic, t);
    }
    return t;
  }

  private deque(t: TopicQueues, partition: number): ProducerBatch[] {
    let dq = t.deques[partition];
    if (!dq) {
      dq = t.deques[partition] = [];
      t.queueCount++;
    }
    return dq;
  }

  /**
   * Appends one record to its partition's open batch, or to a new batch.
   *
   * - `record`: the serialized record and its completion; `record.buffer` is memory the caller
   *   already waited for (append takes it over: the caller clears its reference).
   * - `partition`: the record's or the partitioner's, or -1 for the built-in sticky choice
   *   (the partition chosen is then in lastAppendPartition).
   * - Returns, as an int because this runs once per send(): APPEND_NEW_BATCH and/or
   *   APPEND_BATCH_FULL bits (>= 0: appended; a full batch means the sender should wake), or
   *   -size when a new batch of `size` bytes needs memory that is not free now: wait for
   *   pool.waitFor(size) and call again with that buffer in `record.buffer`.
   */
  append(record: AppendRecord, partition: number, timestamp: number, cluster: Cluster, nowMs: number): number {
    const { topic, keyBytes: key, valueBytes: value, headers, headersSize, completion, buffer } = record;
    const t = this.topicQueues(topic);
    if (partition < 0 && !t.builtIn) t.builtIn = new BuiltInPartitioner(topic, this.opts.batchSize, this.random);
    // Loops only when the sticky partition moves on while we look (Java's partitionChanged).
    for (;;) {
      let sticky: StickyPartitionInfo | null = null;
      let effective = partition;
      if (partition < 0) {
        sticky = t.builtIn!.peekCurrentPartitionInfo(cluster);
        effective = sticky.index;
      }
      const dq = this.deque(t, effective);
      if (sticky && this.partitionChanged(t.builtIn!, sticky, dq, cluster)) continue;
      this.lastAppendPartition = effective;
      const last = dq.length > 0 ? dq[dq.length - 1] : undefined;
      if (last) {
        const grown = last.tryAppend(timestamp, key, value, headers, headersSize, completion, nowMs);
        if (grown >= 0) {
          this.queuedRecords++;
          if (buffer) this.pool.deallocate(buffer, buffer.length);
          if (sticky) t.builtIn!.updatePartitionInfo(sticky, grown, cluster, this.allBatchesFull(dq));
          return dq.length > 1 || last.isFull ? APPEND_BATCH_FULL : 0;
        }
        // The last batch just filled up: a deferred switch may be due before a new batch opens.
        if (sticky && this.partitionChanged(t.builtIn!, sticky, dq, cluster)) continue;
      }
      const size = batchAllocationSize(this.opts.batchSize, exactRecordSize(0, 0, key, value, headersSize), this.opts.compression);
      let buf = buffer && buffer.length >= size ? buffer : null;
      if (buffer && !buf) this.pool.deallocate(buffer, buffer.length);
      if (!buf) buf = this.pool.tryAllocate(size);
      if (!buf) return -size;
      const made: BatchOptions = {
        partitionKey: (t.keys[effective] ??= topicPartitionKey(topic, effective)),
        compression: this.opts.compression,
        compressionLevel: this.opts.compressionLevel,
        compressionRatio: this.ratios.get(topic),
        writeLimit: Math.max(this.opts.batchSize, size),
        isTransactional: this.opts.isTransactional,
      };
      const spare = this.spareBatches.pop();
      const batch = spare ? spare.reuse(topic, effective, buf, buf.length, nowMs, made) : new ProducerBatch(topic, effective, buf, buf.length, nowMs, made);
      const grown = batch.tryAppend(timestamp, key, value, headers, headersSize, completion, nowMs);
      dq.push(batch);
      this.queuedRecords++;
      this.incomplete.add(batch);
      if (sticky) t.builtIn!.updatePartitionInfo(sticky, grown, cluster, this.allBatchesFull(dq));
      return dq.length > 1 || batch.isFull ? APPEND_NEW_BATCH | APPEND_BATCH_FULL : APPEND_NEW_BATCH;
    }
  }

  /** Whether the sticky partition moved on, completing a switch deferred while batches were open. */
  private partitionChanged(bip: BuiltInPartitioner, info: StickyPartitionInfo, dq: ProducerBatch[], cluster: Cluster): boolean {
    if (bip.isPartitionChanged(info)) return true;
    if (this.allBatchesFull(dq)) {
      bip.updatePartitionInfo(info, 0, cluster, true);
      if (bip.isPartitionChanged(info)) return true;
    }
    return false;
  }

  private allBatchesFull(dq: ProducerBatch[]): boolean {
    return dq.length === 0 || dq[dq.length - 1].isFull;
  }

  private backoffFor(batch: ProducerBatch): number {
    return batch.retryBackoffMs;
  }

  private isBackingOff(batch: ProducerBatch, nowMs: number): boolean {
    return batch.attempts > 0 && !batch.hasLeaderChangedForTheOngoingRetry && nowMs - batch.lastAttemptMs < this.backoffFor(batch);
  }

  /**
   * Leaders with sendable data, and how long until more may become sendable. Also feeds
   * queue lengths to the adaptive sticky partitioner.
   */
  ready(cluster: Cluster, nowMs: number): ReadyCheck {
    const readyNodes = new Set<number>();
    let next = Infinity;
    const unknownLeaderTopics = new Set<string>();
    const exhausted = this.pool.queuedCount > 0;
    for (const [topic, t] of this.topics) {
      // Adaptive partitioning, as Java's partitionReady: only once every partition of the topic
      // has a queue; one slot per queue; a partition without a leader, or whose leader has not
      // been drainable for partitioner.availability.timeout.ms, is left out by passing a
      // length shorter than the arrays (the built-in partitioner tells "some left out" that way).
      const count = cluster.partitionCountFor(topic);
      const adaptive = this.opts.adaptivePartitioning && t.builtIn !== null && count > 0 && t.queueCount >= count;
      const queueSizes = adaptive ? new Array<number>(t.queueCount).fill(0) : null;
      const partitionIds = adaptive ? new Array<number>(t.queueCount).fill(0) : null;
      let used = 0;
      for (let p = 0; p < t.deques.length; p++) {
        const dq = t.deques[p];
        if (!dq) continue;
        const leader = cluster.leaderFor(topic, p);
        if (leader >= 0 && partitionIds) partitionIds[used++] = p;
        if (dq.length === 0) continue;
        if (leader < 0) {
          unknownLeaderTopics.add(topic);
          continue;
        }
        if (queueSizes) {
          queueSizes[used - 1] = dq.length;
          if (this.nodeUnavailableTooLong(leader, nowMs)) used--;
        }
        if (readyNodes.has(leader) || this.muted.has(topicPartitionKey(topic, p))) continue;
        const batch = dq[0];
        batch.maybeUpdateLeaderEpoch(cluster.leaderEpochFor(topic, p));
        const waited = nowMs - batch.lastAttemptMs;
        const backingOff = this.isBackingOff(batch, nowMs);
        const timeToWait = backingOff ? this.backoffFor(batch) : this.opts.lingerMs;
        const full = dq.length > 1 || batch.isFull;
        const sendable = full || waited >= timeToWait || exhausted || this.closed || this.flushesInProgress > 0;
        if (sendable && !backingOff) readyNodes.add(leader);
        else next = Math.min(next, Math.max(timeToWait - waited, 0));
      }
      t.builtIn?.updatePartitionLoadStats(queueSizes, partitionIds, used);
    }
    return { readyNodes, nextReadyCheckDelayMs: next, unknownLeaderTopics };
  }

  /** The sender reports nodes that had ready data but no usable connection. */
  markNodeUnavailable(nodeId: number, nowMs: number): void {
    let stuck = this.nodeStuck.get(nodeId);
    if (!stuck) this.nodeStuck.set(nodeId, (stuck = { sinceMs: -1 }));
    if (stuck.sinceMs < 0) stuck.sinceMs = nowMs;
  }

  markNodeAvailable(nodeId: number): void {
    const stuck = this.nodeStuck.get(nodeId);
    if (stuck) stuck.sinceMs = -1;
  }

  private nodeUnavailableTooLong(nodeId: number, nowMs: number): boolean {
    const timeout = this.opts.partitionerAvailabilityTimeoutMs;
    if (timeout <= 0) return false;
    const since = this.nodeStuck.get(nodeId)?.sinceMs ?? -1;
    return since >= 0 && nowMs - since > timeout;
  }

  /** Takes sendable batches for each node, closing them (producer state, sequence, CRC). */
  drain(cluster: Cluster, nodes: Iterable<number>, maxSize: number, nowMs: number): Map<number, ProducerBatch[]> {
    const out = new Map<number, ProducerBatch[]>();
    for (const node of nodes) {
      const batches = this.drainNode(cluster, node, maxSize, nowMs);
      if (batches.length > 0) out.set(node, batches);
    }
    return out;
  }

  private drainNode(cluster: Cluster, node: number, maxSize: number, nowMs: number): ProducerBatch[] {
    const parts = cluster.partitionsForNode(node);
    const ready: ProducerBatch[] = [];
    if (parts.length === 0) return ready;
    let size = 0;
    let index = (this.drainIndex.get(node) ?? 0) % parts.length;
    const start = index;
    do {
      const tp = parts[index];
      this.drainIndex.set(node, index);
      index = (index + 1) % parts.length;
      const t = this.topics.get(tp.topic);
      const dq = t?.deques[tp.partition];
      if (!dq || dq.length === 0) continue;
      if (this.muted.has(topicPartitionKey(tp.topic, tp.partition))) continue;
      const first = dq[0];
      first.maybeUpdateLeaderEpoch(cluster.leaderEpochFor(tp.topic, tp.partition));
      if (this.isBackingOff(first, nowMs)) continue;
      if (size + first.estimatedSizeInBytes > maxSize && ready.length > 0) break;
      // Only this partition waits (for its producer id, or for an earlier batch): the others
      // of the node still go.
      if (this.idempotence && this.idempotence.shouldStopDrain(first)) continue;
      dq.shift();
      this.queuedRecords -= first.recordCount;
      if (!first.isClosed) {
        if (this.idempotence && !first.hasSequence) {
          const seq = this.idempotence.assignSequence(first);
          first.close(this.idempotence.producerId, this.idempotence.producerEpoch, seq);
        } else {
          // Not idempotent (-1s), or a split piece that inherited its sequence.
          first.close(first.producerId, first.producerEpoch, first.baseSequence);
        }
        this.updateRatio(first);
      }
      first.rewriteIfReset();
      first.drainedMs = nowMs;
      size += first.closedBytes.length;
      ready.push(first);
    } while (index !== start);
    return ready;
  }

  /** Compression ratio estimate, moved as Java's CompressionRatioEstimator does. */
  private updateRatio(batch: ProducerBatch): void {
    if (this.opts.compression === 0) return;
    const raw = batch.builder.sizeInBytes - RECORDS_OFFSET;
    if (raw <= 0) return;
    const observed = (batch.closedBytes.length - RECORDS_OFFSET) / raw;
    const est = this.ratios.get(batch.topic) ?? 1;
    const next = observed > est ? Math.max(est + 0.05, observed) : Math.max(est - 0.005, observed);
    this.ratios.set(batch.topic, next);
  }

  /**
   * After a split, the topic's estimate becomes the refused batch's own ratio, at least 1
   * (Java's splitAndReenqueue): the estimate that let it grow too large is not used again.
   */
  resetRatioAfterSplit(batch: ProducerBatch): void {
    if (this.opts.compression === 0 || !batch.isClosed) return;
    const raw = batch.builder.sizeInBytes - RECORDS_OFFSET;
    if (raw <= 0) return;
    this.ratios.set(batch.topic, Math.max(1, (batch.closedBytes.length - RECORDS_OFFSET) / raw));
  }

  /** Strict per-partition order without idempotence (max.in.flight = 1): one batch at a time. */
  mute(batch: ProducerBatch): void {
    if (this.opts.maxInFlightRequestsPerConnection === 1) this.muted.add(batch.partitionKey);
  }

  unmute(batch: ProducerBatch): void {
    this.muted.delete(batch.partitionKey);
  }

  /** Puts a batch to retry back at the head of its queue, in sequence order when idempotent. */
  reenqueue(batch: ProducerBatch, nowMs: number): void {
    batch.reenqueued(nowMs, retryBackoffMs(this.opts.retryBackoffMs, this.opts.retryBackoffMaxMs, batch.attempts, this.jitter));
    const dq = this.deque(this.topicQueues(batch.topic), batch.partition);
    dq.splice(this.sequencePosition(dq, batch), 0, batch);
    this.queuedRecords += batch.recordCount;
  }

  /** Puts the pieces of a split batch where the batch belonged: at the head, in sequence order. */
  reenqueueSplit(parts: ProducerBatch[]): void {
    if (parts.length === 0) return;
    const dq = this.deque(this.topicQueues(parts[0].topic), parts[0].partition);
    dq.splice(this.sequencePosition(dq, parts[0]), 0, ...parts);
    for (const p of parts) {
      this.incomplete.add(p);
      this.queuedRecords += p.recordCount;
    }
  }

  /** Index before the first batch with a higher sequence, or without one (0 when unsequenced). */
  private sequencePosition(dq: ProducerBatch[], batch: ProducerBatch): number {
    if (!batch.hasSequence) return 0;
    let i = 0;
    while (i < dq.length && dq[i].hasSequence && dq[i].baseSequence < batch.baseSequence) i++;
    return i;
  }

  /** Batches still queued whose delivery timeout has passed (from each queue's head). */
  expiredBatches(nowMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const t of this.topics.values()) {
      for (const dq of t.deques) {
        if (!dq) continue;
        while (dq.length > 0 && dq[0].hasReachedDeliveryTimeout(this.opts.deliveryTimeoutMs, nowMs)) {
          const b = dq.shift()!;
          this.queuedRecords -= b.recordCount;
          b.closeForAppends();
          expired.push(b);
        }
      }
    }
    return expired;
  }

  /** ms until the oldest queued batch expires (Infinity if none). */
  nextExpiryDelayMs(nowMs: number): number {
    let next = Infinity;
    for (const t of this.topics.values()) {
      for (const dq of t.deques) {
        if (dq && dq.length > 0) next = Math.min(next, dq[0].createdMs + this.opts.deliveryTimeoutMs - nowMs);
      }
    }
    return Math.max(0, next);
  }

  /**
   * Returns a finished batch's memory to the pool (split children were never pooled), and keeps
   * the batch object for the next new batch: this is the one place a batch ends, and nothing
   * holds it afterwards (the sender, idempotence and flush() let go of it before).
   */
  deallocate(batch: ProducerBatch): void {
    this.incomplete.delete(batch);
    if (batch.isSplit) return;
    this.pool.deallocate(batch.builder.buffer, batch.allocatedSize);
    if (batch.isFinished && this.spareBatches.length < this.maxSpareBatches) this.spareBatches.push(batch);
  }

  hasUndrained(): boolean {
    for (const t of this.topics.values()) for (const dq of t.deques) if (dq && dq.length > 0) return true;
    return false;
  }

  beginFlush(): void {
    this.flushesInProgress++;
  }

  endFlush(): void {
    this.flushesInProgress--;
  }

  get flushInProgress(): boolean {
    return this.flushesInProgress > 0;
  }

  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Removes every queued batch (forced close): the caller fails them. */
  drainAllQueued(): ProducerBatch[] {
    return this.drainQueued(() => true);
  }

  /** Removes the queued batches `which` picks: the caller fails them. */
  drainQueued(which: (batch: ProducerBatch) => boolean): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const t of this.topics.values()) {
      for (const dq of t.deques) {
        if (!dq) continue;
        for (let i = 0; i < dq.length; ) {
          if (!which(dq[i])) {
            i++;
            continue;
          }
          const [b] = dq.splice(i, 1);
          this.queuedRecords -= b.recordCount;
          out.push(b);
        }
      }
    }
    return out;
  }

  /** Records waiting in queues (not yet drained): O(1), metrics() reads it. */
  queuedRecordCount(): number {
    return this.queuedRecords;
  }
}
