/** Request and response headers against Java's RequestHeaderData / ResponseHeaderData bytes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeResponseHeader, encodeRequestHeader } from '../../src/protocol/header';
import { Reader } from '../../src/protocol/reader';
import { Writer } from '../../src/protocol/writer';
import { GOLDEN_DIR, readHex, readJson } from './golden-support';

const dir = path.join(GOLDEN_DIR, 'header');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4));

test('vectors exist for request v1/v2 and response v0/v1', () => {
  expect(files).toEqual(expect.arrayContaining(['request-v1', 'request-v2', 'request-v1-null-client', 'response-v0', 'response-v1']));
});

test.each(files.filter((f) => f.startsWith('request-')))('%s is encoded exactly as Java', (name) => {
  const version = Number(/request-v(\d)/.exec(name)![1]) as 1 | 2;
  const w = new Writer(8);
  encodeRequestHeader(w, version, readJson(path.join(dir, `${name}.json`)));
  expect(w.view().toString('hex')).toBe(readHex(path.join(dir, `${name}.hex`)).toString('hex'));
});

test.each(files.filter((f) => f.startsWith('response-')))('%s decodes to Java\'s correlation id', (name) => {
  const version = Number(/response-v(\d)/.exec(name)![1]) as 0 | 1;
  const r = new Reader(readHex(path.join(dir, `${name}.hex`)));
  expect(decodeResponseHeader(r, version)).toEqual({ correlationId: readJson(path.join(dir, `${name}.json`)).correlationId });
  expect(r.remaining).toBe(0);
});
