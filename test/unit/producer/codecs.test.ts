/**
 * snappy, lz4 and zstd codecs: Java's compressed golden batches decode to the records of
 * basic.json; our compressed batches of the same records round-trip; the framing bytes we write
 * equal Java's (xerial snappy header, LZ4 frame header); and the framings' edge cases (many blocks,
 * incompressible data, concatenated streams, optional LZ4 fields, skippable frames, corrupt input).
 * All four codecs (gzip too) written a chunk at a time, as a batch compresses into its own pooled
 * buffer: the overhead bound each codec promises, chunks that decode alone and in runs, and a
 * stream of many chunks that the codec's ordinary reader reads.
 */
import * as path from 'node:path';
import { gunzipSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { CompressionType, codecFor } from '../../../src/protocol/records/compression';
import { batchCapacityFor, RecordBatchBuilder } from '../../../src/protocol/records/record-batch-builder';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { crc32c } from '../../../src/protocol/crc32c';
import { ATTRIBUTES_OFFSET, BATCH_LENGTH_OFFSET, CRC_OFFSET, LOG_OVERHEAD, RECORDS_OFFSET } from '../../../src/protocol/records/record-batch-layout';
import { exactRecordSize, ProducerBatch } from '../../../src/producer/producer-batch';
import { codecsReady, loadCodecs, lz4Codec, snappyCodec, zstdCodec } from '../../../src/producer/codecs';
import { LZ4_BLOCK_BYTES, LZ4_FRAME_HEADER, decodeLz4Frames, lz4BlockDecodedLength, lz4Blocks } from '../../../src/producer/codecs/lz4';
import { XERIAL_BLOCK_BYTES, XERIAL_HEADER_BYTES, literalBlock, snappyBlocks } from '../../../src/producer/codecs/snappy';
import { rawFrame, zstdDecodedSizeBound } from '../../../src/producer/codecs/zstd';
import { storedDeflate } from '../../../src/protocol/records/compression';
import { GOLDEN_DIR, readHex, readJson } from '../../golden/golden-support';

interface GoldenRecord { timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }
interface GoldenBatch { compression: string; records: GoldenRecord[]; batch: { attributes: number; crc: number; sizeInBytes: number } }

const recordsDir = path.join(GOLDEN_DIR, 'records');
const basic = readJson<GoldenBatch>(path.join(recordsDir, 'basic.json'));
const hexOrNull = (h: string | null) => (h === null ? null : Buffer.from(h, 'hex'));

/** A seeded, record-like payload: JSON values with repeated field names, as a batch holds. */
function recordLikeBytes(length: number, seed = 7): Buffer {
  let x = seed;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const s = JSON.stringify({ user: `user-${Math.floor(next() * 5000)}`, event: ['view', 'click', 'buy'][Math.floor(next() * 3)], amount: Math.round(next() * 1e5) / 100, id: Math.floor(next() * 1e9) });
    parts.push(s);
    size += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

function randomBytes(length: number, seed = 99): Buffer {
  let x = seed;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function recordsOf(batchBytes: Buffer): GoldenRecord[] {
  const batches = decodeRecordBatches(batchBytes);
  expect(batches).toHaveLength(1);
  expect(batches[0].crcValid).toBe(true);
  return batches[0].records.map((r) => ({
    timestamp: r.timestamp,
    key: r.key && r.key.toString('hex'),
    value: r.value && r.value.toString('hex'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value && h.value.toString('hex') })),
  }));
}

function buildBasic(compression: number, compressionLevel?: number): Buffer {
  const b = new RecordBatchBuilder(64, { compression, compressionLevel });
  for (const r of basic.records) {
    b.append(r.timestamp, hexOrNull(r.key), hexOrNull(r.value), r.headers.map((h) => ({ key: h.key, value: hexOrNull(h.value) })));
  }
  return b.close();
}

beforeAll(async () => {
  await loadCodecs();
});

test('loadCodecs registers and readies snappy, lz4 and zstd', () => {
  expect(codecsReady()).toBe(true);
  expect(codecsReady(['none', 'gzip'])).toBe(true);
  expect(codecFor(CompressionType.snappy)).toBe(snappyCodec);
  expect(codecFor(CompressionType.lz4)).toBe(lz4Codec);
  expect(codecFor(CompressionType.zstd)).toBe(zstdCodec);
});

describe.each(['snappy', 'lz4', 'zstd'] as const)('%s', (name) => {
  const golden = readJson<GoldenBatch>(path.join(recordsDir, `${name}.json`));
  const javaBatch = readHex(path.join(recordsDir, `${name}.hex`));

  test("our reader decompresses Java's golden batch to the records of basic.json", () => {
    expect(golden.records).toEqual(basic.records);
    const [batch] = decodeRecordBatches(javaBatch);
    expect(batch.compression).toBe(CompressionType[name]);
    expect(batch.crc).toBe(golden.batch.crc);
    expect(recordsOf(javaBatch)).toEqual(basic.records);
  });

  test('our compressed batch of the same records round-trips', () => {
    const ours = buildBasic(CompressionType[name]);
    expect(decodeRecordBatches(ours)[0].attributes).toBe(golden.batch.attributes);
    expect(recordsOf(ours)).toEqual(basic.records);
  });

  test('round-trips empty, small, multi-block and incompressible inputs', () => {
    const codec = codecFor(CompressionType[name])!;
    for (const input of [Buffer.alloc(0), Buffer.from('x'), recordLikeBytes(16 * 1024), recordLikeBytes(300 * 1024 + 17), randomBytes(200 * 1024)]) {
      const compressed = codec.compress(input);
      expect(codec.decompress(compressed).equals(input)).toBe(true);
    }
  });

  test('rejects truncated and corrupt input with an error, and the batch reader names the codec', () => {
    const codec = codecFor(CompressionType[name])!;
    const input = recordLikeBytes(100 * 1024);
    const compressed = codec.compress(input);
    expect(() => codec.decompress(compressed.subarray(0, compressed.length - 7))).toThrow();
    expect(() => codec.decompress(Buffer.alloc(0))).toThrow();
    // A corrupt records region inside a batch (CRC made valid again) becomes a decode error.
    const batch = buildBasic(CompressionType[name]);
    const cut = Buffer.from(batch.subarray(0, batch.length - 3));
    cut.writeInt32BE(cut.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
    cut.writeUInt32BE(crc32c(cut, ATTRIBUTES_OFFSET, cut.length) >>> 0, CRC_OFFSET);
    expect(() => decodeRecordBatches(cut)).toThrow(new RegExp(`cannot decompress \\(${name}\\)`));
  });
});

test.each(['snappy', 'lz4', 'zstd'] as const)('%s: mutated input decodes or throws an Error, never anything else', (name) => {
  const codec = codecFor(CompressionType[name])!;
  const valid = codec.compress(Buffer.concat([recordLikeBytes(70_000, 11), randomBytes(2000, 12)]));
  let x = 0x5eed;
  const next = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  let thrown = 0;
  for (let i = 0; i < 300; i++) {
    const mutated = Buffer.from(valid);
    for (let j = 0, n = 1 + next(4); j < n; j++) mutated[next(mutated.length)] = next(256);
    const input = next(4) === 0 ? mutated.subarray(0, next(mutated.length)) : mutated;
    try {
      expect(Buffer.isBuffer(codec.decompress(input))).toBe(true);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      thrown++;
    }
  }
  expect(thrown).toBeGreaterThan(0);
});

describe('snappy framing (xerial, as snappy-java writes it)', () => {
  const javaRegion = readHex(path.join(recordsDir, 'snappy.hex')).subarray(RECORDS_OFFSET);

  test("our header equals Java's: magic, version 1, compatible version 1", () => {
    const ours = buildBasic(CompressionType.snappy).subarray(RECORDS_OFFSET);
    expect(javaRegion.subarray(0, XERIAL_HEADER_BYTES).toString('hex')).toBe('82534e415050590000000001' + '00000001');
    expect(ours.subarray(0, XERIAL_HEADER_BYTES).toString('hex')).toBe(javaRegion.subarray(0, XERIAL_HEADER_BYTES).toString('hex'));
  });

  test('the single block of a small batch is the same raw snappy block Java wrote', () => {
    // Not required (Java reads any valid block), but observed with snappy-wasm: its encoder and
    // snappy-java's pick the same matches here. If a package update changes that, drop this test.
    const ours = buildBasic(CompressionType.snappy).subarray(RECORDS_OFFSET);
    expect(ours.toString('hex')).toBe(javaRegion.toString('hex'));
  });

  test('splits input into 32 KiB blocks, each with an int32 BE length', () => {
    const input = recordLikeBytes(2 * XERIAL_BLOCK_BYTES + 5);
    const out = snappyCodec.compress(input);
    let pos = XERIAL_HEADER_BYTES;
    const blockLengths: number[] = [];
    while (pos < out.length) {
      const n = out.readInt32BE(pos);
      // Without the xerial magic, decompress reads one raw block: the block's own content.
      blockLengths.push(snappyCodec.decompress(out.subarray(pos + 4, pos + 4 + n)).length);
      pos += 4 + n;
    }
    expect(blockLengths).toEqual([XERIAL_BLOCK_BYTES, XERIAL_BLOCK_BYTES, 5]);
  });

  test('reads plain raw snappy (what librdkafka writes) and concatenated xerial streams', () => {
    const a = recordLikeBytes(40_000, 1);
    const b = recordLikeBytes(1000, 2);
    const raw = Buffer.from(snappyBlocks().compress(a));
    expect(snappyCodec.decompress(raw).equals(a)).toBe(true);
    const concatenated = Buffer.concat([snappyCodec.compress(a), snappyCodec.compress(b)]);
    expect(snappyCodec.decompress(concatenated).equals(Buffer.concat([a, b]))).toBe(true);
  });

  test('a corrupt block inside valid framing throws an Error naming snappy', () => {
    const out = Buffer.from(snappyCodec.compress(recordLikeBytes(5000)));
    out.fill(0xff, XERIAL_HEADER_BYTES + 10, XERIAL_HEADER_BYTES + 40);
    expect(() => snappyCodec.decompress(out)).toThrow(/^snappy: /);
  });

  test('refuses a block whose length preamble is impossible for its size', () => {
    const header = snappyCodec.compress(Buffer.alloc(0));
    const block = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]); // claims 4 GiB from 6 bytes
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length);
    expect(() => snappyCodec.decompress(Buffer.concat([header, len, block]))).toThrow(/claims/);
    const overrun = Buffer.alloc(4);
    overrun.writeInt32BE(1000);
    expect(() => snappyCodec.decompress(Buffer.concat([header, overrun, block]))).toThrow(/overruns/);
  });
});

