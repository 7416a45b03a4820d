// ProducerBatch keeps one completion while every record shares it (a write stream, a shared
// callback) and one per record otherwise: either way each record settles once, in record
// order, with its own offset. A done batch's object begins the next batch (reuse) exactly as a
// new one would.
import { ProducerBatch, type PromiseSlot } from '../../../src/producer/producer-batch';
import type { RecordMetadata, SendCallback } from '../../../src/producer/record';
import { topicPartitionKey } from '../../../src/producer/topic-partition';

function batch(): ProducerBatch {
  return new ProducerBatch('t', 0, Buffer.alloc(4096), 4096, 1000, { compression: 0, writeLimit: 4096 });
}

function sent(b: ProducerBatch): void {
  b.close(1, 0, 0);
  b.markSent();
  b.returned();
}

test('records sharing a completion, then records with their own: each settles once, in order, with its offset', () => {
  const calls: [string, bigint | null, string | null][] = [];
  const named = (name: string): SendCallback => (err, md) => calls.push([name, err ? null : md.offset, err ? err.message : null]);
  const a = named('a');
  const b = named('b');
  let resolved: RecordMetadata | null = null;
  const slot: PromiseSlot = { resolve: (md) => (resolved = md), reject: () => calls.push(['slot', null, 'rejected']) };
  const pb = batch();
  for (const c of [a, a, b, a, slot]) expect(pb.tryAppend(2000, null, Buffer.from('v'), null, 1, c, 0)).toBeGreaterThan(0);
  expect(pb.recordCount).toBe(5);
  sent(pb);
  pb.complete(100, -1);
  expect(calls).toEqual([
    ['a', 100n, null],
    ['a', 101n, null],
    ['b', 102n, null],
    ['a', 103n, null],
  ]);
  expect(resolved).toMatchObject({ offset: 104n, timestamp: 2000, serializedValueSize: 1 });
});

test('a batch whose records share one callback fails each record once', () => {
  const errors: string[] = [];
  const shared: SendCallback = (err) => errors.push(err!.message);
  const pb = batch();
  for (let i = 0; i < 3; i++) pb.tryAppend(2000 + i, Buffer.from('k'), Buffer.from(`v${i}`), null, 1, shared, 0);
  pb.fail(new Error('gone'));
  expect(errors).toEqual(['gone', 'gone', 'gone']);
  expect(pb.fail(new Error('again'))).toBe(false);
});

test('a split keeps every record with its own completion', () => {
  const offsets: [string, bigint][] = [];
  const a: SendCallback = (_e, md) => offsets.push(['a', md.offset]);
  const b: SendCallback = (_e, md) => offsets.push(['b', md.offset]);
  const pb = batch();
  for (const c of [a, a, b, a]) pb.tryAppend(2000, null, Buffer.alloc(300, 1), null, 1, c, 0);
  sent(pb);
  const pieces = pb.split(700, 0, undefined);
  expect(pieces.length).toBeGreaterThan(1);
  let base = 10;
  for (const p of pieces) {
    p.close(1, 0, 0);
    p.markSent();
    p.returned();
    p.complete(base, -1);
    base += p.recordCount;
  }
  expect(offsets).toEqual([
    ['a', 10n],
    ['a', 11n],
    ['b', 12n],
    ['a', 13n],
  ]);
});

