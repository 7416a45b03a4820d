/**
 * ProducerWriteStream: an object-mode Writable over a producer (KafkaProducer.createWriteStream).
 *
 * Each chunk becomes one send() in callback form. Backpressure follows the producer's
 * buffer.memory rather than the stream's own buffer: while the producer has sends waiting
 * (for memory or metadata), the write callback of the latest chunk is held, so later chunks
 * queue in the stream and write() returns false; the callback is released, and 'drain'
 * follows, on the first record completion that finds no send waiting. Nothing polls on a
 * timer: the check runs once per record outcome.
 *
 * Which chunk is a record: with `values: true` every chunk is a bare value. Otherwise a chunk
 * is a record exactly when it is a plain object (its prototype Object.prototype or null)
 * with an own `value` property; anything else (a string, a Buffer, a Uint8Array, a class
 * instance, an array, a plain object without `value`) is a bare value for the stream's topic.
 */
import { Writable } from 'node:stream';
import type { ProducerRecord, RecordMetadata, SendCallback } from './record';

/** A chunk in record form; `topic` defaults to the stream's `topic` option. */
export type WriteStreamRecord<K = unknown, V = unknown> = Omit<ProducerRecord<K, V>, 'topic'> & { topic?: string };

export interface WriteStreamOptions<K = unknown, V = unknown> {
  /** Topic for bare values and for records without one. */
  topic?: string;
  /** Every chunk is a bare value (even a plain object with a `value` property). Default false. */
  values?: boolean;
  /**
   * Called for a record that failed, with the record as sent; the stream goes on. Without it,
   * the first failure destroys the stream with that error. A throw from it destroys the stream.
   */
  onRecordError?: (err: Error, record: ProducerRecord<K, V>) => void;
  /** Called with each record's metadata once the broker has it. */
  onRecordSent?: (metadata: RecordMetadata, record: ProducerRecord<K, V>) => void;
  /** Chunks the stream itself buffers before write() returns false (object mode's default, 16). */
  highWaterMark?: number;
}

/** What the stream needs of its producer. */
export interface WriteStreamProducer<K, V> {
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;
  flush(): Promise<void>;
}

/**
 * Not generic itself (the key and value types are the producer's, and a generic class here
 * would make KafkaProducer's type parameters invariant); createWriteStream types its options.
 */
export class ProducerWriteStream extends Writable {
  private readonly producer: WriteStreamProducer<unknown, unknown>;
  private readonly waitingSends: () => number;
  private readonly topic: string | undefined;
  private readonly valuesOnly: boolean;
  private readonly onRecordError: WriteStreamOptions['onRecordError'];
  private readonly onRecordSent: WriteStreamOptions['onRecordSent'];
  /** Records sent whose outcome has not come yet. */
  private outstanding = 0;
  /** The write callback held while the producer has sends waiting. */
  private held: ((err?: Error | null) => void) | null = null;
  /** write() returned false on our account (the stream's buffer was not full): 'drain' is owed. */
  private drainOwed = false;
  /** _final's continuation, run when outstanding reaches 0. */
  private onIdle: (() => void) | null = null;
  /**
   * The completion of every record when no per-record callback needs the record back: one
   * function for the stream, so that a record in flight holds nothing of the chunk.
   */
  private readonly onOutcome = (err: Error | null, md: RecordMetadata): void => this.completed(null, err, md);
  /** The first failure when there is no onRecordError. */
  private failure: Error | null = null;
  /** Records that failed (with onRecordError) and records delivered. */
  private failedCount = 0;
  private sentCount = 0;

  /** `waitingSends` reports how many sends the producer holds waiting for memory or metadata. */
  constructor(producer: WriteStreamProducer<unknown, unknown>, waitingSends: () => number, options: WriteStreamOptions = {}) {
    super({ objectMode: true, highWaterMark: options.highWaterMark });
    this.producer = producer;
    this.waitingSends = waitingSends;
    this.topic = options.topic;
    this.valuesOnly = options.values === true;
    this.onRecordError = options.onRecordError;
    this.onRecordSent = options.onRecordSent;
  }

  /** Records delivered so far. */
  get recordsSent(): number {
    return this.sentCount;
  }

  /** Records that failed and went to onRecordError. */
  get recordsFailed(): number {
    return this.failedCount;
  }

  /** Records sent whose outcome has not come yet. */
  get recordsPending(): number {
    return this.outstanding;
  }

  override write(chunk: unknown, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): boolean {
    const ok = super.write(chunk, encoding as BufferEncoding, cb as (err?: Error | null) => void);
    if (ok && this.held !== null) {
      this.drainOwed = true;
      return false;
    }
    return ok;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const record = this.toRecord(chunk);
    this.outstanding++;
    // Only a per-record callback keeps the record (and its value) until the outcome: otherwise
    // every chunk in flight would be held twice, in its batch and here.
    this.producer.send(record, this.onRecordError || this.onRecordSent ? this.completionKeeping(record) : this.onOutcome);
    if (this.outstanding > 0 && this.waitingSends() > 0) this.held = callback;
    else callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    const finish = () => {
      this.onIdle = () => callback(this.failure);
      this.maybeIdle();
    };
    this.producer.flush().then(finish, (err: Error) => {
      this.failure ??= err;
      finish();
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.held = null;
    this.onIdle = null;
    callback(err);
  }

  private toRecord(chunk: unknown): ProducerRecord {
    if (!this.valuesOnly && isRecordChunk(chunk)) {
      const r = chunk as WriteStreamRecord;
      return { ...r, topic: r.topic ?? (this.topic as string) };
    }
    return { topic: this.topic as string, value: chunk };
  }

  /** A completion holding its record (a method of its own: _write's scope holds no closure). */
  private completionKeeping(record: ProducerRecord): SendCallback {
    return (err, md) => this.completed(record, err, md);
  }

  /** `record` is null when no per-record callback is set. */
  private completed(record: ProducerRecord | null, err: Error | null, md: RecordMetadata): void {
    this.outstanding--;
    if (err) this.recordFailed(err, record);
    else {
      this.sentCount++;
      if (this.onRecordSent && record) {
        try {
          this.onRecordSent(md, record);
        } catch (e) {
          this.fail(e as Error);
        }
      }
    }
    this.release();
    this.maybeIdle();
  }

  private recordFailed(err: Error, record: ProducerRecord | null): void {
    if (!this.onRecordError || !record) {
      this.fail(err);
      return;
    }
    this.failedCount++;
    try {
      this.onRecordError(err, record);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (!this.destroyed) this.destroy(err);
  }

  /** Releases the held write callback once no send waits (or none of ours is left to report). */
  private release(): void {
    const cb = this.held;
    if (cb === null || this.destroyed) return;
    if (this.outstanding > 0 && this.waitingSends() > 0) return;
    this.held = null;
    cb();
    if (this.drainOwed) {
      this.drainOwed = false;
      // After the stream's own afterWrite: if it emits 'drain' itself, ours is not needed.
      process.nextTick(() => {
        if (!this.destroyed && this.held === null && !this.writableNeedDrain) this.emit('drain');
      });
    }
  }

  private maybeIdle(): void {
    if (this.outstanding > 0 || this.onIdle === null) return;
    const done = this.onIdle;
    this.onIdle = null;
    done();
  }
}

/** The rule for a record chunk: a plain object with an own `value` property. */
export function isRecordChunk(chunk: unknown): boolean {
  if (typeof chunk !== 'object' || chunk === null) return false;
  const proto = Object.getPrototypeOf(chunk);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.prototype.hasOwnProperty.call(chunk, 'value');
}
