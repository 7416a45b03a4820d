/**
 * kafkajs's `Partitioners` and `createPartitioner`, on kafka-wire's partitioners.
 *
 * A producer given one of the factories below gets kafka-wire's own partitioner for it:
 * DefaultPartitioner (kafkajs 2.x's default, the Java-compatible one) and its alias
 * JavaCompatiblePartitioner become 'default' (murmur2 of the key bytes as Java; records
 * without a key use Java's sticky partitioner), LegacyPartitioner becomes 'legacy' (KafkaJS
 * 1.x's hash and round robin). Any other factory is a custom partitioner: it is called once,
 * and its function is asked for the partition of every message that names none.
 *
 * The factories can also be called directly, as kafkajs code sometimes does (in a test, or
 * wrapped by another partitioner): they return a kafkajs-style partition function.
 */
import type { BuiltInPartitionerName } from '../producer/config';
import type { PartitionInfo } from '../producer/metadata';
import { LegacyPartitioner as WireLegacyPartitioner } from '../producer/partitioners/legacy';
import { partitionForKey } from '../producer/partitioners/murmur2';
import type { Partitioner, PartitionerCluster } from '../producer/partitioners/partitioner';
import type { ICustomPartitioner, Message, PartitionerArgs, PartitionMetadata } from './types';

/** The factories that stand for a kafka-wire built-in partitioner. */
const BUILT_IN = new WeakMap<ICustomPartitioner, BuiltInPartitionerName>();

function keyBytesOf(key: Message['key']): Uint8Array | null {
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** A cluster view from the partition list a kafkajs partition function is given. */
function clusterOf(topic: string, partitionMetadata: readonly PartitionMetadata[]): PartitionerCluster {
  const available = partitionMetadata.filter((p) => p.leader >= 0).map((p) => p.partitionId).sort((a, b) => a - b);
  return {
    partitionCountFor: (t) => (t === topic ? partitionMetadata.length : 0),
    availablePartitionsFor: (t) => (t === topic ? available : []),
  };
}

const javaCompatible: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs) => {
    const keyBytes = keyBytesOf(message.key);
    if (keyBytes !== null) return partitionForKey(keyBytes, partitionMetadata.length);
    // Without a key: round robin over the partitions with a leader (all of them when none has one).
    const next = (counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const list = available.length > 0 ? available : partitionMetadata;
    return list[(next & 0x7fffffff) % list.length].partitionId;
  };
};

const legacy: ICustomPartitioner = () => {
  const wire = new WireLegacyPartitioner();
  return ({ topic, partitionMetadata, message }: PartitionerArgs) =>
    wire.partition(topic, message.key, keyBytesOf(message.key), message, null, clusterOf(topic, partitionMetadata));
};

const DefaultPartitioner: ICustomPartitioner = () => javaCompatible();
const JavaCompatiblePartitioner: ICustomPartitioner = () => javaCompatible();
const LegacyPartitioner: ICustomPartitioner = () => legacy();
BUILT_IN.set(DefaultPartitioner, 'default');
BUILT_IN.set(JavaCompatiblePartitioner, 'default');
BUILT_IN.set(LegacyPartitioner, 'legacy');

export const Partitioners: {
  readonly DefaultPartitioner: ICustomPartitioner;
  readonly JavaCompatiblePartitioner: ICustomPartitioner;
  readonly LegacyPartitioner: ICustomPartitioner;
} = Object.freeze({ DefaultPartitioner, JavaCompatiblePartitioner, LegacyPartitioner });

/** The partition list of `topic` for a kafkajs partition function, built once per metadata snapshot. */
const metadataCache = new WeakMap<PartitionerCluster, Map<string, PartitionMetadata[]>>();

function partitionMetadataOf(cluster: PartitionerCluster, topic: string): PartitionMetadata[] {
  let byTopic = metadataCache.get(cluster);
  if (byTopic === undefined) metadataCache.set(cluster, (byTopic = new Map()));
  let list = byTopic.get(topic);
  if (list !== undefined) return list;
  // kafka-wire passes its metadata snapshot, which has each partition's leader and replicas;
  // any other cluster view gives the partition count and which partitions have a leader.
  const infos = (cluster as { topics?: ReadonlyMap<string, { partitions: PartitionInfo[] }> }).topics?.get(topic)?.partitions;
  if (infos !== undefined) {
    list = infos.map((p) => ({
      partitionErrorCode: 0,
      partitionId: p.partition,
      leader: p.leader,
      replicas: p.replicas.slice(),
      isr: p.isr.slice(),
      offlineReplicas: p.offline.slice(),
      leaderEpoch: p.leaderEpoch,
    }));
  } else {
    const available = new Set(cluster.availablePartitionsFor(topic));
    list = Array.from({ length: cluster.partitionCountFor(topic) }, (_, i) => ({
      partitionErrorCode: 0,
      partitionId: i,
      leader: available.has(i) ? 0 : -1,
      replicas: [],
      isr: [],
      offlineReplicas: [],
    }));
  }
  byTopic.set(topic, list);
  return list;
}

/**
 * The kafka-wire `partitioner` option for a kafkajs createPartitioner: a built-in name, or an
 * adapter around the custom function. Messages reach kafka-wire as the record's value (the
 * facade's value serializer takes their bytes), so the function gets the message as given.
 */
export function wirePartitionerFor(create: ICustomPartitioner | undefined): BuiltInPartitionerName | Partitioner {
  if (create === undefined) return 'default';
  const builtIn = BUILT_IN.get(create);
  if (builtIn !== undefined) return builtIn;
  const fn = create();
  if (typeof fn !== 'function') throw new TypeError('createPartitioner() must return a function ({ topic, partitionMetadata, message }) => partition');
  return {
    partition(topic, _key, _keyBytes, value, _valueBytes, cluster) {
      return fn({ topic, partitionMetadata: partitionMetadataOf(cluster, topic), message: value as Message });
    },
  };
}
