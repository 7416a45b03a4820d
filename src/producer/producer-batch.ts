/**
 * ProducerBatch: one batch of records for one partition, and the completions of its records.
 *
 * Records are written into the batch buffer as they are appended (RecordBatchBuilder). The
 * batch is closed when first drained (producer id, epoch and sequence are set then), and
 * from then on its bytes are fixed, except that a retry after an epoch bump rewrites the
 * producer fields and CRC in place. Every record ends with exactly one outcome: complete()
 * or fail() runs once, and settles every record's callback or promise in record order.
 *
 * Locality: appended to by send() (through the accumulator), everything else by the sender.
 */
import { transition, TransitionTable } from '../net/state-machine';
import { IllegalStateError, KafkaError } from '../protocol/errors';
import { batchCapacityFor, RecordBatchBuilder, RecordBatchOptions, RecordHeader, rewriteProducerState, sizeOfHeaders } from '../protocol/records/record-batch-builder';
import { sizeOfVarint, sizeOfVarlong } from '../protocol/writer';
import type { RecordMetadata, SendCallback } from './record';
import { topicPartitionKey } from './topic-partition';

/** A record's completion: a callback, or a promise's settle functions. */
export interface PromiseSlot {
  resolve(md: RecordMetadata): void;
  /** `md` names the record's topic and partition (a promise's reject ignores it). */
  reject(err: Error, md?: RecordMetadata): void;
}
export type Completion = SendCallback | PromiseSlot;

/**
 * A batch's life cycle, one state (see docs/ARCHITECTURE.md):
 * open (takes records) -> sealed (full or displaced, bytes not built) -> queued (bytes built,
 * waiting to be sent) -> in-flight (a request carries it) -> answered (its request came back,
 * the sender decides) -> queued again (retry), succeeded, failed or split. A batch whose
 * records are settled while its request is still out (expired, forced close) is
 * settled-in-flight until the request comes back (it keeps its buffer until then), then failed.
 */
export type BatchState = 'open' | 'sealed' | 'queued' | 'in-flight' | 'answered' | 'settled-in-flight' | 'succeeded' | 'failed' | 'split';

const BATCH_MOVES: TransitionTable<BatchState> = {
  open: ['sealed', 'queued', 'failed'],
  sealed: ['queued', 'failed'],
  queued: ['in-flight', 'failed'],
  'in-flight': ['answered', 'settled-in-flight'],
  answered: ['queued', 'succeeded', 'failed', 'split'],
  'settled-in-flight': ['failed'],
  succeeded: [],
  failed: [],
  split: [],
};

/** What a batch is made with (besides its topic, partition, buffer and time). */
export interface BatchOptions {
  compression: number;
  compressionLevel?: number;
  compressionRatio?: number;
  writeLimit: number;
  isTransactional?: boolean;
  /** topicPartitionKey(topic, partition), when the caller has it already. */
  partitionKey?: string;
}

/**
 * Every field but the builder and the list links is set by begin(): when a batch is finished
 * and its buffer goes back to the pool, the accumulator keeps the object and reuse() begins
 * the next batch in it, exactly as the constructor does. A batch in flight outlives a few of
 * V8's young-generation collections, and everything that survives one is copied and counts
 * toward growing the young generation: a batch that allocates nothing per life keeps it small
 * (RELIABILITY.md, "Write stream"). Fields are plain (not readonly) for that reason; only the
 * batch writes them.
 */
export class ProducerBatch {
  declare topic: string;
  declare partition: number;
  /**
   * Its partition's key in the producer's maps (topicPartitionKey), made once per partition: a
   * key built again for every lookup is a new string to hash each time.
   */
  declare partitionKey: string;
  declare createdMs: number;
  readonly builder: RecordBatchBuilder;
  /** Bytes taken from the buffer pool for this batch: all the memory it ever holds. */
  declare allocatedSize: number;
  /** Estimated bytes after which a record no longer fits (batch.size, or one larger record). */
  declare writeLimit: number;
  /** Records appended. */
  private declare count: number;
  /**
   * The records' completions: while every record has the same one (a write stream, a shared
   * callback), only that one; else one per record.
   */
  private declare soleCompletion: Completion | null;
  private declare completions: Completion[] | null;
  /**
   * What each record's RecordMetadata needs besides its offset, as runs of records that share
   * it: [timestamp, keySize, valueSize, count, ...] (sizes -1 for null), up to runsEnd. Records
   * of a batch mostly share all three, so a batch keeps a few numbers, and completing it reads
   * no record back: a compressed batch would have to be decompressed for that (Java keeps the
   * same facts per record, in each record's FutureRecordMetadata). Made by the first append,
   * at the size of one run, and kept for the next batch made in this object.
   */
  private recordRuns: number[] | null = null;
  private declare runsEnd: number;
  private declare compressed: boolean;
  /** Compression ratio estimate for sizing compressed batches. */
  private declare compressionRatio: number;
  /** Written with the transactional flag (a transactional producer's batch). */
  declare isTransactional: boolean;

