/**
 * SaslAuthenticate (key 36), v0-v2; flexible from v2.
 *
 * v1 adds SessionLifetimeMs to the response (KIP-368 re-authentication).
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

export function encodeSaslAuthenticateRequest(w: Writer, version: number, req: SaslAuthenticateRequest): void {
  if (version >= 2) {
    w.writeCompactBytes(req.authBytes);
    w.writeEmptyTaggedFields();
  } else {
    w.writeBytes(req.authBytes);
  }
}

export function decodeSaslAuthenticateResponse(r: Reader, version: number): SaslAuthenticateResponse {
  const flexible = version >= 2;
  const errorCode = r.readInt16('errorCode');
  const errorMessage = flexible ? r.readCompactNullableString('errorMessage') : r.readNullableString('errorMessage');
  const authBytes = flexible ? r.readCompactBytes('authBytes') : r.readBytes('authBytes');
  const sessionLifetimeMs = version >= 1 ? r.readInt64('sessionLifetimeMs') : 0;
  if (flexible) r.readTaggedFields('taggedFields');
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
}
