import { Reader } from '../../../src/protocol/reader';
import { Writer, sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong } from '../../../src/protocol/writer';
import { MalformedResponseError } from '../../../src/protocol/errors';

const hex = (w: Writer) => w.view().toString('hex');

describe('zigzag varint (record fields)', () => {
  // Expected bytes follow the protobuf/Kafka zigzag definition: 0->00, -1->01, 1->02, 63->7e, 64->8001, -64->7f.
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [127, 'fe01'],
    [128, '8002'],
    [8191, 'fe7f'],
    [8192, '808001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  test.each(cases)('%d encodes as %s and back', (v, expected) => {
    const w = new Writer(4).writeVarint(v);
    expect(hex(w)).toBe(expected);
    expect(sizeOfVarint(v)).toBe(expected.length / 2);
    const r = new Reader(w.toBuffer());
    expect(r.readVarint('v')).toBe(v);
    expect(r.remaining).toBe(0);
  });
});

describe('zigzag varlong', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [2147483648, '8080808010'],
    [-2147483649, '8180808010'],
    [2 ** 40, '808080808040'],
    [2 ** 52, '8080808080808010'],
    [Number.MAX_SAFE_INTEGER, 'feffffffffffff1f'],
    [-Number.MAX_SAFE_INTEGER, 'fdffffffffffff1f'],
  ];
  test.each(cases)('%d round-trips with its size', (v, expected) => {
    const w = new Writer(4).writeVarlong(v);
    expect(hex(w)).toBe(expected);
    expect(sizeOfVarlong(v)).toBe(w.offset);
    expect(new Reader(w.toBuffer()).readVarlong('v')).toBe(v);
  });

  test('int64 extremes through the bigint path', () => {
    const max = 9223372036854775807n;
    const min = -9223372036854775808n;
    expect(new Writer().writeVarlongBigInt(max).view().toString('hex')).toBe('feffffffffffffffff01');
    expect(new Writer().writeVarlongBigInt(min).view().toString('hex')).toBe('ffffffffffffffffff01');
    // Beyond the safe range the number reader refuses rather than rounding.
    const r = new Reader(new Writer().writeVarlongBigInt(max).toBuffer());
    expect(() => r.readVarlong('ts')).toThrow(MalformedResponseError);
  });
});

describe('unsigned varint (protocol lengths)', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ];
  test.each(cases)('%d encodes as %s', (v, expected) => {
    const w = new Writer(2).writeUnsignedVarint(v);
    expect(hex(w)).toBe(expected);
    expect(sizeOfUnsignedVarint(v)).toBe(expected.length / 2);
    expect(new Reader(w.toBuffer()).readUnsignedVarint('v')).toBe(v);
  });

  test('a varint longer than 5 bytes is malformed', () => {
    const r = new Reader(Buffer.from('ffffffffff01', 'hex'));
    expect(() => r.readUnsignedVarint('len')).toThrow(MalformedResponseError);
  });
});

describe('fixed-width integers', () => {
  test('int16/int32/int64 big-endian, including negatives and extremes', () => {
    const w = new Writer(1)
      .writeInt8(-1)
      .writeInt16(-2)
      .writeInt16(32767)
      .writeInt32(-2147483648)
      .writeInt32(2147483647)
      .writeInt64(-1)
      .writeInt64(Number.MAX_SAFE_INTEGER)
      .writeInt64(-Number.MAX_SAFE_INTEGER)
      .writeInt64BigInt(-9223372036854775808n)
      .writeInt64BigInt(9223372036854775807n);
    expect(hex(w)).toBe(
      'ff' + 'fffe' + '7fff' + '80000000' + '7fffffff' + 'ffffffffffffffff' + '001fffffffffffff' + 'ffe0000000000001' +
        '8000000000000000' + '7fffffffffffffff',
    );
    const r = new Reader(w.toBuffer());
    expect(r.readInt8('a')).toBe(-1);
    expect(r.readInt16('b')).toBe(-2);
    expect(r.readInt16('c')).toBe(32767);
    expect(r.readInt32('d')).toBe(-2147483648);
    expect(r.readInt32('e')).toBe(2147483647);
    expect(r.readInt64('f')).toBe(-1);
    expect(r.readInt64('g')).toBe(Number.MAX_SAFE_INTEGER);
    expect(r.readInt64('h')).toBe(-Number.MAX_SAFE_INTEGER);
    expect(() => r.readInt64('i')).toThrow(/safe integer/);
    r.offset -= 8;
    expect(r.readInt64BigInt('i')).toBe(-9223372036854775808n);
    expect(r.readInt64BigInt('j')).toBe(9223372036854775807n);
  });
});

