/**
 * lz4 (compression type 3): the LZ4 frame format, written byte for byte the way the Java client's
 * Lz4BlockOutputStream frames it, over the raw LZ4 blocks of the `lz4-wasm-nodejs` package.
 *
 *   04 22 4D 18   magic 0x184D2204 (little-endian)
 *   60            FLG: version 01, blocks independent, no block checksum, no content size,
 *                 no content checksum
 *   40            BD: maximum block size 64 KiB
 *   82            HC: (xxHash32(FLG BD, seed 0) >> 8) & 0xFF; the correct checksum of KIP-57
 *                 (magic v1+). The descriptor never changes, so neither does this byte.
 *   blocks        [uint32 LE size | 0x80000000 if stored uncompressed][data], <= 64 KiB of input
 *   00 00 00 00   end mark
 *
 * Java reads any standard frame with independent blocks of 64 KiB to 4 MiB, optional content
 * size, block and content checksums. The reader here accepts the same (it skips the checksums
 * rather than verifying them: the batch CRC-32C already covers these bytes), plus skippable frames
 * and frames back to back. It refuses dependent blocks and dictionary ids, as Java does.
 *
 * Levels: Java's default level (9) uses lz4-java's fast compressor and any other level its HC
 * compressor. The package has only the fast compressor, so every level gives the output of
 * Java's default; `level` is accepted and ignored. The result is a valid frame either way.
 *
 * The package loads its WASM synchronously on first require; no asynchronous setup is needed.
 */
import { CompressionType, registerCodec, type ChunkedStream, type Codec } from '../../protocol/records/compression';
import { asBuffer, requireCodecPackage } from './load-package';

/** The functions of `lz4-wasm-nodejs` we use: raw blocks behind a 4-byte LE uncompressed size. */
interface Lz4Wasm {
  compress(input: Uint8Array): Uint8Array;
  decompress(input: Uint8Array): Uint8Array;
}

/** Raw LZ4 block functions: what the framing needs from an LZ4 implementation. */
export interface Lz4Blocks {
  compress(block: Uint8Array): Uint8Array;
  /** `decodedLength` is exact: lz4BlockDecodedLength has walked the block. */
  decompress(block: Uint8Array, decodedLength: number): Uint8Array;
}

export const LZ4_PACKAGE = 'lz4-wasm-nodejs';

const LZ4_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Magic, FLG, BD and HC exactly as Java writes them. */
export const LZ4_FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
/** Java's block size (Lz4BlockOutputStream.BLOCKSIZE_64KB). */
export const LZ4_BLOCK_BYTES = 64 * 1024;
const UNCOMPRESSED_FLAG = 0x80000000;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const MIN_MATCH = 4;

let blocks: Lz4Blocks | undefined;

/** The package's block functions, loaded on first use. */
export function lz4Blocks(): Lz4Blocks {
  if (blocks === undefined) {
    const pkg = requireCodecPackage<Lz4Wasm>('lz4', LZ4_PACKAGE);
    blocks = {
      // The package prefixes each block with its uncompressed size; a frame does not.
      compress: (block) => pkg.compress(block).subarray(4),
      decompress: (block, decodedLength) => {
        const input = Buffer.allocUnsafe(4 + block.length);
        input.writeUInt32LE(decodedLength, 0);
        input.set(block, 4);
        try {
          return pkg.decompress(input);
        } catch (err) {
          // The package throws plain strings; give callers an Error with the reason.
          throw new RangeError(`lz4: corrupt block (${err instanceof Error ? err.message : String(err)})`);
        }
      },
    };
  }
  return blocks;
}

/** Compresses `data` into one LZ4 frame in Java's layout (see the file header). */
export function encodeLz4Frame(data: Uint8Array, codec: Lz4Blocks): Buffer {
  const out = encodeLz4Blocks(data, codec, LZ4_FRAME_HEADER.length, 4);
  LZ4_FRAME_HEADER.copy(out, 0);
  out.writeUInt32LE(0, out.length - 4); // end mark
  return out;
}

