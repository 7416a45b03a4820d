/**
 * Idempotence: producer id and epoch, and per-partition sequence numbers (KIP-98, KIP-360),
 * as the non-transactional part of the Java client's TransactionManager.
 *
 * - The sender obtains a producer id with InitProducerId before any Produce.
 * - A batch gets its base sequence at its first drain; the partition's next sequence
 *   advances by its record count (wrapping past 2^31-1 to 0). Retries keep the sequence.
 * - Up to 5 requests may be in flight per connection with order kept: a retried batch may
 *   only be drained when it is the first in-flight batch of its partition.
 * - After a failure that leaves a sequence gap (a batch the broker refused for good,
 *   OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch, UNKNOWN_PRODUCER_ID),
 *   the epoch is bumped locally (no request; at 32767 a new id is fetched). In-flight
 *   batches of the affected partitions are renumbered from 0 under the new epoch; other
 *   partitions restart at 0 once their in-flight batches under the old epoch are done.
 * - A batch that fails after being sent without a definite answer (delivery.timeout.ms
 *   passed, a timeout or lost connection on the last attempt) may be in the log or not: its
 *   partition's sequence is "unresolved" (Java's markSequenceUnresolved). No new batch of
 *   the partition is drained, and nothing is renumbered, until every batch of it that is
 *   still in flight is done (a batch whose fate is unknown must keep its sequence, or a
 *   retry would write it twice); then the epoch is bumped only if a gap remains.
 *
 * Locality: sender only.
 */
import { transition, TransitionTable } from '../net/state-machine';
import type { ProducerBatch } from './producer-batch';

const MAX_EPOCH = 32767;
const NO_SEQUENCE = -1;

interface PartitionState {
  /** Producer id/epoch the partition's sequences belong to. */
  producerId: number;
  producerEpoch: number;
  nextSequence: number;
  lastAckedSequence: number;
  lastAckedOffset: number;
  /** Batches with a sequence that are not done, ordered by base sequence. */
  inFlight: ProducerBatch[];
}

export type IdempotenceState = 'uninitialized' | 'initializing' | 'ready' | 'fatal';

/**
 * uninitialized -> initializing (InitProducerId sent) -> ready (an id and epoch), or back to
 * uninitialized when it failed retriably; ready -> uninitialized when the epoch is exhausted
 * (a new id is fetched); any state -> fatal (fenced, not authorized, unsupported), for good.
 */
const IDEMPOTENCE_MOVES: TransitionTable<IdempotenceState> = {
  uninitialized: ['initializing', 'fatal'],
  initializing: ['ready', 'uninitialized', 'fatal'],
  ready: ['uninitialized', 'fatal'],
  fatal: [],
};

export class IdempotenceManager {
  producerId = -1;
  producerEpoch = -1;
  state: IdempotenceState = 'uninitialized';
  fatalError: Error | null = null;
  private readonly partitions = new Map<string, PartitionState>();
  private epochBumpRequired = false;
  private readonly partitionsToRewrite = new Set<string>();
  /** Partitions to renumber once none of their in-flight batches may have been written. */
  private readonly deferredRewrites = new Set<string>();
  /**
   * Partitions with a batch that failed with its fate unknown, and the sequence just after the
   * last such batch; resolved once none of the partition's batches is in flight.
   */
  private readonly unresolved = new Map<string, number>();
  /**
   * Set for a transactional producer (transactions.ts): whether a partition's batches may be
   * drained (it is in the transaction). Its epochs come from the coordinator, never bumped here:
   * a batch that fails leaves the transaction to be aborted, and the next epoch resets every
   * partition.
   */
  sendGate: ((topic: string, partition: number) => boolean) | null = null;

  get hasProducerId(): boolean {
    return this.producerId >= 0 && this.state === 'ready';
  }

  transitionTo(next: IdempotenceState): void {
    this.state = transition('idempotence', IDEMPOTENCE_MOVES, this.state, next);
  }

  setProducerIdAndEpoch(producerId: number, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.transitionTo('ready');
  }

