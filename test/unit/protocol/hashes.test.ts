import { crc32c } from '../../../src/protocol/crc32c';
import { murmur2, partitionForKey, toPositive } from '../../../src/producer/partitioners/murmur2';
// Independent implementations, used here only as test oracles.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const CRC32C = require('crc-32/crc32c');

describe('crc32c', () => {
  test('check value of "123456789" is 0xE3069283', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  test('empty input is 0', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  test('agrees with an independent implementation at every length and offset', () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) & 0xff;
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < buf.length; i++) buf[i] = rnd();
    for (let len = 0; len < 80; len++) {
      for (let start = 0; start < 9; start++) {
        expect(crc32c(buf, start, start + len)).toBe(CRC32C.buf(buf.subarray(start, start + len)) >>> 0);
      }
    }
    expect(crc32c(buf)).toBe(CRC32C.buf(buf) >>> 0);
  });

  test('can continue from a previous value', () => {
    const b = Buffer.from('hello, kafka');
    expect(crc32c(b, 5, b.length, crc32c(b, 0, 5))).toBe(crc32c(b));
  });
});

describe('murmur2 (Kafka UtilsTest vectors)', () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  test.each(vectors)('murmur2(%j) = %d', (s, expected) => {
    expect(murmur2(Buffer.from(s, 'ascii'))).toBe(expected);
  });

  test('toPositive masks the sign bit instead of taking the absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
  });

  test('partitionForKey("foobar", 10) = 6 and rejects a bad count', () => {
    expect(partitionForKey(Buffer.from('foobar'), 10)).toBe(6);
    expect(() => partitionForKey(Buffer.from('x'), 0)).toThrow(RangeError);
  });
});
