/**
 * murmur2 exactly as the Java client's Utils.murmur2 computes it (32-bit, seed 0x9747b28c),
 * and the keyed partition choice built on it. Math.imul keeps every product in int32, which
 * is what Java's int arithmetic does; plain JS multiplication would lose precision.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's Utils.murmur2: a signed 32-bit hash of the bytes. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Tail: Java's switch falls through from 3 to 1.
  const rem = length & 3;
  if (rem === 3) h ^= data[blocks + 2] << 16;
  if (rem >= 2) h ^= data[blocks + 1] << 8;
  if (rem >= 1) {
    h ^= data[blocks];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Java's producer picks for these key bytes: toPositive(murmur2(key)) % count. */
export function partitionForKey(keyBytes: Uint8Array, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount <= 0) {
    throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`);
  }
  return toPositive(murmur2(keyBytes)) % partitionCount;
}