  declare attempts: number;
  /** Backoff before the current retry (jittered once, when the batch was re-queued). */
  declare retryBackoffMs: number;
  declare lastAttemptMs: number;
  declare lastAppendMs: number;
  declare drainedMs: number;
  /** Where the batch is in its life cycle; changed only through moveTo. */
  declare state: BatchState;
  private declare bytes: Buffer | null;
  declare producerId: number;
  declare producerEpoch: number;
  declare baseSequence: number;
  /** A split child: retried without counting the attempt (Java's split batches). */
  declare isSplit: boolean;
  /**
   * An earlier attempt may be in the log although its answer was an error or never came
   * (timed out, connection lost): the batch keeps its sequence until it has an answer.
   */
  declare possiblyWritten: boolean;
  /** A batch before it under the same numbering was refused: it cannot be in the log. */
  declare behindRefusal: boolean;
  /** The partition's leader epoch last seen for this batch (-1: none yet). */
  private declare currentLeaderEpoch: number;
  /** `attempts` when the leader epoch last moved forward. */
  private declare attemptsWhenLeaderLastChanged: number;
  private declare needsRewrite: boolean;
  /** The pieces this batch was split into: its records' outcomes are theirs. */
  private declare splitInto: ProducerBatch[] | null;
  private declare donePromise: Promise<void> | null;
  private declare doneResolve: (() => void) | null;
  /** Links in the lists the batch is in (BatchList, by list), which alone sets them. */
  readonly listPrev: (ProducerBatch | null)[] = [null, null];
  readonly listNext: (ProducerBatch | null)[] = [null, null];

  constructor(topic: string, partition: number, buffer: Buffer, allocatedSize: number, nowMs: number, opts: BatchOptions) {
    // The pooled buffer is all the batch gets: with a codec, records are compressed into it as
    // it fills (see RecordBatchBuilder), so buffer.memory bounds what batches hold.
    this.builder = new RecordBatchBuilder(buffer, builderOptions(opts));
    this.begin(topic, partition, allocatedSize, nowMs, opts);
  }

  /**
   * Begins a new batch in this one, which is finished (succeeded, failed or split, no request
   * out) and whose buffer went back to the pool: nothing of its last life is kept but the
   * arrays it had made.
   */
  reuse(topic: string, partition: number, buffer: Buffer, allocatedSize: number, nowMs: number, opts: BatchOptions): this {
    if (!this.isFinished) throw new IllegalStateError(`a ${this.state} batch cannot be reused`);
    this.builder.reset(buffer, builderOptions(opts));
    this.begin(topic, partition, allocatedSize, nowMs, opts);
    return this;
  }

  private begin(topic: string, partition: number, allocatedSize: number, nowMs: number, opts: BatchOptions): void {
    this.topic = topic;
    this.partition = partition;
    this.partitionKey = opts.partitionKey ?? topicPartitionKey(topic, partition);
    this.createdMs = nowMs;
    this.allocatedSize = allocatedSize;
    this.writeLimit = opts.writeLimit;
    this.count = 0;
    this.soleCompletion = null;
    this.completions = null;
    this.runsEnd = 0;
    this.compressed = opts.compression !== 0;
    this.compressionRatio = opts.compressionRatio ?? 1;
    this.isTransactional = opts.isTransactional ?? false;
    this.attempts = 0;
    this.retryBackoffMs = 0;
    this.lastAttemptMs = nowMs;
    this.lastAppendMs = nowMs;
    this.drainedMs = -1;
    this.state = 'open';
    this.bytes = null;
    this.producerId = -1;
    this.producerEpoch = -1;
    this.baseSequence = -1;
    this.isSplit = false;
    this.possiblyWritten = false;
    this.behindRefusal = false;
    this.currentLeaderEpoch = -1;
    this.attemptsWhenLeaderLastChanged = 0;
    this.needsRewrite = false;
    this.splitInto = null;
    this.donePromise = null;
    this.doneResolve = null;
  }

  get recordCount(): number {
    return this.count;
  }

