/**
 * AddOffsetsToTxn (key 25), v0-v4; flexible from v3.
 *
 * Same layout at every version: v2 adds the PRODUCER_FENCED error, v4 TRANSACTION_ABORTABLE.
 * (With transaction version 2, TxnOffsetCommit v5 does this call's work and it is not sent.)
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  groupId: string;
}

export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export function encodeAddOffsetsToTxnRequest(w: Writer, version: number, req: AddOffsetsToTxnRequest): void {
  const flexible = version >= 3;
  if (flexible) w.writeCompactString(req.transactionalId);
  else w.writeString(req.transactionalId);
  w.writeInt64(req.producerId);
  w.writeInt16(req.producerEpoch);
  if (flexible) {
    w.writeCompactString(req.groupId);
    w.writeEmptyTaggedFields();
  } else {
    w.writeString(req.groupId);
  }
}

export function decodeAddOffsetsToTxnResponse(r: Reader, version: number): AddOffsetsToTxnResponse {
  const res: AddOffsetsToTxnResponse = {
    throttleTimeMs: r.readInt32('throttleTimeMs'),
    errorCode: r.readInt16('errorCode'),
  };
  if (version >= 3) r.readTaggedFields('taggedFields');
  return res;
}
