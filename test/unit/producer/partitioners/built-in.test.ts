/**
 * BuiltInPartitioner against the scenarios of Java's BuiltInPartitionerTest and the
 * built-in-partitioner tests of RecordAccumulatorTest (4.x), with the same sequential random
 * source those tests mock in (0, 1, 2, ...) or a seeded one where Java uses real randomness.
 */
import { BuiltInPartitioner, type PartitionerCluster } from '../../../../src/producer/partitioners';
import { clusterOf, clusterOfTopics, seededRandom, sequentialRandom } from './support';

/** One keyless record of `bytes` appended where the partitioner says; returns the partition. */
function appendOne(bip: BuiltInPartitioner, cluster: PartitionerCluster, bytes = 1, enableSwitch = true): number {
  const info = bip.peekCurrentPartitionInfo(cluster);
  bip.updatePartitionInfo(info, bytes, cluster, enableSwitch);
  return info.index;
}

describe('BuiltInPartitioner (BuiltInPartitionerTest)', () => {
  test('stays on a partition until the sticky batch size is produced (testStickyPartitioning)', () => {
    const cluster = clusterOfTopics({ topicA: { count: 3 }, topicB: { count: 1 } });
    const a = new BuiltInPartitioner('topicA', 3, sequentialRandom());
    const partA = appendOne(a, cluster);
    expect(appendOne(a, cluster)).toBe(partA);
    expect(appendOne(a, cluster)).toBe(partA);
    expect(a.peekCurrentPartitionInfo(cluster).index).not.toBe(partA);

    const b = new BuiltInPartitioner('topicB', 1, sequentialRandom());
    for (let c = 0; c < 10; c++) expect(appendOne(b, cluster)).toBe(0);
  });

  test('picks only partitions with a leader, or any when none has one (unavailablePartitionsTest)', () => {
    const cluster = clusterOfTopics({
      topicA: { count: 3, available: [0, 2] },
      topicB: { count: 2, available: [1] },
      topicC: { count: 1, available: [] },
    });
    const a = new BuiltInPartitioner('topicA', 1, seededRandom(1));
    const seenA = new Set<number>();
    for (let i = 0; i < 101; i++) seenA.add(appendOne(a, cluster));
    expect([...seenA].sort()).toEqual([0, 2]);

    const b = new BuiltInPartitioner('topicB', 1, seededRandom(2));
    for (let i = 0; i < 101; i++) expect(appendOne(b, cluster)).toBe(1);

    const c = new BuiltInPartitioner('topicC', 1, seededRandom(3));
    expect(appendOne(c, cluster)).toBe(0);
    expect(c.peekCurrentPartitionInfo(cluster).index).toBe(0);
  });

  test('picks partitions in proportion to max+1 minus queue length (adaptivePartitionsTest)', () => {
    const bip = new BuiltInPartitioner('topicA', 1, sequentialRandom());
    const queueSizes = [5, 0, 3, 0, 1];
    bip.updatePartitionLoadStats(queueSizes, [0, 1, 2, 3, 4], 5);
    // Weights 6 - q: 1 6 3 6 5; their running sums are the table.
    expect(bip.loadStatsRangeForTest()).toEqual([1, 7, 10, 16, 21]);
    const cycles = 2;
    const frequencies = [0, 0, 0, 0, 0];
    for (let i = 0; i < 21 * cycles; i++) frequencies[appendOne(bip, clusterOf(5))]++;
    expect(frequencies).toEqual([1, 6, 3, 6, 5].map((w) => w * cycles));
  });

  test('refuses a sticky batch size below 1 (testStickyBatchSizeMoreThatZero)', () => {
    expect(() => new BuiltInPartitioner('topicA', 0)).toThrow(RangeError);
    expect(() => new BuiltInPartitioner('topicA', 1)).not.toThrow();
  });
});

