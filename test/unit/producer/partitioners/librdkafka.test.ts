/**
 * librdkafka's partitioners against librdkafka itself: librdkafka.tsv holds what
 * rd_kafka_msg_partitioner_{consistent_random,murmur2_random,consistent,murmur2} returned for
 * the null key, the empty key, six ASCII keys and 2,000 seeded random keys of 0..40 bytes, at
 * 7 partition counts ("*": librdkafka answered at random).
 */
import {
  ConsistentPartitioner,
  ConsistentRandomPartitioner,
  Murmur2Partitioner,
  Murmur2RandomPartitioner,
  crc32,
  type Partitioner,
  type RandomInt,
} from '../../../../src/producer/partitioners';
import { clusterOf, noRandom, readTsv, seededRandom, sequentialRandom } from './support';
// An independent CRC-32, used here only as a test oracle.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const CRC32 = require('crc-32');

const MAKERS: Record<string, (random: RandomInt) => Partitioner> = {
  consistent_random: (random) => new ConsistentRandomPartitioner(random),
  murmur2_random: (random) => new Murmur2RandomPartitioner(random),
  consistent: () => new ConsistentPartitioner(),
  murmur2: () => new Murmur2Partitioner(),
};

const { header, rows } = readTsv('librdkafka/librdkafka.tsv');
const columns = header.slice(1).map((h) => {
  const [name, count] = h.split('/');
  return { name, count: Number(count) };
});
const keyOf = (cell: string): Uint8Array | null => (cell === 'null' ? null : Buffer.from(cell, 'hex'));

describe('crc32', () => {
  test('check value of "123456789" is 0xCBF43926 (zlib CRC-32, not CRC-32C)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  test('empty input is 0', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  test('agrees with an independent implementation at every length up to 300', () => {
    const random = seededRandom(7);
    const buf = Buffer.alloc(300);
    for (let i = 0; i < buf.length; i++) buf[i] = random() & 0xff;
    for (let len = 0; len <= buf.length; len++) {
      expect(crc32(buf, 0, len)).toBe(CRC32.buf(buf.subarray(0, len)) >>> 0);
    }
  });

  test('can continue from a previous value', () => {
    const b = Buffer.from('hello, kafka');
    expect(crc32(b, 5, b.length, crc32(b, 0, 5))).toBe(crc32(b));
  });
});

describe('librdkafka.tsv', () => {
  test('has the null key, the empty key and 2,000 random keys at 7 partition counts', () => {
    expect(rows.length).toBeGreaterThanOrEqual(2_008);
    expect(rows[0][0]).toBe('null');
    expect(rows[1][0]).toBe('');
    expect(columns).toHaveLength(4 * 7);
  });

  test('every deterministic choice matches librdkafka', () => {
    let checked = 0;
    const mismatches: string[] = [];
    for (const row of rows) {
      const keyBytes = keyOf(row[0]);
      columns.forEach(({ name, count }, i) => {
        const expected = row[1 + i];
        if (expected === '*') return;
        // A deterministic cell with a random branch is count 1, where any draw gives 0.
        const partitioner = MAKERS[name](seededRandom(checked));
        const actual = partitioner.partition('t', null, keyBytes, null, null, clusterOf(count));
        checked++;
        if (actual !== Number(expected)) mismatches.push(`${name}/${count} key=${row[0]}: ${actual} != ${expected}`);
      });
    }
    expect(checked).toBeGreaterThan(50_000);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(mismatches).toHaveLength(0);
  });

  test('where librdkafka answers at random, so do we, and only there', () => {
    const mismatches: string[] = [];
    for (const row of rows) {
      const keyBytes = keyOf(row[0]);
      columns.forEach(({ name, count }, i) => {
        const isRandom = row[1 + i] === '*';
        const cluster = clusterOf(count);
        if (isRandom) {
          // Sequential draws 0, 1, 2, ... must walk every partition.
          const partitioner = MAKERS[name](sequentialRandom());
          const seen = new Set<number>();
          for (let c = 0; c < count; c++) seen.add(partitioner.partition('t', null, keyBytes, null, null, cluster));
          if (seen.size !== count) mismatches.push(`${name}/${count} key=${row[0]}: not random`);
        } else if (count > 1) {
          try {
            MAKERS[name](noRandom).partition('t', null, keyBytes, null, null, cluster);
          } catch {
            mismatches.push(`${name}/${count} key=${row[0]}: drew a random number`);
          }
        }
      });
    }
    expect(mismatches).toEqual([]);
  });
});

describe('null and empty keys', () => {
  const cluster = clusterOf(6);
  const empty = new Uint8Array(0);

  test('consistent_random: both null and empty keys are random', () => {
    const p = new ConsistentRandomPartitioner(sequentialRandom(4));
    expect(p.partition('t', null, null, null, null, cluster)).toBe(4);
    expect(p.partition('t', '', empty, null, null, cluster)).toBe(5);
  });

  test('murmur2_random: a null key is random, an empty key is hashed as Java hashes it', () => {
    const p = new Murmur2RandomPartitioner(sequentialRandom(4));
    expect(p.partition('t', null, null, null, null, cluster)).toBe(4);
    expect(p.partition('t', '', empty, null, null, cluster)).toBe(275646681 % 6);
  });

  test('consistent: null and empty keys both go to partition 0', () => {
    const p = new ConsistentPartitioner();
    expect(p.partition('t', null, null, null, null, cluster)).toBe(0);
    expect(p.partition('t', '', empty, null, null, cluster)).toBe(0);
  });

  test('murmur2: a null key hashes as the empty key', () => {
    const p = new Murmur2Partitioner();
    expect(p.partition('t', null, null, null, null, cluster)).toBe(275646681 % 6);
    expect(p.partition('t', '', empty, null, null, cluster)).toBe(275646681 % 6);
  });
});

describe('the random choice (rd_kafka_msg_partitioner_random)', () => {
  test('keeps a first draw that has a leader', () => {
    const random = sequentialRandom(2);
    const p = new ConsistentRandomPartitioner(random);
    expect(p.partition('t', null, null, null, null, clusterOf(4, [2]))).toBe(2);
    expect(random.calls()).toBe(1);
  });

  test('draws once more over all partitions when the first has no leader, and keeps the second', () => {
    const random = sequentialRandom(0);
    const p = new Murmur2RandomPartitioner(random);
    // 0 has no leader; the second draw, 1, is kept although it has none either.
    expect(p.partition('t', null, null, null, null, clusterOf(4, [2]))).toBe(1);
    expect(random.calls()).toBe(2);
  });

  test('uses the low 31 bits of the draw', () => {
    const p = new ConsistentRandomPartitioner(() => -1);
    expect(p.partition('t', null, null, null, null, clusterOf(10))).toBe(0x7fffffff % 10);
  });

  test('refuses a topic with no partitions', () => {
    expect(() => new ConsistentRandomPartitioner().partition('t', null, null, null, null, clusterOf(0))).toThrow(
      RangeError,
    );
  });
});
