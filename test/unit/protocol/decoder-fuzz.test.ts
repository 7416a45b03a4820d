/**
 * Decoders fed seeded random mutations of real responses must either decode or throw
 * MalformedResponseError: never another error, a hang, or a huge allocation.
 *
 * Seeds: the Java-made golden vectors (test/golden/<api>/) and responses recorded from real
 * Apache Kafka brokers, 4.1.1 and 3.9.1 (test/golden/recorded/, made by record.ts there).
 * Every case is timed (a case over FUZZ_MAX_CASE_MS, default 500, fails: super-linear work or
 * a loop) and its allocation measured (V8 heap used plus external memory, before and after;
 * a case over FUZZ_ALLOC_FLOOR + FUZZ_ALLOC_FACTOR x its input size, default 64 KiB + 10x,
 * fails: a length or count trusted before being checked against the bytes left). The floor
 * covers the error object and its stack trace; record batches get 1 MiB, as a mutated
 * attribute byte can make one gzip, and zlib's inflate state is about 0.5 MiB.
 *
 * `FUZZ_CASES` sets the mutations per seed: 150 in `npm test` (about 34,000 cases),
 * `npm run fuzz` 2,000 (about 450,000), `npm run fuzz:full` 5,000 (about 1.1 million).
 * With FUZZ_REPORT=<file> the figures are written there as JSON ('-': to stdout).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { ADD_PARTITIONS_TO_TXN_API } from '../../../src/protocol/api-keys';
import { MalformedResponseError } from '../../../src/protocol/errors';
import { decodeAddOffsetsToTxnResponse } from '../../../src/protocol/messages/add-offsets-to-txn';
import { decodeAddPartitionsToTxnResponse } from '../../../src/protocol/messages/add-partitions-to-txn';
import { decodeApiVersionsResponse } from '../../../src/protocol/messages/api-versions';
import { decodeEndTxnResponse } from '../../../src/protocol/messages/end-txn';
import { decodeFindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator';
import { decodeInitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse } from '../../../src/protocol/messages/metadata';
import { decodeProduceResponse } from '../../../src/protocol/messages/produce';
import { decodeSaslAuthenticateResponse } from '../../../src/protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse } from '../../../src/protocol/messages/sasl-handshake';
import { decodeTxnOffsetCommitResponse } from '../../../src/protocol/messages/txn-offset-commit';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { Reader } from '../../../src/protocol/reader';
import { listVectors, readHex } from '../../golden/golden-support';

const CASES = Number(process.env.FUZZ_CASES ?? 150);
const MAX_CASE_MS = Number(process.env.FUZZ_MAX_CASE_MS ?? 500);
const ALLOC_FLOOR = Number(process.env.FUZZ_ALLOC_FLOOR ?? 64 * 1024);
const ALLOC_FACTOR = Number(process.env.FUZZ_ALLOC_FACTOR ?? 10);
const RECORD_BATCH_ALLOC_FLOOR = 1024 * 1024;

type Decode = (r: Reader, v: number) => unknown;

/** Golden folder, decoder, and (where the decoder refuses later versions) the last version to seed. */
const decoders: [string, Decode, number?][] = [
  ['api-versions', decodeApiVersionsResponse],
  ['metadata', decodeMetadataResponse],
  ['produce', decodeProduceResponse],
  ['init-producer-id', decodeInitProducerIdResponse],
  ['sasl-handshake', decodeSaslHandshakeResponse],
  ['sasl-authenticate', decodeSaslAuthenticateResponse],
  ['find-coordinator', decodeFindCoordinatorResponse],
  // v4+ is the brokers' batched form, which the decoder refuses (RangeError) before reading.
  ['add-partitions-to-txn', decodeAddPartitionsToTxnResponse, ADD_PARTITIONS_TO_TXN_API.maxVersion],
  ['add-offsets-to-txn', decodeAddOffsetsToTxnResponse],
  ['end-txn', decodeEndTxnResponse],
  ['txn-offset-commit', decodeTxnOffsetCommitResponse],
];

interface Seed {
  label: string;
  version: number;
  bytes: Buffer;
}

const RECORDED_DIR = path.join(__dirname, '../../golden/recorded');

