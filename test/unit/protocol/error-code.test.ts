// ErrorCode (name -> number) against the Java client's `Errors` enum as dumped to
// test/golden/errors.tsv, in both directions: every Java code is a constant with the same
// number, and every constant is a Java code. Also checks it agrees with ERROR_CODES, the
// table it is derived from, and cannot be changed at run time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ERROR_CODES, ErrorCode, ErrorCodeName, errorInfo } from '../../../src/protocol/errors';

const GOLDEN_PATH = join(__dirname, '..', '..', 'golden', 'errors.tsv');

function readGolden(): Map<string, number> {
  const lines = readFileSync(GOLDEN_PATH, 'utf8').split(/\r?\n/).filter((line) => line !== '');
  expect(lines[0].split('\t').slice(0, 2)).toEqual(['code', 'name']);
  const out = new Map<string, number>();
  for (const [i, line] of lines.slice(1).entries()) {
    const [code, name] = line.split('\t');
    if (!/^-?\d+$/.test(code ?? '') || !name) throw new Error(`errors.tsv line ${i + 2}: cannot read ${JSON.stringify(line)}`);
    if (out.has(name)) throw new Error(`errors.tsv line ${i + 2}: ${name} listed twice`);
    out.set(name, Number(code));
  }
  return out;
}

const golden = readGolden();

test('errors.tsv is not empty', () => {
  expect(golden.size).toBeGreaterThan(100);
});

test('every Java error code is an ErrorCode constant with the same number', () => {
  const missingOrWrong = [...golden].filter(([name, code]) => (ErrorCode as Record<string, number>)[name] !== code);
  expect(missingOrWrong).toEqual([]);
});

test('every ErrorCode constant is a Java error code with the same number', () => {
  const extraOrWrong = Object.entries(ErrorCode).filter(([name, code]) => golden.get(name) !== code);
  expect(extraOrWrong).toEqual([]);
  expect(Object.keys(ErrorCode).length).toBe(golden.size);
});

test('ErrorCode and ERROR_CODES describe the same codes', () => {
  const fromTable = [...ERROR_CODES.values()].map((info) => [info.name, info.code]);
  expect(Object.entries(ErrorCode)).toEqual(fromTable);
  for (const [name, code] of Object.entries(ErrorCode)) expect(errorInfo(code).name).toBe(name);
});

test('ErrorCode is frozen', () => {
  expect(Object.isFrozen(ErrorCode)).toBe(true);
  expect(() => {
    (ErrorCode as unknown as Record<string, number>).NONE = 1;
  }).toThrow(TypeError);
  expect(ErrorCode.NONE).toBe(0);
});

test('constants are typed as their number literals', () => {
  // Compile-time checks: these assignments only type-check if each constant's type is its literal.
  const notLeader: 6 = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const unknownTopicId: 100 = ErrorCode.UNKNOWN_TOPIC_ID;
  const name: ErrorCodeName = 'UNKNOWN_SERVER_ERROR';
  expect([notLeader, unknownTopicId, ErrorCode[name]]).toEqual([6, 100, -1]);
});
