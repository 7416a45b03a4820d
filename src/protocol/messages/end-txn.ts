/**
 * EndTxn (key 26), v0-v5; flexible from v3.
 *
 * v2 adds the PRODUCER_FENCED error, v4 TRANSACTION_ABORTABLE. v5 (transaction version 2)
 * bumps the epoch at every transaction end, so the response carries the producer id and
 * epoch to use next; before v5 they read as -1.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface EndTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  /** true to commit, false to abort. */
  committed: boolean;
}

export interface EndTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export function encodeEndTxnRequest(w: Writer, version: number, req: EndTxnRequest): void {
  const flexible = version >= 3;
  if (flexible) w.writeCompactString(req.transactionalId);
  else w.writeString(req.transactionalId);
  w.writeInt64(req.producerId);
  w.writeInt16(req.producerEpoch);
  w.writeBoolean(req.committed);
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeEndTxnResponse(r: Reader, version: number): EndTxnResponse {
  const res: EndTxnResponse = {
    throttleTimeMs: r.readInt32('throttleTimeMs'),
    errorCode: r.readInt16('errorCode'),
    producerId: -1,
    producerEpoch: -1,
  };
  if (version >= 5) {
    res.producerId = r.readInt64('producerId');
    res.producerEpoch = r.readInt16('producerEpoch');
  }
  if (version >= 3) r.readTaggedFields('taggedFields');
  return res;
}