/** The golden (Java-made) and recorded (real broker) response bodies of one API. */
function seedsFor(dir: string): Seed[] {
  const seeds: Seed[] = listVectors(dir)
    .filter((v) => v.kind === 'response')
    .map((v) => ({ label: `golden ${dir}/${v.name}`, version: v.version, bytes: readHex(v.hexPath) }));
  if (fs.existsSync(RECORDED_DIR)) {
    for (const k of fs.readdirSync(RECORDED_DIR).filter((d) => d.startsWith('kafka-')).sort()) {
      const index = JSON.parse(fs.readFileSync(path.join(RECORDED_DIR, k, 'index.json'), 'utf8')) as { entries: { file: string; api: string; version: number }[] };
      for (const e of index.entries.filter((x) => x.api === dir)) {
        seeds.push({ label: `recorded ${k}/${e.file}`, version: e.version, bytes: readHex(path.join(RECORDED_DIR, k, e.file)) });
      }
    }
  }
  return seeds;
}

/** xorshift32: deterministic, so a failure names a reproducible case. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function mutate(src: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    switch (Math.floor(rand() * 7)) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1: // random byte
        if (b.length) b[at] = Math.floor(rand() * 256);
        break;
      case 2: // extreme byte (lengths and counts: -1, 0x7f, 0x80, 0xff)
        if (b.length) b[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(rand() * 4)];
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256), Math.floor(rand() * 256)]), b.subarray(at)]);
        break;
      case 5: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 8)))]);
        break;
      case 6: // an extreme int32 (a length or count of 2^31-1, -1, or 2^24)
        if (b.length >= 4) {
          const p = Math.min(at, b.length - 4);
          b.writeInt32BE([0x7fffffff, -1, 0x01000000, 0x7ffffff0][Math.floor(rand() * 4)], p);
        }
        break;
    }
  }
  return b;
}

/** Figures over every case, per group: broker responses, and record batches. */
const newStats = () => ({ cases: 0, decoded: 0, malformed: 0, maxCaseMs: 0, maxCaseLabel: '', maxAllocBytes: 0, maxAllocLabel: '', maxAllocRatio: 0, totalMs: 0 });
const groups = { responses: newStats(), recordBatches: newStats() };

/**
 * Runs `count` mutations of each seed unmeasured first: code paths that allocate once when
 * first taken (JIT, zlib's inflate state) should not count against the first case.
 */
function warmUp(seeds: { bytes: Buffer; run: (b: Buffer) => unknown }[], count = 30): void {
  const rand = rng(7);
  for (const s of seeds) {
    for (let i = 0; i < count; i++) {
      try {
        s.run(mutate(s.bytes, rand));
      } catch {
        // checked in the measured cases
      }
    }
  }
}

function allocated(before: v8.HeapInfo, after: v8.HeapInfo): number {
  return Math.max(0, after.used_heap_size - before.used_heap_size) + Math.max(0, (after as unknown as { external_memory: number }).external_memory - (before as unknown as { external_memory: number }).external_memory);
}

function measureAlloc(fn: () => unknown): number {
  const before = v8.getHeapStatistics();
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    result = err;
  }
  const after = v8.getHeapStatistics();
  void result;
  return allocated(before, after);
}

