/**
 * Partitioners: Java's keyed murmur2 and built-in sticky choice (used by the accumulator when no
 * partitioner is configured), Java's round-robin, librdkafka's hashes and KafkaJS's legacy one.
 * `partitionerFor` turns the `partitioner` option into an instance; each call makes a new one, as
 * the stateful ones (round-robin, legacy) keep counters per producer.
 */
import { LegacyPartitioner } from './legacy';
import {
  ConsistentPartitioner,
  ConsistentRandomPartitioner,
  Murmur2Partitioner,
  Murmur2RandomPartitioner,
} from './librdkafka';
import type { Partitioner } from './partitioner';
import { RoundRobinPartitioner } from './round-robin';

export { murmur2, partitionForKey, toPositive } from './murmur2';
export type { Partitioner, PartitionerCluster, RandomInt } from './partitioner';
export { mathRandomInt } from './partitioner';
export { RoundRobinPartitioner } from './round-robin';
export {
  ConsistentPartitioner,
  ConsistentRandomPartitioner,
  Murmur2Partitioner,
  Murmur2RandomPartitioner,
  consistentPartitionForKey,
  crc32,
} from './librdkafka';
export { LegacyPartitioner, legacyMurmur2 } from './legacy';
export { BuiltInPartitioner } from './built-in';
export type { PartitionLoadStats, StickyPartitionInfo } from './built-in';

/**
 * Names the `partitioner` option accepts. 'default' is Java's: murmur2 for keys, built-in sticky
 * for null keys. 'consistent_random', 'consistent', 'murmur2_random' and 'murmur2' are
 * librdkafka's; 'legacy' is KafkaJS's LegacyPartitioner.
 */
export type PartitionerName =
  | 'default'
  | 'round-robin'
  | 'consistent_random'
  | 'consistent'
  | 'murmur2_random'
  | 'murmur2'
  | 'legacy';

/**
 * The partitioner for a name, or the given instance itself. Null for 'default': the accumulator
 * then uses keyed murmur2 and the built-in sticky partitioner, which need its batch state.
 */
export function partitionerFor(name: PartitionerName | Partitioner): Partitioner | null {
  if (typeof name !== 'string') return name;
  switch (name) {
    case 'default':
      return null;
    case 'round-robin':
      return new RoundRobinPartitioner();
    case 'consistent_random':
      return new ConsistentRandomPartitioner();
    case 'consistent':
      return new ConsistentPartitioner();
    case 'murmur2_random':
      return new Murmur2RandomPartitioner();
    case 'murmur2':
      return new Murmur2Partitioner();
    case 'legacy':
      return new LegacyPartitioner();
    default: {
      const unknownName: never = name;
      throw new RangeError(`unknown partitioner ${JSON.stringify(unknownName)}`);
    }
  }
}