describe('lz4 framing (the LZ4 frame format, as the Java client writes it)', () => {
  const javaRegion = readHex(path.join(recordsDir, 'lz4.hex')).subarray(RECORDS_OFFSET);

  test("our frame header equals Java's: magic, FLG 0x60, BD 0x40 (64 KiB), HC 0x82", () => {
    const ours = buildBasic(CompressionType.lz4).subarray(RECORDS_OFFSET);
    expect(javaRegion.subarray(0, 7).toString('hex')).toBe('04224d18604082');
    expect(ours.subarray(0, 7).toString('hex')).toBe(javaRegion.subarray(0, 7).toString('hex'));
    expect(LZ4_FRAME_HEADER.toString('hex')).toBe('04224d18604082');
    // ...and like Java's, it ends with the end mark and no content checksum.
    expect(ours.subarray(ours.length - 4).toString('hex')).toBe('00000000');
    expect(javaRegion.subarray(javaRegion.length - 4).toString('hex')).toBe('00000000');
  });

  test('accepts the levels Java accepts; all give a valid frame', () => {
    for (const level of [1, 9, 17]) expect(recordsOf(buildBasic(CompressionType.lz4, level))).toEqual(basic.records);
  });

  test('writes 64 KiB blocks, storing incompressible ones uncompressed (high bit of the size)', () => {
    const input = Buffer.concat([recordLikeBytes(LZ4_BLOCK_BYTES), randomBytes(1000)]);
    const out = lz4Codec.compress(input);
    let pos = LZ4_FRAME_HEADER.length;
    const words: number[] = [];
    for (;;) {
      const w = out.readUInt32LE(pos);
      words.push(w);
      if (w === 0) break;
      pos += 4 + (w & 0x7fffffff);
    }
    expect(words).toHaveLength(3);
    expect(words[0] & 0x80000000).toBe(0);
    expect(words[0]).toBeLessThan(LZ4_BLOCK_BYTES);
    expect(words[1] >>> 0).toBe((0x80000000 | 1000) >>> 0);
    expect(pos + 4).toBe(out.length);
  });

  /** A frame by hand: FLG/BD as given, optional content size, block and content checksums. */
  function frame(blocks: { data: Buffer; stored?: boolean }[], opts: { flg: number; bd?: number; contentSize?: number }): Buffer {
    const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, opts.flg, opts.bd ?? 0x40])];
    if (opts.flg & 0x08) {
      const cs = Buffer.alloc(8);
      cs.writeUInt32LE(opts.contentSize ?? 0, 0);
      parts.push(cs);
    }
    parts.push(Buffer.from([0x00])); // HC: not verified by our reader (the batch CRC covers it)
    for (const b of blocks) {
      const body = b.stored ? b.data : Buffer.from(lz4Blocks().compress(b.data));
      const w = Buffer.alloc(4);
      w.writeUInt32LE((body.length | (b.stored ? 0x80000000 : 0)) >>> 0);
      parts.push(w, body);
      if (opts.flg & 0x10) parts.push(Buffer.from([1, 2, 3, 4]));
    }
    parts.push(Buffer.alloc(4));
    if (opts.flg & 0x04) parts.push(Buffer.from([5, 6, 7, 8]));
    return Buffer.concat(parts);
  }

  test('reads frames with content size, block and content checksums, 4 MiB blocks, back to back, and skippable frames', () => {
    const a = recordLikeBytes(70_000, 3);
    const b = Buffer.from('stored as is');
    const withEverything = frame([{ data: a }, { data: b, stored: true }], { flg: 0x60 | 0x10 | 0x08 | 0x04, bd: 0x70, contentSize: a.length + b.length });
    expect(decodeLz4Frames(withEverything, lz4Blocks()).equals(Buffer.concat([a, b]))).toBe(true);
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9])]);
    const two = Buffer.concat([lz4Codec.compress(b), skippable, lz4Codec.compress(a)]);
    expect(lz4Codec.decompress(two).equals(Buffer.concat([b, a]))).toBe(true);
  });

  test('refuses what Java refuses: dependent blocks, other versions, dictionary ids, blocks over the maximum', () => {
    const data = recordLikeBytes(1000);
    expect(() => lz4Codec.decompress(frame([{ data }], { flg: 0x40 }))).toThrow(/dependent blocks/);
    expect(() => lz4Codec.decompress(frame([{ data }], { flg: 0xa0 }))).toThrow(/version/);
    expect(() => lz4Codec.decompress(frame([{ data }], { flg: 0x61 }))).toThrow(/dictionary/);
    expect(() => lz4Codec.decompress(frame([{ data: recordLikeBytes(LZ4_BLOCK_BYTES + 1), stored: true }], { flg: 0x60 }))).toThrow(/exceeds/);
    expect(() => lz4Codec.decompress(Buffer.from('not an lz4 frame'))).toThrow(/magic/);
  });

  test('lz4BlockDecodedLength gives the exact size and refuses malformed blocks', () => {
    const input = recordLikeBytes(50_000);
    const block = lz4Blocks().compress(input);
    expect(lz4BlockDecodedLength(block, LZ4_BLOCK_BYTES)).toBe(input.length);
    expect(() => lz4BlockDecodedLength(block, 1000)).toThrow(/more than/);
    expect(lz4BlockDecodedLength(Buffer.from([0x00]), 10)).toBe(0); // an empty block
    expect(lz4BlockDecodedLength(Buffer.from([0x30, 1, 2, 3]), 10)).toBe(3); // literals only
    expect(() => lz4BlockDecodedLength(Buffer.from([0x40, 1, 2, 3]), 10)).toThrow(/overruns/);
    expect(() => lz4BlockDecodedLength(Buffer.from([0x14, 0x61, 0x05, 0x00, 0x10]), 100)).toThrow(/offset 5/);
    expect(() => lz4BlockDecodedLength(Buffer.from([0x14, 0x61, 0x01, 0x00]), 100)).toThrow(/ends inside/);
  });
});