describe('strings, bytes, arrays, uuid, tags', () => {
  test('classic and compact forms with null', () => {
    const w = new Writer(8)
      .writeString('héllo')
      .writeNullableString(null)
      .writeBytes(Buffer.from([1, 2]))
      .writeNullableBytes(null)
      .writeCompactString('ab')
      .writeCompactNullableString(null)
      .writeCompactBytes(Buffer.alloc(0))
      .writeCompactNullableBytes(null)
      .writeCompactArrayLength(3);
    expect(hex(w)).toBe('000668c3a96c6c6f' + 'ffff' + '000000020102' + 'ffffffff' + '036162' + '00' + '01' + '00' + '04');
    const r = new Reader(w.toBuffer());
    expect(r.readString('s')).toBe('héllo');
    expect(r.readNullableString('s')).toBeNull();
    expect(r.readBytes('b')).toEqual(Buffer.from([1, 2]));
    expect(r.readNullableBytes('b')).toBeNull();
    expect(r.readCompactString('s')).toBe('ab');
    expect(r.readCompactNullableString('s')).toBeNull();
    expect(r.readCompactBytes('b').length).toBe(0);
    expect(r.readCompactNullableBytes('b')).toBeNull();
    expect(r.remaining).toBe(1);
  });

  test('uuid uses the Kafka base64url string form', () => {
    const id = 'AAECAwQFBgcICQoLDA0ODw';
    const w = new Writer().writeUuid(id);
    expect(hex(w)).toBe('000102030405060708090a0b0c0d0e0f');
    expect(new Reader(w.toBuffer()).readUuid('id')).toBe(id);
  });

  test('tagged fields are written in tag order and unknown tags are skipped', () => {
    const w = new Writer().writeTaggedFields([
      [5, (t) => t.writeInt32(7)],
      [1, (t) => t.writeInt8(9)],
    ]);
    expect(hex(w)).toBe('02' + '010109' + '050400000007');
    const seen: number[] = [];
    const r = new Reader(w.toBuffer());
    r.readTaggedFields('tags', (tag, t) => {
      seen.push(tag);
      if (tag === 5) expect(t.readInt32('x')).toBe(7);
    });
    expect(seen).toEqual([1, 5]);
    expect(r.remaining).toBe(0);
  });

  test('the writer grows and keeps what it wrote', () => {
    const w = new Writer(16);
    for (let i = 0; i < 1000; i++) w.writeInt32(i);
    const r = new Reader(w.toBuffer());
    for (let i = 0; i < 1000; i++) expect(r.readInt32('i')).toBe(i);
  });

  test('reserve and patch', () => {
    const w = new Writer();
    const at = w.reserveInt32();
    w.writeInt16(1);
    w.patchInt32(at, w.offset - 4);
    expect(hex(w)).toBe('000000020001');
  });
});

describe('bounds checks', () => {
  test('every short read throws MalformedResponseError naming the field', () => {
    const r = new Reader(Buffer.from([0, 1]));
    try {
      r.readInt32('partitions.leaderId');
      throw new Error('no throw');
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect((err as MalformedResponseError).field).toBe('partitions.leaderId');
    }
  });

  test('a string length past the end is malformed, not a short string', () => {
    expect(() => new Reader(Buffer.from('0005616263', 'hex')).readString('name')).toThrow(MalformedResponseError);
  });

  test('a huge array count is refused before anything is allocated', () => {
    expect(() => new Reader(Buffer.from('7fffffff00', 'hex')).readArrayLength('topics')).toThrow(/cannot fit/);
    expect(() => new Reader(Buffer.from('ffffffff0f', 'hex')).readCompactArrayLength('topics')).toThrow(/cannot fit/);
  });
});
