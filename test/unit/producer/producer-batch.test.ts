// ProducerBatch keeps one completion while every record shares it (a write stream, a shared
// callback) and one per record otherwise: either way each record settles once, in record
// order, with its own offset.
import { ProducerBatch, type PromiseSlot } from '../../../src/producer/producer-batch';
import type { RecordMetadata, SendCallback } from '../../../src/producer/record';

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
