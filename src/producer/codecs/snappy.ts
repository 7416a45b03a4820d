/**
 * snappy (compression type 2) in the framing the Java client writes: snappy-java's
 * SnappyOutputStream ("xerial" framing), over the raw snappy blocks of the `snappy-wasm` package.
 *
 *   header  82 53 4E 41 50 50 59 00   magic ("\x82SNAPPY\0")
 *           00 00 00 01               version 1        (int32 BE)
 *           00 00 00 01               compatible with 1 (int32 BE)
 *   blocks  [int32 BE compressed length][raw snappy block], each block from <= 32 KiB of input
 *
 * Reading accepts what Java's SnappyInputStream accepts: xerial framing, several xerial streams
 * back to back (a header may reappear where a block length is expected: its first byte, 0x82,
 * makes the length negative, so the two cannot be confused), and a plain raw snappy block with no
 * framing at all, which is what librdkafka writes for Kafka (Java falls back to it when the magic
 * is absent). Snappy has no levels: `level` is ignored, as in Java.
 *
 * The package loads its WASM synchronously on first require; no asynchronous setup is needed.
 */
import { CompressionType, registerCodec, type ChunkedStream, type Codec } from '../../protocol/records/compression';
import { asBuffer, requireCodecPackage } from './load-package';

/** The functions of `snappy-wasm` we use: raw snappy blocks (no framing). */
interface SnappyWasm {
  compress_raw(input: Uint8Array): Uint8Array;
  decompress_raw(input: Uint8Array): Uint8Array;
}

/** Raw snappy block functions: what the framing needs from a snappy implementation. */
export interface SnappyBlocks {
  compress(block: Uint8Array): Uint8Array;
  /** `uncompressedLength` is the block's own preamble, already checked against the input size. */
  uncompress(block: Uint8Array, uncompressedLength: number): Uint8Array;
}

export const SNAPPY_PACKAGE = 'snappy-wasm';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** Magic, version, compatible version. */
export const XERIAL_HEADER_BYTES = 16;
const XERIAL_HEADER = Buffer.alloc(XERIAL_HEADER_BYTES);
XERIAL_MAGIC.copy(XERIAL_HEADER, 0);
XERIAL_HEADER.writeInt32BE(XERIAL_VERSION, 8);
XERIAL_HEADER.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
/** snappy-java's default block size (SnappyOutputStream.DEFAULT_BLOCK_SIZE), which Kafka uses. */
export const XERIAL_BLOCK_BYTES = 32 * 1024;
/**
 * A raw snappy block's output is at most ~21.4x its input (a 3-byte copy element yields 64
 * bytes); a larger length preamble is corrupt and is refused before anything is allocated.
 */
const MAX_SNAPPY_EXPANSION = 22;

let blocks: SnappyBlocks | undefined;

/** The package's block functions, loaded on first use. */
export function snappyBlocks(): SnappyBlocks {
  if (blocks === undefined) {
    const pkg = requireCodecPackage<SnappyWasm>('snappy', SNAPPY_PACKAGE);
    blocks = {
      compress: (block) => pkg.compress_raw(block),
      uncompress: (block) => {
        try {
          return pkg.decompress_raw(block);
        } catch (err) {
          throw new RangeError(`snappy: corrupt block (${err instanceof Error ? err.message : String(err)})`);
        }
      },
    };
  }
  return blocks;
}

/** Compresses `data` in xerial framing, one raw snappy block per `blockBytes` of input. */
export function encodeXerialSnappy(data: Uint8Array, codec: SnappyBlocks, blockBytes = XERIAL_BLOCK_BYTES): Buffer {
  const out = encodeXerialBlocks(data, codec, XERIAL_HEADER_BYTES, blockBytes);
  XERIAL_HEADER.copy(out, 0);
  return out;
}

/**
 * `data` as xerial blocks ([int32 BE length][raw snappy block] per `blockBytes` of input) after
 * `lead` bytes left for the caller. A block the encoder would grow by more than a literal's
 * framing is written as one literal instead, so a block of up to 64 KiB adds at most 4 + 6
 * bytes (length, length preamble, literal tag).
 */
