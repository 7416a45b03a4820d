/**
 * The partitioner contract, shaped like the Java client's Partitioner interface, and the view of
 * the cluster a partitioner is given. A partitioner is called once per record that has no
 * explicit partition; it must return a partition in [0, partitionCountFor(topic)).
 * Records with a null key arrive with keyBytes === null; an empty key arrives as a zero-length
 * array, which is a key (Java hashes it), not the absence of one.
 */

/** What a partitioner may know of the cluster. */
export interface PartitionerCluster {
  /** Number of partitions of the topic, with or without a known leader. */
  partitionCountFor(topic: string): number;
  /** Partitions whose leader is known, ascending. */
  availablePartitionsFor(topic: string): readonly number[];
}

/** A custom partitioner, as Java's Partitioner: return a partition in [0, count). */
export interface Partitioner {
  partition(
    topic: string,
    key: unknown,
    keyBytes: Uint8Array | null,
    value: unknown,
    valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number;
  close?(): void;
}

/**
 * A source of random 32-bit integers (any sign). Partitioners use only what they need of it
 * (usually the low 31 bits, as Java's Utils.toPositive keeps). Tests pass a seeded or sequential
 * source to make choices repeatable.
 */
export type RandomInt = () => number;

/** The default RandomInt: Math.random scaled to a uint32. Not for cryptography. */
export const mathRandomInt: RandomInt = () => Math.floor(Math.random() * 0x100000000);

/** True if `partition` is in `available` (ascending, as PartitionerCluster promises). */
export function isAvailable(available: readonly number[], partition: number): boolean {
  let lo = 0;
  let hi = available.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = available[mid];
    if (p === partition) return true;
    if (p < partition) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The topic's partition count, refusing zero (a modulo by it would give NaN, not an error). */
export function requirePartitionCount(cluster: PartitionerCluster, topic: string): number {
  const count = cluster.partitionCountFor(topic);
  if (!(count > 0)) throw new RangeError(`topic ${topic} has no partitions (count ${count})`);
  return count;
}
