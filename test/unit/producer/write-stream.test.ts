// createWriteStream() on the scripted network and a virtual clock: records arrive in order
// through stream.pipeline, write() follows buffer.memory (false while sends wait, then
// 'drain'), a failed record destroys the stream unless onRecordError takes it, and end()
// finishes only when every record has its outcome.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { isRecordChunk, ProducerWriteStream } from '../../../src/producer/write-stream';
import type { ProducerRecord } from '../../../src/producer/record';
import { InvalidRecordError } from '../../../src/protocol/errors';
import { ErrorCode, MockNetwork, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
}

const producers: KafkaProducer<string, string>[] = [];

function start(opts: Partial<ProducerOptions<string, string>> = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 1 } });
  const producer = new KafkaProducer<string, string>({ bootstrapServers: net.bootstrap(), lingerMs: 0, ...opts }, { clock, connect: net.connect, random: () => 0.25, jitter: () => 0.5 });
  producers.push(producer);
  return { clock, net, producer };
}

/** Lets real turns (stream ticks) and virtual time (the producer, the network) both run until cond() holds. */
async function drive(h: Harness, cond: () => boolean, what: string, maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    await h.clock.settle();
    await new Promise((r) => setImmediate(r));
    if (cond()) return;
    const next = h.clock.nextTimerDelayMs();
    if (next !== null) await h.clock.run(next);
  }
  throw new Error(`not reached: ${what}`);
}

/** A promise's state, for drive(). */
function track<T>(p: Promise<T>): { done: boolean; err: unknown } {
  const s = { done: false, err: undefined as unknown };
  p.then(
    () => (s.done = true),
    (e) => ((s.err = e), (s.done = true)),
  );
  return s;
}

afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 });
});

test('the record rule: a plain object with an own value is a record; anything else is a bare value', () => {
  expect(isRecordChunk({ value: 'x' })).toBe(true);
  expect(isRecordChunk(Object.assign(Object.create(null), { value: null }))).toBe(true);
  expect(isRecordChunk({ key: 'k' })).toBe(false);
  expect(isRecordChunk('x')).toBe(false);
  expect(isRecordChunk(Buffer.from('x'))).toBe(false);
  expect(isRecordChunk(new Uint8Array(1))).toBe(false);
  expect(isRecordChunk([1])).toBe(false);
  expect(isRecordChunk(new (class { value = 1 })())).toBe(false);
  expect(isRecordChunk(null)).toBe(false);
});

test('a pipeline of N records (records and bare values mixed) arrives in order', async () => {
  const h = start();
  const n = 500;
  const chunks = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `v${i}` : i % 3 === 1 ? Buffer.from(`v${i}`) : { value: `v${i}`, key: `k${i}` }));
  const stream = h.producer.createWriteStream({ topic: 't' });
  expect(stream).toBeInstanceOf(ProducerWriteStream);
  const done = track(pipeline(Readable.from(chunks), stream));
  await drive(h, () => done.done, 'the pipeline');
  expect(done.err).toBeUndefined();
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(chunks.map((_, i) => `v${i}`));
  expect(stream.recordsSent).toBe(n);
  expect(stream.recordsPending).toBe(0);
});

test('values: true sends a plain object with a value property as a bare value', async () => {
  const h = start({ valueSerializer: { serialize: (_t: string, v: unknown) => Buffer.from(JSON.stringify(v)) } as never });
  const stream = h.producer.createWriteStream({ topic: 't', values: true });
  const done = track(pipeline(Readable.from([{ value: 1 }, { value: 2 }]), stream));
  await drive(h, () => done.done, 'the pipeline');
  expect(done.err).toBeUndefined();
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(['{"value":1}', '{"value":2}']);
});

