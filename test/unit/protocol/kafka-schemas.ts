/**
 * Kafka's own message schemas (the `common/message/*.json` files inside the kafka-clients jar)
 * and a generic codec driven by them, for message-schemas.test.ts.
 *
 * The codec is written from the schema format alone (versions, nullableVersions,
 * flexibleVersions, taggedVersions/tag, struct and array types) and shares no code with
 * src/protocol: not the Reader, not the Writer. That way a test that round-trips through it
 * and one of our real encoders or decoders checks the bytes against the schema, not against
 * ourselves.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// Finding the jar

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The kafka-clients version the golden vectors were made with: one pin for both. */
export function kafkaClientsVersion(): string {
  const index = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'golden', 'index.json'), 'utf8')) as {
    kafkaClientsVersion?: unknown;
  };
  if (typeof index.kafkaClientsVersion !== 'string') throw new Error('test/golden/index.json has no kafkaClientsVersion');
  return index.kafkaClientsVersion;
}

function jarIn(repo: string, version: string): string {
  return path.join(repo, 'org', 'apache', 'kafka', 'kafka-clients', version, `kafka-clients-${version}.jar`);
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string; error?: Error }> {
  return new Promise((resolve) => {
    let output = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, output, error: error as Error });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output, error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const tail = (text: string) => text.trim().split('\n').slice(-25).join('\n');

/**
 * The kafka-clients jar from the local Maven repository. When it is not there yet, Maven
 * fetches it from Maven Central, as the broker harness fetches its jars. Never skips: a
 * missing jar is an error that says what to do.
 */
export async function findKafkaClientsJar(version: string): Promise<string> {
  const defaultRepo = path.join(os.homedir(), '.m2', 'repository');
  const first = jarIn(defaultRepo, version);
  if (fs.existsSync(first)) return first;

  const artifact = `org.apache.kafka:kafka-clients:${version}`;
  const get = await run('mvn', ['-q', '-B', '-Dstyle.color=never', 'dependency:get', `-Dartifact=${artifact}`, '-Dtransitive=false'], 10 * 60_000);
  const problems: string[] = [];
  if (get.error) problems.push(`could not run mvn: ${get.error.message}`);
  else if (get.code !== 0) problems.push(`mvn dependency:get exited ${get.code}:\n${tail(get.output)}`);
  if (fs.existsSync(first)) return first;
  if (!get.error) {
    // Maven may keep its repository elsewhere (settings.xml, or a home directory other than
    // $HOME): ask Maven where.
    const where = await run(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', 'help:evaluate', '-Dexpression=settings.localRepository', '-DforceStdout'],
      5 * 60_000,
    );
    const repo = (where.output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').pop() ?? '').trim();
    if (where.code === 0 && repo !== '' && fs.existsSync(jarIn(repo, version))) return jarIn(repo, version);
  }
  throw new Error(
    `The kafka-clients ${version} jar is needed to check our messages against Kafka's schemas, and it is ` +
      `not in the local Maven repository (looked for ${first}). Install Java and Maven (the broker tests ` +
      `need them too) or run: mvn dependency:get -Dartifact=${artifact}\n${problems.join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading files out of a jar (a zip): the central directory, then each entry's local header.

export function readZipEntries(zipPath: string, wanted: (name: string) => boolean): Map<string, Buffer> {
  const zip = fs.readFileSync(zipPath);
  // End of central directory: 22 bytes plus a comment of up to 64 KiB, at the very end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error(`${zipPath}: zip64 archives are not supported here`);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (!wanted(name)) continue;
    if (zip.readUInt32LE(localAt) !== 0x04034b50) throw new Error(`${zipPath}: bad local header for ${name}`);
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const raw = zip.subarray(dataAt, dataAt + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (data === null) throw new Error(`${zipPath}: ${name} uses compression method ${method}`);
    if (data.length !== size) throw new Error(`${zipPath}: ${name} inflated to ${data.length} bytes, expected ${size}`);
    out.set(name, data);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The schema format

/** An inclusive version range; `hi` is Infinity for "N+". */
export interface Versions {
  lo: number;
  hi: number;
}

/** "3+", "0-12", "5", "none" (null), or absent (null). */
export function parseVersions(text: string | undefined): Versions | null {
  if (text === undefined || text === 'none') return null;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`cannot read versions ${JSON.stringify(text)}`);
}

export function inVersions(vs: Versions | null, v: number): boolean {
  return vs !== null && v >= vs.lo && v <= vs.hi;
}

export interface FieldSchema {
  /** The schema's name, e.g. "TopicId". */
  name: string;
  /** The name in our messages and in Java's JSON rendering: "topicId". */
  key: string;
  type: string;
  versions: Versions | null;
  nullableVersions: Versions | null;
  taggedVersions: Versions | null;
  tag: number | undefined;
  /** A field's own flexibleVersions ("none" for the request header's client id). */
  flexibleVersions: Versions | null | undefined;
  default: unknown;
  /** Fields of a struct or of an array's struct element. */
  fields: FieldSchema[] | undefined;
}

export interface MessageSchema {
  name: string;
  type: 'request' | 'response' | 'header';
  apiKey: number | undefined;
  validVersions: Versions;
  flexibleVersions: Versions | null;
  latestVersionUnstable: boolean;
  fields: FieldSchema[];
}

/** Removes // and /* comments outside strings (the schema files carry a license header). */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

const camel = (name: string) => name[0].toLowerCase() + name.slice(1);

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: unknown;
  fields?: RawField[];
}

export function parseMessageSchema(text: string): MessageSchema {
  const raw = JSON.parse(stripJsonComments(text)) as {
    name: string;
    type: 'request' | 'response' | 'header';
    apiKey?: number;
    validVersions: string;
    flexibleVersions: string;
    latestVersionUnstable?: boolean;
    fields: RawField[];
    commonStructs?: { name: string; fields: RawField[] }[];
  };
  const common = new Map((raw.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const convert = (f: RawField): FieldSchema => {
    const element = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
    const structFields = f.fields ?? common.get(element);
    return {
      name: f.name,
      key: camel(f.name),
      type: f.type,
      versions: parseVersions(f.versions),
      nullableVersions: parseVersions(f.nullableVersions),
      taggedVersions: parseVersions(f.taggedVersions),
      tag: f.tag,
      flexibleVersions: 'flexibleVersions' in f ? parseVersions(f.flexibleVersions) : undefined,
      default: f.default,
      fields: structFields?.map(convert),
    };
  };
  const validVersions = parseVersions(raw.validVersions);
  if (!validVersions) throw new Error(`${raw.name}: no validVersions`);
  return {
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    fields: raw.fields.map(convert),
  };
}

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records']);

export const ZERO_UUID = Buffer.alloc(16).toString('base64url');

function isArray(f: FieldSchema): boolean {
  return f.type.startsWith('[]');
}

function elementType(f: FieldSchema): string {
  return isArray(f) ? f.type.slice(2) : f.type;
}

function isStruct(f: FieldSchema): boolean {
  return !PRIMITIVES.has(elementType(f));
}

/** Whether a field is in the message at version `v` (tagged or not). */
export function present(f: FieldSchema, v: number): boolean {
  return inVersions(f.versions, v);
}

export function tagged(f: FieldSchema, v: number): boolean {
  return inVersions(f.taggedVersions, v);
}

function fieldFlexible(f: FieldSchema, v: number, messageFlexible: boolean): boolean {
  if (f.flexibleVersions !== undefined) return inVersions(f.flexibleVersions, v);
  return messageFlexible;
}

/** The value a field has when it is not on the wire: the schema's default, else the type's zero. */
export function defaultValue(f: FieldSchema, v: number): unknown {
  if (isArray(f)) return [];
  if (isStruct(f)) return Object.fromEntries(f.fields!.map((c) => [c.key, defaultValue(c, v)]));
  const d = f.default;
  switch (f.type) {
    case 'bool':
      return d === true || d === 'true';
    case 'string':
      if (d === 'null') return null;
      return typeof d === 'string' ? d : '';
    case 'bytes':
    case 'records':
      return inVersions(f.nullableVersions, v) && d === 'null' ? null : Buffer.alloc(0);
    case 'uuid':
      return ZERO_UUID;
    default:
      return d === undefined ? 0 : Number(d);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Out {
  private chunks: Buffer[] = [];
  put(b: Buffer): void {
    this.chunks.push(b);
  }
  int(bytes: 1 | 2 | 4, v: number, unsigned = false): void {
    const b = Buffer.alloc(bytes);
    if (bytes === 1) b.writeInt8(v);
    else if (bytes === 2) unsigned ? b.writeUInt16BE(v) : b.writeInt16BE(v);
    else unsigned ? b.writeUInt32BE(v) : b.writeInt32BE(v);
    this.put(b);
  }
  int64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.put(b);
  }
  uvarint(v: number): void {
    const bytes: number[] = [];
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0);
    this.put(Buffer.from(bytes));
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface EncodeOptions {
  /** Add unknown tagged fields (tags 9 and 300) to every tagged-field section. */
  unknownTags?: boolean;
  /** Write a null even where the schema does not allow one (to check that a decoder refuses it). */
  illegalNulls?: boolean;
}

/** Extra tags a decoder must skip; above every tag the schemas here use. */
export const UNKNOWN_TAGS: readonly (readonly [number, Buffer])[] = [
  [9, Buffer.from([0xde, 0xad, 0x01])],
  [300, Buffer.alloc(0)],
];

/**
 * Encodes `value` (keys as in FieldSchema.key) at version `v`. A tagged field is written when
 * its key is present in `value` and left out when it is absent, as Java leaves out a tagged
 * field that has its default.
 */
export function encodeMessage(schema: MessageSchema, v: number, value: Record<string, unknown>, opts: EncodeOptions = {}): Buffer {
  const out = new Out();
  encodeStruct(out, schema.fields, v, inVersions(schema.flexibleVersions, v), value, opts, schema.name);
  return out.bytes();
}

function encodeStruct(out: Out, fields: FieldSchema[], v: number, flexible: boolean, value: Record<string, unknown>, opts: EncodeOptions, at: string): void {
  const tags: [number, Buffer][] = [];
  for (const f of fields) {
    if (!present(f, v)) continue;
    const where = `${at}.${f.key}`;
    if (tagged(f, v)) {
      if (!flexible) throw new Error(`${where}: tagged field in a non-flexible version`);
      if (!(f.key in value)) continue;
      const sub = new Out();
      encodeField(sub, f, v, true, value[f.key], opts, where);
      tags.push([f.tag!, sub.bytes()]);
      continue;
    }
    if (!(f.key in value)) throw new Error(`${where}: no value to encode`);
    encodeField(out, f, v, fieldFlexible(f, v, flexible), value[f.key], opts, where);
  }
  if (!flexible) return;
  if (opts.unknownTags) tags.push(...UNKNOWN_TAGS.map(([t, b]) => [t, b] as [number, Buffer]));
  tags.sort((a, b) => a[0] - b[0]);
  out.uvarint(tags.length);
  for (const [tag, data] of tags) {
    out.uvarint(tag);
    out.uvarint(data.length);
    out.put(data);
  }
}

function encodeField(out: Out, f: FieldSchema, v: number, flexible: boolean, value: unknown, opts: EncodeOptions, at: string): void {
  const nullable = inVersions(f.nullableVersions, v);
  if (value === null && !nullable && !opts.illegalNulls) throw new Error(`${at}: null in a version where the field is not nullable`);
  if (isArray(f)) {
    const items = value as unknown[] | null;
    if (items === null) flexible ? out.uvarint(0) : out.int(4, -1);
    else flexible ? out.uvarint(items.length + 1) : out.int(4, items.length);
    for (const item of items ?? []) {
      if (isStruct(f)) encodeStruct(out, f.fields!, v, flexible, item as Record<string, unknown>, opts, `${at}[]`);
      else encodePrimitive(out, elementType(f), false, flexible, item, at);
    }
    return;
  }
  if (isStruct(f)) {
    if (nullable) throw new Error(`${at}: nullable structs are not handled by this codec`);
    encodeStruct(out, f.fields!, v, flexible, value as Record<string, unknown>, opts, at);
    return;
  }
  encodePrimitive(out, f.type, nullable, flexible, value, at);
}

function encodePrimitive(out: Out, type: string, nullable: boolean, flexible: boolean, value: unknown, at: string): void {
  switch (type) {
    case 'bool':
      return out.int(1, value ? 1 : 0);
    case 'int8':
      return out.int(1, value as number);
    case 'int16':
      return out.int(2, value as number);
    case 'uint16':
      return out.int(2, value as number, true);
    case 'int32':
      return out.int(4, value as number);
    case 'uint32':
      return out.int(4, value as number, true);
    case 'int64':
      return out.int64(value as number);
    case 'float64': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(value as number);
      return out.put(b);
    }
    case 'uuid': {
      const b = Buffer.from(value as string, 'base64url');
      if (b.length !== 16) throw new Error(`${at}: not a uuid: ${String(value)}`);
      return out.put(b);
    }
    case 'string': {
      if (value === null) return flexible ? out.uvarint(0) : out.int(2, -1);
      const b = Buffer.from(value as string, 'utf8');
      flexible ? out.uvarint(b.length + 1) : out.int(2, b.length);
      return out.put(b);
    }
    case 'bytes':
    case 'records': {
      if (value === null) return flexible ? out.uvarint(0) : out.int(4, -1);
      const b = Buffer.from(value as Uint8Array);
      flexible ? out.uvarint(b.length + 1) : out.int(4, b.length);
      return out.put(b);
    }
    default:
      throw new Error(`${at}: unknown type ${type}${nullable ? ' (nullable)' : ''}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding (strict: every length checked, unknown tags refused, nothing left over)

class In {
  offset = 0;
  constructor(
    readonly buf: Buffer,
    readonly end = buf.length,
  ) {}
  need(n: number, at: string): void {
    if (n < 0 || this.offset + n > this.end) throw new Error(`${at}: needs ${n} byte(s) at ${this.offset}, the message ends at ${this.end}`);
  }
  take(n: number, at: string): Buffer {
    this.need(n, at);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  uvarint(at: string): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.take(1, at)[0];
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new Error(`${at}: unsigned varint longer than 5 bytes`);
  }
}

/**
 * Decodes a whole message at version `v`: every byte must be used. Tagged fields that are not
 * on the wire get their defaults; an unknown tag is an error (our encoders must write only
 * the schema's tags).
 */
export function decodeMessage(schema: MessageSchema, v: number, bytes: Buffer): Record<string, unknown> {
  const input = new In(bytes);
  const value = decodeStruct(input, schema.fields, v, inVersions(schema.flexibleVersions, v), schema.name);
  if (input.offset !== bytes.length) {
    throw new Error(`${schema.name} v${v}: ${bytes.length - input.offset} byte(s) left over after the last field`);
  }
  return value;
}

function decodeStruct(input: In, fields: FieldSchema[], v: number, flexible: boolean, at: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const byTag = new Map<number, FieldSchema>();
  for (const f of fields) {
    if (!present(f, v)) continue;
    if (tagged(f, v)) {
      byTag.set(f.tag!, f);
      value[f.key] = defaultValue(f, v);
      continue;
    }
    value[f.key] = decodeField(input, f, v, fieldFlexible(f, v, flexible), `${at}.${f.key}`);
  }
  if (!flexible) return value;
  const count = input.uvarint(`${at}.<tag count>`);
  let last = -1;
  for (let i = 0; i < count; i++) {
    const tag = input.uvarint(`${at}.<tag>`);
    if (tag <= last) throw new Error(`${at}: tag ${tag} after tag ${last}`);
    last = tag;
    const size = input.uvarint(`${at}.<tag ${tag} size>`);
    input.need(size, `${at}.<tag ${tag}>`);
    const f = byTag.get(tag);
    if (!f) throw new Error(`${at}: unknown tag ${tag}`);
    const sub = new In(input.buf, input.offset + size);
    sub.offset = input.offset;
    value[f.key] = decodeField(sub, f, v, true, `${at}.${f.key}`);
    if (sub.offset !== input.offset + size) throw new Error(`${at}.${f.key}: tagged field of ${size} byte(s) holds ${sub.offset - input.offset}`);
    input.offset += size;
  }
  return value;
}

function decodeField(input: In, f: FieldSchema, v: number, flexible: boolean, at: string): unknown {
  const nullable = inVersions(f.nullableVersions, v);
  if (isArray(f)) {
    const n = flexible ? input.uvarint(at) - 1 : input.take(4, at).readInt32BE(0);
    if (n === -1) {
      if (!nullable) throw new Error(`${at}: null array where the field is not nullable`);
      return null;
    }
    if (n < 0) throw new Error(`${at}: array length ${n}`);
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) {
      items.push(isStruct(f) ? decodeStruct(input, f.fields!, v, flexible, `${at}[${i}]`) : decodePrimitive(input, elementType(f), false, flexible, `${at}[${i}]`));
    }
    return items;
  }
  if (isStruct(f)) return decodeStruct(input, f.fields!, v, flexible, at);
  return decodePrimitive(input, f.type, nullable, flexible, at);
}

function decodePrimitive(input: In, type: string, nullable: boolean, flexible: boolean, at: string): unknown {
  switch (type) {
    case 'bool': {
      const b = input.take(1, at)[0];
      if (b > 1) throw new Error(`${at}: boolean byte ${b}`);
      return b === 1;
    }
    case 'int8':
      return input.take(1, at).readInt8(0);
    case 'int16':
      return input.take(2, at).readInt16BE(0);
    case 'uint16':
      return input.take(2, at).readUInt16BE(0);
    case 'int32':
      return input.take(4, at).readInt32BE(0);
    case 'uint32':
      return input.take(4, at).readUInt32BE(0);
    case 'int64': {
      const n = input.take(8, at).readBigInt64BE(0);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) return n;
      return Number(n);
    }
    case 'float64':
      return input.take(8, at).readDoubleBE(0);
    case 'uuid':
      return input.take(16, at).toString('base64url');
    case 'string':
    case 'bytes':
    case 'records': {
      const wide = type !== 'string';
      let n: number;
      if (flexible) n = input.uvarint(at) - 1;
      else n = wide ? input.take(4, at).readInt32BE(0) : input.take(2, at).readInt16BE(0);
      if (n === -1) {
        if (!nullable) throw new Error(`${at}: null where the field is not nullable`);
        return null;
      }
      if (n < 0) throw new Error(`${at}: length ${n}`);
      const b = input.take(n, at);
      return wide ? Buffer.from(b) : b.toString('utf8');
    }
    default:
      throw new Error(`${at}: unknown type ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Distinctive values

export interface ValueOptions {
  /** 'none': no nulls; 'leaves': nullable strings and bytes are null; 'all': nullable arrays too. */
  nulls: 'none' | 'leaves' | 'all';
  /** Elements per array. */
  arrayLength: number;
  /** Whether tagged fields get (non-default) values or are left out. */
  taggedFields: boolean;
  /** Seed: shifts every value, and flips every boolean between seeds 0 and 1. */
  seed: number;
}

/**
 * A value for every field present at `v`, each different from the others and from its
 * default where the type allows, so a field read from the wrong place shows.
 */
export function distinctiveValue(schema: MessageSchema, v: number, opts: ValueOptions): Record<string, unknown> {
  let n = opts.seed * 1000;
  const next = () => ++n;
  const struct = (fields: FieldSchema[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (!present(f, v)) continue;
      if (tagged(f, v) && !opts.taggedFields) continue;
      out[f.key] = field(f);
    }
    return out;
  };
  const field = (f: FieldSchema): unknown => {
    const nullable = inVersions(f.nullableVersions, v);
    if (isArray(f)) {
      if (nullable && opts.nulls === 'all') return null;
      return Array.from({ length: opts.arrayLength }, () => (isStruct(f) ? struct(f.fields!) : primitive(elementType(f), false, f.key)));
    }
    if (isStruct(f)) return struct(f.fields!);
    return primitive(f.type, nullable, f.key);
  };
  const primitive = (type: string, nullable: boolean, key: string): unknown => {
    const k = next();
    const sign = k % 2 === 0 ? 1 : -1;
    if (nullable && opts.nulls !== 'none' && (type === 'string' || type === 'bytes' || type === 'records')) return null;
    switch (type) {
      case 'bool':
        return (k + opts.seed) % 2 === 0;
      case 'int8':
        return sign * (3 + (k % 120));
      case 'int16':
        return sign * (0x0102 + k);
      case 'uint16':
        return 0x8001 + (k % 0x7000);
      case 'int32':
        return sign * (0x01020304 + k);
      case 'uint32':
        return 0x80000001 + k;
      case 'int64':
        return sign * (0x0102030405 * 256 + k);
      case 'float64':
        return sign * (k + 0.5);
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = (k * 31 + i * 7 + 1) & 0xff;
        return b.toString('base64url');
      }
      case 'string':
        return `${key}-${k}-é`;
      case 'bytes':
      case 'records':
        return Buffer.from(Array.from({ length: 3 + (k % 5) }, (_, i) => (k + i * 13) & 0xff));
      default:
        throw new Error(`unknown type ${type}`);
    }
  };
  return struct(schema.fields);
}

// ---------------------------------------------------------------------------------------------
// Nulls the schema forbids

/** Fields on the wire at `v` that can hold a null on the wire but may not at `v`. */
export function nonNullableFields(schema: MessageSchema, v: number): FieldSchema[] {
  const out: FieldSchema[] = [];
  const walk = (fields: FieldSchema[]) => {
    for (const f of fields) {
      if (!present(f, v)) continue;
      const canBeNull = isArray(f) || f.type === 'string' || f.type === 'bytes' || f.type === 'records';
      if (canBeNull && !inVersions(f.nullableVersions, v)) out.push(f);
      if (f.fields) walk(f.fields);
    }
  };
  walk(schema.fields);
  return out;
}

/** A copy of `value` with `target` set to null wherever it occurs. */
export function withNull(schema: MessageSchema, value: Record<string, unknown>, target: FieldSchema): Record<string, unknown> {
  const copy = (fields: FieldSchema[], obj: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...obj };
    for (const f of fields) {
      if (!(f.key in out)) continue;
      if (f === target) out[f.key] = null;
      else if (f.fields && Array.isArray(out[f.key])) out[f.key] = (out[f.key] as Record<string, unknown>[]).map((e) => copy(f.fields!, e));
      else if (f.fields && out[f.key] !== null) out[f.key] = copy(f.fields, out[f.key] as Record<string, unknown>);
    }
    return out;
  };
  return copy(schema.fields, value);
}
