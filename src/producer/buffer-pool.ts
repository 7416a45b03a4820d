/**
 * BufferPool: buffer.memory accounting for batch buffers, as the Java client's BufferPool.
 *
 * - Buffers of exactly batch.size are kept on a free list and reused.
 * - Other sizes are allocated fresh when unpooled + pooled memory allows (freeing pooled
 *   buffers to make room).
 * - When memory is exhausted, requests wait FIFO, each up to its own deadline
 *   (max.block.ms from its send()); the head is served first, so a large request is not
 *   starved by small ones. A waiter whose deadline passes fails with BufferExhaustedError.
 *
 * In Java the caller's thread blocks; here allocate() returns a Buffer at once when it can,
 * and otherwise the caller awaits waitFor(). Only one timer exists: for the head waiter.
 */
import { BufferExhaustedError, KafkaError } from '../protocol/errors';
import type { Clock, TimerHandle } from '../net/clock';

interface Waiter {
  size: number;
  deadlineMs: number;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

export class BufferPool {
  readonly totalMemory: number;
  readonly poolableSize: number;
  private readonly free: Buffer[] = [];
  /** Memory neither in use nor on the free list. */
  private nonPooledAvailable: number;
  private readonly waiters: Waiter[] = [];
  private timer: TimerHandle | null = null;
  private closedError: Error | null = null;

  constructor(totalMemory: number, poolableSize: number, private readonly clock: Clock) {
    this.totalMemory = totalMemory;
    this.poolableSize = poolableSize;
    this.nonPooledAvailable = totalMemory;
  }

  /** Bytes not in use by any batch (free list included). */
  get availableMemory(): number {
    return this.nonPooledAvailable + this.free.length * this.poolableSize;
  }

  get queuedCount(): number {
    return this.waiters.length;
  }

  /** A buffer of `size` bytes now, or null when memory is short or others are waiting first. */
  tryAllocate(size: number): Buffer | null {
    if (this.closedError) throw this.closedError;
    if (size > this.totalMemory) {
      throw new KafkaError(`a batch of ${size} bytes exceeds buffer.memory (${this.totalMemory})`, { code: 'ERR_KAFKA_RECORD_TOO_LARGE' });
    }
    if (this.waiters.length > 0) return null;
    return this.take(size);
  }

  private take(size: number): Buffer | null {
    if (size === this.poolableSize && this.free.length > 0) return this.free.pop()!;
    if (this.nonPooledAvailable + this.free.length * this.poolableSize < size) return null;
    while (this.nonPooledAvailable < size) {
      this.free.pop();
      this.nonPooledAvailable += this.poolableSize;
    }
    this.nonPooledAvailable -= size;
    return Buffer.allocUnsafe(size);
  }

  /** Waits FIFO for `size` bytes until `deadlineMs`, then fails with BufferExhaustedError. */
  waitFor(size: number, deadlineMs: number): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<Buffer>((resolve, reject) => {
      this.waiters.push({ size, deadlineMs, resolve, reject });
      this.serveWaiters();
      this.armTimer();
    });
  }

  /** Returns a batch buffer; `size` is what was allocated for it. */
  deallocate(buffer: Buffer, size: number): void {
    if (size === this.poolableSize && buffer.length === this.poolableSize) this.free.push(buffer);
    else this.nonPooledAvailable += size;
    this.serveWaiters();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const head = this.waiters[0];
      const buf = this.take(head.size);
      if (!buf) break;
      this.waiters.shift();
      head.resolve(buf);
    }
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.waiters.length === 0) return;
    // Deadlines need not be in queue order (send() calls may have different time left).
    let next = Infinity;
    for (const w of this.waiters) next = Math.min(next, w.deadlineMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.expireWaiters();
    }, Math.max(0, next - this.clock.now()));
  }

  private expireWaiters(): void {
    const now = this.clock.now();
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (now >= w.deadlineMs) {
        this.waiters.splice(i, 1);
        w.reject(
          new BufferExhaustedError(
            `Failed to allocate ${w.size} bytes within the configured max blocking time: buffer.memory (${this.totalMemory}) is in use by batches not yet sent or acknowledged.`,
          ),
        );
      } else i++;
    }
    this.serveWaiters();
  }

  /** Fails every waiter and every later allocation (producer close). */
  close(err: Error): void {
    this.closedError = err;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
