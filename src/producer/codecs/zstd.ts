/**
 * zstd (compression type 4): standard zstd frames, through the `@foxglove/wasm-zstd` package
 * (the reference zstd library compiled to WASM). The default level is 3, as Java's
 * compression.zstd.level; any level zstd accepts (-131072 to 22) is passed through.
 *
 * The package compiles its WASM asynchronously, so this codec needs `await loadZstd()` (which
 * loadCodecs() calls, at producer start) before its first use; after that compress and
 * decompress are synchronous, as batch close() needs. Used before then, it throws
 * ERR_KAFKA_CODEC_UNAVAILABLE rather than waiting.
 *
 * Decompression needs an output buffer size up front. Our frames carry their content size, but
 * Java's do not (zstd-jni streams them), so the size comes from walking the frames' block
 * headers: exact when every frame states its content size, otherwise an upper bound (raw and
 * RLE blocks count their size, a compressed block counts the frame's maximum block size).
 */
import { CompressionType, registerCodec, type ChunkedStream, type Codec } from '../../protocol/records/compression';
import { asBuffer, codecUnavailable, requireCodecPackage } from './load-package';

/** The functions of `@foxglove/wasm-zstd` we use. */
interface FoxgloveZstd {
  isLoaded: Promise<boolean>;
  compress(input: Uint8Array, level?: number): Buffer;
  /** `size` is the capacity of the output buffer; the result has the decoded length. */
  decompress(input: Uint8Array, size: number): Buffer;
}

export const ZSTD_PACKAGE = '@foxglove/wasm-zstd';
/** Java's default compression.zstd.level (ZSTD_CLEVEL_DEFAULT). */
export const ZSTD_DEFAULT_LEVEL = 3;

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_BYTES = 128 * 1024;
/** Refuse to allocate more than this for one decompression (Buffer's limit is larger). */
const MAX_DECODED_BYTES = 2 ** 31 - 1;

let pkg: FoxgloveZstd | undefined;
let loading: Promise<void> | undefined;

/** Loads and compiles the WASM module; resolves once compress/decompress can run. Idempotent. */
export function loadZstd(): Promise<void> {
  if (loading === undefined) {
    loading = (async () => {
      const mod = requireCodecPackage<FoxgloveZstd>('zstd', ZSTD_PACKAGE);
      try {
        await mod.isLoaded;
      } catch (err) {
        throw codecUnavailable('zstd', `the package "${ZSTD_PACKAGE}" failed to compile its WASM module`, err);
      }
      pkg = mod;
    })();
    // A failed load may be retried by calling loadZstd() again.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** Whether loadZstd() has completed. */
export function isZstdReady(): boolean {
  return pkg !== undefined;
}

function loaded(): FoxgloveZstd {
  if (pkg === undefined) {
    throw codecUnavailable('zstd', 'its WASM module is not loaded yet; await loadCodecs() before producing with zstd');
  }
  return pkg;
}

/**
 * The decoded size of `data` (zstd frames and skippable frames back to back): exact when
 * `isExact`, otherwise an upper bound. Throws on anything that is not a well-formed sequence of
 * frames, before any allocation.
 */
export function zstdDecodedSizeBound(data: Uint8Array): { bytes: number; isExact: boolean } {
  const buf = asBuffer(data);
  let pos = 0;
  let bytes = 0;
  let isExact = true;
  const need = (n: number, what: string) => {
    if (buf.length - pos < n) throw new RangeError(`zstd: truncated ${what} at byte ${pos}`);
  };
  if (buf.length === 0) throw new RangeError('zstd: empty input');
  while (pos < buf.length) {
    need(4, 'magic');
    const magic = buf.readUInt32LE(pos);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      need(8, 'skippable frame');
      const skip = buf.readUInt32LE(pos + 4);
      pos += 8;
      need(skip, 'skippable frame');
      pos += skip;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new RangeError(`zstd: bad magic 0x${magic.toString(16)} at byte ${pos}`);
    pos += 4;
    need(1, 'frame header');
    const descriptor = buf[pos++];
    const contentSizeFlag = descriptor >>> 6;
    const isSingleSegment = (descriptor & 0x20) !== 0;
    const hasChecksum = (descriptor & 0x04) !== 0;
    if ((descriptor & 0x08) !== 0) throw new RangeError('zstd: reserved frame header bit set');
    let windowBytes = 0;
    if (!isSingleSegment) {
      need(1, 'window descriptor');
      const wd = buf[pos++];
      const windowBase = 2 ** (10 + (wd >>> 3));
      windowBytes = windowBase + (windowBase / 8) * (wd & 7);
    }
    pos += [0, 1, 2, 4][descriptor & 3]; // dictionary id
    const contentSizeBytes = [isSingleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag];
    need(contentSizeBytes, 'frame content size');
    let contentSize = -1;
    if (contentSizeBytes === 1) contentSize = buf[pos];
    else if (contentSizeBytes === 2) contentSize = buf.readUInt16LE(pos) + 256;
    else if (contentSizeBytes === 4) contentSize = buf.readUInt32LE(pos);
    else if (contentSizeBytes === 8) contentSize = buf.readUInt32LE(pos) + buf.readUInt32LE(pos + 4) * 2 ** 32;
    pos += contentSizeBytes;
    if (isSingleSegment) windowBytes = contentSize;
    const maxBlockBytes = Math.min(windowBytes, MAX_BLOCK_BYTES);
    let frameBound = 0;
    for (;;) {
      need(3, 'block header');
      const header = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16);
      pos += 3;
      const isLast = (header & 1) !== 0;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        need(size, 'raw block'); // raw: `size` bytes, copied
        pos += size;
        frameBound += size;
      } else if (type === 1) {
        need(1, 'RLE block'); // RLE: one byte, repeated `size` times
        pos += 1;
        frameBound += size;
      } else if (type === 2) {
        need(size, 'compressed block');
        pos += size;
        frameBound += maxBlockBytes;
      } else {
        throw new RangeError('zstd: reserved block type');
      }
      if (isLast) break;
    }
    if (hasChecksum) {
      need(4, 'content checksum');
      pos += 4;
    }
    if (contentSize >= 0) {
      if (contentSize > frameBound) throw new RangeError(`zstd: frame claims ${contentSize} bytes, its blocks hold at most ${frameBound}`);
      bytes += contentSize;
    } else {
      bytes += frameBound;
      isExact = false;
    }
    if (bytes > MAX_DECODED_BYTES) throw new RangeError(`zstd: input decodes to more than ${MAX_DECODED_BYTES} bytes`);
  }
  return { bytes, isExact };
}

