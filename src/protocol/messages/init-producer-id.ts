/**
 * InitProducerId (key 22), v0-v5; flexible from v2.
 *
 * v3 adds ProducerId/ProducerEpoch to the request (an existing id to bump, -1 for a new one).
 * v4 and v5 only change error semantics. (v6, two-phase commit, is not yet stable upstream.)
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export function encodeInitProducerIdRequest(w: Writer, version: number, req: InitProducerIdRequest): void {
  const flexible = version >= 2;
  if (flexible) w.writeCompactNullableString(req.transactionalId);
  else w.writeNullableString(req.transactionalId);
  w.writeInt32(req.transactionTimeoutMs);
  if (version >= 3) {
    w.writeInt64(req.producerId);
    w.writeInt16(req.producerEpoch);
  }
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeInitProducerIdResponse(r: Reader, version: number): InitProducerIdResponse {
  const res: InitProducerIdResponse = {
    throttleTimeMs: r.readInt32('throttleTimeMs'),
    errorCode: r.readInt16('errorCode'),
    producerId: r.readInt64('producerId'),
    producerEpoch: r.readInt16('producerEpoch'),
  };
  if (version >= 2) r.readTaggedFields('taggedFields');
  return res;
}
