/**
 * Writer: Kafka primitives into one growable buffer with a cursor.
 *
 * Invariants: `buf[0, offset)` holds what was written; the buffer only grows (doubling), so
 * positions returned by `reserve*()` stay valid. Numbers are stored with direct byte stores
 * (cheaper than Buffer#writeInt32BE's range checks); int64 values are JS numbers split into
 * two 32-bit halves, so BigInt never appears on this path.
 */

const TWO_POW_32 = 4294967296;

export class Writer {
  buf: Buffer;
  offset = 0;

  /** Starts with a fresh buffer of `initial` bytes, or writes into the given buffer from 0. */
  constructor(initial: number | Buffer = 256) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(Math.max(16, initial)) : initial;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  /** Forgets what was written, keeping the buffer for reuse. */
  reset(): this {
    this.offset = 0;
    return this;
  }

  /** A view of what was written (no copy; invalid after the next write that grows). */
  view(): Buffer {
    return this.buf.subarray(0, this.offset);
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }

  writeInt8(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v & 0xff;
    return this;
  }

  writeBoolean(v: boolean): this {
    return this.writeInt8(v ? 1 : 0);
  }

  writeInt16(v: number): this {
    this.ensure(2);
    const b = this.buf;
    let o = this.offset;
    b[o++] = (v >>> 8) & 0xff;
    b[o++] = v & 0xff;
    this.offset = o;
    return this;
  }


