/**
 * Reader: bounds-checked Kafka primitives over one received frame.
 *
 * Every read checks the remaining length first and throws MalformedResponseError naming the
 * field, so a short or corrupt response fails its request instead of crashing, hanging or
 * yielding a wrong value. Lengths and counts are also checked against what is left, so a
 * corrupt count cannot make a decoder allocate without bound.
 */
import { MalformedResponseError } from './errors';

const TWO_POW_32 = 4294967296;

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  fail(field: string, detail: string): never {
    throw new MalformedResponseError(`malformed response: ${field}: ${detail} (at byte ${this.offset})`, { field });
  }

  private need(n: number, field: string): void {
    if (this.end - this.offset < n) this.fail(field, `needs ${n} byte(s), ${this.end - this.offset} left`);
  }

  readInt8(field: string): number {
    this.need(1, field);
    return (this.buf[this.offset++] << 24) >> 24;
  }

  readBoolean(field: string): boolean {
    return this.readInt8(field) !== 0;
  }

  readInt16(field: string): number {
    this.need(2, field);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 2;
    return (((b[o] << 8) | b[o + 1]) << 16) >> 16;
  }


  readInt32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 4;
    return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }

  readUInt32(field: string): number {
    return this.readInt32(field) >>> 0;
  }

  /** int64 as a number; a value outside the safe-integer range is rejected, never rounded. */
  readInt64(field: string): number {
    const hi = this.readInt32(field);
    const lo = this.readInt32(field) >>> 0;
    if (hi > 0x1fffff || hi < -0x200000) this.fail(field, 'int64 outside the safe integer range');
    return hi * TWO_POW_32 + lo;
  }

  readInt64BigInt(field: string): bigint {
    const hi = this.readInt32(field);
    const lo = this.readInt32(field) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }


  readUnsignedVarint(field: string): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1, field);
      const byte = this.buf[this.offset++];
      if (i === 4 && byte > 0x0f) this.fail(field, 'unsigned varint longer than 32 bits');
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    return this.fail(field, 'unsigned varint longer than 5 bytes');
  }

  readVarint(field: string): number {
    const z = this.readUnsignedVarint(field);
    return (z >>> 1) ^ -(z & 1);
  }

  /** Zigzag varlong as a number; rejected when it does not fit a safe integer. */
  readVarlong(field: string): number {
    const start = this.offset;
    let z = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      this.need(1, field);
      const byte = this.buf[this.offset++];
      z += (byte & 0x7f) * mul;
      // Up to 7 bytes (49 bits) the sum is exact; un-zigzag: even -> z/2, odd -> -(z+1)/2.
      if ((byte & 0x80) === 0) return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      mul *= 128;
    }
    this.offset = start;
    const v = this.readVarlongBigInt(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(field, 'varlong outside the safe integer range');
    }
    return Number(v);
  }

  readVarlongBigInt(field: string): bigint {
    let z = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1, field);
      const byte = this.buf[this.offset++];
      z |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        z = BigInt.asUintN(64, z);
        return (z >> 1n) ^ -(z & 1n);
      }
      shift += 7n;
    }
    return this.fail(field, 'varlong longer than 10 bytes');
  }

  readUuid(field: string): string {
    this.need(16, field);
    const s = this.buf.toString('base64url', this.offset, this.offset + 16);
    this.offset += 16;
    return s;
  }

  /** A view of the next `n` bytes (no copy). */
  readRaw(n: number, field: string): Buffer {
    if (n < 0) this.fail(field, `negative length ${n}`);
    this.need(n, field);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  private utf8(n: number, field: string): string {
    this.need(n, field);
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  // Classic forms.

  readString(field: string): string {
    const n = this.readInt16(field);
    if (n < 0) this.fail(field, `null where a string is required`);
    return this.utf8(n, field);
  }

  readNullableString(field: string): string | null {
    const n = this.readInt16(field);
    if (n === -1) return null;
    if (n < 0) this.fail(field, `invalid string length ${n}`);
    return this.utf8(n, field);
  }

  /** Bytes (a copy, so the frame can be released). */
  readBytes(field: string): Buffer {
    const n = this.readInt32(field);
    if (n < 0) this.fail(field, `null where bytes are required`);
    return Buffer.from(this.readRaw(n, field));
  }

  readNullableBytes(field: string): Buffer | null {
    const n = this.readInt32(field);
    if (n === -1) return null;
    if (n < 0) this.fail(field, `invalid bytes length ${n}`);
    return Buffer.from(this.readRaw(n, field));
  }

  /** Element count of a classic array; -1 (null) only where allowed. `minElementBytes` bounds it. */
  readArrayLength(field: string, minElementBytes = 1): number {
    const n = this.readInt32(field);
    if (n < 0) this.fail(field, `null where an array is required`);
    this.checkCount(n, minElementBytes, field);
    return n;
  }

  readNullableArrayLength(field: string, minElementBytes = 1): number | null {
    const n = this.readInt32(field);
    if (n === -1) return null;
    if (n < 0) this.fail(field, `invalid array length ${n}`);
    this.checkCount(n, minElementBytes, field);
    return n;
  }

  // Compact forms.

  readCompactString(field: string): string {
    const n = this.readUnsignedVarint(field);
    if (n === 0) this.fail(field, `null where a string is required`);
    return this.utf8(n - 1, field);
  }

  readCompactNullableString(field: string): string | null {
    const n = this.readUnsignedVarint(field);
    if (n === 0) return null;
    return this.utf8(n - 1, field);
  }

  readCompactBytes(field: string): Buffer {
    const n = this.readUnsignedVarint(field);
    if (n === 0) this.fail(field, `null where bytes are required`);
    return Buffer.from(this.readRaw(n - 1, field));
  }

  readCompactNullableBytes(field: string): Buffer | null {
    const n = this.readUnsignedVarint(field);
    if (n === 0) return null;
    return Buffer.from(this.readRaw(n - 1, field));
  }

  readCompactArrayLength(field: string, minElementBytes = 1): number {
    const n = this.readUnsignedVarint(field);
    if (n === 0) this.fail(field, `null where an array is required`);
    this.checkCount(n - 1, minElementBytes, field);
    return n - 1;
  }

  readCompactNullableArrayLength(field: string, minElementBytes = 1): number | null {
    const n = this.readUnsignedVarint(field);
    if (n === 0) return null;
    this.checkCount(n - 1, minElementBytes, field);
    return n - 1;
  }

  private checkCount(n: number, minElementBytes: number, field: string): void {
    if (n * minElementBytes > this.end - this.offset) {
      this.fail(field, `count ${n} cannot fit in the ${this.end - this.offset} byte(s) left`);
    }
  }

  /**
   * Reads a tagged-field section. `onTag` handles known tags with a Reader limited to that
   * field's bytes and returns true; unknown tags are skipped, as the protocol requires.
   */
  readTaggedFields(field: string, onTag?: (tag: number, r: Reader) => boolean | void): void {
    const count = this.readUnsignedVarint(`${field}.count`);
    this.checkCount(count, 2, field);
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint(`${field}.tag`);
      if (tag <= lastTag) this.fail(field, `tags out of order (${tag} after ${lastTag})`);
      lastTag = tag;
      const size = this.readUnsignedVarint(`${field}.size`);
      this.need(size, field);
      const fieldEnd = this.offset + size;
      if (onTag) {
        const sub = new Reader(this.buf, this.offset, fieldEnd);
        onTag(tag, sub);
      }
      this.offset = fieldEnd;
    }
  }
}
