/**
 * murmur2 over key bytes, as the keyed partitioner calls it once per record, against
 * murmurhash-js's murmur2. murmurhash-js hashes a string, so a caller holding key bytes
 * (what a serializer yields) must first turn them into one; the baseline pays that
 * `toString('latin1')`, as such a caller would. The two are not the same hash (murmurhash-js
 * finalizes differently from Java's Utils.murmur2): the baseline is for speed only.
 */

import { murmur2 } from '../../src/producer/partitioners/murmur2';
import { BenchOptions, compare, seededRandom, sink } from './harness';
import { CaseResult, caseResult } from './report';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const murmurhashJs: { murmur2(key: string, seed: number): number } = require('murmurhash-js');

/** Key sizes in bytes: short ids, a 16-byte id, a UUID string, a long composite key. */
export const KEY_SIZES = [8, 16, 36, 100] as const;
/** Distinct keys per size; one timed call hashes all of them. */
const KEY_COUNT = 1024;
/** Java's seed, given to the baseline too so both do the same amount of work. */
const SEED = 0x9747b28c;
const TARGET_RATIO = 3;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

/** KEY_COUNT seeded ASCII keys of `size` bytes, each in its own Buffer as a serializer returns. */
export function makeKeys(size: number, seed = size): Buffer[] {
  const next = seededRandom(0x6b657973 ^ seed);
  const keys: Buffer[] = [];
  for (let k = 0; k < KEY_COUNT; k++) {
    let s = '';
    for (let i = 0; i < size; i++) s += ALPHABET[next() & 63];
    keys.push(Buffer.from(s, 'latin1'));
  }
  return keys;
}

function hashAllOurs(keys: readonly Buffer[]): number {
  let h = 0;
  for (let i = 0; i < keys.length; i++) h ^= murmur2(keys[i]);
  return (sink.value ^= h);
}

function hashAllBaseline(keys: readonly Buffer[]): number {
  let h = 0;
  for (let i = 0; i < keys.length; i++) h ^= murmurhashJs.murmur2(keys[i].toString('latin1'), SEED);
  return (sink.value ^= h);
}

/** One case per key size: hashes per second, ours and the baseline's. */
export async function run(options: BenchOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const size of KEY_SIZES) {
    const keys = makeKeys(size);
    const cmp = await compare(() => hashAllOurs(keys), () => hashAllBaseline(keys), keys.length, options);
    const info = {
      bench: 'murmur2',
      name: `${size} B key`,
      unit: 'ops/s' as const,
      baselineName: 'murmurhash-js murmur2 + toString(latin1)',
      target: TARGET_RATIO,
    };
    results.push(caseResult(info, cmp));
  }
  return results;
}
