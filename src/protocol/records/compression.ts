/**
 * Compression codecs for record batches. The codec id goes in the batch attributes (bits
 * 0-2); with a codec, everything after the 61-byte header is one compressed stream.
 * gzip is built in (node:zlib); other codecs register themselves with registerCodec.
 */
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof CompressionType;

export interface Codec {
  readonly id: number;
  readonly name: CompressionName;
  compress(data: Uint8Array, level?: number): Buffer;
  decompress(data: Uint8Array): Buffer;
}

const codecs = new Map<number, Codec>();

export function registerCodec(codec: Codec): void {
  codecs.set(codec.id, codec);
}

/** The codec for an id, or undefined when none is registered (0 = none needs no codec). */
export function codecFor(id: number): Codec | undefined {
  return codecs.get(id);
}

export const gzipCodec: Codec = {
  id: CompressionType.gzip,
  name: 'gzip',
  compress(data, level = -1) {
    return gzipSync(data, { level: level === -1 ? zlibConstants.Z_DEFAULT_COMPRESSION : level });
  },
  decompress(data) {
    return gunzipSync(data);
  },
};

registerCodec(gzipCodec);