  writeInt32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    let o = this.offset;
    b[o++] = (v >>> 24) & 0xff;
    b[o++] = (v >>> 16) & 0xff;
    b[o++] = (v >>> 8) & 0xff;
    b[o++] = v & 0xff;
    this.offset = o;
    return this;
  }


  /** int64 from a number that must be a safe integer (offsets, ids, timestamps). */
  writeInt64(v: number): this {
    const hi = Math.floor(v / TWO_POW_32);
    const lo = v - hi * TWO_POW_32;
    this.writeInt32(hi | 0);
    return this.writeInt32(lo >>> 0);
  }

  /** int64 from a bigint, for values beyond 2^53 (public API edges only). */
  writeInt64BigInt(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    this.writeInt32(Number(u >> 32n) | 0);
    return this.writeInt32(Number(u & 0xffffffffn));
  }


  /** Unsigned LEB128 of a uint32 (protocol lengths, tags, array sizes). */
  writeUnsignedVarint(v: number): this {
    this.ensure(5);
    const b = this.buf;
    let o = this.offset;
    v >>>= 0;
    while (v > 0x7f) {
      b[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[o++] = v;
    this.offset = o;
    return this;
  }

  /** Zigzag varint of an int32 (record fields). */
  writeVarint(v: number): this {
    return this.writeUnsignedVarint((v << 1) ^ (v >> 31));
  }

  /**
   * Zigzag varlong of a safe integer. Values that fit in int32 take the varint path;
   * others are zigzagged as two halves (exact for |v| < 2^53).
   */
  writeVarlong(v: number): this {
    if (v >= -0x80000000 && v <= 0x7fffffff) return this.writeVarint(v);
    // zigzag(v) = 2v for v >= 0, -2v - 1 for v < 0; exact in a double only for |v| < 2^52.
    if (v > 0xfffffffffffff || v < -0xfffffffffffff) return this.writeVarlongBigInt(BigInt(v));
    return this.writeUnsignedVarlong(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Unsigned LEB128 of a non-negative safe integer (up to 2^53). */
  writeUnsignedVarlong(z: number): this {
    this.ensure(10);
    const b = this.buf;
    let o = this.offset;
    while (z >= 0x80) {
      b[o++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    b[o++] = z;
    this.offset = o;
    return this;
  }

  writeVarlongBigInt(v: bigint): this {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.offset++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.offset++] = Number(z);
    return this;
  }

  /** 16 bytes of a Kafka Uuid given in its string form (base64url, 22 chars). */
  writeUuid(uuid: string): this {
    this.ensure(16);
    const bytes = Buffer.from(uuid, 'base64url');
    if (bytes.length !== 16) throw new TypeError(`not a Kafka uuid: ${uuid}`);
    bytes.copy(this.buf, this.offset);
    this.offset += 16;
    return this;
  }

  writeRaw(src: Uint8Array, start = 0, end = src.length): this {
    const n = end - start;
    this.ensure(n);
    this.buf.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.offset);
    this.offset += n;
    return this;
  }

  // Classic (non-flexible) forms: int16 string length, int32 bytes length, -1 = null.

  writeString(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw new RangeError(`string of ${n} bytes is too long for an int16 length`);
    this.writeInt16(n);
    this.ensure(n);
    this.offset += this.buf.write(s, this.offset, 'utf8');
    return this;
  }

  writeNullableString(s: string | null | undefined): this {
    if (s == null) return this.writeInt16(-1);
    return this.writeString(s);
  }

  writeBytes(b: Uint8Array): this {
    this.writeInt32(b.length);
    return this.writeRaw(b);
  }

  writeNullableBytes(b: Uint8Array | null | undefined): this {
    if (b == null) return this.writeInt32(-1);
    return this.writeBytes(b);
  }

  writeArrayLength(n: number): this {
    return this.writeInt32(n);
  }

  // Compact (flexible) forms: unsigned varint of length + 1, 0 = null.

  writeCompactString(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.writeUnsignedVarint(n + 1);
    this.ensure(n);
    this.offset += this.buf.write(s, this.offset, 'utf8');
    return this;
  }

  writeCompactNullableString(s: string | null | undefined): this {
    if (s == null) return this.writeUnsignedVarint(0);
    return this.writeCompactString(s);
  }

  writeCompactBytes(b: Uint8Array): this {
    this.writeUnsignedVarint(b.length + 1);
    return this.writeRaw(b);
  }

  writeCompactNullableBytes(b: Uint8Array | null | undefined): this {
    if (b == null) return this.writeUnsignedVarint(0);
    return this.writeCompactBytes(b);
  }

  writeCompactArrayLength(n: number): this {
    return this.writeUnsignedVarint(n + 1);
  }

  writeCompactNullableArrayLength(n: number | null): this {
    return this.writeUnsignedVarint(n === null ? 0 : n + 1);
  }

  /** An empty tagged-field section. */
  writeEmptyTaggedFields(): this {
    return this.writeInt8(0);
  }

  /**
   * A tagged-field section. Fields are written in ascending tag order as
   * (uvarint tag, uvarint size, data); `write` appends one field's data.
   */
  writeTaggedFields(fields: ReadonlyArray<readonly [tag: number, write: (w: Writer) => void]>): this {
    this.writeUnsignedVarint(fields.length);
    const sorted = fields.length > 1 ? [...fields].sort((a, b) => a[0] - b[0]) : fields;
    for (const [tag, write] of sorted) {
      this.writeUnsignedVarint(tag);
      // Size is unknown until written: write into a scratch writer, then copy.
      const scratch = new Writer(64);
      write(scratch);
      this.writeUnsignedVarint(scratch.offset);
      this.writeRaw(scratch.buf, 0, scratch.offset);
    }
    return this;
  }

  /** Reserves 4 bytes; fill later with patchInt32. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.offset;
    this.offset += 4;
    return at;
  }

  patchInt32(at: number, v: number): void {
    const b = this.buf;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }
}

/** Bytes an unsigned varint of `v` takes. */
export function sizeOfUnsignedVarint(v: number): number {
  v >>>= 0;
  // 1 + floor((31 - clz32(v)) / 7) for v > 0
  return v === 0 ? 1 : ((38 - Math.clz32(v)) / 7) | 0;
}

/** Bytes a zigzag varint of the int32 `v` takes. */
export function sizeOfVarint(v: number): number {
  return sizeOfUnsignedVarint((v << 1) ^ (v >> 31));
}

/** Bytes a zigzag varlong of the safe integer `v` takes. */
export function sizeOfVarlong(v: number): number {
  if (v >= -0x80000000 && v <= 0x7fffffff) return sizeOfVarint(v);
  if (v > 0xfffffffffffff || v < -0xfffffffffffff) return 8; // 2^52 <= |zigzag| < 2^54 needs 8 bytes
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}
