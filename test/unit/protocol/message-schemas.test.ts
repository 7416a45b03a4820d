/**
 * Every API and version we speak, against Kafka's own message schemas: the JSON files
 * (common/message/*.json) inside the kafka-clients jar the golden vectors were made with,
 * read straight from the local Maven repository.
 *
 * - Requests: our encoder writes a request full of distinctive values; a generic decoder
 *   built from the schema must read back exactly those values and use every byte.
 * - Responses: a generic encoder built from the schema writes a response full of
 *   distinctive values; our decoder must return each of them under the schema's field name,
 *   the schema's default for a field the version lacks, and use every byte.
 * - Variants cover nulls (nullableVersions), empty arrays, tagged fields present and left
 *   out, unknown tags, and every boolean both ways.
 * - Where our shape differs from the schema's (FindCoordinator, AddPartitionsToTxn),
 *   schema-shapes.ts maps between the two.
 * - api-keys.ts: our version range lies within validVersions (and avoids an unstable
 *   latest version), and our first flexible version is the schema's.
 *
 * The golden vectors check the same codecs against bytes Java wrote for one value per
 * version; this checks layouts against the schema itself, with many values.
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
  requestHeaderVersion,
  responseHeaderVersion,
  SASL_AUTHENTICATE_API,
  SASL_HANDSHAKE_API,
  TXN_OFFSET_COMMIT_API,
} from '../../../src/protocol/api-keys';
import { MalformedResponseError } from '../../../src/protocol/errors';
import { decodeResponseHeader, encodeRequestHeader } from '../../../src/protocol/header';
import { decodeAddOffsetsToTxnResponse, encodeAddOffsetsToTxnRequest } from '../../../src/protocol/messages/add-offsets-to-txn';
import { decodeAddPartitionsToTxnResponse, encodeAddPartitionsToTxnRequest } from '../../../src/protocol/messages/add-partitions-to-txn';
import { decodeApiVersionsResponse, encodeApiVersionsRequest } from '../../../src/protocol/messages/api-versions';
import { decodeEndTxnResponse, encodeEndTxnRequest } from '../../../src/protocol/messages/end-txn';
import { decodeFindCoordinatorResponse, encodeFindCoordinatorRequest } from '../../../src/protocol/messages/find-coordinator';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse, encodeMetadataRequest } from '../../../src/protocol/messages/metadata';
import { decodeProduceResponse, encodeProduceRequest } from '../../../src/protocol/messages/produce';
import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateRequest } from '../../../src/protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse, encodeSaslHandshakeRequest } from '../../../src/protocol/messages/sasl-handshake';
import { decodeTxnOffsetCommitResponse, encodeTxnOffsetCommitRequest } from '../../../src/protocol/messages/txn-offset-commit';
import { Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';
import {
  decodeMessage,
  defaultValue,
  distinctiveValue,
  encodeMessage,
  FieldSchema,
  findKafkaClientsJar,
  inVersions,
  kafkaClientsVersion,
  MessageSchema,
  nonNullableFields,
  parseMessageSchema,
  present,
  readZipEntries,
  ValueOptions,
  withNull,
} from './kafka-schemas';
import { toOurRequest, toSchemaResponse } from './schema-shapes';

interface Codec {
  api: ApiSpec;
  encode: (w: Writer, version: number, req: any) => void;
  decode: (r: Reader, version: number) => unknown;
}

const CODECS: Codec[] = [
  { api: PRODUCE_API, encode: encodeProduceRequest, decode: decodeProduceResponse },
  { api: METADATA_API, encode: encodeMetadataRequest, decode: decodeMetadataResponse },
  { api: SASL_HANDSHAKE_API, encode: encodeSaslHandshakeRequest, decode: decodeSaslHandshakeResponse },
  { api: API_VERSIONS_API, encode: encodeApiVersionsRequest, decode: decodeApiVersionsResponse },
  { api: INIT_PRODUCER_ID_API, encode: encodeInitProducerIdRequest, decode: decodeInitProducerIdResponse },
  { api: SASL_AUTHENTICATE_API, encode: encodeSaslAuthenticateRequest, decode: decodeSaslAuthenticateResponse },
  { api: FIND_COORDINATOR_API, encode: encodeFindCoordinatorRequest, decode: decodeFindCoordinatorResponse },
  { api: ADD_PARTITIONS_TO_TXN_API, encode: encodeAddPartitionsToTxnRequest, decode: decodeAddPartitionsToTxnResponse },
  { api: ADD_OFFSETS_TO_TXN_API, encode: encodeAddOffsetsToTxnRequest, decode: decodeAddOffsetsToTxnResponse },
  { api: END_TXN_API, encode: encodeEndTxnRequest, decode: decodeEndTxnResponse },
  { api: TXN_OFFSET_COMMIT_API, encode: encodeTxnOffsetCommitRequest, decode: decodeTxnOffsetCommitResponse },
];

const schemas = new Map<string, MessageSchema>();

function schema(name: string): MessageSchema {
  const s = schemas.get(name);
  if (!s) throw new Error(`no ${name}.json in the kafka-clients jar (did loading fail? see the first failure)`);
  return s;
}

// A cold Maven repository may have to download the jar first.
beforeAll(async () => {
  const jar = await findKafkaClientsJar(kafkaClientsVersion());
  const wanted = ['RequestHeader', 'ResponseHeader', ...APIS.flatMap((api) => [`${api.name}Request`, `${api.name}Response`])];
  const files = readZipEntries(jar, (name) => wanted.some((w) => name === `common/message/${w}.json`));
  for (const w of wanted) {
    const data = files.get(`common/message/${w}.json`);
    if (!data) throw new Error(`${jar} has no common/message/${w}.json`);
    schemas.set(w, parseMessageSchema(data.toString('utf8')));
  }
}, 15 * 60_000);

const versionsOf = (api: ApiSpec) => Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);

const REQUEST_VARIANTS: [string, ValueOptions][] = [
  ['values', { nulls: 'none', arrayLength: 2, taggedFields: true, seed: 0 }],
  ['other values', { nulls: 'none', arrayLength: 2, taggedFields: true, seed: 1 }],
  ['null strings and bytes', { nulls: 'leaves', arrayLength: 2, taggedFields: true, seed: 0 }],
  ['null arrays', { nulls: 'all', arrayLength: 2, taggedFields: true, seed: 0 }],
  ['empty arrays', { nulls: 'none', arrayLength: 0, taggedFields: true, seed: 0 }],
];

const RESPONSE_VARIANTS: [string, ValueOptions, { unknownTags?: boolean }][] = [
  ...REQUEST_VARIANTS.map(([name, opts]): [string, ValueOptions, {}] => [name, opts, {}]),
  ['tagged fields left out', { nulls: 'none', arrayLength: 2, taggedFields: false, seed: 0 }, {}],
  ['unknown tags', { nulls: 'none', arrayLength: 2, taggedFields: true, seed: 1 }, { unknownTags: true }],
];

test('every API we speak is covered here', () => {
  expect(CODECS.map((c) => c.api.apiKey).sort((a, b) => a - b)).toEqual(APIS.map((a) => a.apiKey).sort((a, b) => a - b));
});

describe.each(CODECS.map((c) => [c.api.name, c] as const))('%s', (name, { api, encode, decode }) => {
  const versions = versionsOf(api);

  test('api-keys.ts agrees with the schemas: key, version range, flexible versions', () => {
    for (const kind of ['Request', 'Response'] as const) {
      const s = schema(`${name}${kind}`);
      const facts = {
        apiKey: s.apiKey,
        withinValidVersions: api.minVersion >= s.validVersions.lo && api.maxVersion <= s.validVersions.hi,
        // An unstable latest version may still change upstream; we must not speak it.
        speaksUnstable: s.latestVersionUnstable && api.maxVersion >= s.validVersions.hi,
        flexibleFrom: s.flexibleVersions ? s.flexibleVersions.lo : Infinity,
      };
      expect([kind, facts]).toEqual([kind, { apiKey: api.apiKey, withinValidVersions: true, speaksUnstable: false, flexibleFrom: api.flexibleFromVersion }]);
    }
  });

  test.each(versions)('header versions at v%i follow the schema flexibility', (v) => {
    const flexible = inVersions(schema(`${name}Request`).flexibleVersions, v);
    expect(requestHeaderVersion(api, v)).toBe(flexible ? 2 : 1);
    // ApiVersions answers with header v0 at every version, so any client can read it.
    const responseFlexible = inVersions(schema(`${name}Response`).flexibleVersions, v) && api.apiKey !== API_VERSIONS_API.apiKey;
    expect(responseHeaderVersion(api, v)).toBe(responseFlexible ? 1 : 0);
  });

  const requestCases = versions.flatMap((v) => REQUEST_VARIANTS.map(([variant, opts]) => ({ v, variant, opts })));
  test.each(requestCases)('request v$v ($variant): our bytes are the schema layout', ({ v, opts }) => {
    const s = schema(`${name}Request`);
    const sent = distinctiveValue(s, v, opts);
    const w = new Writer(64);
    encode(w, v, toOurRequest(api.apiKey, sent, v));
    const decoded = decodeMessage(s, v, Buffer.from(w.view()));
    expect(decoded).toEqual(sent);
  });

  const responseCases = versions.flatMap((v) =>
    RESPONSE_VARIANTS.filter(([, , enc]) => !enc.unknownTags || v >= api.flexibleFromVersion).map(([variant, opts, enc]) => ({ v, variant, opts, enc })),
  );
  test.each(responseCases)('response v$v ($variant): we read every field of the schema layout', ({ v, opts, enc }) => {
    const s = schema(`${name}Response`);
    const sent = distinctiveValue(s, v, opts);
    const bytes = encodeMessage(s, v, sent, enc);
    const r = new Reader(bytes);
    const ours = toSchemaResponse(api.apiKey, decode(r, v), v);
    expect(r.remaining).toBe(0);
    const problems: string[] = [];
    checkDecoded(ours, s.fields, v, sent, `${s.name}`, problems);
    expect(problems).toEqual([]);
  });

  test.each(versions)('response v%i: a null where the schema forbids one is refused', (v) => {
    const s = schema(`${name}Response`);
    const sent = distinctiveValue(s, v, { nulls: 'none', arrayLength: 1, taggedFields: true, seed: 0 });
    const accepted: string[] = [];
    for (const f of nonNullableFields(s, v)) {
      const bytes = encodeMessage(s, v, withNull(s, sent, f), { illegalNulls: true });
      try {
        decode(new Reader(bytes), v);
        accepted.push(f.name);
      } catch (err) {
        if (!(err instanceof MalformedResponseError)) throw err;
      }
    }
    expect(accepted).toEqual([]);
  });
});

describe('headers', () => {
  test.each([1, 2] as const)('request header v%i: our bytes are the schema layout', (hv) => {
    const s = schema('RequestHeader');
    for (const clientId of ['kafka-wire-é', '', null]) {
      const sent = { requestApiKey: 0x0123, requestApiVersion: 0x0a0b, correlationId: -0x01020304, clientId };
      const w = new Writer(64);
      encodeRequestHeader(w, hv, sent);
      expect(decodeMessage(s, hv, Buffer.from(w.view()))).toEqual(sent);
    }
  });

  test.each([0, 1] as const)('response header v%i: we read the schema layout', (hv) => {
    const s = schema('ResponseHeader');
    for (const unknownTags of hv >= 1 ? [false, true] : [false]) {
      const sent = { correlationId: -0x01020304 };
      const bytes = encodeMessage(s, hv, sent, { unknownTags });
      const r = new Reader(bytes);
      expect(decodeResponseHeader(r, hv)).toEqual(sent);
      expect(r.remaining).toBe(0);
    }
  });

  test('our header versions are valid header versions', () => {
    for (const api of APIS) {
      for (const v of versionsOf(api)) {
        expect(inVersions(schema('RequestHeader').validVersions, requestHeaderVersion(api, v))).toBe(true);
        expect(inVersions(schema('ResponseHeader').validVersions, responseHeaderVersion(api, v))).toBe(true);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * Compares what our decoder returned with what was sent. Every key must be a schema field
 * name; a field on the wire at `v` must be there with the value sent; a field the version
 * lacks (or a tagged field left out) may be there, and then holds the schema's default.
 */
