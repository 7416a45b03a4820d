// BatchList: a set of batches in the order added, linked through the batches: a batch can be
// in both lists at once (unfinished, in flight), and removal from the head, middle or tail
// keeps the rest in order.
import { BatchList, LIST_IN_FLIGHT, LIST_INCOMPLETE } from '../../../src/producer/batch-list';
import { ProducerBatch } from '../../../src/producer/producer-batch';

const batch = (partition: number) => new ProducerBatch('t', partition, Buffer.alloc(128), 128, 0, { compression: 0, writeLimit: 128 });
const parts = (list: BatchList) => [...list].map((b) => b.partition);

test('add, has, delete and order, from the head, the middle and the tail', () => {
  const list = new BatchList(LIST_INCOMPLETE);
  const [a, b, c, d] = [0, 1, 2, 3].map(batch);
  for (const x of [a, b, c, d]) list.add(x);
  list.add(b); // already in: no change
  expect(parts(list)).toEqual([0, 1, 2, 3]);
  expect(list.size).toBe(4);
  expect(list.delete(b)).toBe(true);
  expect(list.delete(b)).toBe(false);
  expect(list.has(b)).toBe(false);
  expect(parts(list)).toEqual([0, 2, 3]);
  list.delete(a);
  list.delete(d);
  expect(parts(list)).toEqual([2]);
  expect([list.has(c), list.has(a), list.size]).toEqual([true, false, 1]);
  list.delete(c);
  expect([parts(list), list.size]).toEqual([[], 0]);
  list.add(d);
  list.add(a);
  expect(parts(list)).toEqual([3, 0]);
});

test('a batch is in each list on its own; removing the current batch while walking goes on with the next', () => {
  const unfinished = new BatchList(LIST_INCOMPLETE);
  const inFlight = new BatchList(LIST_IN_FLIGHT);
  const [a, b, c] = [0, 1, 2].map(batch);
  for (const x of [a, b, c]) unfinished.add(x);
  inFlight.add(c);
  inFlight.add(a);
  unfinished.delete(a);
  expect(parts(unfinished)).toEqual([1, 2]);
  expect(parts(inFlight)).toEqual([2, 0]);
  expect(inFlight.has(a)).toBe(true);
  const walked: number[] = [];
  for (const x of inFlight) {
    walked.push(x.partition);
    inFlight.delete(x);
  }
  expect(walked).toEqual([2, 0]);
  expect(inFlight.size).toBe(0);
  expect(parts(unfinished)).toEqual([1, 2]);
});
