/**
 * RecordBatchBuilder: writes records straight into a batch buffer in record batch v2 form.
 *
 * The header is left blank while records are appended, then patched on close() with the
 * counts, timestamps, producer state and the CRC-32C. With a codec, the records region is
 * compressed on close() into a buffer of its own; the uncompressed records stay readable (for
 * splitting, and for what RecordMetadata needs). rewriteProducerState() lets a retry change the
 * producer id, epoch and base sequence in place and recompute only the CRC.
 *
 * Record fields use zigzag varints (-1 = null), unlike the protocol's unsigned varints.
 */
import { crc32c } from '../crc32c';
import { Reader } from '../reader';
import { Writer, sizeOfVarint, sizeOfVarlong } from '../writer';
import { codecFor } from './compression';
import { decodeRecords } from './record-batch-reader';
import * as L from './record-batch-layout';

/** Zigzag varint of the int32 `v` at `buf[o]`, no capacity check; returns the next offset. */
function putVarint(buf: Uint8Array, o: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z > 0x7f) {
    buf[o++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[o++] = z;
  return o;
}

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface RecordBatchOptions {
  /** Codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression?: number;
  compressionLevel?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
}

/** Bytes of a header list in record form. */
export function sizeOfHeaders(headers: readonly RecordHeader[] | null | undefined): number {
  if (!headers || headers.length === 0) return 1;
  let size = sizeOfVarint(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const k = Buffer.byteLength(h.key, 'utf8');
    size += sizeOfVarint(k) + k;
    size += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length;
  }
  return size;
}

/**
 * Upper bound of a record's size in a batch, without knowing its deltas (as Java's
 * DefaultRecord.recordSizeUpperBound): used for size checks before append.
 */
export function recordSizeUpperBound(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null | undefined,
): number {
  const keySize = key === null ? 1 : sizeOfVarint(key.length) + key.length;
  const valueSize = value === null ? 1 : sizeOfVarint(value.length) + value.length;
  return L.MAX_RECORD_OVERHEAD + keySize + valueSize + sizeOfHeaders(headers);
}

export class RecordBatchBuilder {
  private readonly w: Writer;
  private readonly compression: number;
  private readonly compressionLevel: number | undefined;
  private producerId: number;
  private producerEpoch: number;
  private baseSequence: number;
  private readonly isTransactional: boolean;
  private baseTimestampMs = 0;
  private maxTimestamp = -1;
  private count = 0;
  private closed: Buffer | null = null;

  /**
   * @param buffer where to write; grows (is replaced) only if a record does not fit, which the
   *   accumulator avoids except for a single record larger than batch.size.
   */
  constructor(buffer: Buffer | number, opts: RecordBatchOptions = {}) {
    this.w = new Writer(buffer);
    this.compression = opts.compression ?? 0;
    this.compressionLevel = opts.compressionLevel;
    if (this.compression !== 0 && !codecFor(this.compression)) {
      throw new TypeError(`no codec registered for compression type ${this.compression}`);
    }
    this.producerId = opts.producerId ?? L.NO_PRODUCER_ID;
    this.producerEpoch = opts.producerEpoch ?? L.NO_PRODUCER_EPOCH;
    this.baseSequence = opts.baseSequence ?? L.NO_SEQUENCE;
    this.isTransactional = opts.isTransactional ?? false;
    this.w.ensure(L.RECORDS_OFFSET);
    this.w.offset = L.RECORDS_OFFSET;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes written so far (header included, uncompressed). */
  get sizeInBytes(): number {
    return this.w.offset;
  }

  /** The buffer records are written into (the one given, unless a record made it grow). */
  get buffer(): Buffer {
    return this.w.buf;
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  /** The first record's timestamp (ms). */
  get baseTimestamp(): number {
    return this.baseTimestampMs;
  }

  /**
   * Appends one record and returns its offset delta. `timestamp` is in ms; the first record's
   * timestamp becomes the batch's base timestamp.
   */
  append(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers?: readonly RecordHeader[] | null,
    headersBytes: number = sizeOfHeaders(headers),
  ): number {
    if (this.closed) throw new Error('record batch is closed');
    const offsetDelta = this.count;
    if (offsetDelta === 0) this.baseTimestampMs = timestamp;
    const timestampDelta = timestamp - this.baseTimestampMs;
    const keySize = key === null ? 1 : sizeOfVarint(key.length) + key.length;
    const valueSize = value === null ? 1 : sizeOfVarint(value.length) + value.length;
    const bodySize = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + keySize + valueSize + headersBytes;
    const w = this.w;
    // One capacity check for the whole record, then plain stores at a local cursor.
    w.ensure(sizeOfVarint(bodySize) + bodySize);
    let buf = w.buf;
    let o = putVarint(buf, w.offset, bodySize);
    buf[o++] = 0; // record attributes: unused
    if ((timestampDelta | 0) === timestampDelta) {
      o = putVarint(buf, o, timestampDelta);
    } else {
      w.offset = o;
      w.writeVarlong(timestampDelta);
      buf = w.buf;
      o = w.offset;
    }
    o = putVarint(buf, o, offsetDelta);
    if (key === null) buf[o++] = 1; // zigzag(-1)
    else {
      o = putVarint(buf, o, key.length);
      buf.set(key, o);
      o += key.length;
    }
    if (value === null) buf[o++] = 1;
    else {
      o = putVarint(buf, o, value.length);
      buf.set(value, o);
      o += value.length;
    }
    if (!headers || headers.length === 0) {
      buf[o++] = 0;
    } else {
      o = putVarint(buf, o, headers.length);
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i];
        o = putVarint(buf, o, Buffer.byteLength(h.key, 'utf8'));
        o += buf.write(h.key, o, 'utf8');
        if (h.value === null) buf[o++] = 1;
        else {
          o = putVarint(buf, o, h.value.length);
          buf.set(h.value, o);
          o += h.value.length;
        }
      }
    }
    w.offset = o;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.count = offsetDelta + 1;
    return offsetDelta;
  }

  /** The records appended so far, read back from the (uncompressed) buffer: for splitting. */
  decodeRecords(): { timestamp: number; key: Buffer | null; value: Buffer | null; headers: RecordHeader[] }[] {
    return decodeRecords(this.w.buf, L.RECORDS_OFFSET, this.w.offset, this.baseTimestampMs, this.count);
  }

  /** Each record's timestamp and key and value sizes, in order: what RecordMetadata needs. */
  recordInfo(): RecordInfoReader {
    return new RecordInfoReader(this.w.buf, L.RECORDS_OFFSET, this.w.offset, this.baseTimestampMs);
  }

  /** Sets producer state before close (first drain of an idempotent producer). */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /**
   * Finishes the batch: compresses the records if a codec is set, patches the header and the
   * CRC. Returns the batch bytes (a view of the builder's buffer when uncompressed).
   */
  close(): Buffer {
    if (this.closed) return this.closed;
    let out: Buffer;
    if (this.compression === 0) {
      out = this.w.buf.subarray(0, this.w.offset);
    } else {
      const codec = codecFor(this.compression)!;
      const compressed = codec.compress(this.w.buf.subarray(L.RECORDS_OFFSET, this.w.offset), this.compressionLevel);
      out = Buffer.allocUnsafe(L.RECORDS_OFFSET + compressed.length);
      compressed.copy(out, L.RECORDS_OFFSET);
    }
    const h = new Writer(out);
    h.writeInt64(0); // baseOffset: the broker assigns offsets
    h.writeInt32(out.length - L.LOG_OVERHEAD);
    h.writeInt32(L.NO_PARTITION_LEADER_EPOCH);
    h.writeInt8(L.MAGIC_V2);
    h.writeInt32(0); // CRC, below
    h.writeInt16(this.compression | (this.isTransactional ? L.TRANSACTIONAL_FLAG_MASK : 0));
    h.writeInt32(this.count - 1);
    h.writeInt64(this.baseTimestampMs);
    h.writeInt64(this.count === 0 ? -1 : this.maxTimestamp);
    h.writeInt64(this.producerId);
    h.writeInt16(this.producerEpoch);
    h.writeInt32(this.baseSequence);
    h.writeInt32(this.count);
    writeCrc(out);
    this.closed = out;
    return out;
  }

}

function writeCrc(batch: Buffer): void {
  const crc = crc32c(batch, L.ATTRIBUTES_OFFSET, batch.length);
  batch[L.CRC_OFFSET] = crc >>> 24;
  batch[L.CRC_OFFSET + 1] = (crc >>> 16) & 0xff;
  batch[L.CRC_OFFSET + 2] = (crc >>> 8) & 0xff;
  batch[L.CRC_OFFSET + 3] = crc & 0xff;
}

/**
 * Rewrites a closed batch's producer id, epoch and base sequence in place and recomputes the
 * CRC: what a retry after an epoch bump or sequence reset needs, without re-encoding records.
 */
export function rewriteProducerState(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number): void {
  const w = new Writer(batch);
  w.offset = L.PRODUCER_ID_OFFSET;
  w.writeInt64(producerId);
  w.writeInt16(producerEpoch);
  w.writeInt32(baseSequence);
  writeCrc(batch);
}

/**
 * Reads back, record by record, the timestamp and the key and value sizes (-1 for null) of a
 * batch's uncompressed records, without copying keys or values.
 */
export class RecordInfoReader {
  timestamp = -1;
  keySize = -1;
  valueSize = -1;
  private readonly r: Reader;

  constructor(
    buf: Buffer,
    start: number,
    end: number,
    private readonly baseTimestamp: number,
  ) {
    this.r = new Reader(buf, start, end);
  }

  /** Moves to the next record. */
  next(): void {
    const r = this.r;
    const length = r.readVarint('record.length');
    const end = r.offset + length;
    r.offset++; // attributes
    this.timestamp = this.baseTimestamp + r.readVarlong('record.timestampDelta');
    r.readVarint('record.offsetDelta');
    const keySize = r.readVarint('record.keyLength');
    if (keySize > 0) r.offset += keySize;
    this.keySize = keySize;
    this.valueSize = r.readVarint('record.valueLength');
    r.offset = end;
  }
}
