/**
 * Transactions against the real broker, read back by the Java consumer: committed records
 * are visible to read_committed exactly once and in order, aborted ones are not (and are
 * under read_uncommitted, each followed by the abort marker's offset), offsets sent with the
 * transaction reach the group only on commit, a second producer with the same id fences the
 * first, a transaction past transaction.timeout.ms is aborted by the broker, and the
 * transaction() helper commits or aborts. On Kafka 4.1 the broker runs transaction version 2
 * (KIP-890: partitions added by Produce, a new epoch at every commit); on 3.9 the classic
 * protocol (AddPartitionsToTxn).
 */
import { KafkaProducer, ProducerFencedError, RecordMetadata } from '../../src';
import { IllegalStateError, TransactionAbortedError } from '../../src/protocol/errors';
import { uniqueTopic, VerifiedRecord, Verifier } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const kafkaVersion = process.env.KAFKA_VERSION_RUNNING ?? process.env.KAFKA_VERSION ?? '4.1.1';
const expectV2 = !kafkaVersion.startsWith('3.');
let verifier: Verifier;
const producers: KafkaProducer[] = [];

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  for (const p of producers) await p.close({ timeoutMs: 0 }).catch(() => {});
  await verifier?.close();
});

function transactional(id: string, extra: Record<string, unknown> = {}): KafkaProducer<string, string> {
  const p = new KafkaProducer<string, string>({ bootstrapServers: bootstrap, transactionalId: id, ...extra });
  producers.push(p as unknown as KafkaProducer);
  return p;
}

const text = (hex: string | null) => (hex === null ? null : Buffer.from(hex, 'hex').toString());
const values = (records: VerifiedRecord[]) => records.map((r) => text(r.value));

/** Per partition, the values in offset order. */
function byPartition(records: VerifiedRecord[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of records) {
    const list = out.get(r.partition) ?? [];
    list.push(text(r.value)!);
    out.set(r.partition, list);
  }
  return out;
}

test('committed transactions over two topics and many partitions: read_committed sees each record once, in order; aborted ones never', async () => {
  const topicA = uniqueTopic('txn-a');
  const topicB = uniqueTopic('txn-b');
  await verifier.createTopic(topicA, 6);
  await verifier.createTopic(topicB, 3);
  const p = transactional(uniqueTopic('txn-id'));
  const events: string[] = [];
  p.on('transactionRequest', (e: { api: string; version: number }) => events.push(`${e.api} v${e.version}`));
  await p.initTransactions();

  const committed: string[] = [];
  const mds: Promise<RecordMetadata>[] = [];
  let seq = 0;
  for (let t = 0; t < 3; t++) {
    p.beginTransaction();
    for (let i = 0; i < 300; i++) {
      const topic = i % 2 === 0 ? topicA : topicB;
      const value = `c:${seq++}`;
      committed.push(value);
      mds.push(p.send({ topic, key: `k${i % 40}`, value }));
    }
    await p.commitTransaction();
    // Between commits, an aborted one that did get written.
    p.beginTransaction();
    const aborted = [];
    for (let i = 0; i < 50; i++) aborted.push(p.send({ topic: i % 2 === 0 ? topicA : topicB, key: `k${i % 40}`, value: `a:${t}:${i}` }));
    await p.flush();
    await p.abortTransaction();
    for (const outcome of await Promise.allSettled(aborted)) expect(outcome.status).toBe('fulfilled'); // written, then aborted by the marker
  }
  await Promise.all(mds);

  const a = await verifier.consume(topicA, { isolation: 'read_committed', expected: 450, timeoutMs: 30_000 });
  const b = await verifier.consume(topicB, { isolation: 'read_committed', expected: 450, timeoutMs: 30_000 });
  const seen = [...values(a.records), ...values(b.records)] as string[];
  expect(seen.filter((v) => v.startsWith('a:'))).toEqual([]);
  expect([...seen].sort()).toEqual([...committed].sort());
  for (const list of [...byPartition(a.records).values(), ...byPartition(b.records).values()]) {
    const nums = list.map((v) => Number(v.split(':')[1]));
    expect(nums).toEqual([...nums].sort((x, y) => x - y));
  }

  // read_uncommitted sees the aborted records too; every transaction's end takes an offset (its marker).
  const all = await verifier.consume(topicA, { isolation: 'read_uncommitted', expected: 450 + 75, timeoutMs: 30_000 });
  expect(all.records.filter((r) => text(r.value)!.startsWith('a:')).length).toBe(75);
  for (const [partition, end] of Object.entries(all.endOffsets)) {
    const mine = all.records.filter((r) => r.partition === Number(partition));
    if (mine.length === 0) continue;
    // Markers: offsets not held by any record.
    expect(end).toBeGreaterThan(mine.length);
    const last = mine[mine.length - 1];
    expect(last.offset).toBeLessThan(end - 1); // the last transaction's marker follows its records
  }
  if (expectV2) {
    expect(events.some((e) => e.startsWith('AddPartitionsToTxn'))).toBe(false);
    expect(events).toContain('EndTxn v5');
  } else {
    expect(events.some((e) => e.startsWith('AddPartitionsToTxn'))).toBe(true);
    expect(events.filter((e) => e.startsWith('EndTxn')).every((e) => Number(e.split(' v')[1]) <= 4)).toBe(true);
  }
  await p.close();
}, 120_000);

