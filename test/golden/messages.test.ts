/**
 * Every API and version we speak, against bytes the Java client's own message classes made:
 * our encoders must produce Java's request bytes exactly, and our decoders must read Java's
 * response bytes back to the values Java rendered. Where our shape differs from Java's
 * (FindCoordinator, AddPartitionsToTxn), schema-shapes.ts maps between the two.
 */
import {
  ADD_OFFSETS_TO_TXN_API,
  ADD_PARTITIONS_TO_TXN_API,
  API_VERSIONS_API,
  APIS,
  ApiSpec,
  END_TXN_API,
  FIND_COORDINATOR_API,
  INIT_PRODUCER_ID_API,
  METADATA_API,
  PRODUCE_API,
  SASL_AUTHENTICATE_API,
  SASL_HANDSHAKE_API,
  TXN_OFFSET_COMMIT_API,
} from '../../src/protocol/api-keys';
import { MalformedResponseError } from '../../src/protocol/errors';
import { decodeAddOffsetsToTxnResponse, encodeAddOffsetsToTxnRequest } from '../../src/protocol/messages/add-offsets-to-txn';
import { decodeAddPartitionsToTxnResponse, encodeAddPartitionsToTxnRequest } from '../../src/protocol/messages/add-partitions-to-txn';
import { decodeApiVersionsResponse, encodeApiVersionsRequest } from '../../src/protocol/messages/api-versions';
import { decodeEndTxnResponse, encodeEndTxnRequest } from '../../src/protocol/messages/end-txn';
import { decodeFindCoordinatorResponse, encodeFindCoordinatorRequest } from '../../src/protocol/messages/find-coordinator';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse, encodeMetadataRequest } from '../../src/protocol/messages/metadata';
import { decodeProduceResponse, encodeProduceRequest, DetachedRecords } from '../../src/protocol/messages/produce';
import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateRequest } from '../../src/protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse, encodeSaslHandshakeRequest } from '../../src/protocol/messages/sasl-handshake';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest } from '../../src/protocol/messages/txn-offset-commit';
import { Reader } from '../../src/protocol/reader';
import { Writer } from '../../src/protocol/writer';
import { toOurRequest, toSchemaResponse } from '../unit/protocol/schema-shapes';
import { expectMatchesJava, listVectors, readHex, readJson, withBytes } from './golden-support';

interface Case {
  dir: string;
  api: ApiSpec;
  encode: (w: Writer, version: number, req: any) => void;
  decode: (r: Reader, version: number) => unknown;
  bytesFields: string[];
}

const cases: Case[] = [
  { dir: 'api-versions', api: API_VERSIONS_API, encode: encodeApiVersionsRequest, decode: decodeApiVersionsResponse, bytesFields: [] },
  { dir: 'metadata', api: METADATA_API, encode: encodeMetadataRequest, decode: decodeMetadataResponse, bytesFields: [] },
  { dir: 'produce', api: PRODUCE_API, encode: encodeProduceRequest, decode: decodeProduceResponse, bytesFields: ['records'] },
  { dir: 'init-producer-id', api: INIT_PRODUCER_ID_API, encode: encodeInitProducerIdRequest, decode: decodeInitProducerIdResponse, bytesFields: [] },
  { dir: 'sasl-handshake', api: SASL_HANDSHAKE_API, encode: encodeSaslHandshakeRequest, decode: decodeSaslHandshakeResponse, bytesFields: [] },
  { dir: 'sasl-authenticate', api: SASL_AUTHENTICATE_API, encode: encodeSaslAuthenticateRequest, decode: decodeSaslAuthenticateResponse, bytesFields: ['authBytes'] },
  { dir: 'find-coordinator', api: FIND_COORDINATOR_API, encode: encodeFindCoordinatorRequest, decode: decodeFindCoordinatorResponse, bytesFields: [] },
  { dir: 'add-partitions-to-txn', api: ADD_PARTITIONS_TO_TXN_API, encode: encodeAddPartitionsToTxnRequest, decode: decodeAddPartitionsToTxnResponse, bytesFields: [] },
  { dir: 'add-offsets-to-txn', api: ADD_OFFSETS_TO_TXN_API, encode: encodeAddOffsetsToTxnRequest, decode: decodeAddOffsetsToTxnResponse, bytesFields: [] },
  { dir: 'end-txn', api: END_TXN_API, encode: encodeEndTxnRequest, decode: decodeEndTxnResponse, bytesFields: [] },
  { dir: 'txn-offset-commit', api: TXN_OFFSET_COMMIT_API, encode: encodeTxnOffsetCommitRequest, decode: decodeTxnOffsetCommitResponse, bytesFields: [] },
];

test('every API we speak has golden vectors here', () => {
  expect(cases.map((c) => c.api.apiKey).sort((a, b) => a - b)).toEqual(APIS.map((a) => a.apiKey).sort((a, b) => a - b));
});

describe.each(cases)('$dir', ({ dir, api, encode, decode, bytesFields }) => {
  const vectors = listVectors(dir).filter((v) => v.version >= api.minVersion && v.version <= api.maxVersion);

  test('vectors cover every version we speak', () => {
    for (const kind of ['request', 'response'] as const) {
      const versions = new Set(vectors.filter((v) => v.kind === kind).map((v) => v.version));
      for (let v = api.minVersion; v <= api.maxVersion; v++) expect([kind, v, versions.has(v)]).toEqual([kind, v, true]);
    }
  });

  const requests = vectors.filter((v) => v.kind === 'request');
  const responses = vectors.filter((v) => v.kind === 'response');

  test.each(requests)('encodes $name exactly as Java', (vec) => {
    const req = withBytes(readJson(vec.jsonPath), bytesFields);
    const w = new Writer(64);
    encode(w, vec.version, toOurRequest(api.apiKey, req, vec.version));
    expect(w.view().toString('hex')).toBe(readHex(vec.hexPath).toString('hex'));
  });

  test.each(responses)('decodes Java\'s $name to the same values', (vec) => {
    const bytes = readHex(vec.hexPath);
    const r = new Reader(bytes);
    const ours = decode(r, vec.version);
    expect(r.remaining).toBe(0);
    expectMatchesJava(toSchemaResponse(api.apiKey, ours, vec.version), readJson(vec.jsonPath));
  });

  test.each(responses)('every truncation of $name is a MalformedResponseError', (vec) => {
    const bytes = readHex(vec.hexPath);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decode(new Reader(bytes.subarray(0, n)), vec.version)).toThrow(MalformedResponseError);
    }
  });
});

test('produce: detached records give the same bytes once spliced back in', () => {
  const vec = listVectors('produce').find((v) => v.kind === 'request' && v.version === 9)!;
  const req = withBytes(readJson(vec.jsonPath), ['records']);
  const w = new Writer(64);
  const detached: DetachedRecords = { positions: [], records: [] };
  encodeProduceRequest(w, 9, req, detached);
  const parts: Buffer[] = [];
  let from = 0;
  detached.positions.forEach((at, i) => {
    parts.push(w.buf.subarray(from, at), Buffer.from(detached.records[i]));
    from = at;
  });
  parts.push(w.buf.subarray(from, w.offset));
  expect(Buffer.concat(parts).toString('hex')).toBe(readHex(vec.hexPath).toString('hex'));
});
