/**
 * FindCoordinator (key 10), v0-v6; flexible from v3.
 *
 * v0 asks for a group coordinator by Key; v1 adds KeyType (0 group, 1 transaction), a
 * throttle time and an error message. v2 is v1. v4 batches: CoordinatorKeys in the request,
 * one Coordinators entry per key in the response. v5 and v6 only add error codes and key
 * types (TRANSACTION_ABORTABLE; share groups).
 *
 * The response is normalized to the batched form: up to v3 it is one coordinator whose key
 * is '' (the caller knows the key it asked for); v0 has no throttle time (0) or message (null).
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

/** Values of KeyType. */
export const CoordinatorKeyType = Object.freeze({ GROUP: 0, TRANSACTION: 1 } as const);

export interface FindCoordinatorRequest {
  keyType: number;
  /** Exactly one key up to v3; any number from v4. */
  keys: string[];
}

export interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  coordinators: Coordinator[];
}

export function encodeFindCoordinatorRequest(w: Writer, version: number, req: FindCoordinatorRequest): void {
  const flexible = version >= 3;
  if (version < 4) {
    if (req.keys.length !== 1) {
      throw new RangeError(`FindCoordinator v${version} takes exactly one key, not ${req.keys.length}`);
    }
    if (version < 1 && req.keyType !== CoordinatorKeyType.GROUP) {
      throw new RangeError(`FindCoordinator v0 finds group coordinators only, not key type ${req.keyType}`);
    }
    if (flexible) w.writeCompactString(req.keys[0]);
    else w.writeString(req.keys[0]);
  }
  if (version >= 1) w.writeInt8(req.keyType);
  if (version >= 4) {
    w.writeCompactArrayLength(req.keys.length);
    for (const key of req.keys) w.writeCompactString(key);
  }
  if (flexible) w.writeEmptyTaggedFields();
}

export function decodeFindCoordinatorResponse(r: Reader, version: number): FindCoordinatorResponse {
  const flexible = version >= 3;
  const throttleTimeMs = version >= 1 ? r.readInt32('throttleTimeMs') : 0;
  const coordinators: Coordinator[] = [];
  if (version >= 4) {
    const n = r.readCompactArrayLength('coordinators', 14);
    for (let i = 0; i < n; i++) {
      const c: Coordinator = {
        key: r.readCompactString('coordinators.key'),
        nodeId: r.readInt32('coordinators.nodeId'),
        host: r.readCompactString('coordinators.host'),
        port: r.readInt32('coordinators.port'),
        errorCode: r.readInt16('coordinators.errorCode'),
        errorMessage: r.readCompactNullableString('coordinators.errorMessage'),
      };
      r.readTaggedFields('coordinators.taggedFields');
      coordinators.push(c);
    }
  } else {
    const errorCode = r.readInt16('errorCode');
    let errorMessage: string | null = null;
    if (version >= 1) errorMessage = flexible ? r.readCompactNullableString('errorMessage') : r.readNullableString('errorMessage');
    const nodeId = r.readInt32('nodeId');
    const host = flexible ? r.readCompactString('host') : r.readString('host');
    const port = r.readInt32('port');
    coordinators.push({ key: '', nodeId, host, port, errorCode, errorMessage });
  }
  if (flexible) r.readTaggedFields('taggedFields');
  return { throttleTimeMs, coordinators };
}