describe('reuse(): a done batch begins the next one exactly as a new batch would', () => {
  // What each record settles with, and the bytes the batch closes with.
  function outcome(pb: ProducerBatch, records: [number, string | null, string][]): { bytes: Buffer; settled: RecordMetadata[] } {
    const settled: RecordMetadata[] = [];
    const cb: SendCallback = (_err, md) => settled.push(md);
    for (const [ts, k, v] of records) expect(pb.tryAppend(ts, k === null ? null : Buffer.from(k), Buffer.from(v), null, 1, cb, 0)).toBeGreaterThanOrEqual(0);
    const bytes = Buffer.from(pb.close(7, 1, 40));
    pb.markSent();
    pb.returned();
    pb.complete(500, -1);
    return { bytes, settled };
  }
  const state = (pb: ProducerBatch) => ({
    topic: pb.topic,
    partition: pb.partition,
    partitionKey: pb.partitionKey,
    createdMs: pb.createdMs,
    lastAttemptMs: pb.lastAttemptMs,
    lastAppendMs: pb.lastAppendMs,
    drainedMs: pb.drainedMs,
    attempts: pb.attempts,
    retryBackoffMs: pb.retryBackoffMs,
    state: pb.state,
    recordCount: pb.recordCount,
    producerId: pb.producerId,
    producerEpoch: pb.producerEpoch,
    baseSequence: pb.baseSequence,
    isSplit: pb.isSplit,
    possiblyWritten: pb.possiblyWritten,
    behindRefusal: pb.behindRefusal,
    isClosed: pb.isClosed,
    isFull: pb.isFull,
    estimatedSizeInBytes: pb.estimatedSizeInBytes,
    sequenceHasBeenReset: pb.sequenceHasBeenReset,
    hasLeaderChangedForTheOngoingRetry: pb.hasLeaderChangedForTheOngoingRetry,
  });

  test.each([
    ['uncompressed', 0],
    ['gzip', 1],
  ])('%s, after a full life with retries, a new epoch, a leader change and many record runs', (_name, compression) => {
    const buffer = Buffer.alloc(4096);
    // Until the buffer is full: with a codec, records are compressed in chunks on the way.
    const used = new ProducerBatch('old', 5, buffer, 4096, 100, { compression, writeLimit: compression ? 1 << 20 : 4096 });
    const first = (_e: Error | null) => {};
    for (let i = 0; used.tryAppend(100 + i, Buffer.from(`key-${i}`), Buffer.alloc(10 + (i % 7), 1), null, 1, i % 2 ? first : () => {}, 100 + i) >= 0; i++);
    expect(used.recordCount).toBeGreaterThan(100);
    if (compression) expect((used.builder as unknown as { chunks: number[] | null }).chunks?.length).toBeGreaterThan(0);
    used.close(3, 0, 0);
    used.markSent();
    used.returned();
    used.possiblyWritten = true;
    used.maybeUpdateLeaderEpoch(4);
    used.reenqueued(300, 50);
    used.resetProducerState(3, 1, 0);
    used.rewriteIfReset();
    used.markSent();
    used.returned();
    used.complete(0, -1);
    buffer.fill(0xee); // what the last batch left in the buffer must not matter

    const reused = used.reuse('t', 2, buffer, 4096, 2000, { compression, writeLimit: 4096, partitionKey: topicPartitionKey('t', 2) });
    const fresh = new ProducerBatch('t', 2, Buffer.alloc(4096), 4096, 2000, { compression, writeLimit: 4096 });
    expect(reused).toBe(used);
    expect(state(reused)).toEqual(state(fresh));
    const records: [number, string | null, string][] = [
      [2000, 'a', 'one'],
      [2000, 'a', 'two'],
      [2005, null, 'three'],
    ];
    const a = outcome(reused, records);
    const b = outcome(fresh, records);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.settled).toEqual(b.settled);
    expect(a.settled.map((md) => [md.topic, md.partition, md.offset, md.timestamp, md.serializedKeySize])).toEqual([
      ['t', 2, 500n, 2000, 1],
      ['t', 2, 501n, 2000, 1],
      ['t', 2, 502n, 2005, -1],
    ]);
  });

  test('a batch whose records have no outcome yet cannot begin another', () => {
    const pb = batch();
    pb.tryAppend(2000, null, Buffer.from('v'), null, 1, () => {}, 0);
    for (const step of [() => {}, () => pb.close(1, 0, 0), () => pb.markSent()]) {
      step();
      expect(() => pb.reuse('t', 0, Buffer.alloc(4096), 4096, 0, { compression: 0, writeLimit: 4096 })).toThrow(/cannot be reused/);
    }
    pb.fail(new Error('expired')); // in flight: settled, but its request is still out
    expect(pb.state).toBe('settled-in-flight');
    expect(() => pb.reuse('t', 0, Buffer.alloc(4096), 4096, 0, { compression: 0, writeLimit: 4096 })).toThrow(/cannot be reused/);
    pb.returned();
    expect(pb.reuse('t', 0, Buffer.alloc(4096), 4096, 0, { compression: 0, writeLimit: 4096 }).state).toBe('open');
  });

  test("a done batch keeps none of its records' callbacks", () => {
    const pb = batch();
    const big = { payload: Buffer.alloc(1) };
    pb.tryAppend(2000, null, Buffer.from('v'), null, 1, () => void big, 0);
    pb.tryAppend(2000, null, Buffer.from('v'), null, 1, () => {}, 0);
    pb.fail(new Error('gone'));
    const held = pb as unknown as { soleCompletion: unknown; completions: unknown };
    expect(held.soleCompletion).toBeNull();
    expect(held.completions).toBeNull();
  });
});
