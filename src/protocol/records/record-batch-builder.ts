/**
 * RecordBatchBuilder: writes records straight into a batch buffer in record batch v2 form.
 *
 * The header is left blank while records are appended, then patched on close() with the
 * counts, timestamps, producer state and the CRC-32C. rewriteProducerState() lets a retry change
 * the producer id, epoch and base sequence in place and recompute only the CRC.
 *
 * With a codec, records are written uncompressed after what is already compressed (the "tail"),
 * and the tail is compressed in place, as one independent chunk of the codec's stream
 * (ChunkedStream), when the next record no longer fits and at close(). With a fixed-capacity
 * buffer (a batch's pooled buffer) nothing is ever allocated beyond it, as Java's compressing
 * stream writes into the pooled buffer: a batch holds exactly the memory buffer.memory charged
 * for it, however well its records compress. The records stay readable (decodeRecords(), for
 * splitting a batch) by decompressing a few chunks at a time.
 *
 * Record fields use zigzag varints (-1 = null), unlike the protocol's unsigned varints.
 */
import { crc32c } from '../crc32c';
import { KafkaError } from '../errors';
import { Writer, sizeOfVarint, sizeOfVarlong } from '../writer';
import { codecFor, type ChunkedStream } from './compression';
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
  /**
   * The buffer given is all the batch may use (a pooled buffer): it is never replaced, the
   * caller checks hasRoomFor() before each append(), and with a codec the records are
   * compressed into it as it fills. Otherwise the buffer grows when a record needs it.
   */
  fixedCapacity?: boolean;
}

function streamFor(compression: number): ChunkedStream | null {
  if (compression === 0) return null;
  const codec = codecFor(compression);
  if (!codec) throw new TypeError(`no codec registered for compression type ${compression}`);
  return codec.chunked;
}

/**
 * Smallest fixed capacity that takes `recordsBytes` of records (exact record sizes) as one
 * batch: the header, and with a codec its stream's framing and worst-case chunk overhead.
 */
export function batchCapacityFor(compression: number, recordsBytes: number): number {
  const s = streamFor(compression);
  return L.RECORDS_OFFSET + recordsBytes + (s === null ? 0 : s.header.length + s.chunkOverhead(recordsBytes) + s.trailerBytes);
}

/** Uncompressed bytes read back per decompression call (recordInfo, decodeRecords). */
const READ_RUN_BYTES = 256 * 1024;

