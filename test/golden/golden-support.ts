/**
 * Reading the Java-made golden vectors: diffable hex files and the Java client's own JSON
 * rendering of the same message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const GOLDEN_DIR = __dirname;

export function readHex(file: string): Buffer {
  return Buffer.from(fs.readFileSync(file, 'utf8').replace(/\s+/g, ''), 'hex');
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export interface VectorFile {
  version: number;
  kind: 'request' | 'response';
  /** e.g. "v3-response-unknown-tags" */
  name: string;
  hexPath: string;
  jsonPath: string;
}

/** Every vN-request*.hex / vN-response*.hex in a golden folder that has a JSON beside it. */
export function listVectors(dir: string): VectorFile[] {
  const full = path.join(GOLDEN_DIR, dir);
  const out: VectorFile[] = [];
  for (const f of fs.readdirSync(full).sort()) {
    const m = /^v(\d+)-(request|response)(.*)\.hex$/.exec(f);
    if (!m) continue;
    const name = f.slice(0, -4);
    const jsonPath = path.join(full, `${name}.json`);
    if (!fs.existsSync(jsonPath)) continue;
    out.push({ version: Number(m[1]), kind: m[2] as 'request' | 'response', name, hexPath: path.join(full, f), jsonPath });
  }
  return out;
}

/** Converts the named base64 fields (Java renders bytes and records as base64) to Buffers. */
export function withBytes<T>(value: T, bytesFields: readonly string[]): T {
  if (Array.isArray(value)) return value.map((v) => withBytes(v, bytesFields)) as unknown as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = bytesFields.includes(k) && typeof v === 'string' ? Buffer.from(v, 'base64') : withBytes(v, bytesFields);
    }
    return out as T;
  }
  return value;
}

/**
 * Asserts that `ours` holds every field of Java's rendering with the same value. Fields the
 * Java JSON leaves out (absent at that version) are not compared; a field Java has and we
 * lack is a failure. Buffers compare as base64, as Java renders bytes.
 */
export function expectMatchesJava(ours: unknown, java: unknown, at = '$'): void {
  if (Buffer.isBuffer(ours)) {
    if (ours.toString('base64') !== java) throw new Error(`${at}: bytes ${ours.toString('base64')} != Java's ${String(java)}`);
    return;
  }
  if (Array.isArray(java)) {
    if (!Array.isArray(ours)) throw new Error(`${at}: expected an array, got ${JSON.stringify(ours)}`);
    if (ours.length !== java.length) throw new Error(`${at}: ${ours.length} element(s), Java has ${java.length}`);
    java.forEach((j, i) => expectMatchesJava(ours[i], j, `${at}[${i}]`));
    return;
  }
  if (java !== null && typeof java === 'object') {
    if (ours === null || typeof ours !== 'object') throw new Error(`${at}: expected an object, got ${JSON.stringify(ours)}`);
    for (const [k, j] of Object.entries(java as Record<string, unknown>)) {
      if (!(k in (ours as Record<string, unknown>))) throw new Error(`${at}.${k}: missing (Java has ${JSON.stringify(j)})`);
      expectMatchesJava((ours as Record<string, unknown>)[k], j, `${at}.${k}`);
    }
    return;
  }
  if (ours !== java) throw new Error(`${at}: ${JSON.stringify(ours)} != Java's ${JSON.stringify(java)}`);
}
