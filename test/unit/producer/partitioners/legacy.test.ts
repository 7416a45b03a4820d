/**
 * KafkaJS's partitioners against KafkaJS 2.2.4 itself. kafkajs.tsv: both of its murmur2 functions
 * and the partition its LegacyPartitioner and DefaultPartitioner chose, all partitions led, for
 * the empty key, six ASCII keys, 2,000 seeded random Buffer keys and 500 random string keys
 * (given to KafkaJS as strings; key_hex is their UTF-8). kafkajs-null-keys.tsv: 25-record
 * sequences (every fifth keyed) on a fresh partitioner, from a stated counter start value, with
 * some or no partitions led.
 */
import {
  LegacyPartitioner,
  legacyMurmur2,
  murmur2,
  partitionForKey,
} from '../../../../src/producer/partitioners';
import { clusterOf, clusterOfTopics, readTsv, sequentialRandom } from './support';

describe('kafkajs.tsv (keyed records)', () => {
  const { header, rows } = readTsv('kafkajs/kafkajs.tsv');
  const legacyCols = header.flatMap((h, i) => (h.startsWith('legacy/') ? [{ i, n: Number(h.slice(7)) }] : []));
  const defaultCols = header.flatMap((h, i) => (h.startsWith('default/') ? [{ i, n: Number(h.slice(8)) }] : []));

  test('has Buffer and string keys at 7 partition counts', () => {
    expect(rows.filter((r) => r[0] === 'buffer').length).toBeGreaterThanOrEqual(2_000);
    expect(rows.filter((r) => r[0] === 'string').length).toBeGreaterThanOrEqual(500);
    expect(legacyCols).toHaveLength(7);
    expect(defaultCols).toHaveLength(7);
  });

  test('legacyMurmur2 and LegacyPartitioner match KafkaJS for every key and count', () => {
    let mismatches = 0;
    const partitioner = new LegacyPartitioner(() => 0);
    for (const row of rows) {
      const key = Buffer.from(row[1], 'hex');
      if (legacyMurmur2(key) !== Number(row[2])) mismatches++;
      for (const { i, n } of legacyCols) {
        if (partitioner.partition('t', row[1], key, null, null, clusterOf(n)) !== Number(row[i])) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  test("KafkaJS's DefaultPartitioner agrees with Java's murmur2 (cross-check)", () => {
    let mismatches = 0;
    for (const row of rows) {
      const key = Buffer.from(row[1], 'hex');
      if (murmur2(key) !== Number(row[3])) mismatches++;
      for (const { i, n } of defaultCols) if (partitionForKey(key, n) !== Number(row[i])) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  test('the legacy hash differs from Java even for the empty key', () => {
    expect(legacyMurmur2(new Uint8Array(0))).toBe(275646684);
    expect(murmur2(new Uint8Array(0))).toBe(275646681);
  });
});

describe('kafkajs-null-keys.tsv (keyless records)', () => {
  const { rows } = readTsv('kafkajs/kafkajs-null-keys.tsv');

  test('has scenarios for both KafkaJS partitioners', () => {
    expect(rows.filter((r) => r[0] === 'legacy').length).toBeGreaterThanOrEqual(50);
    expect(rows.filter((r) => r[0] === 'default').length).toBeGreaterThanOrEqual(50);
  });

  test('LegacyPartitioner replays every sequence exactly', () => {
    const mismatches: string[] = [];
    for (const [name, start, count, available, calls, picks] of rows) {
      const cluster = clusterOf(Number(count), available === '-' ? [] : available.split(',').map(Number));
      const partitioner = new LegacyPartitioner(() => Number(start));
      const expected = picks.split(',').map(Number);
      calls.split(',').forEach((call, i) => {
        const keyBytes = call === 'null' ? null : Buffer.from(call, 'hex');
        // KafkaJS's DefaultPartitioner shares the keyless logic but hashes keys as Java does.
        const actual =
          name === 'default' && keyBytes !== null
            ? partitionForKey(keyBytes, Number(count))
            : partitioner.partition('t', null, keyBytes, null, null, cluster);
        if (actual !== expected[i]) mismatches.push(`${name} start=${start} n=${count} call ${i}`);
      });
    }
    expect(mismatches).toEqual([]);
  });
});

describe('LegacyPartitioner', () => {
  test('steps the counter before use, per topic, and not for keyed records', () => {
    const p = new LegacyPartitioner(sequentialRandom(10));
    const cluster = clusterOfTopics({ a: { count: 4 }, b: { count: 4 } });
    // Topic a starts at 10, topic b at 11 (seeded on first sight, keyed or not).
    expect(p.partition('a', null, null, null, null, cluster)).toBe(11 % 4);
    expect(p.partition('b', 'k', Buffer.from('k'), null, null, cluster)).toBe(
      (legacyMurmur2(Buffer.from('k')) & 0x7fffffff) % 4,
    );
    expect(p.partition('a', null, null, null, null, cluster)).toBe(12 % 4);
    expect(p.partition('b', null, null, null, null, cluster)).toBe(12 % 4);
  });

  test('keyless records use only led partitions, or any when none is led', () => {
    const p = new LegacyPartitioner(() => 0);
    const someLed = clusterOf(5, [1, 3]);
    expect([0, 1, 2, 3].map(() => p.partition('t', null, null, null, null, someLed))).toEqual([3, 1, 3, 1]);
    const noneLed = new LegacyPartitioner(() => 0);
    expect([0, 1, 2].map(() => noneLed.partition('t', null, null, null, null, clusterOf(5, [])))).toEqual([1, 2, 3]);
  });

  test('keyed records use all partitions, led or not', () => {
    const key = Buffer.from('kafka');
    const p = new LegacyPartitioner();
    expect(p.partition('t', null, key, null, null, clusterOf(100, [0]))).toBe(
      (legacyMurmur2(key) & 0x7fffffff) % 100,
    );
  });
});