function encodeXerialBlocks(data: Uint8Array, codec: SnappyBlocks, lead: number, blockBytes: number): Buffer {
  const parts: Uint8Array[] = [];
  let size = lead;
  for (let start = 0; start < data.length; start += blockBytes) {
    const input = data.subarray(start, Math.min(start + blockBytes, data.length));
    let block = codec.compress(input);
    if (block.length > input.length + MAX_LITERAL_FRAMING) block = literalBlock(input);
    parts.push(block);
    size += 4 + block.length;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = lead;
  for (const block of parts) {
    out.writeInt32BE(block.length, pos);
    out.set(block, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

/** A literal's length preamble and tag, for a block of up to 64 KiB (3 bytes each). */
const MAX_LITERAL_FRAMING = 6;

/** A raw snappy block holding `input` as a single literal: valid snappy, never compressed. */
export function literalBlock(input: Uint8Array): Uint8Array {
  const n = input.length;
  const head: number[] = [];
  for (let v = n; ; v >>>= 7) {
    if (v < 0x80) {
      head.push(v);
      break;
    }
    head.push((v & 0x7f) | 0x80);
  }
  if (n > 0) {
    const m = n - 1;
    if (m < 60) head.push(m << 2);
    else if (m < 0x100) head.push(60 << 2, m);
    else if (m < 0x10000) head.push(61 << 2, m & 0xff, m >>> 8);
    else if (m < 0x1000000) head.push(62 << 2, m & 0xff, (m >>> 8) & 0xff, m >>> 16);
    else head.push(63 << 2, m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24);
  }
  const out = Buffer.allocUnsafe(head.length + n);
  out.set(head, 0);
  out.set(input, head.length);
  return out;
}

/** Decodes xerial blocks as encodeXerialBlocks wrote them (no stream header) into `rawBytes` bytes. */
function decodeXerialBlocks(data: Uint8Array, rawBytes: number, codec: SnappyBlocks): Buffer {
  const buf = asBuffer(data);
  const out = Buffer.allocUnsafe(rawBytes);
  let pos = 0;
  let at = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 4) throw new RangeError(`snappy: truncated block length at byte ${pos}`);
    const length = buf.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > buf.length - pos) throw new RangeError(`snappy: block length ${length} at byte ${pos - 4} overruns the chunk`);
    const block = uncompressBlock(buf.subarray(pos, pos + length), codec);
    if (block.length > rawBytes - at) throw new RangeError(`snappy: chunk decodes to more than ${rawBytes} bytes`);
    out.set(block, at);
    at += block.length;
    pos += length;
  }
  if (at !== rawBytes) throw new RangeError(`snappy: chunk decoded to ${at} bytes, expected ${rawBytes}`);
  return out;
}

/** The xerial stream a chunk at a time: its header, then each chunk's blocks; no trailer. */
export const snappyChunks: ChunkedStream = {
  header: XERIAL_HEADER,
  trailerBytes: 0,
  chunkOverhead: (rawBytes) => (4 + MAX_LITERAL_FRAMING) * Math.ceil(rawBytes / XERIAL_BLOCK_BYTES),
  encodeChunk: (raw) => encodeXerialBlocks(raw, snappyBlocks(), 0, XERIAL_BLOCK_BYTES),
  decodeChunk: (chunk, rawBytes) => decodeXerialBlocks(chunk, rawBytes, snappyBlocks()),
  writeTrailer() {},
};

/** Decompresses xerial-framed snappy (one or more streams) or, without the magic, one raw block. */
export function decodeSnappy(data: Uint8Array, codec: SnappyBlocks): Buffer {
  const buf = asBuffer(data);
  if (!hasXerialMagic(buf, 0)) return asBuffer(uncompressBlock(buf, codec));
  const parts: Uint8Array[] = [];
  let size = 0;
  let pos = 0;
  while (pos < buf.length) {
    if (hasXerialMagic(buf, pos)) {
      if (buf.length - pos < XERIAL_HEADER_BYTES) throw new RangeError('snappy: truncated xerial header');
      pos += XERIAL_HEADER_BYTES;
      continue;
    }
    if (buf.length - pos < 4) throw new RangeError(`snappy: truncated block length at byte ${pos}`);
    const length = buf.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > buf.length - pos) {
      throw new RangeError(`snappy: block length ${length} at byte ${pos - 4} overruns the ${buf.length}-byte input`);
    }
    const block = uncompressBlock(buf.subarray(pos, pos + length), codec);
    parts.push(block);
    size += block.length;
    pos += length;
  }
  if (parts.length === 1) return asBuffer(parts[0]);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function hasXerialMagic(buf: Buffer, pos: number): boolean {
  if (buf.length - pos < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (buf[pos + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** One raw block: reads its length preamble (unsigned varint), checks it, then decodes. */
function uncompressBlock(block: Buffer, codec: SnappyBlocks): Uint8Array {
  let length = 0;
  let i = 0;
  for (let shift = 0; ; shift += 7) {
    if (i >= block.length || shift > 28) throw new RangeError('snappy: bad length preamble');
    const b = block[i++];
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > block.length * MAX_SNAPPY_EXPANSION) {
    throw new RangeError(`snappy: block claims ${length} bytes from ${block.length} compressed bytes`);
  }
  const out = codec.uncompress(block, length);
  if (out.length !== length) throw new RangeError(`snappy: block gave ${out.length} bytes, expected ${length}`);
  return out;
}

export const snappyCodec: Codec = {
  id: CompressionType.snappy,
  name: 'snappy',
  compress(data) {
    return encodeXerialSnappy(data, snappyBlocks());
  },
  decompress(data) {
    return decodeSnappy(data, snappyBlocks());
  },
  chunked: snappyChunks,
};

registerCodec(snappyCodec);