  private completionAt(i: number): Completion {
    return this.completions === null ? (this.soleCompletion as Completion) : this.completions[i];
  }

  /**
   * Estimated bytes on the wire: exact when uncompressed. With a codec, what is compressed
   * already counts as it is, and the uncompressed tail as Java counts the records: scaled by
   * the estimated ratio with a 5% margin (CompressionRatioEstimator, MemoryRecordsBuilder).
   */
  get estimatedSizeInBytes(): number {
    if (this.bytes) return this.bytes.length;
    const b = this.builder;
    if (!this.compressed) return b.sizeInBytes;
    return b.compressedBytes + Math.ceil(b.tailBytes * this.compressionRatio * COMPRESSION_RATE_ESTIMATION_FACTOR);
  }

  private moveTo(next: BatchState): void {
    this.state = transition('batch', BATCH_MOVES, this.state, next);
  }

  get isFull(): boolean {
    return this.state !== 'open' || (this.recordCount > 0 && this.estimatedSizeInBytes >= this.writeLimit);
  }

  /** Bytes built (first drain): the batch is fixed but for its producer state. */
  get isClosed(): boolean {
    return this.bytes !== null;
  }

  /** Every record has its outcome (the request may still be out: settled-in-flight). */
  get isDone(): boolean {
    return this.isFinished || this.state === 'settled-in-flight';
  }

  /** Done, and no request carrying it is out: nothing will touch it again (it may be reused). */
  get isFinished(): boolean {
    const st = this.state;
    return st === 'succeeded' || st === 'failed' || st === 'split';
  }

  /** A request carrying the batch is out. */
  get isInFlight(): boolean {
    return this.state === 'in-flight' || this.state === 'settled-in-flight';
  }

  get hasSequence(): boolean {
    return this.baseSequence !== -1;
  }

  /** The batch bytes once closed. */
  get closedBytes(): Buffer {
    if (!this.bytes) throw new Error('batch is not closed');
    return this.bytes;
  }

  /**
   * Appends if the record fits (the first record always does); returns the growth of the
   * estimated size in bytes, or -1 when it does not fit.
   */
  tryAppend(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[] | null,
    headersSize: number,
    completion: Completion,
    nowMs: number,
  ): number {
    if (this.state !== 'open') return -1;
    const count = this.count;
    const before = count === 0 ? 0 : this.estimatedSizeInBytes;
    if (count > 0) {
      const size = exactRecordSize(count, timestamp - this.builder.baseTimestamp, key, value, headersSize);
      // Java's MemoryRecordsBuilder.hasRoomFor: what is written counts at the estimated
      // compression ratio, the record to add at its full size.
      const grown = before + size;
      // A compressed batch must also have room in its own buffer, which may compress the
      // uncompressed tail in place first: the buffer never grows.
      if (grown > this.writeLimit || (this.compressed && !this.builder.hasRoomFor(size))) {
        this.moveTo('sealed');
        return -1;
      }
    }
    this.builder.append(timestamp, key, value, headers, headersSize);
    if (count === 0) this.soleCompletion = completion;
    else if (this.completions !== null) this.completions.push(completion);
    else if (completion !== this.soleCompletion) {
      const all = new Array<Completion>(count + 1).fill(this.soleCompletion as Completion);
      all[count] = completion;
      this.completions = all;
    }
    this.count = count + 1;
    const keySize = key === null ? -1 : key.length;
    const valueSize = value === null ? -1 : value.length;
    const n = this.runsEnd;
    const runs = this.recordRuns;
    if (n > 0 && runs![n - 4] === timestamp && runs![n - 3] === keySize && runs![n - 2] === valueSize) runs![n - 1]++;
    else {
      if (runs === null) this.recordRuns = [timestamp, keySize, valueSize, 1];
      else if (n === runs.length) runs.push(timestamp, keySize, valueSize, 1);
      else {
        runs[n] = timestamp;
        runs[n + 1] = keySize;
        runs[n + 2] = valueSize;
        runs[n + 3] = 1;
      }
      this.runsEnd = n + 4;
    }
    this.lastAppendMs = nowMs;
    // Compressing the tail can lower the estimate (the chunk came out smaller than estimated);
    // the result stays >= 0, which means appended.
    return Math.max(0, this.estimatedSizeInBytes - before);
  }

  /** No more appends (a displaced or expiring batch). */
  closeForAppends(): void {
    if (this.state === 'open') this.moveTo('sealed');
  }