describe('BuiltInPartitioner (RecordAccumulatorTest)', () => {
  test('switches on batch boundaries (testUniformBuiltInPartitioner, as the accumulator drives it)', () => {
    // batch.size 1024, three partitions; a "large" record fills a batch of its own. Each step
    // follows RecordAccumulator.append: the new batch's growth is counted with switching off
    // (the batch is not full yet); on the next record the open batch is closed for lack of
    // room, and the 0-byte update with switching on completes the deferred switch.
    const random = sequentialRandom();
    const cluster = clusterOf(3);
    const bip = new BuiltInPartitioner('topic', 1024, random);
    const appendRecord = (newBatchBytes: number): number => {
      for (;;) {
        const info = bip.peekCurrentPartitionInfo(cluster);
        // The partition's last batch is closed (or there is none): all batches are full.
        bip.updatePartitionInfo(info, 0, cluster, true);
        if (bip.isPartitionChanged(info)) continue;
        bip.updatePartitionInfo(info, newBatchBytes, cluster, false);
        return info.index;
      }
    };
    expect([appendRecord(100), random.calls()]).toEqual([0, 1]);
    expect([appendRecord(1100), random.calls()]).toEqual([0, 1]);
    expect([appendRecord(1100), random.calls()]).toEqual([1, 2]);
    expect([appendRecord(1100), random.calls()]).toEqual([2, 3]);
    expect([appendRecord(1100), random.calls()]).toEqual([0, 4]);
  });

  test('avoids partitions left out of the stats (testAdaptiveBuiltInPartitioner)', () => {
    const bip = new BuiltInPartitioner('topic', 1, sequentialRandom());
    bip.updatePartitionLoadStats([1, 7, 2], [0, 1, 2], 3);
    expect(bip.loadStatsRangeForTest()).toEqual([7, 8, 14]);
    appendOne(bip, clusterOf(3)); // prime: the first pick is made before any switch
    const frequencies = [0, 0, 0];
    for (let i = 0; i < 14 * 2; i++) frequencies[appendOne(bip, clusterOf(3))]++;
    expect(frequencies).toEqual([7, 1, 6].map((w) => w * 2));

    // Partitions 0 and 1 sit on a slow node: the ready pass leaves them out, so only
    // partition 2's entry is in use, and every pick is partition 2.
    bip.updatePartitionLoadStats([2, 0, 0], [2, 0, 0], 1);
    expect(bip.loadStatsRangeForTest()).toEqual([1]);
    appendOne(bip, clusterOf(3));
    for (let c = 0; c < 10; c++) expect(appendOne(bip, clusterOf(3))).toBe(2);
  });
});

describe('BuiltInPartitioner switching rule', () => {
  test('with switching off, holds until twice the sticky batch size', () => {
    const bip = new BuiltInPartitioner('t', 100, sequentialRandom());
    const cluster = clusterOf(4);
    const info = bip.peekCurrentPartitionInfo(cluster);
    bip.updatePartitionInfo(info, 150, cluster, false);
    expect(bip.isPartitionChanged(info)).toBe(false);
    expect(info.producedBytes).toBe(150);
    bip.updatePartitionInfo(info, 49, cluster, false);
    expect(bip.isPartitionChanged(info)).toBe(false);
    bip.updatePartitionInfo(info, 1, cluster, false);
    expect(bip.isPartitionChanged(info)).toBe(true);
    const next = bip.peekCurrentPartitionInfo(cluster);
    expect(next).toEqual({ index: 1, producedBytes: 0 });
  });

  test('a 0-byte update with switching on completes a deferred switch', () => {
    const bip = new BuiltInPartitioner('t', 100, sequentialRandom());
    const cluster = clusterOf(4);
    const info = bip.peekCurrentPartitionInfo(cluster);
    bip.updatePartitionInfo(info, 120, cluster, false);
    expect(bip.isPartitionChanged(info)).toBe(false);
    bip.updatePartitionInfo(info, 0, cluster, true);
    expect(bip.isPartitionChanged(info)).toBe(true);
  });

  test('switches at exactly the sticky batch size; may pick the same partition again', () => {
    const bip = new BuiltInPartitioner('t', 10, sequentialRandom());
    const cluster = clusterOf(1);
    const info = bip.peekCurrentPartitionInfo(cluster);
    bip.updatePartitionInfo(info, 9, cluster);
    expect(bip.isPartitionChanged(info)).toBe(false);
    bip.updatePartitionInfo(info, 1, cluster);
    expect(bip.isPartitionChanged(info)).toBe(true);
    expect(bip.peekCurrentPartitionInfo(cluster).index).toBe(0);
  });

  test('ignores null info (records that were not sticky)', () => {
    const bip = new BuiltInPartitioner('t', 1, sequentialRandom());
    expect(bip.isPartitionChanged(null)).toBe(false);
    expect(() => bip.updatePartitionInfo(null, 1000, clusterOf(2))).not.toThrow();
  });

  test('uses the low 31 bits of the random draw, as toPositive', () => {
    const bip = new BuiltInPartitioner('t', 1, () => -1);
    expect(bip.peekCurrentPartitionInfo(clusterOf(10)).index).toBe(0x7fffffff % 10);
  });
});

