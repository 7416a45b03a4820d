/**
 * SaslHandshake (key 17), v0-v1; never flexible.
 *
 * v1 means the SASL tokens that follow are framed in SaslAuthenticate requests (KIP-152)
 * rather than sent raw on the socket; this client always uses v1 when offered.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

export function encodeSaslHandshakeRequest(w: Writer, _version: number, req: SaslHandshakeRequest): void {
  w.writeString(req.mechanism);
}

export function decodeSaslHandshakeResponse(r: Reader, _version: number): SaslHandshakeResponse {
  const errorCode = r.readInt16('errorCode');
  const n = r.readArrayLength('mechanisms', 2);
  const mechanisms: string[] = [];
  for (let i = 0; i < n; i++) mechanisms.push(r.readString('mechanisms'));
  return { errorCode, mechanisms };
}
