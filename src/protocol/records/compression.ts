/**
 * Compression codecs for record batches. The codec id goes in the batch attributes (bits
 * 0-2); with a codec, everything after the 61-byte header is one compressed stream.
 * gzip is built in (node:zlib); other codecs register themselves with registerCodec.
 *
 * Each codec can also write its stream a chunk at a time (ChunkedStream): the producer
 * compresses a batch's records into the batch's own pooled buffer as the buffer fills, so a
 * batch never holds more memory than buffer.memory charged for it (see RecordBatchBuilder).
 */
import * as zlib from 'node:zlib';

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof CompressionType;

/**
 * A codec's stream written in independent chunks: `header`, each chunk as encodeChunk() made it,
 * then the trailer. Chunks share no history, so each one decodes alone (decodeChunk), and the
 * whole is one ordinary stream that any reader of the codec reads (a gzip member, an LZ4 frame,
 * a xerial snappy stream, zstd frames back to back).
 */
export interface ChunkedStream {
  /** Bytes before the first chunk. */
  readonly header: Uint8Array;
  /** Bytes after the last chunk (writeTrailer writes exactly this many). */
  readonly trailerBytes: number;
  /**
   * Most bytes encodeChunk() adds to `rawBytes` bytes of any input: its framing, and the
   * codec's stored form for input that does not compress. A bound the codec guarantees, so a
   * fixed-size buffer can reserve it.
   */
  chunkOverhead(rawBytes: number): number;
  /** One chunk, in a buffer of its own (`raw` may be a view of the buffer it will be copied into). */
  encodeChunk(raw: Uint8Array, level: number | undefined): Uint8Array;
  /**
   * Decodes what encodeChunk() wrote: one chunk, or several consecutive chunks in one call;
   * `rawBytes` is the length they decode to.
   */
  decodeChunk(chunk: Uint8Array, rawBytes: number): Buffer;
  /** Running checksum over the raw input, for a trailer that needs one (gzip's CRC-32). */
  updateChecksum?(checksum: number, raw: Uint8Array): number;
  /** Writes the trailer at `out[at]`; `checksum` and `rawBytes` cover all chunks' input. */
  writeTrailer(out: Uint8Array, at: number, checksum: number, rawBytes: number): void;
}

export interface Codec {
  readonly id: number;
  readonly name: CompressionName;
  compress(data: Uint8Array, level?: number): Buffer;
  decompress(data: Uint8Array): Buffer;
  readonly chunked: ChunkedStream;
}

const codecs = new Map<number, Codec>();

export function registerCodec(codec: Codec): void {
  codecs.set(codec.id, codec);
}

/** The codec for an id, or undefined when none is registered (0 = none needs no codec). */
export function codecFor(id: number): Codec | undefined {
  return codecs.get(id);
}

/** Java's GZIPOutputStream header: magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
/** Largest stored deflate block. */
const STORED_BLOCK_BYTES = 65535;
const gzipLevel = (level: number | undefined) => (level === undefined || level === -1 ? zlib.constants.Z_DEFAULT_COMPRESSION : level);

/** CRC-32 (gzip's), from node:zlib where it has it (Node 20.15+), else a table. */
const crc32: (data: Uint8Array, value: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (zlib as unknown as { crc32(d: Uint8Array, v: number): number }).crc32
    : tableCrc32();

function tableCrc32(): (data: Uint8Array, value: number) => number {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return (data, value) => {
    let c = ~value;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  };
}

/**
 * gzip as one member whose deflate stream is made of independently compressed pieces: each
 * chunk is deflated by a fresh compressor and ends with a sync flush (byte-aligned, not final),
 * the trailer adds an empty final block, the CRC-32 and the length. Node's zlib has no
 * synchronous streaming deflate, and a deflate state kept per open batch would be ~256 KiB of
 * memory outside buffer.memory; a fresh one per chunk is freed when the chunk is done.
 */
const gzipChunks: ChunkedStream = {
  header: GZIP_HEADER,
  trailerBytes: 10,
  chunkOverhead: (rawBytes) => 5 * Math.ceil(rawBytes / STORED_BLOCK_BYTES) + 5,
  encodeChunk(raw, level) {
    const out = zlib.deflateRawSync(raw, { level: gzipLevel(level), finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.length <= raw.length + 5 * Math.ceil(raw.length / STORED_BLOCK_BYTES) + 5 ? out : storedDeflate(raw);
  },
  decodeChunk(chunk, rawBytes) {
    const out = zlib.inflateRawSync(chunk, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (out.length !== rawBytes) throw new RangeError(`gzip: chunk decoded to ${out.length} bytes, expected ${rawBytes}`);
    return out;
  },
  updateChecksum: (checksum, raw) => crc32(raw, checksum),
  writeTrailer(out, at, checksum, rawBytes) {
    out[at] = 0x03; // an empty final block (fixed Huffman, end of block)
    out[at + 1] = 0x00;
    putUint32LE(out, at + 2, checksum >>> 0);
    putUint32LE(out, at + 6, rawBytes % 2 ** 32); // ISIZE: the length modulo 2^32
  },
};

function putUint32LE(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

/** Non-final stored deflate blocks: the bound for input deflate cannot shrink. */
export function storedDeflate(raw: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(raw.length / STORED_BLOCK_BYTES));
  const out = Buffer.allocUnsafe(raw.length + 5 * blocks);
  let o = 0;
  for (let start = 0, i = 0; i < blocks; i++, start += STORED_BLOCK_BYTES) {
    const n = Math.min(STORED_BLOCK_BYTES, raw.length - start);
    out[o] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte
    out.writeUInt16LE(n, o + 1);
    out.writeUInt16LE(~n & 0xffff, o + 3);
    out.set(raw.subarray(start, start + n), o + 5);
    o += 5 + n;
  }
  return out;
}

export const gzipCodec: Codec = {
  id: CompressionType.gzip,
  name: 'gzip',
  compress(data, level = -1) {
    return zlib.gzipSync(data, { level: gzipLevel(level) });
  },
  decompress(data) {
    return zlib.gunzipSync(data);
  },
  chunked: gzipChunks,
};

registerCodec(gzipCodec);
