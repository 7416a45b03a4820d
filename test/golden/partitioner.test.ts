/**
 * murmur2 and the keyed partition choice against vectors from the Java client
 * (Utils.murmur2 and BuiltInPartitioner.partitionForKey) for 10,000 seeded random keys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { murmur2, partitionForKey } from '../../src/producer/partitioners/murmur2';
import { GOLDEN_DIR } from './golden-support';

const lines = fs.readFileSync(path.join(GOLDEN_DIR, 'partitioner', 'murmur2.tsv'), 'utf8').trim().split('\n');
const header = lines[0].split('\t');
const counts = header.slice(2).map((h) => Number(h.slice(1)));
const rows = lines.slice(1).map((l) => l.split('\t'));

test('at least 10,000 keys', () => {
  expect(rows.length).toBeGreaterThanOrEqual(10_000);
});

test('murmur2 and partitionForKey match Java for every key and partition count', () => {
  let mismatches = 0;
  for (const row of rows) {
    const key = Buffer.from(row[0], 'hex');
    if (murmur2(key) !== Number(row[1])) mismatches++;
    counts.forEach((n, i) => {
      if (partitionForKey(key, n) !== Number(row[2 + i])) mismatches++;
    });
  }
  expect(mismatches).toBe(0);
});
