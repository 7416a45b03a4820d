/**
 * SendQueue: the send() calls that could not append at once, in call order.
 *
 * Where Java's send() blocks its thread (waiting for metadata or for buffer memory, up to
 * max.block.ms), the record waits here instead; later send() calls queue behind it, so
 * records are appended in the order send() was called, as with one Java thread. The head
 * is retried whenever metadata changes, memory it waited for arrives, or its deadline
 * passes; at the deadline it fails with the error of what it waited for.
 *
 * Every send gets a sequence number; `processed` is the highest one that has appended or
 * settled, with every earlier one too. flush() and close() wait on it (whenProcessed) before
 * they wait on the batches.
 *
 * Locality: send(), and the sender's metadata and memory callbacks.
 */
import type { RecordHeader } from '../protocol/records/record-batch-builder';
import type { BufferPool } from './buffer-pool';
import type { Clock, TimerHandle } from '../net/clock';
import { Fifo } from './fifo';
import type { Completion } from './producer-batch';

/** A send() between its call and its append (or failure). */
export interface PendingSend {
  topic: string;
  partition: number | null;
  timestamp: number | null;
  key: unknown;
  value: unknown;
  keyBytes: Uint8Array | null;
  valueBytes: Uint8Array | null;
  headers: RecordHeader[] | null;
  headersSize: number;
  completion: Completion;
  deadlineMs: number;
  seq: number;
  waitingForMemory: boolean;
  /** Bytes of the new batch it waits for, when waiting for memory. */
  memorySize: number;
  /** The partition picked for it (-1: the built-in sticky choice), once metadata allowed. */
  chosenPartition?: number;
  /** Metadata version when send() was called: only answers after it can fail the send. */
  metadataVersionAtSend: number;
  /** Memory it waited for, handed to the append. */
  buffer: Buffer | null;
}

/** What an append attempt came to: appended (or settled with an error), or what it waits for. */
export type AppendOutcome = 'done' | 'wait-metadata' | 'wait-memory';

export interface SendQueueHost {
  /** Appends now, or settles the send with its error ('done'); else says what it waits for. */
  tryAppend(p: PendingSend, nowMs: number): AppendOutcome;
  /** The error of a send whose max.block.ms ran out waiting for `what`. */
  timeoutError(p: PendingSend, what: 'wait-metadata' | 'wait-memory'): Error;
  /** Settles a send that never reached a batch (calls markProcessed). */
  fail(p: PendingSend, err: Error): void;
  /** A send waits for memory: batches must go out to free some. */
  wakeSender(): void;
}

export class SendQueue {
  private readonly queue = new Fifo<PendingSend>();
  private timer: TimerHandle | null = null;
  private lastSeq = 0;
  private processedSeq = 0;
  private readonly waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly pool: BufferPool,
    private readonly host: SendQueueHost,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** The sequence number of the next send() call. */
  nextSeq(): number {
    return ++this.lastSeq;
  }

  /** The sequence number of the latest send() call. */
  get latestSeq(): number {
    return this.lastSeq;
  }

  /** Queues a copy of `p` (send() passes a reused object) and appends what can be. */
  enqueue(p: PendingSend): void {
    this.queue.push({ ...p });
    this.process();
  }

  /** Appends waiting sends in order, as far as metadata and memory allow. */
  process(): void {
    while (this.queue.length > 0) {
      const p = this.queue.peek()!;
      if (p.waitingForMemory) return;
      const now = this.clock.now();
      // A send whose time ran out while queued behind others still goes in if it can now
      // (as a Java thread would not block then); it fails only if it would have to wait.
      const outcome = this.host.tryAppend(p, now);
      if (outcome === 'done') {
        this.queue.shift();
        this.markProcessed(p.seq);
        continue;
      }
      if (now >= p.deadlineMs) {
        this.queue.shift();
        this.host.fail(p, this.host.timeoutError(p, outcome));
        continue;
      }
      if (outcome === 'wait-memory') {
        this.waitForMemory(p);
        return;
      }
      this.armTimer(p.deadlineMs - now);
      return;
    }
    this.clearTimer();
  }

  private waitForMemory(p: PendingSend): void {
    p.waitingForMemory = true;
    this.host.wakeSender();
    this.pool.waitFor(p.memorySize, p.deadlineMs).then(
      (buf) => {
        p.waitingForMemory = false;
        p.buffer = buf;
        this.process();
      },
      (err: Error) => {
        p.waitingForMemory = false;
        // A forced close may have settled this send already.
        if (this.queue.peek() !== p) return;
        this.queue.shift();
        this.host.fail(p, err);
        this.process();
      },
    );
  }

  private armTimer(delayMs: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.process();
    }, Math.max(0, delayMs));
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Fails the sends at the head that wait for metadata (authentication failed, codec missing),
   * so sends keep settling in call order; one waiting for memory, and those behind it, settle
   * through that wait.
   */
  failWaitingForMetadata(err: Error): void {
    while (this.queue.length > 0 && !this.queue.peek()!.waitingForMemory) this.host.fail(this.queue.shift()!, err);
  }

  /** Fails every waiting send (forced close) and stops the timer. */
  failAll(err: Error): void {
    for (const p of this.queue.drain()) this.host.fail(p, err);
    this.clearTimer();
  }

  /** Stops the timer (the producer is closed). */
  close(): void {
    this.clearTimer();
  }

  /** Send `seq` and every earlier one have appended or settled. */
  markProcessed(seq: number): void {
    if (seq > this.processedSeq) this.processedSeq = seq;
    while (this.waiters.length > 0 && this.waiters[0].seq <= this.processedSeq) this.waiters.shift()!.resolve();
  }

  /** Resolves once send `seq` and every earlier one have appended or settled. */
  whenProcessed(seq: number): Promise<void> {
    if (this.processedSeq >= seq) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ seq, resolve }));
  }
}