  /**
   * A transactional producer's new id or epoch, from InitProducerId or EndTxn (v5): every
   * partition starts at sequence 0 under it. Called only when no batch is in flight.
   */
  resetProducerIdAndEpoch(producerId: number, producerEpoch: number): void {
    if (this.state === 'uninitialized') this.transitionTo('initializing');
    if (this.state === 'initializing') this.transitionTo('ready');
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.partitions.clear();
    this.partitionsToRewrite.clear();
    this.deferredRewrites.clear();
    this.unresolved.clear();
    this.epochBumpRequired = false;
  }

  /** The sender checks this each loop: an epoch bump (or a new producer id) is due. */
  maybeBumpEpoch(): 'none' | 'bumped' | 'needs-new-id' {
    if (this.state === 'ready') {
      this.resolveSequences();
      if (this.deferredRewrites.size > 0) this.rewritePending();
    }
    if (!this.epochBumpRequired || this.state !== 'ready') return 'none';
    this.epochBumpRequired = false;
    if (this.producerEpoch >= MAX_EPOCH) {
      // Epoch exhausted: forget the id; every partition starts over with the new one.
      this.producerId = -1;
      this.producerEpoch = -1;
      this.transitionTo('uninitialized');
      for (const key of this.partitions.keys()) this.partitionsToRewrite.add(key);
      return 'needs-new-id';
    }
    this.producerEpoch++;
    this.rewritePending();
    return 'bumped';
  }

  /**
   * Java's maybeResolveSequences: an unresolved partition with nothing in flight any more is
   * resolved when its acknowledged sequence reached its next sequence (the failed batch was
   * written after all); otherwise the gap is real and the epoch is bumped.
   */
  private resolveSequences(): void {
    for (const key of this.unresolved.keys()) {
      const p = this.partitions.get(key);
      if (p && p.inFlight.length > 0) continue;
      this.unresolved.delete(key);
      if (!p || p.producerId !== this.producerId || p.producerEpoch !== this.producerEpoch) continue;
      const expected = p.lastAckedSequence === NO_SEQUENCE ? 0 : incrementSequence(p.lastAckedSequence, 1);
      if (p.nextSequence !== expected) {
        this.epochBumpRequired = true;
        this.partitionsToRewrite.add(key);
      }
    }
  }

  /**
   * After a new id or epoch: renumber the in-flight batches of the partitions that asked for it
   * (Java's startSequencesAtBeginning). A partition with a batch that may be in the log (its
   * request is still out, or an earlier attempt timed out or lost its connection) waits:
   * renumbered, that batch would be written a second time under the new epoch. Its partition keeps the old numbering
   * (no new batch of it is drained meanwhile, see shouldStopDrain) until that batch has its
   * answer, then starts at 0 under the epoch current then, which the broker has not seen for
   * it. Java renumbers at once and can write such a batch twice.
   */
  rewritePending(): void {
    for (const key of this.partitionsToRewrite) {
      this.unresolved.delete(key);
      this.deferredRewrites.add(key);
    }
    this.partitionsToRewrite.clear();
    for (const key of this.deferredRewrites) {
      const p = this.partitions.get(key);
      if (p && p.inFlight.some(mayBeInLog)) continue;
      this.deferredRewrites.delete(key);
      if (!p) continue;
      let seq = 0;
      for (const b of p.inFlight) {
        b.resetProducerState(this.producerId, this.producerEpoch, seq);
        seq = incrementSequence(seq, b.recordCount);
      }
      p.producerId = this.producerId;
      p.producerEpoch = this.producerEpoch;
      p.nextSequence = seq;
      p.lastAckedSequence = NO_SEQUENCE;
    }
  }

  private entry(batch: ProducerBatch): PartitionState {
    const key = batch.partitionKey;
    let p = this.partitions.get(key);
    if (!p) {
      p = {
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        nextSequence: 0,
        lastAckedSequence: NO_SEQUENCE,
        lastAckedOffset: -1,
        inFlight: [],
      };
      this.partitions.set(key, p);
    }
    return p;
  }

  private keyOf(batch: ProducerBatch): string {
    return batch.partitionKey;
  }