function checkDecoded(ours: unknown, fields: FieldSchema[], v: number, sent: Record<string, unknown>, at: string, problems: string[]): void {
  if (ours === null || typeof ours !== 'object' || Array.isArray(ours)) {
    problems.push(`${at}: expected an object, got ${show(ours)}`);
    return;
  }
  const obj = ours as Record<string, unknown>;
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(obj)) if (!known.has(key)) problems.push(`${at}.${key}: no such field in the schema`);
  for (const f of fields) {
    const where = `${at}.${f.key}`;
    if (!(f.key in obj)) {
      if (present(f, v)) problems.push(`${where}: on the wire at v${v} but not decoded`);
      continue;
    }
    const expected = f.key in sent ? sent[f.key] : defaultValue(f, v);
    compareField(obj[f.key], f, v, expected, where, problems);
  }
}

function compareField(ours: unknown, f: FieldSchema, v: number, expected: unknown, at: string, problems: string[]): void {
  const array = f.type.startsWith('[]');
  const struct = f.fields !== undefined;
  if (expected === null || (!array && !struct)) {
    if (!sameValue(ours, expected)) problems.push(`${at}: ${show(ours)}, expected ${show(expected)}`);
    return;
  }
  if (array) {
    const items = expected as unknown[];
    if (!Array.isArray(ours)) {
      problems.push(`${at}: ${show(ours)}, expected an array of ${items.length}`);
      return;
    }
    if (ours.length !== items.length) problems.push(`${at}: ${ours.length} element(s), expected ${items.length}`);
    items.forEach((item, i) => {
      if (i >= ours.length) return;
      if (struct) checkDecoded(ours[i], f.fields!, v, item as Record<string, unknown>, `${at}[${i}]`, problems);
      else if (!sameValue(ours[i], item)) problems.push(`${at}[${i}]: ${show(ours[i])}, expected ${show(item)}`);
    });
    return;
  }
  checkDecoded(ours, f.fields!, v, expected as Record<string, unknown>, at, problems);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return Object.is(a, b);
}

function show(x: unknown): string {
  if (x instanceof Uint8Array) return `bytes ${Buffer.from(x).toString('hex')}`;
  return JSON.stringify(x) ?? String(x);
}