describe('zstd', () => {
  test('passes the level through (default 3, as Java)', () => {
    const input = recordLikeBytes(200 * 1024);
    const byLevel = new Map([1, 3, 19, -5].map((level) => [level, zstdCodec.compress(input, level)]));
    expect(zstdCodec.compress(input).equals(byLevel.get(3)!)).toBe(true);
    expect(byLevel.get(19)!.length).toBeLessThan(byLevel.get(1)!.length);
    expect(byLevel.get(-5)!.length).toBeGreaterThan(byLevel.get(1)!.length);
    for (const out of byLevel.values()) expect(zstdCodec.decompress(out).equals(input)).toBe(true);
    expect(recordsOf(buildBasic(CompressionType.zstd, 19))).toEqual(basic.records);
  });

  test("sizes the output from the frames: exact for ours, a bound for Java's (no content size)", () => {
    const input = recordLikeBytes(300 * 1024);
    expect(zstdDecodedSizeBound(zstdCodec.compress(input))).toEqual({ bytes: input.length, isExact: true });
    const javaRegion = readHex(path.join(recordsDir, 'zstd.hex')).subarray(RECORDS_OFFSET);
    expect(javaRegion.subarray(0, 4).toString('hex')).toBe('28b52ffd');
    const bound = zstdDecodedSizeBound(javaRegion);
    expect(bound.isExact).toBe(false);
    expect(bound.bytes).toBeGreaterThanOrEqual(zstdCodec.decompress(javaRegion).length);
  });

  test('reads frames back to back and skips skippable frames', () => {
    const a = recordLikeBytes(10_000, 5);
    const b = recordLikeBytes(20_000, 6);
    const skippable = Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    const javaRegion = readHex(path.join(recordsDir, 'zstd.hex')).subarray(RECORDS_OFFSET);
    const javaPlain = readHex(path.join(recordsDir, 'basic.hex')).subarray(RECORDS_OFFSET);
    const all = Buffer.concat([zstdCodec.compress(a), skippable, javaRegion, zstdCodec.compress(b)]);
    expect(zstdCodec.decompress(all).equals(Buffer.concat([a, javaPlain, b]))).toBe(true);
  });

  test('refuses input that is not zstd', () => {
    expect(() => zstdCodec.decompress(Buffer.from('definitely not zstd'))).toThrow(/magic/);
  });
});

