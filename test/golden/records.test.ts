/**
 * Record batch v2: our builder against batches built by the Java client's MemoryRecordsBuilder
 * from the same inputs. Uncompressed batches must match byte for byte; for compressed ones
 * (whose compressor output legitimately differs between libraries) we check that our reader
 * reads Java's batch and that our batch, read back, carries the same records.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompressionType } from '../../src/protocol/records/compression';
import { RecordBatchBuilder, rewriteProducerState } from '../../src/protocol/records/record-batch-builder';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch-reader';
import { GOLDEN_DIR, readHex, readJson } from './golden-support';

interface GoldenRecord { timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }
interface GoldenBatch {
  compression: keyof typeof CompressionType;
  producerId: number; producerEpoch: number; baseSequence: number; isTransactional: boolean;
  records: GoldenRecord[];
  batch: { baseOffset: number; lastOffsetDelta: number; baseTimestamp: number; maxTimestamp: number; crc: number; sizeInBytes: number; attributes: number };
}

const dir = path.join(GOLDEN_DIR, 'records');
const names = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const hexOrNull = (h: string | null) => (h === null ? null : Buffer.from(h, 'hex'));

function build(g: GoldenBatch, initialCapacity = 64): Buffer {
  const b = new RecordBatchBuilder(initialCapacity, {
    compression: CompressionType[g.compression],
    producerId: g.producerId,
    producerEpoch: g.producerEpoch,
    baseSequence: g.baseSequence,
    isTransactional: g.isTransactional,
  });
  for (const r of g.records) {
    b.append(r.timestamp, hexOrNull(r.key), hexOrNull(r.value), r.headers.map((h) => ({ key: h.key, value: hexOrNull(h.value) })));
  }
  return b.close();
}

function expectSameRecords(bytes: Buffer, g: GoldenBatch): void {
  const [batch] = decodeRecordBatches(bytes);
  expect(batch.crcValid).toBe(true);
  expect(batch.records.map((r) => ({
    timestamp: r.timestamp,
    key: r.key && r.key.toString('hex'),
    value: r.value && r.value.toString('hex'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value && h.value.toString('hex') })),
  }))).toEqual(g.records);
  expect(batch.producerId).toBe(g.producerId);
  expect(batch.producerEpoch).toBe(g.producerEpoch);
  expect(batch.baseSequence).toBe(g.baseSequence);
  expect(batch.isTransactional).toBe(g.isTransactional);
  expect(batch.lastOffsetDelta).toBe(g.batch.lastOffsetDelta);
  expect(batch.maxTimestamp).toBe(g.batch.maxTimestamp);
}

test('cases include the required shapes', () => {
  expect(names).toEqual(expect.arrayContaining(['basic', 'null-key', 'null-value', 'empty-value', 'headers', 'idempotent', 'transactional', 'timestamps', 'large', 'unicode', 'varint-edges', 'gzip']));
});

describe.each(names)('%s', (name) => {
  const g = readJson<GoldenBatch>(path.join(dir, `${name}.json`));
  const javaBytes = readHex(path.join(dir, `${name}.hex`));

  test('our reader reads Java\'s batch: header fields and records', () => {
    if (g.compression !== 'none' && g.compression !== 'gzip') return; // codecs arrive with the producer
    const [batch] = decodeRecordBatches(javaBytes);
    expect(batch.crc).toBe(g.batch.crc);
    expect(batch.crcValid).toBe(true);
    expect(batch.sizeInBytes).toBe(g.batch.sizeInBytes);
    expect(batch.attributes).toBe(g.batch.attributes);
    expect(batch.baseTimestamp).toBe(g.batch.baseTimestamp);
    expectSameRecords(javaBytes, g);
  });

  if (g.compression === 'none') {
    test('our builder writes Java\'s bytes exactly', () => {
      expect(build(g).toString('hex')).toBe(javaBytes.toString('hex'));
    });
  } else if (g.compression === 'gzip') {
    test('our compressed batch carries the same records', () => {
      const ours = build(g);
      expect(decodeRecordBatches(ours)[0].attributes).toBe(g.batch.attributes);
      expectSameRecords(ours, g);
    });
  }
});

test('rewriteProducerState changes only producer fields and the CRC, matching Java\'s idempotent batch', () => {
  const g = readJson<GoldenBatch>(path.join(dir, 'idempotent.json'));
  const plain = build({ ...g, producerId: -1, producerEpoch: -1, baseSequence: -1 });
  rewriteProducerState(plain, g.producerId, g.producerEpoch, g.baseSequence);
  expect(plain.toString('hex')).toBe(readHex(path.join(dir, 'idempotent.hex')).toString('hex'));
});

test('a builder given a small buffer grows it and still writes Java\'s bytes', () => {
  const g = readJson<GoldenBatch>(path.join(dir, 'large.json'));
  expect(build(g, 16).toString('hex')).toBe(readHex(path.join(dir, 'large.hex')).toString('hex'));
});