  /**
   * Whether the drain must stop at this partition's head batch (Java's
   * shouldStopDrainBatchesForPartition): no producer id; a new batch while batches of an
   * older id/epoch are still in flight; or a retried batch that is not the first in flight.
   */
  shouldStopDrain(first: ProducerBatch): boolean {
    if (!this.hasProducerId) return true;
    if (this.sendGate && !this.sendGate(first.topic, first.partition)) return true;
    const p = this.entry(first);
    if (!first.hasSequence) {
      if (p.inFlight.length > 0 && (p.producerId !== this.producerId || p.producerEpoch !== this.producerEpoch)) return true;
      // Earlier sequences of the partition are not known to be written or not: wait.
      if (this.unresolved.has(this.keyOf(first))) return true;
      // Until the broker has acknowledged a batch of ours here, it may hold no state for our
      // producer id in this partition, and then it accepts any sequence: a second batch could
      // be written before a first one that was refused (say NOT_LEADER_OR_FOLLOWER right after
      // the topic was created), leaving the first unwritable. So the first batch goes alone.
      if (p.inFlight.length > 0 && p.lastAckedSequence === NO_SEQUENCE) return true;
    }
    if (first.hasSequence && p.inFlight.length > 0 && p.inFlight[0] !== first) return true;
    return false;
  }

  /** First drain of a batch: assigns producer state and sequence; returns the base sequence. */
  assignSequence(batch: ProducerBatch): number {
    const p = this.entry(batch);
    if (p.producerId !== this.producerId || p.producerEpoch !== this.producerEpoch) {
      // Nothing of the old epoch is in flight any more (shouldStopDrain saw to that).
      p.producerId = this.producerId;
      p.producerEpoch = this.producerEpoch;
      p.nextSequence = 0;
      p.lastAckedSequence = NO_SEQUENCE;
    }
    const seq = p.nextSequence;
    p.nextSequence = incrementSequence(seq, batch.recordCount);
    p.inFlight.push(batch);
    return seq;
  }

  /**
   * A batch split after MESSAGE_TOO_LARGE: its pieces take its place, with consecutive
   * sequences from its base sequence under the same producer id and epoch.
   */
  replaceWithSplit(batch: ProducerBatch, parts: ProducerBatch[]): void {
    const p = this.entry(batch);
    let seq = batch.baseSequence;
    for (const part of parts) {
      part.resetProducerState(batch.producerId, batch.producerEpoch, seq);
      seq = incrementSequence(seq, part.recordCount);
    }
    const i = p.inFlight.indexOf(batch);
    if (i >= 0) p.inFlight.splice(i, 1, ...parts);
    else p.inFlight.push(...parts);
  }


  /** A batch was acknowledged (or found a duplicate). */
  handleCompleted(batch: ProducerBatch, baseOffset: number): void {
    const p = this.entry(batch);
    this.removeInFlight(p, batch);
    if (batch.producerId === p.producerId && batch.producerEpoch === p.producerEpoch) {
      const last = incrementSequence(batch.baseSequence, batch.recordCount - 1);
      if (p.lastAckedSequence === NO_SEQUENCE || seqAfter(last, p.lastAckedSequence)) p.lastAckedSequence = last;
      if (baseOffset >= 0) p.lastAckedOffset = Math.max(p.lastAckedOffset, baseOffset + batch.recordCount - 1);
    }
  }

  /**
   * A batch failed for good (error, expiry, close). If it had been given a sequence, the
   * partition may now have a gap. When the broker refused it (`fateUnknown` false), the gap
   * is certain: the partition starts over under a new epoch, whatever epoch the batch had
   * (Java's handleFailedBatch: a partition left behind an earlier bump would otherwise keep
   * its old numbering, and its next batch would meet OUT_OF_ORDER_SEQUENCE_NUMBER until
   * delivery.timeout.ms). When it may have been written (`fateUnknown`: timed out,
   * connection lost), the partition is unresolved until its in-flight batches are done (see
   * resolveSequences); a batch of an older epoch needs nothing, as its partition restarts at
   * 0 under the current epoch once its old batches are done.
   */
  handleFailed(batch: ProducerBatch, fateUnknown = false): void {
    if (!batch.hasSequence) return;
    const p = this.entry(batch);
    this.removeInFlight(p, batch);
    if (this.sendGate) return; // transactional: the abort's new epoch resets the partition
    if (!fateUnknown) {
      // The broker refused this sequence, so none after it under the same epoch can be in the
      // log: their renumbering need not wait for their answers.
      for (const b of p.inFlight) {
        if (b.producerId === batch.producerId && b.producerEpoch === batch.producerEpoch && seqAfter(b.baseSequence, batch.baseSequence)) b.behindRefusal = true;
      }
      this.requestEpochBump(batch);
      return;
    }
    if (batch.producerId !== this.producerId || batch.producerEpoch !== this.producerEpoch) return;
    const key = this.keyOf(batch);
    const next = incrementSequence(batch.baseSequence, batch.recordCount);
    const known = this.unresolved.get(key);
    this.unresolved.set(key, known === undefined || seqAfter(next, known) ? next : known);
  }