/** Runs one case: decodes or MalformedResponseError; time and allocation within bounds. */
function runCase(fn: () => unknown, inputBytes: number, label: string, group: keyof typeof groups = 'responses', allocFloor = ALLOC_FLOOR): void {
  const stats = groups[group];
  const before = v8.getHeapStatistics();
  const t0 = performance.now();
  let result: unknown;
  try {
    result = fn();
    stats.decoded++;
  } catch (err) {
    if (!(err instanceof MalformedResponseError)) {
      throw new Error(`${label}: threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
    stats.malformed++;
  }
  let ms = performance.now() - t0;
  const after = v8.getHeapStatistics();
  void result; // kept alive until measured
  // Heap grown plus external memory (Buffers) taken; a GC during the case only lowers it.
  let alloc = allocated(before, after);
  // Code compiled or deoptimised on the way counts too: above 16 KiB, the least of three runs.
  for (let i = 0; i < 2 && alloc > 16 * 1024; i++) alloc = Math.min(alloc, measureAlloc(fn));
  // A GC pause or a busy machine can stall one run: a slow case is timed twice more, and the
  // quickest run counts (a loop or super-linear decoding is slow every time).
  for (let i = 0; i < 2 && ms > MAX_CASE_MS / 5; i++) {
    const t = performance.now();
    measureAlloc(fn);
    ms = Math.min(ms, performance.now() - t);
  }
  stats.cases++;
  stats.totalMs += ms;
  if (ms > stats.maxCaseMs) {
    stats.maxCaseMs = ms;
    stats.maxCaseLabel = label;
  }
  if (alloc > stats.maxAllocBytes) {
    stats.maxAllocBytes = alloc;
    stats.maxAllocLabel = `${label} (${inputBytes} bytes in)`;
  }
  stats.maxAllocRatio = Math.max(stats.maxAllocRatio, alloc / Math.max(1, inputBytes));
  if (ms > MAX_CASE_MS) throw new Error(`${label}: took ${ms.toFixed(1)} ms (limit ${MAX_CASE_MS} ms)`);
  const limit = allocFloor + ALLOC_FACTOR * inputBytes;
  if (alloc > limit) throw new Error(`${label}: allocated ${alloc} bytes for ${inputBytes} bytes of input (limit ${limit})`);
}

describe.each(decoders)('%s decoder under mutation', (dir, decode, lastVersion) => {
  const seeds = seedsFor(dir).filter((s) => lastVersion === undefined || s.version <= lastVersion);
  test(`${CASES} seeded mutations per seed (${seeds.length} seeds: golden and recorded)`, () => {
    expect(seeds.length).toBeGreaterThan(0);
    warmUp(seeds.map((s) => ({ bytes: s.bytes, run: (b) => decode(new Reader(b), s.version) })));
    let seed = 1;
    for (const s of seeds) {
      // The seed itself decodes.
      runCase(() => decode(new Reader(s.bytes), s.version), s.bytes.length, `${s.label} (unmutated)`);
      const rand = rng(seed++ * 2654435761);
      for (let i = 0; i < CASES; i++) {
        const m = mutate(s.bytes, rand);
        runCase(() => decode(new Reader(m), s.version), m.length, `${s.label} case ${i}`);
      }
    }
  });
});

test('the recorded seeds come from both broker lines and cover the four APIs at several versions', () => {
  const dirs = fs.readdirSync(RECORDED_DIR).filter((d) => d.startsWith('kafka-'));
  expect(dirs.sort()).toEqual(expect.arrayContaining(['kafka-3.9.1', 'kafka-4.1.1']));
  for (const api of ['api-versions', 'metadata', 'init-producer-id', 'produce']) {
    const seeds = seedsFor(api).filter((s) => s.label.startsWith('recorded'));
    expect(new Set(seeds.map((s) => s.version)).size).toBeGreaterThan(3);
  }
});

test('record batch reader under mutation', () => {
  const dir = path.join(__dirname, '../../golden/records');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.hex') && !/snappy|lz4|zstd/.test(f));
  warmUp(fs.readdirSync(dir).filter((f) => f.endsWith('.hex')).map((f) => ({ bytes: readHex(path.join(dir, f)), run: (b) => decodeRecordBatches(b) })), 50);
  const rand = rng(99);
  for (const f of files) {
    const bytes = readHex(path.join(dir, f));
    for (let i = 0; i < CASES; i++) {
      const m = mutate(bytes, rand);
      // A batch whose attributes now say gzip gets inflated: zlib's state is ~0.5 MiB per call.
      runCase(() => decodeRecordBatches(m), m.length, `${f} case ${i}`, 'recordBatches', RECORD_BATCH_ALLOC_FLOOR);
    }
  }
});

afterAll(() => {
  const figures = { ...groups, casesPerSeed: CASES, maxCaseMsLimit: MAX_CASE_MS, allocLimit: `${ALLOC_FLOOR} + ${ALLOC_FACTOR} x input`, node: process.version };
  const report = process.env.FUZZ_REPORT;
  if (report === '-') process.stdout.write(`\nfuzz figures: ${JSON.stringify(figures, null, 2)}\n`);
  else if (report) fs.writeFileSync(report, `${JSON.stringify(figures, null, 2)}\n`);
});