  /** Finishes the batch bytes with the given producer state (first drain). */
  close(producerId: number, producerEpoch: number, baseSequence: number): Buffer {
    if (this.state === 'open' || this.state === 'sealed') this.moveTo('queued');
    if (!this.bytes) {
      this.producerId = producerId;
      this.producerEpoch = producerEpoch;
      this.baseSequence = baseSequence;
      this.builder.setProducerState(producerId, producerEpoch, baseSequence);
      this.bytes = this.builder.close();
    }
    return this.bytes;
  }

  /**
   * New producer state for a retry after an epoch bump or sequence reset. Closed bytes are
   * rewritten only at the next drain (rewriteIfReset), never while a request carrying them
   * may still be in the socket's write buffer.
   */
  resetProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    this.behindRefusal = false;
    if (this.bytes) this.needsRewrite = true;
    else this.builder.setProducerState(producerId, producerEpoch, baseSequence);
  }

  /** Drain time: applies a producer state reset to the closed bytes (producer fields and CRC). */
  rewriteIfReset(): void {
    if (!this.needsRewrite || !this.bytes) return;
    rewriteProducerState(this.bytes, this.producerId, this.producerEpoch, this.baseSequence);
    this.needsRewrite = false;
  }

  /**
   * Java's ProducerBatch.maybeUpdateLeaderEpoch: the ready and drain passes show the batch its
   * partition's leader epoch; a newer one during a retry lets the retry skip its backoff
   * (KIP-951), whether it came from a Produce answer's hint or from a Metadata answer.
   */
  maybeUpdateLeaderEpoch(leaderEpoch: number): void {
    if (leaderEpoch >= 0 && (this.currentLeaderEpoch < 0 || this.currentLeaderEpoch < leaderEpoch)) {
      this.attemptsWhenLeaderLastChanged = this.attempts;
      this.currentLeaderEpoch = leaderEpoch;
    }
  }

  /** True while retrying toward a leader newer than the one the last attempt went to. */
  get hasLeaderChangedForTheOngoingRetry(): boolean {
    return this.attempts >= 1 && this.attempts === this.attemptsWhenLeaderLastChanged;
  }

  /**
   * Renumbered (new epoch or sequence) since it was last sent: an answer to that send speaks of
   * the old numbering (Java's sequenceHasBeenReset).
   */
  get sequenceHasBeenReset(): boolean {
    return this.needsRewrite;
  }

  /** A Produce request carrying the batch is being sent. */
  markSent(): void {
    this.moveTo('in-flight');
  }

  /**
   * The request carrying the batch came back (answered or failed). Returns true when the
   * sender must decide the batch's fate; false when its records were settled meanwhile
   * (now failed: its buffer may go back to the pool).
   */
  returned(): boolean {
    if (this.state === 'settled-in-flight') {
      this.moveTo('failed');
      return false;
    }
    this.moveTo('answered');
    return true;
  }

  /** Records the start of a new attempt when the batch goes back to its queue. */
  reenqueued(nowMs: number, backoffMs: number): void {
    this.retryBackoffMs = backoffMs;
    this.attempts++;
    this.lastAttemptMs = Math.max(this.lastAppendMs, nowMs);
    this.moveTo('queued');
  }

  hasReachedDeliveryTimeout(deliveryTimeoutMs: number, nowMs: number): boolean {
    return nowMs - this.createdMs >= deliveryTimeoutMs;
  }

  /**
   * Success: settles every record with its offset (base + index) and timestamp
   * (LogAppendTime when the broker gives one, else the record's own).
   */
  complete(baseOffset: number, logAppendTimeMs: number): boolean {
    if (this.isDone) return false;
    this.moveTo('succeeded');
    const runs = this.recordRuns as number[];
    let run = 0;
    let leftInRun = this.count > 0 ? runs[3] : 0;
    for (let i = 0; i < this.count; i++) {
      if (leftInRun === 0) {
        run += 4;
        leftInRun = runs[run + 3];
      }
      leftInRun--;
      const md: RecordMetadata = {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1n : BigInt(baseOffset + i),
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : runs[run],
        serializedKeySize: runs[run + 1],
        serializedValueSize: runs[run + 2],
      };
      settle(this.completionAt(i), null, md);
    }
    this.markDone();
    return true;
  }

  /** Failure of every record; `recordErrors` can give some records their own error. */
  fail(err: Error, recordErrors?: ReadonlyMap<number, Error>): boolean {
    if (this.isDone) return false;
    this.moveTo(this.state === 'in-flight' ? 'settled-in-flight' : 'failed');
    for (let i = 0; i < this.count; i++) {
      const md: RecordMetadata = {
        topic: this.topic,
        partition: this.partition,
        offset: -1n,
        timestamp: -1,
        serializedKeySize: -1,
        serializedValueSize: -1,
      };
      settle(this.completionAt(i), recordErrors?.get(i) ?? err, md);
    }
    this.markDone();
    return true;
  }

  /**
   * Resolves when every record of the batch has its outcome (flush() and close() wait on
   * these); for a split batch, when all its pieces have theirs.
   */
  done(): Promise<void> {
    if (this.splitInto) return Promise.all(this.splitInto.map((b) => b.done())).then(() => undefined);
    if (this.isDone) return Promise.resolve();
    if (!this.donePromise) this.donePromise = new Promise<void>((r) => (this.doneResolve = r));
    return this.donePromise;
  }

  private markDone(): void {
    // Settled: a batch kept for reuse must not keep its records' callbacks alive meanwhile.
    this.soleCompletion = null;
    this.completions = null;
    this.doneResolve?.();
    this.doneResolve = null;
  }

  /**
   * Splits a batch the broker refused as too large into batches of at most `splitSize`
   * bytes, keeping each record's completion, timestamp and order. The children live outside
   * the buffer pool (as in Java); this batch ends without settling anything.
   */
  split(splitSize: number, compression: number, compressionLevel: number | undefined): ProducerBatch[] {
    const records = this.builder.decodeRecords();
    const out: ProducerBatch[] = [];
    let current: ProducerBatch | null = null;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const hs = sizeOfHeaders(r.headers);
      const completion = this.completionAt(i);
      if (!current || current.tryAppend(r.timestamp, r.key, r.value, r.headers, hs, completion, this.lastAppendMs) < 0) {
        const size = batchAllocationSize(splitSize, exactRecordSize(0, 0, r.key, r.value, hs), compression);
        current = new ProducerBatch(this.topic, this.partition, Buffer.allocUnsafe(size), size, this.createdMs, {
          compression,
          compressionLevel,
          writeLimit: splitSize,
          isTransactional: this.isTransactional,
        });
        current.isSplit = true;
        current.attempts = this.attempts;
        current.lastAttemptMs = this.lastAttemptMs;
        current.tryAppend(r.timestamp, r.key, r.value, r.headers, hs, completion, this.lastAppendMs);
        out.push(current);
      }
    }
    // Pieces are complete as they are: sendable at once, like Java's closed split batches.
    for (const piece of out) piece.closeForAppends();
    this.count = 0;
    this.soleCompletion = null;
    this.completions = null;
    this.moveTo('split');
    this.splitInto = out;
    if (this.doneResolve) {
      const resolve = this.doneResolve;
      this.doneResolve = null;
      void this.done().then(resolve);
    }
    return out;
  }
}