/**
 * `data` as size-prefixed LZ4 blocks of at most 64 KiB of input, after `lead` bytes and before
 * `tail` bytes left for the caller to fill. Adds at most 4 bytes per block to the input's size.
 */
function encodeLz4Blocks(data: Uint8Array, codec: Lz4Blocks, lead: number, tail: number): Buffer {
  const parts: Uint8Array[] = [];
  const flags: number[] = [];
  let size = lead + tail;
  for (let start = 0; start < data.length; start += LZ4_BLOCK_BYTES) {
    const input = data.subarray(start, Math.min(start + LZ4_BLOCK_BYTES, data.length));
    const compressed = codec.compress(input);
    // Like Java: a block that does not shrink is stored as it is.
    const stored = compressed.length >= input.length;
    parts.push(stored ? input : compressed);
    flags.push(stored ? UNCOMPRESSED_FLAG : 0);
    size += 4 + (stored ? input.length : compressed.length);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = lead;
  for (let i = 0; i < parts.length; i++) {
    out.writeUInt32LE((parts[i].length | flags[i]) >>> 0, pos);
    out.set(parts[i], pos + 4);
    pos += 4 + parts[i].length;
  }
  return out;
}

/** Decodes blocks as encodeLz4Blocks wrote them (no frame header, no end mark) into `rawBytes` bytes. */
function decodeLz4Blocks(data: Uint8Array, rawBytes: number, codec: Lz4Blocks): Buffer {
  const buf = asBuffer(data);
  const out = Buffer.allocUnsafe(rawBytes);
  let pos = 0;
  let at = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 4) throw new RangeError(`lz4: truncated block size at byte ${pos}`);
    const word = buf.readUInt32LE(pos);
    pos += 4;
    const length = word & 0x7fffffff;
    if (length > LZ4_BLOCK_BYTES || length > buf.length - pos) throw new RangeError(`lz4: block of ${length} bytes at byte ${pos - 4} overruns the chunk`);
    const block = buf.subarray(pos, pos + length);
    const decoded = word & UNCOMPRESSED_FLAG ? block : codec.decompress(block, lz4BlockDecodedLength(block, LZ4_BLOCK_BYTES));
    if (decoded.length > rawBytes - at) throw new RangeError(`lz4: chunk decodes to more than ${rawBytes} bytes`);
    out.set(decoded, at);
    at += decoded.length;
    pos += length;
  }
  if (at !== rawBytes) throw new RangeError(`lz4: chunk decoded to ${at} bytes, expected ${rawBytes}`);
  return out;
}

/**
 * The frame a chunk at a time: the frame header, then each chunk's blocks, then the end mark.
 * Blocks are independent in this frame (as Java writes it), so the bytes are those of
 * encodeLz4Frame() over the same input whenever each chunk but the last is a multiple of 64 KiB.
 */
export const lz4Chunks: ChunkedStream = {
  header: LZ4_FRAME_HEADER,
  trailerBytes: 4,
  chunkOverhead: (rawBytes) => 4 * Math.ceil(rawBytes / LZ4_BLOCK_BYTES),
  encodeChunk: (raw) => encodeLz4Blocks(raw, lz4Blocks(), 0, 0),
  decodeChunk: (chunk, rawBytes) => decodeLz4Blocks(chunk, rawBytes, lz4Blocks()),
  writeTrailer(out, at) {
    out.fill(0, at, at + 4); // end mark
  },
};