function overflow(what: string): KafkaError {
  return new KafkaError(`record batch buffer overflow: ${what}`, { code: 'ERR_KAFKA_BATCH_OVERFLOW' });
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
  // Every field below is set by start(): a batch's builder is used again for the next batch
  // its buffer holds (ProducerBatch.reuse), and then begins exactly as a new one.
  private declare compression: number;
  private declare compressionLevel: number | undefined;
  /** The codec's chunked stream, null when uncompressed. */
  private declare stream: ChunkedStream | null;
  private declare fixed: boolean;
  /** Where the first chunk starts (after the codec's stream header). */
  private declare streamStart: number;
  /** Where the uncompressed tail starts: everything before it is final (header, chunks). */
  private declare tailStart: number;
  /** Uncompressed bytes and records already compressed into chunks. */
  private declare rawFlushed: number;
  private declare recordsFlushed: number;
  /** Per chunk: end offset, uncompressed bytes, records (null until the first chunk). */
  private declare chunks: number[] | null;
  private declare checksum: number;
  /** A tail smaller than this is not compressed early: the batch counts as full instead. */
  private declare minChunk: number;
  private declare producerId: number;
  private declare producerEpoch: number;
  private declare baseSequence: number;
  private declare isTransactional: boolean;
  private declare baseTimestampMs: number;
  private declare maxTimestamp: number;
  private declare count: number;
  private declare closed: Buffer | null;

  /**
   * @param buffer where to write. With `fixedCapacity` this buffer is all there is; otherwise
   *   it grows (is replaced) when a record does not fit.
   */
  constructor(buffer: Buffer | number, opts: RecordBatchOptions = {}) {
    this.w = new Writer(buffer);
    this.start(opts);
  }

  /** Begins a new, empty batch in `buffer`, as the constructor does: nothing of the last one is kept. */
  reset(buffer: Buffer, opts: RecordBatchOptions = {}): void {
    this.w.buf = buffer;
    this.w.offset = 0;
    this.start(opts);
  }

  private start(opts: RecordBatchOptions): void {
    this.compression = opts.compression ?? 0;
    this.compressionLevel = opts.compressionLevel;
    this.stream = streamFor(this.compression);
    this.fixed = opts.fixedCapacity ?? false;
    this.rawFlushed = 0;
    this.recordsFlushed = 0;
    this.chunks = null;
    this.checksum = 0;
    this.producerId = opts.producerId ?? L.NO_PRODUCER_ID;
    this.producerEpoch = opts.producerEpoch ?? L.NO_PRODUCER_EPOCH;
    this.baseSequence = opts.baseSequence ?? L.NO_SEQUENCE;
    this.isTransactional = opts.isTransactional ?? false;
    this.baseTimestampMs = 0;
    this.maxTimestamp = -1;
    this.count = 0;
    this.closed = null;
    const header = this.stream === null ? 0 : this.stream.header.length;
    if (this.fixed && this.w.buf.length < batchCapacityFor(this.compression, 0)) throw overflow(`${this.w.buf.length} bytes cannot hold an empty batch`);
    this.w.ensure(L.RECORDS_OFFSET + header);
    if (this.stream !== null) this.w.buf.set(this.stream.header, L.RECORDS_OFFSET);
    this.streamStart = this.tailStart = this.w.offset = L.RECORDS_OFFSET + header;
    this.minChunk = this.w.buf.length >>> 4;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch uncompressed: the header and every record appended so far. */
  get sizeInBytes(): number {
    return L.RECORDS_OFFSET + this.rawFlushed + this.w.offset - this.tailStart;
  }

  /**
   * Bytes before the uncompressed tail: the header, and with a codec its stream header and
   * the chunks compressed so far (their final size). Uncompressed: the header alone.
   */
  get compressedBytes(): number {
    return this.tailStart;
  }

  /** Uncompressed bytes not yet compressed (every record's, when uncompressed). */
  get tailBytes(): number {
    return this.w.offset - this.tailStart;
  }

  /** The buffer records are written into (the one given, unless it grew without fixedCapacity). */
  get buffer(): Buffer {
    return this.w.buf;
  }

  /**
   * Whether a record of `recordBytes` (its exact size) fits now. Always true without
   * fixedCapacity. With a codec, when it does not fit, a tail of at least a sixteenth of the
   * buffer is compressed in place first to make room; a smaller tail is left for close(),
   * since compressing small pieces loses ratio and the batch is nearly full anyway.
   */
  hasRoomFor(recordBytes: number): boolean {
    if (!this.fixed || this.fits(recordBytes)) return true;
    if (this.stream === null || this.w.offset - this.tailStart < this.minChunk) return false;
    this.flushChunk();
    return this.fits(recordBytes);
  }

  /** Room for `recordBytes` more in the tail, keeping what compressing the tail and closing may need. */
  private fits(recordBytes: number): boolean {
    const end = this.w.offset + recordBytes;
    const s = this.stream;
    if (s === null) return end <= this.w.buf.length;
    return end + s.chunkOverhead(end - this.tailStart) + s.trailerBytes <= this.w.buf.length;
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
    const recordBytes = sizeOfVarint(bodySize) + bodySize;
    // A fixed buffer is never replaced: the caller was to check hasRoomFor() first.
    if (this.fixed && !this.fits(recordBytes)) throw overflow(`no room for a record of ${recordBytes} bytes`);
    // One capacity check for the whole record, then plain stores at a local cursor.
    w.ensure(recordBytes);
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

  /** The records appended so far (compressed chunks read back a run at a time): for splitting. */
  decodeRecords(): { timestamp: number; key: Buffer | null; value: Buffer | null; headers: RecordHeader[] }[] {
    const chunks = this.chunks;
    const tail = decodeRecords(this.w.buf, this.tailStart, this.w.offset, this.baseTimestampMs, this.count - this.recordsFlushed);
    if (chunks === null) return tail;
    const out: ReturnType<typeof decodeRecords> = [];
    for (let i = 0; i < chunks.length; ) {
      const run = this.decodeRun(i);
      for (const r of decodeRecords(run.raw, 0, run.raw.length, this.baseTimestampMs, run.records)) out.push(r);
      i = run.next;
    }
    for (const r of tail) out.push(r);
    return out;
  }

  /**
   * Decompresses the chunks from entry `i` on, as many as fit in READ_RUN_BYTES uncompressed
   * (at least one) in one call: a call per chunk would cost the codec's setup each time, the
   * whole batch at once could be megabytes of records made from a few KiB.
   */
  private decodeRun(i: number): { raw: Buffer; next: number; records: number } {
    const chunks = this.chunks!;
    const start = i === 0 ? this.streamStart : chunks[i - 3];
    let rawBytes = chunks[i + 1];
    let records = chunks[i + 2];
    let j = i + 3;
    while (j < chunks.length && rawBytes + chunks[j + 1] <= READ_RUN_BYTES) {
      rawBytes += chunks[j + 1];
      records += chunks[j + 2];
      j += 3;
    }
    const raw = this.stream!.decodeChunk(this.w.buf.subarray(start, chunks[j - 3]), rawBytes);
    return { raw, next: j, records };
  }

  /** Compresses the tail in place, as the next chunk of the stream. */
  private flushChunk(): void {
    const s = this.stream!;
    const w = this.w;
    const start = this.tailStart;
    const end = w.offset;
    const raw = w.buf.subarray(start, end);
    if (s.updateChecksum) this.checksum = s.updateChecksum(this.checksum, raw);
    const encoded = s.encodeChunk(raw, this.compressionLevel);
    w.offset = start;
    if (!this.fixed) w.ensure(encoded.length);
    else if (start + encoded.length + s.trailerBytes > w.buf.length) throw overflow(`a compressed chunk of ${encoded.length} bytes`);
    w.buf.set(encoded, start);
    (this.chunks ??= []).push(start + encoded.length, end - start, this.count - this.recordsFlushed);
    this.rawFlushed += end - start;
    this.recordsFlushed = this.count;
    this.tailStart = w.offset = start + encoded.length;
  }

  /** Sets producer state before close (first drain of an idempotent producer). */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /**
   * Finishes the batch: compresses the tail and ends the stream if a codec is set, patches the
   * header and the CRC. Returns the batch bytes, a view of the builder's buffer.
   */
  close(): Buffer {
    if (this.closed) return this.closed;
    const s = this.stream;
    if (s !== null) {
      // An empty batch still gets one (empty) chunk: a zstd stream needs a frame.
      if (this.w.offset > this.tailStart || this.chunks === null) this.flushChunk();
      const at = this.w.offset;
      if (!this.fixed) this.w.ensure(s.trailerBytes);
      s.writeTrailer(this.w.buf, at, this.checksum, this.rawFlushed);
      this.tailStart = this.w.offset = at + s.trailerBytes;
    }
    const out = this.w.buf.subarray(0, this.w.offset);
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

