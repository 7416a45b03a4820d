/**
 * TxnOffsetCommit (key 28), v0-v5; flexible from v3.
 *
 * v2 adds CommittedLeaderEpoch per partition. v3 adds the consumer's GenerationId, MemberId
 * and GroupInstanceId (and the errors that go with them). v4 adds TRANSACTION_ABORTABLE.
 * v5 has v4's layout; with transaction version 2 it also adds the group to the transaction
 * (AddOffsetsToTxn's work), and without it a client sends at most v4.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface TxnOffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: number;
  /** Used from v2; -1 when unknown. */
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface TxnOffsetCommitRequestTopic {
  name: string;
  partitions: TxnOffsetCommitRequestPartition[];
}

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** Used from v3; -1 when unknown. */
  generationId: number;
  /** Used from v3; '' when unknown. */
  memberId: string;
  /** Used from v3. */
  groupInstanceId: string | null;
  topics: TxnOffsetCommitRequestTopic[];
}

export interface TxnOffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface TxnOffsetCommitResponseTopic {
  name: string;
  partitions: TxnOffsetCommitResponsePartition[];
}

export interface TxnOffsetCommitResponse {
  throttleTimeMs: number;
  topics: TxnOffsetCommitResponseTopic[];
}

export function encodeTxnOffsetCommitRequest(w: Writer, version: number, req: TxnOffsetCommitRequest): void {
  const flexible = version >= 3;
  if (flexible) {
    w.writeCompactString(req.transactionalId);
    w.writeCompactString(req.groupId);
  } else {
    w.writeString(req.transactionalId);
    w.writeString(req.groupId);
  }
  w.writeInt64(req.producerId);
  w.writeInt16(req.producerEpoch);
  if (version >= 3) {
    w.writeInt32(req.generationId);
    w.writeCompactString(req.memberId);
    w.writeCompactNullableString(req.groupInstanceId);
  }
  if (flexible) w.writeCompactArrayLength(req.topics.length);
  else w.writeArrayLength(req.topics.length);
  for (const topic of req.topics) {
    if (flexible) {
      w.writeCompactString(topic.name);
      w.writeCompactArrayLength(topic.partitions.length);
    } else {
      w.writeString(topic.name);
      w.writeArrayLength(topic.partitions.length);
    }
    for (const p of topic.partitions) {
      w.writeInt32(p.partitionIndex);
      w.writeInt64(p.committedOffset);
      if (version >= 2) w.writeInt32(p.committedLeaderEpoch);
      if (flexible) {
        w.writeCompactNullableString(p.committedMetadata);
        w.writeEmptyTaggedFields();
      } else {
        w.writeNullableString(p.committedMetadata);
      }
    }
    if (flexible) w.writeEmptyTaggedFields();
  }
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeTxnOffsetCommitResponse(r: Reader, version: number): TxnOffsetCommitResponse {
  const flexible = version >= 3;
  const throttleTimeMs = r.readInt32('throttleTimeMs');
  const nTopics = flexible ? r.readCompactArrayLength('topics', 3) : r.readArrayLength('topics', 6);
  const topics: TxnOffsetCommitResponseTopic[] = [];
  for (let i = 0; i < nTopics; i++) {
    const name = flexible ? r.readCompactString('topics.name') : r.readString('topics.name');
    const nParts = flexible ? r.readCompactArrayLength('topics.partitions', 7) : r.readArrayLength('topics.partitions', 6);
    const partitions: TxnOffsetCommitResponsePartition[] = [];
    for (let j = 0; j < nParts; j++) {
      partitions.push({
        partitionIndex: r.readInt32('topics.partitions.partitionIndex'),
        errorCode: r.readInt16('topics.partitions.errorCode'),
      });
      if (flexible) r.readTaggedFields('topics.partitions.taggedFields');
    }
    if (flexible) r.readTaggedFields('topics.taggedFields');
    topics.push({ name, partitions });
  }
  if (flexible) r.readTaggedFields('taggedFields');
  return { throttleTimeMs, topics };
}