test('offsets sent with the transaction are in the group after commit, not after abort', async () => {
  const topic = uniqueTopic('txn-offsets');
  await verifier.createTopic(topic, 2);
  // The group's offsets are of a topic that exists (the broker refuses unknown ones, retriably).
  const source = uniqueTopic('txn-source');
  await verifier.createTopic(source, 2);
  const group = uniqueTopic('txn-group');
  const p = transactional(uniqueTopic('txn-id'));
  await p.initTransactions();

  p.beginTransaction();
  p.send({ topic, partition: 0, value: 'x' }).catch(() => {});
  await p.sendOffsetsToTransaction(
    [
      { topic: source, partition: 0, offset: 42, metadata: 'm0' },
      { topic: source, partition: 1, offset: 7 },
    ],
    { groupId: group },
  );
  await p.abortTransaction();
  expect(await verifier.committedOffsets(group)).toEqual({});

  await p.transaction(async (tx) => {
    await tx.send({ topic, partition: 1, value: 'y' });
    await tx.sendOffsets([{ topic: source, partition: 0, offset: 43, metadata: 'm1' }], { groupId: group });
  });
  expect(await verifier.committedOffsets(group)).toEqual({ [`${source}-0`]: { offset: 43, metadata: 'm1' } });
  await p.close();
}, 60_000);

test('a second producer with the same transactional id fences the first; the first one\'s open transaction never becomes visible', async () => {
  const topic = uniqueTopic('txn-fence');
  await verifier.createTopic(topic, 3);
  const id = uniqueTopic('txn-id');
  const first = transactional(id);
  await first.initTransactions();
  first.beginTransaction();
  const firstSends = [];
  for (let i = 0; i < 30; i++) firstSends.push(first.send({ topic, key: `k${i}`, value: `first:${i}` }).then(() => null, (e: Error) => e));
  await first.flush();

  const second = transactional(id);
  await second.initTransactions(); // aborts the first one's transaction, bumps the epoch
  await second.transaction(async (tx) => {
    for (let i = 0; i < 30; i++) await tx.send({ topic, key: `k${i}`, value: `second:${i}` });
  });

  const err = await first.commitTransaction().then(
    () => null,
    (e: Error) => e,
  );
  expect(err).toBeInstanceOf(ProducerFencedError);
  // After a fatal error only close() works.
  expect(() => first.beginTransaction()).toThrow(ProducerFencedError);
  await first.close();

  const { records } = await verifier.consume(topic, { isolation: 'read_committed', expected: 30, timeoutMs: 20_000 });
  expect(values(records).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `second:${i}`).sort());
  expect(firstSends.length).toBe(30);
}, 60_000);

test('a transaction open longer than transaction.timeout.ms is aborted by the broker, and the producer is told', async () => {
  const topic = uniqueTopic('txn-timeout');
  await verifier.createTopic(topic, 1);
  const p = transactional(uniqueTopic('txn-id'), { transactionTimeoutMs: 1500 });
  await p.initTransactions();
  p.beginTransaction();
  await p.send({ topic, value: 'late' });
  // The coordinator's abort of expired transactions runs every second here (harness config).
  await new Promise((r) => setTimeout(r, 5000));
  const err = await p.commitTransaction().then(
    () => null,
    (e: Error) => e,
  );
  expect(err).not.toBeNull();
  const { records } = await verifier.consume(topic, { isolation: 'read_committed', timeoutMs: 5000 });
  expect(values(records)).not.toContain('late');
  await p.close({ timeoutMs: 5000 });
}, 60_000);

test('transaction(): commits on success and returns the result; aborts and rethrows on a throw', async () => {
  const topic = uniqueTopic('txn-sugar');
  await verifier.createTopic(topic, 1);
  const p = transactional(uniqueTopic('txn-id'));
  await p.initTransactions();
  const result = await p.transaction(async (tx) => {
    await tx.send({ topic, value: 'kept' });
    return 'done';
  });
  expect(result).toBe('done');
  const boom = new Error('boom');
  await expect(
    p.transaction(async (tx) => {
      tx.send({ topic, value: 'dropped' });
      await p.flush();
      throw boom;
    }),
  ).rejects.toBe(boom);
  // The producer is ready for the next transaction.
  await p.transaction(async (tx) => {
    await tx.send({ topic, value: 'kept-2' });
  });
  const { records } = await verifier.consume(topic, { isolation: 'read_committed', expected: 2, timeoutMs: 20_000 });
  expect(values(records)).toEqual(['kept', 'kept-2']);
  await p.close();
}, 60_000);

test('operations in the wrong state throw IllegalStateError naming the state (send() rejects with it); a record sent in an aborted transaction fails with TransactionAbortedError', async () => {
  const topic = uniqueTopic('txn-state');
  await verifier.createTopic(topic, 1);
  const p = transactional(uniqueTopic('txn-id'));
  expect(() => p.beginTransaction()).toThrow(/uninitialized/);
  await expect(p.send({ topic, value: 'x' })).rejects.toThrow(IllegalStateError);
  await p.initTransactions();
  await expect(p.send({ topic, value: 'x' })).rejects.toThrow(/ready: call beginTransaction\(\) first/);
  await expect(p.commitTransaction()).rejects.toThrow(IllegalStateError);
  p.beginTransaction();
  expect(() => p.beginTransaction()).toThrow(/in-transaction/);
  const queued = p.send({ topic, value: 'never' }).then(
    () => null,
    (e: Error) => e,
  );
  await p.abortTransaction();
  expect(await queued).toBeInstanceOf(TransactionAbortedError);
  const plain = new KafkaProducer({ bootstrapServers: bootstrap });
  await expect(plain.initTransactions()).rejects.toThrow(/no transactionalId/);
  await plain.close();
  await p.close();
}, 60_000);
