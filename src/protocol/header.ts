/**
 * Request and response headers.
 *
 * Request header v1: apiKey int16, apiVersion int16, correlationId int32, clientId as a
 * classic nullable string (int16 length). v2 (flexible APIs) adds a tagged-field section but
 * keeps clientId's int16 length. Response header v0 is the correlation id; v1 adds tags.
 * Which version applies depends on the API and its version (see api-keys.ts), except that an
 * ApiVersions response always uses v0 so a client can read it before knowing versions.
 */
import type { Reader } from './reader';
import type { Writer } from './writer';

export interface RequestHeader {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function encodeRequestHeader(w: Writer, headerVersion: 1 | 2, h: RequestHeader): void {
  w.writeInt16(h.requestApiKey);
  w.writeInt16(h.requestApiVersion);
  w.writeInt32(h.correlationId);
  w.writeNullableString(h.clientId);
  if (headerVersion >= 2) w.writeEmptyTaggedFields();
}

export interface ResponseHeader {
  correlationId: number;
}

export function decodeResponseHeader(r: Reader, headerVersion: 0 | 1): ResponseHeader {
  const correlationId = r.readInt32('responseHeader.correlationId');
  if (headerVersion >= 1) r.readTaggedFields('responseHeader.taggedFields');
  return { correlationId };
}