function decompressFrames(data: Uint8Array): Buffer {
  const zstd = loaded();
  const { bytes, isExact } = zstdDecodedSizeBound(data);
  if (bytes === 0) return Buffer.alloc(0);
  let out: Buffer;
  try {
    out = zstd.decompress(data, bytes);
  } catch (err) {
    throw new RangeError(`zstd: corrupt input (${(err as Error).message})`);
  }
  if (isExact && out.length !== bytes) throw new RangeError(`zstd: decoded ${out.length} bytes, the frames state ${bytes}`);
  return out;
}

/** A frame's magic, descriptor (single segment, 4-byte content size) and content size. */
const RAW_FRAME_HEADER_BYTES = 9;
const rawFrameOverhead = (rawBytes: number) => RAW_FRAME_HEADER_BYTES + 3 * Math.max(1, Math.ceil(rawBytes / MAX_BLOCK_BYTES));

/** One frame holding `raw` in raw (stored) blocks: for input zstd cannot shrink. */
export function rawFrame(raw: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(raw.length + rawFrameOverhead(raw.length));
  out.writeUInt32LE(ZSTD_MAGIC, 0);
  out[4] = 0xa0; // content size in 4 bytes, single segment (the window is the content)
  out.writeUInt32LE(raw.length, 5);
  let pos = RAW_FRAME_HEADER_BYTES;
  let start = 0;
  do {
    const n = Math.min(MAX_BLOCK_BYTES, raw.length - start);
    const isLast = start + n >= raw.length;
    const header = n * 8 + (isLast ? 1 : 0); // block size << 3 | type raw (0) << 1 | last
    out[pos] = header & 0xff;
    out[pos + 1] = (header >>> 8) & 0xff;
    out[pos + 2] = (header >>> 16) & 0xff;
    out.set(raw.subarray(start, start + n), pos + 3);
    pos += 3 + n;
    start += n;
  } while (start < raw.length);
  return out;
}

/**
 * zstd a chunk at a time: one frame per chunk (with its content size), frames back to back,
 * which zstd readers decode as the concatenation (Java's zstd-jni included). The package has no
 * streaming API, and a streaming context kept per open batch would be memory outside
 * buffer.memory.
 */
export const zstdChunks: ChunkedStream = {
  header: new Uint8Array(0),
  trailerBytes: 0,
  chunkOverhead: rawFrameOverhead,
  encodeChunk(raw, level) {
    const out = loaded().compress(raw, level ?? ZSTD_DEFAULT_LEVEL);
    return out.length <= raw.length + rawFrameOverhead(raw.length) ? out : rawFrame(raw);
  },
  decodeChunk(chunk, rawBytes) {
    const out = decompressFrames(chunk);
    if (out.length !== rawBytes) throw new RangeError(`zstd: chunk decoded to ${out.length} bytes, expected ${rawBytes}`);
    return out;
  },
  writeTrailer() {},
};

export const zstdCodec: Codec = {
  id: CompressionType.zstd,
  name: 'zstd',
  compress(data, level = ZSTD_DEFAULT_LEVEL) {
    return loaded().compress(data, level);
  },
  decompress: decompressFrames,
  chunked: zstdChunks,
};

registerCodec(zstdCodec);
