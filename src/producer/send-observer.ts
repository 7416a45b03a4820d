/**
 * SendObserver: the completion of a record that someone observes (a `kafka-wire:send`
 * subscriber, or interceptors). It stands between the record's batch and its callback or
 * promise: interceptors' onAcknowledgement first, then the channel's error / asyncStart, the
 * callback or promise, asyncEnd. Made only for observed sends: an unobserved send keeps its
 * plain completion and allocates nothing for this.
 *
 * Locality: send() (made), record completion (settled once).
 */
import { SendContext, traceSendSettled } from '../tracing';
import { acknowledge, InterceptorErrorReporter, ProducerInterceptor } from './interceptors';
import { Completion, PromiseSlot, settle } from './producer-batch';
import type { ProducerRecord, RecordMetadata } from './record';

export class SendObserver implements PromiseSlot {
  /** The record's own completion (its callback, or its promise). */
  inner: Completion | null = null;
  /** Set when `kafka-wire:send` has subscribers at send(). */
  ctx: SendContext | null = null;

  /** What an outcome without metadata reports; the record itself is not kept (nor its value). */
  private readonly topic: string;
  private readonly partition: number;

  constructor(
    record: ProducerRecord,
    private readonly interceptors: readonly ProducerInterceptor[] | null,
    private readonly report: InterceptorErrorReporter,
  ) {
    const valid = record !== null && typeof record === 'object';
    this.topic = valid ? record.topic : '';
    this.partition = valid && typeof record.partition === 'number' ? record.partition : -1;
  }

  resolve(md: RecordMetadata): void {
    this.settled(null, md);
  }

  reject(err: Error, md?: RecordMetadata): void {
    this.settled(err, md ?? this.unknownMetadata());
  }

  /** send() threw: interceptors hear of it (as Java's onSendError); the channel already did. */
  thrown(err: unknown): void {
    if (this.interceptors) acknowledge(this.interceptors, this.unknownMetadata(), err as Error, this.report);
  }

  private settled(err: Error | null, md: RecordMetadata): void {
    if (this.interceptors) acknowledge(this.interceptors, md, err, this.report);
    const inner = this.inner;
    if (inner === null) return;
    if (this.ctx) traceSendSettled(this.ctx, err, md, settle, inner);
    else settle(inner, err, md);
  }

  private unknownMetadata(): RecordMetadata {
    return { topic: this.topic, partition: this.partition, offset: -1n, timestamp: -1, serializedKeySize: -1, serializedValueSize: -1 };
  }
}
