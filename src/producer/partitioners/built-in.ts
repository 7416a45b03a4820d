/**
 * BuiltInPartitioner: the Java client's partitioner for records with no key and no partition
 * (KIP-794 uniform sticky, with adaptive partitioning), one instance per topic, owned by the
 * accumulator. It is not a Partitioner: the accumulator drives it, in this order, for each
 * keyless record (accumulator only):
 *
 * 1. `peekCurrentPartitionInfo(cluster)` names the sticky partition (choosing one on first use);
 * 2. `isPartitionChanged(info)` just before appending, in case the choice moved meanwhile;
 * 3. append the record to that partition's open batch;
 * 4. `updatePartitionInfo(info, appendedBytes, cluster, enableSwitch)`, where appendedBytes is
 *    the growth of the batch's estimated size (a new batch's first record counts the batch
 *    header) and enableSwitch is "every batch in the partition's queue is full" (Java's
 *    allBatchesFull). Before step 3 the accumulator may also call it with 0 bytes and
 *    enableSwitch = true to complete a switch that an incomplete batch held back.
 *
 * The sticky partition changes once producedBytes >= stickyBatchSize (batch.size) if
 * enableSwitch, and always at >= 2 * stickyBatchSize, so switches fall on batch boundaries.
 *
 * The next partition is random: with no load stats, available[r % available.length] (or
 * r % partitionCount when no partition has a leader), r = toPositive(random()); the same partition
 * may come up again. With load stats (the sender's ready pass calls `updatePartitionLoadStats`
 * with each available partition's queue length), partition i gets weight max(q) + 1 - q_i: r is
 * reduced modulo the total weight and looked up in the cumulative table.
 */
import { toPositive } from './murmur2';
import type { PartitionerCluster, RandomInt } from './partitioner';
import { mathRandomInt, requirePartitionCount } from './partitioner';

/** The current sticky partition and the bytes produced to it since it was chosen. */
export interface StickyPartitionInfo {
  readonly index: number;
  producedBytes: number;
}

/**
 * Java's PartitionLoadStats: the cumulative frequency table over the first `length` entries and
 * the partition id of each entry. Strictly ascending, as every weight is at least 1.
 */
export interface PartitionLoadStats {
  readonly cumulativeFrequencyTable: number[];
  readonly partitionIds: number[];
  readonly length: number;
}

/** Java's org.apache.kafka.clients.producer.internals.BuiltInPartitioner, for one topic. */
export class BuiltInPartitioner {
  private loadStats: PartitionLoadStats | null = null;
  private current: StickyPartitionInfo | null = null;

  /**
   * @param stickyBatchSize bytes to produce to a partition before switching (batch.size); >= 1
   * @param random source of random int32s; only the low 31 bits are used, as Java's toPositive
   */
  constructor(
    readonly topic: string,
    readonly stickyBatchSize: number,
    private readonly random: RandomInt = mathRandomInt,
  ) {
    if (!Number.isInteger(stickyBatchSize) || stickyBatchSize < 1) {
      throw new RangeError(`stickyBatchSize must be an integer >= 1, got ${stickyBatchSize}`);
    }
  }

  /** The current sticky partition, choosing one if there is none yet. */
  peekCurrentPartitionInfo(cluster: PartitionerCluster): StickyPartitionInfo {
    if (this.current === null) this.current = { index: this.nextPartition(cluster), producedBytes: 0 };
    return this.current;
  }

  /** True if `info` is no longer the current sticky partition (false for null: not sticky). */
  isPartitionChanged(info: StickyPartitionInfo | null): boolean {
    return info !== null && this.current !== info;
  }

  /**
   * Counts `appendedBytes` against `info` and switches to a new partition once enough has been
   * produced (see the file header). Null info (a record that was not sticky) is ignored.
   */
  updatePartitionInfo(
    info: StickyPartitionInfo | null,
    appendedBytes: number,
    cluster: PartitionerCluster,
    enableSwitch = true,
  ): void {
    if (info === null) return;
    const producedBytes = (info.producedBytes += appendedBytes);
    if ((producedBytes >= this.stickyBatchSize && enableSwitch) || producedBytes >= this.stickyBatchSize * 2) {
      this.current = { index: this.nextPartition(cluster), producedBytes: 0 };
    }
  }

  /**
   * Replaces the load stats from the queue length of each available partition (sender's ready
   * pass only). Like Java, it builds the cumulative table *in place* in `queueSizes`, which
   * becomes the partitioner's: pass fresh arrays each time. `queueSizes.length` is the number of
   * partitions seen; `length` (<= it) counts the entries in use, fewer when partitions were left
   * out (no leader, or a slow leader under partitioner.availability.timeout.ms). Null, fewer than
   * 2 partitions, no entries in use, or equal queues with none left out: uniform choice.
   */
  updatePartitionLoadStats(queueSizes: number[] | null, partitionIds: number[] | null, length: number): void {
    if (queueSizes === null || partitionIds === null) {
      this.loadStats = null;
      return;
    }
    if (length < 1 || queueSizes.length < 2) {
      this.loadStats = null;
      return;
    }
    let maxSizePlus1 = queueSizes[0];
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      if (queueSizes[i] !== maxSizePlus1) allEqual = false;
      if (queueSizes[i] > maxSizePlus1) maxSizePlus1 = queueSizes[i];
    }
    ++maxSizePlus1;
    if (allEqual && length === queueSizes.length) {
      this.loadStats = null;
      return;
    }
    // Weight w_i = max + 1 - q_i (>= 1), then running sums: queues 0 3 1 -> weights 4 1 3 -> 4 5 8.
    queueSizes[0] = maxSizePlus1 - queueSizes[0];
    for (let i = 1; i < length; i++) queueSizes[i] = maxSizePlus1 - queueSizes[i] + queueSizes[i - 1];
    this.loadStats = { cumulativeFrequencyTable: queueSizes, partitionIds, length };
  }

  /** The cumulative frequency table in use (a copy), or null when the choice is uniform. Tests only. */
  loadStatsRangeForTest(): number[] | null {
    const stats = this.loadStats;
    return stats === null ? null : stats.cumulativeFrequencyTable.slice(0, stats.length);
  }

  /** Java's nextPartition: a random partition, weighted by the load stats if there are any. */
  private nextPartition(cluster: PartitionerCluster): number {
    const r = toPositive(this.random());
    const stats = this.loadStats;
    if (stats === null) {
      const available = cluster.availablePartitionsFor(this.topic);
      if (available.length > 0) return available[r % available.length];
      return r % requirePartitionCount(cluster, this.topic);
    }
    // Partitions without a leader are not in the stats. Pick x in [0, total) and take the
    // first entry strictly greater than x: Java's binarySearch, where an exact hit at i
    // means i + 1, gives the same index.
    const cft = stats.cumulativeFrequencyTable;
    const x = r % cft[stats.length - 1];
    let lo = 0;
    let hi = stats.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cft[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return stats.partitionIds[lo];
  }
}
