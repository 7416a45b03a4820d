// `npm run docs` builds the API reference (TypeDoc, typedoc.json) into docs/api/. This runs the
// same TypeDoc with the same settings into a scratch directory (docs/api/ is left alone) and
// checks that it succeeds and that the pages users look for are there: KafkaProducer and its
// main methods, ProducerOptions, every error class the entry points export, and the
// kafka-wire/otel and kafka-wire/kafkajs entry points.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../../src/index';
import * as kafkajs from '../../src/kafkajs';

const root = path.resolve(__dirname, '../..');
const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

let out: string;
let log: string;
let status: number | null;

/** Names of the classes a module exports that extend Error. */
function errorClasses(mod: Record<string, unknown>): string[] {
  return Object.entries(mod)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
    .map(([name]) => name);
}

/** The HTML of a generated page, or '' if there is none. */
function page(rel: string): string {
  const file = path.join(out, rel);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-docs-'));
  const r = spawnSync(process.execPath, [typedoc, '--out', out], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  status = r.status;
  log = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
}, 120_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

test('typedoc builds the API reference without errors', () => {
  expect({ status, log }).toEqual({ status: 0, log: expect.stringContaining('Found 0 errors') });
  expect(fs.existsSync(path.join(out, 'index.html'))).toBe(true);
});

test('KafkaProducer has a page with send, flush, close and initTransactions', () => {
  const html = page('classes/index.KafkaProducer.html');
  expect(html).not.toBe('');
  for (const method of ['send', 'flush', 'close', 'initTransactions']) {
    expect(html).toContain(`id="${method.toLowerCase()}"`);
  }
});

test('ProducerOptions has a page', () => {
  expect(page('interfaces/index.ProducerOptions.html') || page('types/index.ProducerOptions.html')).toContain('ProducerOptions');
});

test('every exported error class has a page', () => {
  const main = errorClasses(api);
  const facade = errorClasses(kafkajs);
  expect(main).toEqual(expect.arrayContaining(['KafkaError', 'SaslAuthenticationError', 'TimeoutError']));
  expect(facade).toContain('KafkaJSError');
  const missing = [
    ...main.filter((n) => page(`classes/index.${n}.html`) === ''),
    ...facade.filter((n) => page(`classes/kafkajs.${n}.html`) === ''),
  ];
  expect(missing).toEqual([]);
});

test('the kafka-wire/otel and kafka-wire/kafkajs entry points have pages', () => {
  expect(page('modules/otel.html')).not.toBe('');
  expect(page('modules/kafkajs.html')).not.toBe('');
});
