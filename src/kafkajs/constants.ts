/**
 * The kafkajs enums the facade accepts: compression codes (per send() in kafkajs, per
 * producer here: see producer.ts) and log levels.
 */
import type { CompressionName } from '../producer/config';

/** kafkajs's compression codes, as the `compression` field of send() and sendBatch() takes them. */
export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

/** The kafka-wire codec for each kafkajs code. */
export const COMPRESSION_NAMES: Readonly<Record<CompressionTypes, CompressionName>> = Object.freeze({
  [CompressionTypes.None]: 'none',
  [CompressionTypes.GZIP]: 'gzip',
  [CompressionTypes.Snappy]: 'snappy',
  [CompressionTypes.LZ4]: 'lz4',
  [CompressionTypes.ZSTD]: 'zstd',
});

export function compressionName(code: unknown): CompressionName | undefined {
  return typeof code === 'number' ? (COMPRESSION_NAMES as Record<number, CompressionName>)[code] : undefined;
}

/**
 * kafkajs lets applications plug codecs in here (`CompressionCodecs[CompressionTypes.LZ4] = ...`).
 * kafka-wire has every codec built in, so an assignment is accepted and has no effect: code
 * that registers a codec package keeps working, and the package is not used.
 */
export const CompressionCodecs: Record<number, unknown> = {};

/** kafkajs's log levels: a logger logs what is at or below its level. */
export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}
