/**
 * RoundRobinPartitioner, as the Java client's (4.x): every record, keyed or not, takes the next
 * partition in turn. One counter per topic starts at 0 and steps once per record; the record goes
 * to available[toPositive(counter) % available.length], or, when no partition has a known
 * leader, to toPositive(counter) % partitionCount. The counter is a wrapping int32, like Java's
 * AtomicInteger, so toPositive matters only after 2^31 records.
 *
 * Java 3.x skipped partitions when the accumulator aborted a batch for a new one (KAFKA-9965);
 * 4.x calls the partitioner once per record, which is what this reproduces.
 */
import { toPositive } from './murmur2';
import type { Partitioner, PartitionerCluster } from './partitioner';
import { requirePartitionCount } from './partitioner';

/** Java's org.apache.kafka.clients.producer.RoundRobinPartitioner. */
export class RoundRobinPartitioner implements Partitioner {
  private readonly counters = new Map<string, number>();

  partition(
    topic: string,
    _key: unknown,
    _keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    const counter = this.counters.get(topic) ?? 0;
    this.counters.set(topic, (counter + 1) | 0);
    const available = cluster.availablePartitionsFor(topic);
    if (available.length > 0) return available[toPositive(counter) % available.length];
    // No partition has a leader: pick one anyway; the accumulator holds it until one appears.
    return toPositive(counter) % requirePartitionCount(cluster, topic);
  }
}