function builderOptions(opts: BatchOptions): RecordBatchOptions {
  return { compression: opts.compression, compressionLevel: opts.compressionLevel, fixedCapacity: true, isTransactional: opts.isTransactional };
}

/** Settles one record's completion; a callback that throws cannot disturb the others. */
export function settle(c: Completion, err: Error | null, md: RecordMetadata): void {
  try {
    if (typeof c === 'function') c(err, md);
    else if (err) c.reject(err, md);
    else c.resolve(md);
  } catch (callbackError) {
    // A user callback that throws must not stop the other records' outcomes (Java logs it).
    process.emitWarning(new KafkaError(`a send() callback threw: ${(callbackError as Error)?.message ?? callbackError}`, { cause: callbackError }));
  }
}

/** Java's COMPRESSION_RATE_ESTIMATION_FACTOR: the margin on estimated compressed sizes. */
export const COMPRESSION_RATE_ESTIMATION_FACTOR = 1.05;

/**
 * Bytes to allocate for a new batch whose first record takes `firstRecordBytes`: batch.size, or
 * more when that one record needs more (with a codec, its stream framing included), so the
 * first record always fits in the batch's own buffer.
 */
export function batchAllocationSize(batchSize: number, firstRecordBytes: number, compression: number): number {
  return Math.max(batchSize, batchCapacityFor(compression, firstRecordBytes));
}

/** Exact bytes of a record in a batch, length prefix included (Java's DefaultRecord.sizeInBytes). */
export function exactRecordSize(
  offsetDelta: number,
  timestampDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headersBytes: number,
): number {
  const body =
    1 +
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    (key === null ? 1 : sizeOfVarint(key.length) + key.length) +
    (value === null ? 1 : sizeOfVarint(value.length) + value.length) +
    headersBytes;
  return sizeOfVarint(body) + body;
}