describe('BuiltInPartitioner load stats', () => {
  test('an exact hit on a table value picks the next entry', () => {
    // Queues 0 3 1 -> weights 4 1 3 -> table 4 5 8 (Java's own example).
    const pick = (r: number) => {
      const bip = new BuiltInPartitioner('t', 1, () => r);
      bip.updatePartitionLoadStats([0, 3, 1], [10, 11, 12], 3);
      expect(bip.loadStatsRangeForTest()).toEqual([4, 5, 8]);
      return bip.peekCurrentPartitionInfo(clusterOf(13)).index;
    };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 12].map(pick)).toEqual([10, 10, 10, 10, 11, 12, 12, 12, 10, 11]);
  });

  test('builds the table in place in queueSizes, as Java does', () => {
    const bip = new BuiltInPartitioner('t', 1);
    const queueSizes = [0, 3, 1];
    bip.updatePartitionLoadStats(queueSizes, [0, 1, 2], 3);
    expect(queueSizes).toEqual([4, 5, 8]);
  });

  test.each<[string, number[] | null, number[] | null, number]>([
    ['no stats', null, null, 0],
    ['no partition in use', [1, 2], [0, 1], 0],
    ['fewer than 2 partitions', [3], [0], 1],
    ['equal queues, none left out', [2, 2, 2], [0, 1, 2], 3],
  ])('falls back to the uniform choice with %s', (_name, queueSizes, partitionIds, length) => {
    const bip = new BuiltInPartitioner('t', 1, sequentialRandom(3));
    bip.updatePartitionLoadStats([5, 0], [0, 1], 2);
    expect(bip.loadStatsRangeForTest()).not.toBeNull();
    bip.updatePartitionLoadStats(queueSizes, partitionIds, length);
    expect(bip.loadStatsRangeForTest()).toBeNull();
    // Uniform over the available partitions: draw 3 over [1, 4] gives 4.
    expect(bip.peekCurrentPartitionInfo(clusterOf(5, [1, 4])).index).toBe(4);
  });

  test('equal queues still use the stats when some partitions were left out', () => {
    const bip = new BuiltInPartitioner('t', 1, sequentialRandom());
    bip.updatePartitionLoadStats([2, 2, 0], [1, 3, 0], 2);
    expect(bip.loadStatsRangeForTest()).toEqual([1, 2]);
    const picks = Array.from({ length: 4 }, () => appendOne(bip, clusterOf(4)));
    expect(picks).toEqual([1, 3, 1, 3]);
  });

  test('the uniform choice uses all partitions when none has a leader', () => {
    const bip = new BuiltInPartitioner('t', 1, sequentialRandom(7));
    expect(bip.peekCurrentPartitionInfo(clusterOf(5, [])).index).toBe(2);
  });
});
