/**
 * What send() takes and what it gives back.
 */

/** A record header. Values are bytes (or a string, sent as UTF-8), or null. */
export interface Header {
  key: string;
  value: Uint8Array | string | null;
}

export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string;
  value: V | null;
  key?: K | null;
  /** Explicit partition; otherwise the partitioner chooses. */
  partition?: number | null;
  /** Create time in ms since the epoch; defaults to the time of send(). */
  timestamp?: number | null;
  headers?: Header[] | Record<string, Uint8Array | string | null> | null;
}

/** The outcome of one record, as the Java client's RecordMetadata. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset in the partition; -1n when unknown (acks=0). */
  offset: bigint;
  /** LogAppendTime when the topic uses it, else the record's create time (ms); -1 when unknown. */
  timestamp: number;
  /** Bytes of the serialized key, -1 for a null key. */
  serializedKeySize: number;
  /** Bytes of the serialized value, -1 for a null value. */
  serializedValueSize: number;
}

export type SendCallback = (err: Error | null, metadata: RecordMetadata) => void;