test('zstd used before loadCodecs() fails with ERR_KAFKA_CODEC_UNAVAILABLE', () => {
  jest.isolateModules(() => {
    const fresh = require('../../../src/producer/codecs/zstd') as typeof import('../../../src/producer/codecs/zstd');
    expect(fresh.isZstdReady()).toBe(false);
    let error: unknown;
    try {
      fresh.zstdCodec.compress(Buffer.from('abc'));
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'ERR_KAFKA_CODEC_UNAVAILABLE', message: expect.stringMatching(/loadCodecs/) });
  });
});

describe.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s written a chunk at a time', (name) => {
  const codec = () => codecFor(CompressionType[name])!;

  test('a chunk never takes more than chunkOverhead() beyond its input, and decodes alone', () => {
    const s = codec().chunked;
    const inputs = [Buffer.from('x'), recordLikeBytes(100), randomBytes(100), recordLikeBytes(16 * 1024), randomBytes(16 * 1024), randomBytes(64 * 1024 + 1), randomBytes(200 * 1024), Buffer.alloc(300 * 1024, 0x61)];
    for (const input of inputs) {
      const chunk = s.encodeChunk(input, undefined);
      expect(chunk.length).toBeLessThanOrEqual(input.length + s.chunkOverhead(input.length));
      expect(s.decodeChunk(chunk, input.length).equals(input)).toBe(true);
    }
    expect(s.encodeChunk(recordLikeBytes(16 * 1024), undefined).length).toBeLessThan(8 * 1024);
    expect(() => s.decodeChunk(s.encodeChunk(recordLikeBytes(1000), undefined), 999)).toThrow();
  });

  test('header, chunks and trailer make one stream the ordinary reader reads; consecutive chunks decode in one call', () => {
    const s = codec().chunked;
    const parts = [recordLikeBytes(5000, 1), randomBytes(3000, 2), Buffer.alloc(20_000, 0x62), recordLikeBytes(70_000, 3), Buffer.from('end')];
    const chunks = parts.map((p) => Buffer.from(s.encodeChunk(p, undefined)));
    let checksum = 0;
    for (const p of parts) if (s.updateChecksum) checksum = s.updateChecksum(checksum, p);
    const all = Buffer.concat(parts);
    const trailer = Buffer.alloc(s.trailerBytes);
    s.writeTrailer(trailer, 0, checksum, all.length);
    const stream = Buffer.concat([Buffer.from(s.header), ...chunks, trailer]);
    expect(codec().decompress(stream).equals(all)).toBe(true);
    const middle = Buffer.concat(chunks.slice(1, 4));
    expect(s.decodeChunk(middle, parts[1].length + parts[2].length + parts[3].length).equals(Buffer.concat(parts.slice(1, 4)))).toBe(true);
  });

  test('a fixed-capacity batch compresses into its own buffer: never replaced, never overrun, and its records read back', () => {
    const capacity = 4096;
    const buffer = Buffer.alloc(capacity);
    const b = new RecordBatchBuilder(buffer, { compression: CompressionType[name], fixedCapacity: true });
    const values: Buffer[] = [];
    for (let i = 0; ; i++) {
      // Mostly compressible, one record in five incompressible (stored chunks, bounds).
      const value = i % 5 === 4 ? randomBytes(150, i) : recordLikeBytes(150, i);
      if (!b.hasRoomFor(exactRecordSize(i, i, null, value, 1))) break;
      b.append(1000 + i, null, value, null);
      values.push(value);
    }
    expect(b.sizeInBytes).toBeGreaterThan(capacity); // more records than the buffer holds uncompressed
    const bytes = b.close();
    expect(b.buffer).toBe(buffer);
    expect(bytes.buffer).toBe(buffer.buffer);
    expect(bytes.length).toBeLessThanOrEqual(capacity);
    const [batch] = decodeRecordBatches(bytes);
    expect(batch.crcValid).toBe(true);
    expect(batch.records.map((r) => r.value)).toEqual(values);
    expect(b.decodeRecords().map((r) => [r.timestamp, r.key, r.value])).toEqual(values.map((v, i) => [1000 + i, null, v]));
  });

  test('a compressed ProducerBatch settles each record with its own timestamp and sizes, across chunks', () => {
    const capacity = 4096;
    const batch = new ProducerBatch('t', 0, Buffer.alloc(capacity), capacity, 1000, { compression: CompressionType[name], writeLimit: 1 << 20 }); // the buffer, not the estimate, ends it
    const expected: [number, number, number][] = [];
    const got: [number, number, number][] = [];
    for (let i = 0; ; i++) {
      // Runs of equal timestamps and sizes, broken by null keys and values and a changing size.
      const timestamp = 1000 + Math.floor(i / 7);
      const key = i % 11 === 3 ? null : Buffer.from(`k${i % 3}`);
      const value = i % 13 === 5 ? null : recordLikeBytes(i % 17 === 0 ? 40 : 150, i);
      const grown = batch.tryAppend(timestamp, key, value, null, 1, (err, md) => got.push([md.timestamp, md.serializedKeySize, md.serializedValueSize]), 0);
      if (grown < 0) break;
      expected.push([timestamp, key === null ? -1 : key.length, value === null ? -1 : value.length]);
    }
    expect(expected.length).toBeGreaterThan(40); // more than the buffer holds uncompressed: several chunks
    batch.close(1, 0, 0);
    batch.markSent();
    batch.returned();
    batch.complete(100, -1);
    expect(got).toEqual(expected);
  });

  test('batchCapacityFor() is enough for one record of any content', () => {
    for (const value of [randomBytes(10), randomBytes(20_000), randomBytes(70_000)]) {
      const size = exactRecordSize(0, 0, null, value, 1);
      const b = new RecordBatchBuilder(Buffer.alloc(batchCapacityFor(CompressionType[name], size)), { compression: CompressionType[name], fixedCapacity: true });
      b.append(0, null, value, null);
      expect(decodeRecordBatches(b.close())[0].records[0].value).toEqual(value);
    }
  });

  test('without fixedCapacity, a batch compresses once, at close, as the codec compresses the whole', () => {
    const b = new RecordBatchBuilder(64, { compression: CompressionType[name] });
    for (let i = 0; i < 200; i++) b.append(i, null, recordLikeBytes(300, i), null);
    const bytes = b.close();
    const region = bytes.subarray(RECORDS_OFFSET);
    const raw = codec().decompress(region);
    expect(raw.length).toBe(b.sizeInBytes - RECORDS_OFFSET);
    if (name !== 'gzip') expect(region.equals(codec().compress(raw))).toBe(true);
  });
});

