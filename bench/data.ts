/**
 * The records every bench sends, the same bytes as bench/java's BenchData.java makes: keys
 * "key-" and 12 digits (16 B); values of letters 'a' + (x & 15) from one seeded xorshift32
 * generator (about 2:1 compressible, so W5's codecs have something to do). Record i uses key
 * i % KEY_COUNT and value i % VALUE_COUNT.
 */

export const KEY_COUNT = 1024;
export const VALUE_COUNT = 1024;
export const SEED = 0x6b776272;

/** KEY_COUNT 16-byte keys, each its own Buffer (as a serializer would return it). */
export function benchKeys(): Buffer[] {
  return Array.from({ length: KEY_COUNT }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`, 'latin1'));
}

/** VALUE_COUNT values of `size` bytes, from one generator over all of them (as BenchData.values). */
export function benchValues(size: number): Buffer[] {
  let x = SEED | 0;
  const values: Buffer[] = [];
  for (let v = 0; v < VALUE_COUNT; v++) {
    const b = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = 0x61 + (x & 15);
    }
    values.push(b);
  }
  return values;
}
