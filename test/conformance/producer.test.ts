/**
 * KafkaProducer against a real broker, read back by the independent Java consumer: every
 * record arrives exactly once, in per-partition order, in the partition the Java client
 * would choose, with the offsets and timestamps its RecordMetadata reported.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { KafkaProducer, jsonSerializer, partitionForKey, RecordMetadata } from '../../src';
import type { CompressionName } from '../../src/producer/config';
import { Trace } from '../support/trace';
import { uniqueTopic, Verifier, VerifiedRecord } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
let verifier: Verifier;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
});

const hex = (b: Uint8Array | string | null | undefined) => (b == null ? null : Buffer.from(b as Uint8Array).toString('hex'));

describe('the seed scenario: 1000 JSON records to buffer-example', () => {
  test('with flush() and close(), all 1000 arrive in order', async () => {
    const topic = uniqueTopic('buffer-example');
    await verifier.createTopic(topic, 1);
    const producer = new KafkaProducer<never, { number: number }>({ bootstrapServers: bootstrap, valueSerializer: jsonSerializer() });
    const results: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 1000; i++) results.push(producer.send({ topic, value: { number: i } }));
    await producer.flush();
    await producer.close();
    const mds = await Promise.all(results);
    expect(mds.map((m) => m.offset)).toEqual(mds.map((_, i) => BigInt(i)));
    const { records } = await verifier.consume(topic, { expected: 1000 });
    expect(records.map((r) => JSON.parse(Buffer.from(r.value!, 'hex').toString()).number)).toEqual([...Array(1000).keys()]);
  });

  test('without flush() or close(), a script still delivers all 1000 and exits by itself', async () => {
    const topic = uniqueTopic('buffer-example-noflush');
    await verifier.createTopic(topic, 1);
    const script = path.join(__dirname, 'fixtures', 'send-without-flush.ts');
    const tsx = require.resolve('tsx/cli');
    const started = Date.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [tsx, script, bootstrap, topic, '1000'], { stdio: ['ignore', 'inherit', 'inherit'] });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const { records } = await verifier.consume(topic, { expected: 1000 });
    expect(records).toHaveLength(1000);
    expect(records.map((r) => JSON.parse(Buffer.from(r.value!, 'hex').toString()).number)).toEqual([...Array(1000).keys()]);
  });
});

interface Expected {
  partition: number;
  md: RecordMetadata;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
  timestamp: number | null;
}

const COMPRESSIONS: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const MATRIX: { acks: 0 | 1 | -1; compression: CompressionName; idempotence: boolean }[] = [];
for (const compression of COMPRESSIONS) {
  MATRIX.push({ acks: -1, compression, idempotence: true });
  for (const acks of [0, 1, -1] as const) MATRIX.push({ acks, compression, idempotence: false });
}

describe('acks x compression x idempotence', () => {
  test.each(MATRIX)('acks=$acks compression=$compression idempotence=$idempotence', async ({ acks, compression, idempotence }) => {
    const topic = uniqueTopic(`matrix-${compression}`);
    const partitions = 4;
    // Each step is bounded, so an overrun fails with the producer's timeline, not a bare timeout.
    const trace = new Trace();
    await trace.phase('createTopic', verifier.createTopic(topic, partitions), 40_000);
    // With acks=0 nothing is answered: a batch the broker refuses (right after creation it may
    // not yet act as leader) closes the connection and loses records by design, for every
    // client. So first wait until every partition answers a ListOffsets as its leader.
    if (acks === 0) await trace.phase('endOffsets', verifier.endOffsets(topic), 40_000);
    const producer = new KafkaProducer({
      bootstrapServers: bootstrap,
      acks,
      compressionType: compression,
      enableIdempotence: idempotence,
      // Without idempotence, retries may reorder with several requests in flight (as in Java);
      // one in flight mutes the partition and keeps order.
      maxInFlightRequestsPerConnection: idempotence ? 5 : 1,
      lingerMs: 5,
      batchSize: 2048,
    });
    trace.watch(producer);
    const sent: Promise<Expected>[] = [];
    const baseTs = Date.now() - 60_000;
    for (let i = 0; i < 120; i++) {
      const shape = i % 6;
      const key = shape === 1 ? null : Buffer.from(`key-${i % 17}`);
      const value = shape === 2 ? null : Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) }));
      // A sequence header makes every record unique in the log, tombstones included.
      const headers: { key: string; value: Buffer | null }[] = [{ key: 'seq', value: Buffer.from(String(i)) }];
      if (shape === 3) headers.push({ key: 'trace', value: Buffer.from([i & 0xff, 0, 255]) }, { key: 'empty', value: null });
      const partition = shape === 4 ? i % partitions : undefined;
      const timestamp = shape === 5 ? baseTs + i : undefined;
      const outcome = producer.send({ topic, key, value, headers, partition, timestamp }).then((md) => ({
        partition: partition ?? (key ? partitionForKey(key, partitions) : md.partition),
        md,
        key: hex(key),
        value: hex(value),
        headers: headers.map((h) => ({ key: h.key, value: hex(h.value) })),
        timestamp: timestamp ?? null,
      }));
      outcome.catch(() => {}); // a phase that overruns fails the test, not the next one
      sent.push(outcome);
    }
    await trace.phase('flush', producer.flush(), 60_000);
    const expected = await trace.phase('outcomes', Promise.all(sent), 5_000);
    await trace.phase('close', producer.close(), 20_000);

    const { records } = await trace.phase('consume', verifier.consume(topic, { expected: expected.length }), 40_000);
    expect(records).toHaveLength(expected.length);
    // Exactly once: each (key, value) appears once in the log.
    const logKey = (r: { key: string | null; value: string | null; headers: unknown }) => JSON.stringify([r.key, r.value, r.headers]);
    const seen = new Map<string, VerifiedRecord>();
    for (const r of records) {
      const k = logKey(r);
      expect(seen.has(k)).toBe(false);
      seen.set(k, r);
    }
    for (const e of expected) {
      const r = seen.get(logKey(e))!;
      expect(r).toBeDefined();
      expect(r.partition).toBe(e.partition); // the partition Java would choose for the key
      expect(e.md.partition).toBe(e.partition);
      if (e.timestamp !== null) expect(r.timestamp).toBe(e.timestamp);
      if (acks === 0) {
        expect(e.md.offset).toBe(-1n);
      } else {
        expect(BigInt(r.offset)).toBe(e.md.offset);
        expect(r.timestamp).toBe(e.md.timestamp);
      }
    }
    // Per-partition order: the log order of each partition follows the send order.
    const sendIndex = new Map(expected.map((e, i) => [logKey(e), i]));
    for (let p = 0; p < partitions; p++) {
      const order = records.filter((r) => r.partition === p).map((r) => sendIndex.get(logKey(r))!);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  }, 220_000);
});

test('callback form: exactly one call per record, with metadata', async () => {
  const topic = uniqueTopic('callbacks');
  await verifier.createTopic(topic, 2);
  const producer = new KafkaProducer({ bootstrapServers: bootstrap });
  const calls: (RecordMetadata | Error)[][] = Array.from({ length: 50 }, () => []);
  const returned: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    returned.push(producer.send({ topic, key: `k${i}`, value: `v${i}` }, (err, md) => calls[i].push(err ?? md)));
  }
  await producer.close();
  expect(returned.every((r) => r === undefined)).toBe(true);
  for (const c of calls) {
    expect(c).toHaveLength(1);
    expect((c[0] as RecordMetadata).offset).toBeGreaterThanOrEqual(0n);
  }
});

test('a record above max.request.size fails alone; the others arrive', async () => {
  const topic = uniqueTopic('too-large');
  await verifier.createTopic(topic, 1);
  const producer = new KafkaProducer({ bootstrapServers: bootstrap, maxRequestSize: 10_000 });
  const ok1 = producer.send({ topic, value: 'before' });
  const big = producer.send({ topic, value: Buffer.alloc(20_000) });
  const ok2 = producer.send({ topic, value: 'after' });
  await expect(big).rejects.toMatchObject({ name: 'RecordTooLargeError' });
  await expect(ok1).resolves.toMatchObject({ offset: 0n });
  await expect(ok2).resolves.toMatchObject({ offset: 1n });
  await producer.close();
});

test('an invalid topic name fails that record at once, with a typed error', async () => {
  const producer = new KafkaProducer({ bootstrapServers: bootstrap, maxBlockMs: 1500 });
  const started = Date.now();
  await expect(producer.send({ topic: 'bad topic name', value: 'x' })).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
  expect(Date.now() - started).toBeLessThan(1000);
  await producer.close();
});
