/**
 * LegacyPartitioner: the partitioner KafkaJS 1.x used by default and KafkaJS 2.x still offers as
 * `Partitioners.LegacyPartitioner`, for producers that must keep placing keys where a KafkaJS 1.x
 * fleet did. Its murmur2 is *not* Java's, so the same key usually lands elsewhere than with
 * Java, librdkafka's murmur2 or KafkaJS 2's DefaultPartitioner. Two quirks make it differ:
 *
 * - the block loop runs `length / 4` times without rounding down, so a key whose length is not a
 *   multiple of 4 gets one extra block: its last 1–3 bytes padded with zeros (then hashed again
 *   by the tail step);
 * - the products are plain JavaScript number products, not 32-bit multiplies. They exceed 2^53 and
 *   are rounded to the nearest double before the next bitwise operator truncates them to 32
 *   bits, so low bits differ from a true 32-bit multiply. This file keeps those double products on
 *   purpose; Math.imul here would compute a different hash.
 *
 * Keyed: toPositive(legacyMurmur2(keyBytes)) % partitionCount (all partitions).
 * Null key: a per-topic counter, started at a random uint32 the first time the topic is seen,
 * is incremented *before* use; the record goes to available[toPositive(counter) % available.length],
 * or toPositive(counter) % partitionCount when no partition has a leader.
 *
 * KafkaJS hashes a Buffer key as it is and any other key as Buffer.from(String(key)), i.e. the
 * UTF-8 of the string. This class hashes keyBytes, the serialized key: with a UTF-8 string
 * serializer that is the same bytes, and it is what goes on the wire.
 */
import { toPositive } from './murmur2';
import type { Partitioner, PartitionerCluster, RandomInt } from './partitioner';
import { mathRandomInt, requirePartitionCount } from './partitioner';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** KafkaJS's legacy murmur2 (src/producer/partitioners/legacy/murmur2.js): a signed 32-bit value. */
export function legacyMurmur2(data: Uint8Array): number {
  const length = data.length;
  const byteAt = (i: number): number => (i < length ? data[i] : 0);
  let h = SEED ^ length;
  // Not floored: ceil(length / 4) iterations, reading zeros past the end.
  const blocks = length / 4;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k = byteAt(at) + (byteAt(at + 1) << 8) + (byteAt(at + 2) << 16) + (byteAt(at + 3) << 24);
    k *= M; // double product, rounded; `>>>` and `^` below truncate it to 32 bits
    k ^= k >>> 24;
    k *= M;
    h *= M;
    h ^= k;
  }
  // Tail, as Java's switch falling through from 3 to 1.
  const tail = length & ~3;
  const rem = length & 3;
  if (rem === 3) h ^= data[tail + 2] << 16;
  if (rem >= 2) h ^= data[tail + 1] << 8;
  if (rem >= 1) {
    h ^= data[tail];
    h *= M;
  }
  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return h;
}

/** KafkaJS's LegacyPartitioner (`Partitioners.LegacyPartitioner`). */
export class LegacyPartitioner implements Partitioner {
  /** Per-topic round-robin counter for null keys; a double, as in KafkaJS (never near 2^53). */
  private readonly counters = new Map<string, number>();

  /** `random` seeds each topic's counter (only its low 32 bits, unsigned, are used). */
  constructor(private readonly random: RandomInt = mathRandomInt) {}

  partition(
    topic: string,
    _key: unknown,
    keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    // KafkaJS seeds the counter on the topic's first record, keyed or not.
    let counter = this.counters.get(topic);
    if (counter === undefined) counter = this.random() >>> 0;
    const count = requirePartitionCount(cluster, topic);
    if (keyBytes !== null) {
      this.counters.set(topic, counter);
      return toPositive(legacyMurmur2(keyBytes)) % count;
    }
    counter += 1;
    this.counters.set(topic, counter);
    const available = cluster.availablePartitionsFor(topic);
    if (available.length > 0) return available[toPositive(counter) % available.length];
    return toPositive(counter) % count;
  }
}