test('backpressure follows buffer.memory: write() returns false while sends wait, then drain', async () => {
  // Room for about four 500-byte records; each Produce answer comes 100 virtual ms late.
  const h = start({ bufferMemory: 2048, batchSize: 600 });
  for (let i = 0; i < 50; i++) h.net.prepare(0, 'Produce', { delayMs: 100 });
  const stream = h.producer.createWriteStream({ topic: 't' });
  const value = (i: number) => `${i}:`.padEnd(500, 'x');
  let drains = 0;
  stream.on('drain', () => drains++);
  // Metadata and producer id first, so the records below only wait for memory.
  stream.write(value(0));
  await drive(h, () => stream.recordsSent === 1, 'the first record');

  let written = 1;
  let refused = false;
  while (written < 40) {
    if (!stream.write(value(written++))) {
      refused = true;
      break;
    }
  }
  expect(refused).toBe(true);
  // The stream did not buffer its own high-water mark: it stopped on the producer's memory.
  expect(written).toBeLessThan(16);
  expect(h.producer.metrics()['waiting-sends']).toBeGreaterThan(0);
  await drive(h, () => drains > 0, "'drain'");
  expect(drains).toBe(1);

  // The rest, honouring write()'s answer each time.
  while (written < 40) {
    if (!stream.write(value(written++))) await drive(h, () => drains > 1, "another 'drain'").then(() => (drains = 1));
  }
  stream.end();
  const finished = track(new Promise((resolve, reject) => stream.on('finish', resolve).on('error', reject)));
  await drive(h, () => finished.done, "'finish'");
  expect(finished.err).toBeUndefined();
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(Array.from({ length: 40 }, (_, i) => value(i)));
  expect(h.producer.metrics()['buffer-available-bytes']).toBe(2048);
});

test('a failed record destroys the stream with its error (default)', async () => {
  const h = start({ retries: 0 });
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.INVALID_RECORD });
  const stream = h.producer.createWriteStream({ topic: 't' });
  const done = track(pipeline(Readable.from(['a', 'b', 'c']), stream));
  await drive(h, () => done.done, 'the pipeline');
  expect(done.err).toBeInstanceOf(InvalidRecordError);
  expect(stream.destroyed).toBe(true);
  expect(stream.errored).toBe(done.err);
});

test('onRecordError takes a failed record and the stream goes on', async () => {
  const h = start({ retries: 0 });
  const failed: [Error, ProducerRecord<string, string>][] = [];
  const stream = h.producer.createWriteStream({ topic: 't', onRecordError: (err, record) => failed.push([err, record]) });
  stream.write('a');
  await drive(h, () => stream.recordsSent === 1, 'a');
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.INVALID_RECORD });
  stream.write({ value: 'b', key: 'kb' });
  await drive(h, () => failed.length === 1, 'b failed');
  stream.end('c');
  const finished = track(new Promise((resolve, reject) => stream.on('finish', resolve).on('error', reject)));
  await drive(h, () => finished.done, "'finish'");
  expect(finished.err).toBeUndefined();
  expect(failed[0][0]).toBeInstanceOf(InvalidRecordError);
  expect(failed[0][1]).toMatchObject({ topic: 't', value: 'b', key: 'kb' });
  expect(stream.recordsFailed).toBe(1);
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(['a', 'c']);
});

test('end() waits for every outcome; a record failing meanwhile is an error, not a finish', async () => {
  const h = start({ retries: 0, lingerMs: 60_000 });
  const stream = h.producer.createWriteStream({ topic: 't' });
  stream.write('warm');
  await drive(h, () => stream.recordsSent === 1, 'warm-up');

  h.net.prepare(0, 'Produce', { delayMs: 500 });
  const t0 = h.clock.now();
  let finishedAt = -1;
  stream.on('finish', () => (finishedAt = h.clock.now()));
  stream.write('x');
  stream.end('y');
  await h.clock.settle();
  await new Promise((r) => setImmediate(r));
  // end() ignores linger (it flushes) but waits for the answer.
  expect(stream.recordsPending).toBe(2);
  expect(finishedAt).toBe(-1);
  await drive(h, () => finishedAt >= 0, "'finish'");
  expect(finishedAt - t0).toBe(500);
  expect(stream.recordsPending).toBe(0);
  expect(h.net.records('t', 0).map((r) => r.value)).toEqual(['warm', 'x', 'y']);

  // A record failing while end() waits: 'error', not 'finish'.
  const s2 = h.producer.createWriteStream({ topic: 't' });
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.INVALID_RECORD, delayMs: 200 });
  s2.end('z');
  const ended = track(new Promise((resolve, reject) => s2.on('finish', resolve).on('error', reject)));
  await drive(h, () => ended.done, 's2 outcome');
  expect(ended.err).toBeInstanceOf(InvalidRecordError);
});

test('a bare value with no topic option fails as a record (a clear error, not a crash)', async () => {
  const h = start();
  const stream = h.producer.createWriteStream();
  const done = track(pipeline(Readable.from(['x']), stream));
  await drive(h, () => done.done, 'the pipeline');
  expect((done.err as Error).name).toMatch(/InvalidTopicError|InvalidArgumentError/);
  expect(h.net.requestsOf('Produce')).toHaveLength(0);
});
