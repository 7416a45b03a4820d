/**
 * The keyed partitioners of librdkafka (rdkafka_msg.c), for producers that must place keys
 * where C, Go (confluent-kafka-go), Python or .NET producers on their defaults would:
 *
 * | librdkafka name     | key hashed with                    | null key | empty key |
 * |---------------------|------------------------------------|----------|-----------|
 * | `consistent_random` | CRC-32 (zlib/IEEE) % count         | random   | random    |
 * | `consistent`        | CRC-32 % count                     | 0 (CRC of nothing is 0) | 0 |
 * | `murmur2_random`    | toPositive(murmur2) % count (Java) | random   | hashed    |
 * | `murmur2`           | toPositive(murmur2) % count (Java) | hashed as empty | hashed |
 *
 * consistent_random tests the key *length* (so an empty key is "no key"); murmur2_random tests
 * the key *pointer* (so an empty key is hashed, as Java does). Partition count is all
 * partitions, available or not, as in librdkafka.
 *
 * "random" is librdkafka's rd_kafka_msg_partitioner_random: a uniform draw over all partitions;
 * if that partition has no leader, one more draw over all partitions, kept whatever it is.
 * Inside librdkafka itself, null keys (and empty keys under consistent_random) usually never reach
 * these functions: with sticky.partitioning.linger.ms > 0 (the default) they go to its sticky
 * partitioner instead. Here they do reach them, as with any custom partitioner in Java.
 */
import { murmur2, toPositive } from './murmur2';
import type { Partitioner, PartitionerCluster, RandomInt } from './partitioner';
import { isAvailable, mathRandomInt, requirePartitionCount } from './partitioner';

const NO_BYTES = new Uint8Array(0);

const CRC32_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  CRC32_TABLE[n] = c;
}

/**
 * CRC-32 as zlib computes it (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF;
 * "123456789" gives 0xCBF43926). Not CRC-32C. Returns an unsigned 32-bit value; `crc` continues
 * from a previous value.
 */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** librdkafka's `consistent` choice for these key bytes: crc32(key) % count (unsigned). */
export function consistentPartitionForKey(keyBytes: Uint8Array, partitionCount: number): number {
  return crc32(keyBytes) % partitionCount;
}

/** rd_kafka_msg_partitioner_random: one draw over all partitions, a second if it has no leader. */
function randomPartition(topic: string, cluster: PartitionerCluster, random: RandomInt): number {
  const count = requirePartitionCount(cluster, topic);
  const first = toPositive(random()) % count;
  if (isAvailable(cluster.availablePartitionsFor(topic), first)) return first;
  return toPositive(random()) % count;
}

/** librdkafka `consistent_random` (its default): CRC-32 of the key; null or empty key: random. */
export class ConsistentRandomPartitioner implements Partitioner {
  constructor(private readonly random: RandomInt = mathRandomInt) {}

  partition(
    topic: string,
    _key: unknown,
    keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    // librdkafka tests keylen == 0 here, so an empty key counts as no key.
    if (keyBytes === null || keyBytes.length === 0) return randomPartition(topic, cluster, this.random);
    return crc32(keyBytes) % requirePartitionCount(cluster, topic);
  }
}

/** librdkafka `consistent`: CRC-32 of the key; null and empty keys both give CRC 0, partition 0. */
export class ConsistentPartitioner implements Partitioner {
  partition(
    topic: string,
    _key: unknown,
    keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    return crc32(keyBytes ?? NO_BYTES) % requirePartitionCount(cluster, topic);
  }
}

/** librdkafka `murmur2_random`: Java's keyed choice; null key: random; empty key: hashed. */
export class Murmur2RandomPartitioner implements Partitioner {
  constructor(private readonly random: RandomInt = mathRandomInt) {}

  partition(
    topic: string,
    _key: unknown,
    keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    // librdkafka tests the key pointer here, so only a null key is random.
    if (keyBytes === null) return randomPartition(topic, cluster, this.random);
    return toPositive(murmur2(keyBytes)) % requirePartitionCount(cluster, topic);
  }
}

/** librdkafka `murmur2`: Java's keyed choice; a null key hashes as the empty key. */
export class Murmur2Partitioner implements Partitioner {
  partition(
    topic: string,
    _key: unknown,
    keyBytes: Uint8Array | null,
    _value: unknown,
    _valueBytes: Uint8Array | null,
    cluster: PartitionerCluster,
  ): number {
    return toPositive(murmur2(keyBytes ?? NO_BYTES)) % requirePartitionCount(cluster, topic);
  }
}
