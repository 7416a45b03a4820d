/**
 * RoundRobinPartitioner against the scenarios of Java's RoundRobinPartitionerTest (4.x), plus
 * the exact sequence Java's code gives: a per-topic counter from 0, one step per record.
 */
import { RoundRobinPartitioner } from '../../../../src/producer/partitioners';
import { clusterOf, clusterOfTopics } from './support';

describe('RoundRobinPartitioner', () => {
  test('never picks a partition without a leader, and shares the rest evenly (testRoundRobinWithUnavailablePartitions)', () => {
    const p = new RoundRobinPartitioner();
    const cluster = clusterOf(3, [0, 2]);
    const counts = new Map<number, number>();
    for (let i = 1; i <= 100; i++) {
      const part = p.partition('test', null, null, null, null, cluster);
      counts.set(part, (counts.get(part) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([0, 2]);
    expect(counts.get(0)).toBe(counts.get(2));
  });

  test.each([
    ['with key bytes (testRoundRobinWithKeyBytes)', Buffer.from('key')],
    ['with null key bytes (testRoundRobinWithNullKeyBytes)', null],
  ])('keeps a counter per topic %s', (_name, keyBytes) => {
    const p = new RoundRobinPartitioner();
    const cluster = clusterOfTopics({ topicA: { count: 3 }, topicB: { count: 1 } });
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) {
      counts[p.partition('topicA', null, keyBytes, null, null, cluster)]++;
      if (i % 5 === 0) p.partition('topicB', null, keyBytes, null, null, cluster);
    }
    expect(counts).toEqual([10, 10, 10]);
  });

  test('starts at the first led partition and steps once per record', () => {
    const p = new RoundRobinPartitioner();
    const cluster = clusterOf(6, [1, 2, 4]);
    expect(Array.from({ length: 7 }, () => p.partition('t', null, null, null, null, cluster))).toEqual([
      1, 2, 4, 1, 2, 4, 1,
    ]);
  });

  test('uses every partition when none has a leader', () => {
    const p = new RoundRobinPartitioner();
    const cluster = clusterOf(3, []);
    expect(Array.from({ length: 4 }, () => p.partition('t', null, null, null, null, cluster))).toEqual([0, 1, 2, 0]);
  });

  test('follows the led set as it changes, without resetting the counter', () => {
    const p = new RoundRobinPartitioner();
    expect(p.partition('t', null, null, null, null, clusterOf(4))).toBe(0); // counter 0
    expect(p.partition('t', null, null, null, null, clusterOf(4))).toBe(1); // counter 1
    expect(p.partition('t', null, null, null, null, clusterOf(4, [0, 3]))).toBe(0); // 2 % 2
    expect(p.partition('t', null, null, null, null, clusterOf(4, [0, 3]))).toBe(3); // 3 % 2
  });
});