/** Decompresses one or more LZ4 frames (skippable frames are skipped). */
export function decodeLz4Frames(data: Uint8Array, codec: Lz4Blocks): Buffer {
  const buf = asBuffer(data);
  const parts: Uint8Array[] = [];
  let size = 0;
  let pos = 0;
  const need = (n: number, what: string) => {
    if (buf.length - pos < n) throw new RangeError(`lz4: truncated ${what} at byte ${pos}`);
  };
  if (buf.length === 0) throw new RangeError('lz4: empty input');
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
    if (magic !== LZ4_MAGIC) throw new RangeError(`lz4: bad magic 0x${magic.toString(16)} at byte ${pos}`);
    pos += 4;
    need(2, 'frame descriptor');
    const flg = buf[pos];
    const bd = buf[pos + 1];
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new RangeError(`lz4: unsupported frame version (FLG 0x${flg.toString(16)})`);
    if ((flg & FLG_RESERVED) !== 0 || (bd & 0x8f) !== 0) throw new RangeError('lz4: reserved descriptor bits set');
    if ((flg & FLG_BLOCK_INDEPENDENT) === 0) throw new RangeError('lz4: dependent blocks are not supported (nor are they by Java)');
    if ((flg & FLG_DICT_ID) !== 0) throw new RangeError('lz4: frames with a dictionary id are not supported');
    const blockSizeCode = (bd >> 4) & 7;
    if (blockSizeCode < 4) throw new RangeError(`lz4: invalid maximum block size code ${blockSizeCode}`);
    const maxBlockBytes = 1 << (2 * blockSizeCode + 8);
    const hasBlockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
    const descriptorBytes = 2 + ((flg & FLG_CONTENT_SIZE) !== 0 ? 8 : 0) + 1; // FLG, BD, [content size], HC
    need(descriptorBytes, 'frame descriptor');
    pos += descriptorBytes;
    for (;;) {
      need(4, 'block size');
      const word = buf.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break; // end mark
      const length = word & 0x7fffffff;
      if (length > maxBlockBytes) throw new RangeError(`lz4: block of ${length} bytes exceeds the frame's ${maxBlockBytes}`);
      need(length, 'block');
      const block = buf.subarray(pos, pos + length);
      const decoded =
        word & UNCOMPRESSED_FLAG ? Buffer.from(block) : codec.decompress(block, lz4BlockDecodedLength(block, maxBlockBytes));
      parts.push(decoded);
      size += decoded.length;
      pos += length;
      if (hasBlockChecksum) {
        need(4, 'block checksum');
        pos += 4;
      }
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      need(4, 'content checksum');
      pos += 4;
    }
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

/**
 * The exact decoded length of one raw LZ4 block, from walking its sequences without copying
 * anything. Checks the block's structure on the way: literal runs inside the input, match
 * offsets inside the output so far, output no larger than `maxBytes`, and the block ending
 * with a literal-only sequence.
 */
export function lz4BlockDecodedLength(block: Uint8Array, maxBytes: number): number {
  const end = block.length;
  let i = 0;
  let out = 0;
  for (;;) {
    if (i >= end) throw new RangeError('lz4: block ends inside a sequence');
    const token = block[i++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (i >= end) throw new RangeError('lz4: block ends inside a literal length');
        b = block[i++];
        literals += b;
      } while (b === 255);
    }
    if (literals > end - i) throw new RangeError('lz4: literal run overruns the block');
    i += literals;
    out += literals;
    if (i === end) break; // the last sequence has literals only
    if (end - i < 2) throw new RangeError('lz4: block ends inside a match offset');
    const offset = block[i] | (block[i + 1] << 8);
    i += 2;
    if (offset === 0 || offset > out) throw new RangeError(`lz4: match offset ${offset} outside the ${out} bytes decoded`);
    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (i >= end) throw new RangeError('lz4: block ends inside a match length');
        b = block[i++];
        matchLength += b;
      } while (b === 255);
    }
    out += matchLength + MIN_MATCH;
    if (out > maxBytes) throw new RangeError(`lz4: block decodes to more than ${maxBytes} bytes`);
  }
  if (out > maxBytes) throw new RangeError(`lz4: block decodes to more than ${maxBytes} bytes`);
  return out;
}

export const lz4Codec: Codec = {
  id: CompressionType.lz4,
  name: 'lz4',
  compress(data) {
    return encodeLz4Frame(data, lz4Blocks());
  },
  decompress(data) {
    return decodeLz4Frames(data, lz4Blocks());
  },
  chunked: lz4Chunks,
};

registerCodec(lz4Codec);