  /** Marks the partition of `batch` for renumbering at the next epoch bump. */
  requestEpochBump(batch: ProducerBatch): void {
    this.epochBumpRequired = true;
    this.partitionsToRewrite.add(this.keyOf(batch));
  }

  /**
   * A batch answered OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID is always retried
   * (within its budget); this decides whether its partition must first start over under a new
   * epoch. After Java's TransactionManager.canRetry for the idempotent producer:
   * - an answer to a send made before the batch was renumbered speaks of the old numbering:
   *   retry as it is now, no bump (sequenceHasBeenReset);
   * - UNKNOWN_PRODUCER_ID without a log start offset (-1): the broker does not know it yet;
   *   retry, no bump. Otherwise the broker lost our state: bump.
   * - OUT_OF_ORDER_SEQUENCE_NUMBER when the batch is not the next one the broker should expect
   *   (an earlier one is still being retried): retry, no bump. When it is the next one, or the
   *   one just after a batch whose fate was unknown, the gap is real: bump. With an unresolved
   *   partition and another batch: retry and wait for the sequence to resolve.
   * Returns whether to retry: false only for a transactional producer facing a real gap.
   */
  checkSequenceError(batch: ProducerBatch, unknownProducerId: boolean, logStartOffset: number): boolean {
    if (unknownProducerId) {
      if (logStartOffset === -1 || batch.sequenceHasBeenReset) return true;
      return this.bumpOrFail(batch);
    }
    const p = this.entry(batch);
    const unresolvedNext = this.unresolved.get(this.keyOf(batch));
    if (unresolvedNext === undefined) {
      const expected = p.lastAckedSequence === NO_SEQUENCE ? 0 : incrementSequence(p.lastAckedSequence, 1);
      if (batch.sequenceHasBeenReset || batch.baseSequence !== expected) return true;
      return this.bumpOrFail(batch);
    }
    if (batch.baseSequence === unresolvedNext) return this.bumpOrFail(batch);
    return true;
  }

  /**
   * A real sequence gap: the idempotent producer bumps the epoch and retries; a transactional
   * one fails the batch (Java's canRetry), and the transaction must be aborted.
   */
  private bumpOrFail(batch: ProducerBatch): boolean {
    if (this.sendGate) return false;
    this.requestEpochBump(batch);
    return true;
  }

  private removeInFlight(p: PartitionState, batch: ProducerBatch): void {
    const i = p.inFlight.indexOf(batch);
    if (i >= 0) p.inFlight.splice(i, 1);
  }

  /** Told once, when the manager becomes fatal (the producer logs it). */
  onFatal: ((err: Error) => void) | null = null;

  /** Fatal state (e.g. fenced, authorization): every later send fails with `err`. */
  fail(err: Error): void {
    if (this.state === 'fatal') return; // the first fatal error is the one every send reports
    this.transitionTo('fatal');
    this.fatalError = err;
    this.onFatal?.(err);
  }

}

/**
 * Whether `b` may be in the log under its current numbering: a request carrying it is still
 * out, or an earlier attempt's answer was lost; unless a batch before it was refused.
 */
function mayBeInLog(b: ProducerBatch): boolean {
  return !b.behindRefusal && (b.isInFlight || b.possiblyWritten);
}

export function incrementSequence(seq: number, n: number): number {
  const next = seq + n;
  return next > 0x7fffffff ? next - 0x80000000 : next;
}

function seqAfter(a: number, b: number): boolean {
  // Sequences wrap; within half the range, a larger value is later.
  const d = (a - b) | 0;
  return d > 0;
}
