/**
 * BatchList: a set of batches in the order added, linked through the batches themselves (one
 * pair of links per list a batch can be in: LIST_INCOMPLETE, LIST_IN_FLIGHT). Adding and
 * removing allocate nothing. A long-lived Set would: each time it grows or shrinks (the
 * batches in flight come and go with every request), V8 builds its table anew, and builds it
 * in the old generation, where the Set lives; the old generation then fills with dead
 * tables and is collected again and again (RELIABILITY.md, "Write stream").
 */
import type { ProducerBatch } from './producer-batch';

/** The accumulator's batches not yet done. */
export const LIST_INCOMPLETE = 0;
/** The sender's batches that a request carries. */
export const LIST_IN_FLIGHT = 1;

export class BatchList implements Iterable<ProducerBatch> {
  private head: ProducerBatch | null = null;
  private tail: ProducerBatch | null = null;
  private count = 0;

  constructor(private readonly slot: typeof LIST_INCOMPLETE | typeof LIST_IN_FLIGHT) {}

  get size(): number {
    return this.count;
  }

  has(batch: ProducerBatch): boolean {
    return batch.listPrev[this.slot] !== null || this.head === batch;
  }

  add(batch: ProducerBatch): void {
    if (this.has(batch)) return;
    const slot = this.slot;
    batch.listPrev[slot] = this.tail;
    batch.listNext[slot] = null;
    if (this.tail) this.tail.listNext[slot] = batch;
    else this.head = batch;
    this.tail = batch;
    this.count++;
  }

  delete(batch: ProducerBatch): boolean {
    if (!this.has(batch)) return false;
    const slot = this.slot;
    const prev = batch.listPrev[slot];
    const next = batch.listNext[slot];
    if (prev) prev.listNext[slot] = next;
    else this.head = next;
    if (next) next.listPrev[slot] = prev;
    else this.tail = prev;
    batch.listPrev[slot] = batch.listNext[slot] = null;
    this.count--;
    return true;
  }

  /** In the order added. The walk may remove the batch it is at; one that may remove others walks a copy ([...list]). */
  *[Symbol.iterator](): Iterator<ProducerBatch> {
    for (let b = this.head; b !== null; ) {
      const next = b.listNext[this.slot];
      yield b;
      b = next;
    }
  }
}
