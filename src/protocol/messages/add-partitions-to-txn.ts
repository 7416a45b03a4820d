/**
 * AddPartitionsToTxn (key 24), v0-v3 (the client versions); flexible from v3.
 *
 * v1 is v0; v2 adds the PRODUCER_FENCED error. v4 and v5 are for brokers only: they batch
 * several transactions and add VerifyOnly and a top-level error code, a different layout
 * that this client does not speak (the codecs refuse those versions).
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface AddPartitionsToTxnTopic {
  name: string;
  partitions: number[];
}

export interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  topics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnPartitionResult {
  partitionIndex: number;
  errorCode: number;
}

export interface AddPartitionsToTxnTopicResult {
  name: string;
  partitions: AddPartitionsToTxnPartitionResult[];
}

export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number;
  results: AddPartitionsToTxnTopicResult[];
}

/** The last version a client sends; later ones have the brokers' batched layout. */
const LAST_CLIENT_VERSION = 3;

function checkVersion(version: number): void {
  if (version > LAST_CLIENT_VERSION) {
    throw new RangeError(`AddPartitionsToTxn v${version} is the brokers' batched form; a client speaks v0-v${LAST_CLIENT_VERSION}`);
  }
}

export function encodeAddPartitionsToTxnRequest(w: Writer, version: number, req: AddPartitionsToTxnRequest): void {
  checkVersion(version);
  const flexible = version >= 3;
  if (flexible) w.writeCompactString(req.transactionalId);
  else w.writeString(req.transactionalId);
  w.writeInt64(req.producerId);
  w.writeInt16(req.producerEpoch);
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
    for (const p of topic.partitions) w.writeInt32(p);
    if (flexible) w.writeEmptyTaggedFields();
  }
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeAddPartitionsToTxnResponse(r: Reader, version: number): AddPartitionsToTxnResponse {
  checkVersion(version);
  const flexible = version >= 3;
  const throttleTimeMs = r.readInt32('throttleTimeMs');
  const nTopics = flexible ? r.readCompactArrayLength('results', 3) : r.readArrayLength('results', 6);
  const results: AddPartitionsToTxnTopicResult[] = [];
  for (let i = 0; i < nTopics; i++) {
    const name = flexible ? r.readCompactString('results.name') : r.readString('results.name');
    const nParts = flexible ? r.readCompactArrayLength('results.partitions', 7) : r.readArrayLength('results.partitions', 6);
    const partitions: AddPartitionsToTxnPartitionResult[] = [];
    for (let j = 0; j < nParts; j++) {
      partitions.push({
        partitionIndex: r.readInt32('results.partitions.partitionIndex'),
        errorCode: r.readInt16('results.partitions.errorCode'),
      });
      if (flexible) r.readTaggedFields('results.partitions.taggedFields');
    }
    if (flexible) r.readTaggedFields('results.taggedFields');
    results.push({ name, partitions });
  }
  if (flexible) r.readTaggedFields('taggedFields');
  return { throttleTimeMs, results };
}
