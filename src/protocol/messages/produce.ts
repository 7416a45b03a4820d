/**
 * Produce (key 0), v3-v13; flexible from v9.
 *
 * v3: transactional id, record batch v2 (Kafka 4 refuses v0-v2 though it advertises them).
 * v5: LogStartOffset. v7: zstd allowed. v8: per-record errors and an error message.
 * v9: flexible. v10: tagged leader hints (CurrentLeader per partition, NodeEndpoints).
 * v11/v12: same layout, new transactional meanings. v13: topic ids instead of names.
 *
 * acks=0 requests get no response at all.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface PartitionProduceData {
  index: number;
  /** One or more record batches, exactly as they go on the wire; null is legal but unused. */
  records: Uint8Array | null;
}

export interface TopicProduceData {
  /** Used up to v12. */
  name: string;
  /** Used from v13 (Kafka's base64url form). */
  topicId?: string;
  partitionData: PartitionProduceData[];
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: TopicProduceData[];
}

/**
 * Where records would go, when the caller writes them itself: `positions[i]` is the writer
 * offset at which `records[i]` belongs. Lets a connection send header and batches with one
 * writev and no copy of the batch bytes.
 */
export interface DetachedRecords {
  positions: number[];
  records: Uint8Array[];
}

export interface BatchIndexAndErrorMessage {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface LeaderIdAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

export interface PartitionProduceResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: BatchIndexAndErrorMessage[];
  errorMessage: string | null;
  currentLeader: LeaderIdAndEpoch;
}

export interface TopicProduceResponse {
  name: string;
  topicId: string;
  partitionResponses: PartitionProduceResponse[];
}

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ProduceResponse {
  responses: TopicProduceResponse[];
  throttleTimeMs: number;
  nodeEndpoints: NodeEndpoint[];
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * Encodes the request body. With `detached`, record bytes are not copied: the length prefix
 * is written and the place where the bytes belong is recorded instead.
 */
export function encodeProduceRequest(w: Writer, version: number, req: ProduceRequest, detached?: DetachedRecords): void {
  const flexible = version >= 9;
  if (flexible) w.writeCompactNullableString(req.transactionalId);
  else w.writeNullableString(req.transactionalId);
  w.writeInt16(req.acks);
  w.writeInt32(req.timeoutMs);
  if (flexible) w.writeCompactArrayLength(req.topicData.length);
  else w.writeArrayLength(req.topicData.length);
  for (const topic of req.topicData) {
    if (version >= 13) w.writeUuid(topic.topicId ?? ZERO_UUID);
    else if (flexible) w.writeCompactString(topic.name);
    else w.writeString(topic.name);
    if (flexible) w.writeCompactArrayLength(topic.partitionData.length);
    else w.writeArrayLength(topic.partitionData.length);
    for (const p of topic.partitionData) {
      w.writeInt32(p.index);
      const records = p.records;
      if (records === null) {
        if (flexible) w.writeUnsignedVarint(0);
        else w.writeInt32(-1);
      } else {
        if (flexible) w.writeUnsignedVarint(records.length + 1);
        else w.writeInt32(records.length);
        if (detached) {
          detached.positions.push(w.offset);
          detached.records.push(records);
        } else {
          w.writeRaw(records);
        }
      }
      if (flexible) w.writeEmptyTaggedFields();
    }
    if (flexible) w.writeEmptyTaggedFields();
  }
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeProduceResponse(r: Reader, version: number): ProduceResponse {
  const flexible = version >= 9;
  const res: ProduceResponse = { responses: [], throttleTimeMs: 0, nodeEndpoints: [] };
  const nTopics = flexible ? r.readCompactArrayLength('responses', 3) : r.readArrayLength('responses', 6);
  for (let i = 0; i < nTopics; i++) {
    let name = '';
    let topicId = ZERO_UUID;
    if (version >= 13) topicId = r.readUuid('responses.topicId');
    else name = flexible ? r.readCompactString('responses.name') : r.readString('responses.name');
    const nParts = flexible
      ? r.readCompactArrayLength('responses.partitionResponses', 14)
      : r.readArrayLength('responses.partitionResponses', 22);
    const partitionResponses: PartitionProduceResponse[] = [];
    for (let j = 0; j < nParts; j++) {
      const p: PartitionProduceResponse = {
        index: r.readInt32('partitionResponses.index'),
        errorCode: r.readInt16('partitionResponses.errorCode'),
        baseOffset: r.readInt64('partitionResponses.baseOffset'),
        logAppendTimeMs: r.readInt64('partitionResponses.logAppendTimeMs'),
        logStartOffset: version >= 5 ? r.readInt64('partitionResponses.logStartOffset') : -1,
        recordErrors: [],
        errorMessage: null,
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
      };
      if (version >= 8) {
        const nErr = flexible
          ? r.readCompactArrayLength('partitionResponses.recordErrors', 6)
          : r.readArrayLength('partitionResponses.recordErrors', 6);
        for (let k = 0; k < nErr; k++) {
          const batchIndex = r.readInt32('recordErrors.batchIndex');
          const batchIndexErrorMessage = flexible
            ? r.readCompactNullableString('recordErrors.batchIndexErrorMessage')
            : r.readNullableString('recordErrors.batchIndexErrorMessage');
          if (flexible) r.readTaggedFields('recordErrors.taggedFields');
          p.recordErrors.push({ batchIndex, batchIndexErrorMessage });
        }
        p.errorMessage = flexible
          ? r.readCompactNullableString('partitionResponses.errorMessage')
          : r.readNullableString('partitionResponses.errorMessage');
      }
      if (flexible) {
        r.readTaggedFields('partitionResponses.taggedFields', (tag, t) => {
          if (tag === 0 && version >= 10) {
            p.currentLeader = {
              leaderId: t.readInt32('currentLeader.leaderId'),
              leaderEpoch: t.readInt32('currentLeader.leaderEpoch'),
            };
            t.readTaggedFields('currentLeader.taggedFields');
          }
        });
      }
      partitionResponses.push(p);
    }
    if (flexible) r.readTaggedFields('responses.taggedFields');
    res.responses.push({ name, topicId, partitionResponses });
  }
  res.throttleTimeMs = r.readInt32('throttleTimeMs');
  if (flexible) {
    r.readTaggedFields('taggedFields', (tag, t) => {
      if (tag === 0 && version >= 10) {
        const n = t.readCompactArrayLength('nodeEndpoints', 11);
        for (let i = 0; i < n; i++) {
          const nodeId = t.readInt32('nodeEndpoints.nodeId');
          const host = t.readCompactString('nodeEndpoints.host');
          const port = t.readInt32('nodeEndpoints.port');
          const rack = t.readCompactNullableString('nodeEndpoints.rack');
          t.readTaggedFields('nodeEndpoints.taggedFields');
          res.nodeEndpoints.push({ nodeId, host, port, rack });
        }
      }
    });
  }
  return res;
}
