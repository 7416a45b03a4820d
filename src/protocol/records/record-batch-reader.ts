/**
 * Decodes record batch v2 bytes (one or more batches back to back): header fields, records,
 * CRC check. Producers never need this on their hot path; it serves tests, tools and the
 * null broker. Bounds-checked like every decoder here.
 */
import { crc32c } from '../crc32c';
import { Reader } from '../reader';
import { codecFor } from './compression';
import * as L from './record-batch-layout';

export interface DecodedRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  timestamp: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface DecodedBatch {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  crcValid: boolean;
  attributes: number;
  compression: number;
  isTransactional: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
  records: DecodedRecord[];
  sizeInBytes: number;
}

export function decodeRecordBatches(buf: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  const r = new Reader(buf);
  while (r.remaining > 0) {
    const start = r.offset;
    const baseOffset = r.readInt64('batch.baseOffset');
    const batchLength = r.readInt32('batch.batchLength');
    if (batchLength < L.RECORDS_OFFSET - L.LOG_OVERHEAD) r.fail('batch.batchLength', `too small: ${batchLength}`);
    const end = start + L.LOG_OVERHEAD + batchLength;
    if (end > buf.length) r.fail('batch.batchLength', `batch of ${batchLength} bytes overruns the buffer`);
    const b = new Reader(buf, r.offset, end);
    const partitionLeaderEpoch = b.readInt32('batch.partitionLeaderEpoch');
    const magic = b.readInt8('batch.magic');
    if (magic !== L.MAGIC_V2) b.fail('batch.magic', `unsupported magic ${magic}`);
    const crc = b.readUInt32('batch.crc');
    const crcValid = crc32c(buf, start + L.ATTRIBUTES_OFFSET, end) === crc;
    const attributes = b.readInt16('batch.attributes');
    const batch: DecodedBatch = {
      baseOffset,
      batchLength,
      partitionLeaderEpoch,
      magic,
      crc,
      crcValid,
      attributes,
      compression: attributes & L.COMPRESSION_CODEC_MASK,
      isTransactional: (attributes & L.TRANSACTIONAL_FLAG_MASK) !== 0,
      lastOffsetDelta: b.readInt32('batch.lastOffsetDelta'),
      baseTimestamp: b.readInt64('batch.baseTimestamp'),
      maxTimestamp: b.readInt64('batch.maxTimestamp'),
      producerId: b.readInt64('batch.producerId'),
      producerEpoch: b.readInt16('batch.producerEpoch'),
      baseSequence: b.readInt32('batch.baseSequence'),
      recordsCount: b.readInt32('batch.recordsCount'),
      records: [],
      sizeInBytes: end - start,
    };
    let rr = b;
    if (batch.compression !== 0) {
      const codec = codecFor(batch.compression);
      if (!codec) return b.fail('batch.attributes', `no codec for compression type ${batch.compression}`);
      const compressed = b.readRaw(b.remaining, 'batch.records');
      let raw: Buffer;
      try {
        raw = codec.decompress(compressed);
      } catch (err) {
        return b.fail('batch.records', `cannot decompress (${codec.name}): ${(err as Error).message}`);
      }
      rr = new Reader(raw);
    }
    batch.records = readRecords(rr, batch.baseOffset, batch.baseTimestamp, batch.recordsCount);
    out.push(batch);
    r.offset = end;
  }
  return out;
}

/** Reads `count` records from an uncompressed records region. */
export function decodeRecords(buf: Buffer, start: number, end: number, baseTimestamp: number, count: number): DecodedRecord[] {
  return readRecords(new Reader(buf, start, end), 0, baseTimestamp, count);
}

function readRecords(r: Reader, baseOffset: number, baseTimestamp: number, count: number): DecodedRecord[] {
  if (count < 0 || count > r.remaining) r.fail('batch.recordsCount', `invalid count ${count}`);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) records.push(readRecord(r, baseOffset, baseTimestamp));
  if (r.remaining !== 0) r.fail('batch.records', `${r.remaining} byte(s) left after the last record`);
  return records;
}

function readRecord(r: Reader, baseOffset: number, baseTimestamp: number): DecodedRecord {
  const length = r.readVarint('record.length');
  if (length < 0 || length > r.remaining) r.fail('record.length', `invalid length ${length}`);
  const rec = new Reader(r.buf, r.offset, r.offset + length);
  const attributes = rec.readInt8('record.attributes');
  const timestampDelta = rec.readVarlong('record.timestampDelta');
  const offsetDelta = rec.readVarint('record.offsetDelta');
  const keyLen = rec.readVarint('record.keyLength');
  const key = keyLen < 0 ? null : Buffer.from(rec.readRaw(keyLen, 'record.key'));
  const valueLen = rec.readVarint('record.valueLength');
  const value = valueLen < 0 ? null : Buffer.from(rec.readRaw(valueLen, 'record.value'));
  const nHeaders = rec.readVarint('record.headerCount');
  if (nHeaders < 0 || nHeaders > rec.remaining) rec.fail('record.headerCount', `invalid count ${nHeaders}`);
  const headers: DecodedRecord['headers'] = [];
  for (let i = 0; i < nHeaders; i++) {
    const kLen = rec.readVarint('header.keyLength');
    if (kLen < 0) rec.fail('header.keyLength', 'null header key');
    const hk = rec.readRaw(kLen, 'header.key').toString('utf8');
    const vLen = rec.readVarint('header.valueLength');
    const hv = vLen < 0 ? null : Buffer.from(rec.readRaw(vLen, 'header.value'));
    headers.push({ key: hk, value: hv });
  }
  if (rec.remaining !== 0) rec.fail('record', `${rec.remaining} byte(s) left inside the record`);
  r.offset += length;
  return {
    attributes,
    timestampDelta,
    offsetDelta,
    timestamp: baseTimestamp + timestampDelta,
    offset: baseOffset + offsetDelta,
    key,
    value,
    headers,
  };
}
