/**
 * Metadata (key 3), v1-v13; flexible from v9.
 *
 * v1: nullable topic list (null = all topics), rack, controller id, IsInternal. v2: cluster
 * id. v3: throttle time. v4: AllowAutoTopicCreation. v5: offline replicas. v7: leader epoch.
 * v8: authorized operations (cluster-level only up to v10). v10: topic ids (request names
 * become nullable). v12: response topic names nullable. v13: top-level error code (KIP-1102).
 */
import { ErrorCode } from '../errors';
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka's "not requested / unknown" value for authorized operations. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export interface MetadataRequestTopic {
  topicId?: string;
  name: string | null;
}

export interface MetadataRequest {
  /** null asks for every topic. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations?: boolean;
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataResponseBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataResponsePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataResponseTopic {
  errorCode: number;
  name: string | null;
  topicId: string;
  isInternal: boolean;
  partitions: MetadataResponsePartition[];
  topicAuthorizedOperations: number;
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataResponseBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataResponseTopic[];
  clusterAuthorizedOperations: number;
  errorCode: number;
}

export function encodeMetadataRequest(w: Writer, version: number, req: MetadataRequest): void {
  const flexible = version >= 9;
  const topics = req.topics;
  if (flexible) w.writeCompactNullableArrayLength(topics ? topics.length : null);
  else w.writeInt32(topics ? topics.length : -1);
  if (topics) {
    for (const t of topics) {
      if (version >= 10) w.writeUuid(t.topicId ?? ZERO_UUID);
      if (flexible) {
        if (version >= 10) w.writeCompactNullableString(t.name);
        else w.writeCompactString(t.name ?? '');
        w.writeEmptyTaggedFields();
      } else {
        w.writeString(t.name ?? '');
      }
    }
  }
  if (version >= 4) w.writeBoolean(req.allowAutoTopicCreation);
  if (version >= 8 && version <= 10) w.writeBoolean(req.includeClusterAuthorizedOperations ?? false);
  if (version >= 8) w.writeBoolean(req.includeTopicAuthorizedOperations ?? false);
  if (flexible) w.writeEmptyTaggedFields();
}

function readInt32Array(r: Reader, flexible: boolean, field: string): number[] {
  const n = flexible ? r.readCompactArrayLength(field, 4) : r.readArrayLength(field, 4);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.readInt32(field);
  return out;
}

export function decodeMetadataResponse(r: Reader, version: number): MetadataResponse {
  const flexible = version >= 9;
  const str = (f: string) => (flexible ? r.readCompactString(f) : r.readString(f));
  const nstr = (f: string) => (flexible ? r.readCompactNullableString(f) : r.readNullableString(f));
  const res: MetadataResponse = {
    throttleTimeMs: version >= 3 ? r.readInt32('throttleTimeMs') : 0,
    brokers: [],
    clusterId: null,
    controllerId: -1,
    topics: [],
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    errorCode: ErrorCode.NONE,
  };
  const nBrokers = flexible ? r.readCompactArrayLength('brokers', 10) : r.readArrayLength('brokers', 12);
  for (let i = 0; i < nBrokers; i++) {
    const nodeId = r.readInt32('brokers.nodeId');
    const host = str('brokers.host');
    const port = r.readInt32('brokers.port');
    const rack = nstr('brokers.rack');
    if (flexible) r.readTaggedFields('brokers.taggedFields');
    res.brokers.push({ nodeId, host, port, rack });
  }
  if (version >= 2) res.clusterId = nstr('clusterId');
  res.controllerId = r.readInt32('controllerId');
  const nTopics = flexible ? r.readCompactArrayLength('topics', 10) : r.readArrayLength('topics', 10);
  for (let i = 0; i < nTopics; i++) {
    const errorCode = r.readInt16('topics.errorCode');
    // Null only from v12 (topics asked for by id that do not exist); before that it is refused, as Java does.
    const name = version >= 12 ? r.readCompactNullableString('topics.name') : str('topics.name');
    const topicId = version >= 10 ? r.readUuid('topics.topicId') : ZERO_UUID;
    const isInternal = r.readBoolean('topics.isInternal');
    const nParts = flexible ? r.readCompactArrayLength('topics.partitions', 16) : r.readArrayLength('topics.partitions', 18);
    const partitions: MetadataResponsePartition[] = [];
    for (let j = 0; j < nParts; j++) {
      const p: MetadataResponsePartition = {
        errorCode: r.readInt16('partitions.errorCode'),
        partitionIndex: r.readInt32('partitions.partitionIndex'),
        leaderId: r.readInt32('partitions.leaderId'),
        leaderEpoch: version >= 7 ? r.readInt32('partitions.leaderEpoch') : -1,
        replicaNodes: readInt32Array(r, flexible, 'partitions.replicaNodes'),
        isrNodes: readInt32Array(r, flexible, 'partitions.isrNodes'),
        offlineReplicas: version >= 5 ? readInt32Array(r, flexible, 'partitions.offlineReplicas') : [],
      };
      if (flexible) r.readTaggedFields('partitions.taggedFields');
      partitions.push(p);
    }
    const topicAuthorizedOperations = version >= 8 ? r.readInt32('topics.topicAuthorizedOperations') : AUTHORIZED_OPERATIONS_OMITTED;
    if (flexible) r.readTaggedFields('topics.taggedFields');
    res.topics.push({ errorCode, name, topicId, isInternal, partitions, topicAuthorizedOperations });
  }
  if (version >= 8 && version <= 10) res.clusterAuthorizedOperations = r.readInt32('clusterAuthorizedOperations');
  if (version >= 13) res.errorCode = r.readInt16('errorCode');
  if (flexible) r.readTaggedFields('taggedFields');
  return res;
}