test('the stored forms used when a codec cannot shrink a chunk are valid streams of the codec', () => {
  for (const n of [0, 1, 60, 61, 300, 32 * 1024, 65535, 65536, 131072, 131073, 200_000]) {
    const raw = randomBytes(n, n + 1);
    const inflated = inflateRawSync(storedDeflate(raw), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    expect(inflated.equals(raw)).toBe(true);
    expect(storedDeflate(raw).length).toBeLessThanOrEqual(n + codecFor(CompressionType.gzip)!.chunked.chunkOverhead(n));
    const frame = rawFrame(raw);
    expect(frame.length).toBeLessThanOrEqual(n + zstdCodec.chunked.chunkOverhead(n));
    expect(zstdDecodedSizeBound(frame)).toEqual({ bytes: n, isExact: true });
    expect(zstdCodec.decompress(frame).equals(raw)).toBe(true);
    if (n <= XERIAL_BLOCK_BYTES) {
      const block = literalBlock(raw);
      expect(block.length).toBeLessThanOrEqual(n + 6);
      const len = Buffer.alloc(4);
      len.writeInt32BE(block.length);
      expect(snappyCodec.decompress(Buffer.concat([snappyCodec.compress(Buffer.alloc(0)), len, block])).equals(raw)).toBe(true);
    }
  }
});

test('gzip chunks form one member with the header Java writes, an empty final block, the CRC-32 and the length', () => {
  const javaRegion = readHex(path.join(recordsDir, 'gzip.hex')).subarray(RECORDS_OFFSET);
  const b = new RecordBatchBuilder(Buffer.alloc(2048), { compression: CompressionType.gzip, fixedCapacity: true });
  const raw: Buffer[] = [];
  for (let i = 0; b.hasRoomFor(exactRecordSize(i, 0, null, randomBytes(100), 1)); i++) {
    const value = randomBytes(100, i + 1); // incompressible: the tail is compressed into the buffer as it fills
    b.append(0, null, value, null);
    raw.push(value);
  }
  const region = b.close().subarray(RECORDS_OFFSET);
  expect(region.subarray(0, 10).toString('hex')).toBe(javaRegion.subarray(0, 10).toString('hex'));
  expect(gunzipSync(region).length).toBe(b.sizeInBytes - RECORDS_OFFSET);
  expect(region.readUInt32LE(region.length - 4)).toBe(b.sizeInBytes - RECORDS_OFFSET);
  expect(decodeRecordBatches(Buffer.from(b.close()))[0].records.map((r) => r.value)).toEqual(raw);
});
