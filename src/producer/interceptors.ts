/**
 * Producer interceptors, as the Java client's ProducerInterceptor: `onSend` sees each record
 * before it is serialized and may return a replacement; `onAcknowledgement` sees each
 * record's outcome (metadata, or the error with topic and partition) before its callback or
 * promise. An interceptor that throws is skipped and reported; it never fails a send.
 *
 * Locality: send() (onSend) and record completion (onAcknowledgement).
 */
import type { ProducerRecord, RecordMetadata } from './record';

/** One interceptor; both methods are optional. */
export interface ProducerInterceptor<K = any, V = any> {
  /**
   * Called by send() before anything else. Returns the record to send (a new one, or the same);
   * returning nothing keeps the record as it was.
   */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V> | null | undefined | void;
  /**
   * Called once per record with its outcome: its metadata and a null error, or the error and
   * metadata naming its topic and partition (-1 when none was chosen), in order per partition.
   * Runs on the producer's I/O path: keep it short.
   */
  onAcknowledgement?(metadata: RecordMetadata, error: Error | null): void;
}

/** Where a throwing interceptor is reported. */
export type InterceptorErrorReporter = (method: 'onSend' | 'onAcknowledgement', index: number, err: unknown) => void;

/** Runs every onSend in order, each on the previous one's record; a throw skips that interceptor. */
export function interceptSend<R extends ProducerRecord>(interceptors: readonly ProducerInterceptor[], record: R, report: InterceptorErrorReporter): R {
  let current = record;
  for (let i = 0; i < interceptors.length; i++) {
    const it = interceptors[i];
    if (typeof it.onSend !== 'function') continue;
    try {
      const next = it.onSend(current);
      if (next !== null && next !== undefined) current = next as R;
    } catch (err) {
      report('onSend', i, err);
    }
  }
  return current;
}

/** Runs every onAcknowledgement in order; a throw skips that interceptor. */
export function acknowledge(interceptors: readonly ProducerInterceptor[], md: RecordMetadata, err: Error | null, report: InterceptorErrorReporter): void {
  for (let i = 0; i < interceptors.length; i++) {
    const it = interceptors[i];
    if (typeof it.onAcknowledgement !== 'function') continue;
    try {
      it.onAcknowledgement(md, err);
    } catch (e) {
      report('onAcknowledgement', i, e);
    }
  }
}
