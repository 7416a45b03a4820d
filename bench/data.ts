/**
 * The records every bench sends, the same bytes as bench/java's BenchData.java makes: keys
 * "key-" and 12 digits (16 B); values of letters 'a' + (x & 15) from one seeded xorshift32
 * generator (about 2:1 compressible, so W5's codecs have something to do). Record i uses key
 * i % KEY_COUNT and value i % VALUE_COUNT (a run may ask for other powers of 2: RunSpec's
 * keyCount and valueCount).
 */

export const KEY_COUNT = 1024;
export const VALUE_COUNT = 1024;
export const SEED = 0x6b776272;

/** `count` (default KEY_COUNT) 16-byte keys, each its own Buffer (as a serializer would return it). */
export function benchKeys(count = KEY_COUNT): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`, 'latin1'));
}

/** The most value bytes a run holds: VALUE_COUNT values of up to 16 KiB; larger values come fewer. */
export const VALUE_BYTES_MAX = 16 * 1024 * 1024;

/**
 * How many distinct values of `size` bytes a run uses: VALUE_COUNT, or fewer (a power of 2, at
 * least 1) so that they hold at most VALUE_BYTES_MAX (900 KiB values: 16 of them, not 900 MB).
 */
export function valueCountFor(size: number): number {
  let n = VALUE_COUNT;
  while (n > 1 && n * size > VALUE_BYTES_MAX) n >>= 1;
  return n;
}

/**
 * `count` (default VALUE_COUNT) values of `size` bytes, from one generator over all of them (as
 * BenchData.values): a smaller count gives the first values of the larger set.
 */
export function benchValues(size: number, count = VALUE_COUNT): Buffer[] {
  let x = SEED | 0;
  const values: Buffer[] = [];
  for (let v = 0; v < count; v++) {
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
