/**
 * The verifier's transaction tools, checked on the Java client's own transactions (the
 * ControlProducer in transactional mode) before kafka-wire's are judged by them: consume()
 * with both isolation levels, end offsets as high watermark and last stable offset, the
 * coordinator's view through describeTransactions, and a group's committed offsets.
 */
import * as crypto from 'node:crypto';
import { runControlProducer, uniqueTopic, Verifier, type ControlProducerResult, type VerifiedRecord } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP;
if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run with `jest --selectProjects broker`');

let verifier: Verifier;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
});

function runId(): string {
  return crypto.randomBytes(4).toString('hex');
}

/** The sequence number in a ControlProducer value (`<runId>:<seq>`). */
function seqOf(r: VerifiedRecord, id: string): number {
  const text = Buffer.from(r.value ?? '', 'hex').toString('utf8');
  const m = new RegExp(`^${id}:(\\d+)$`).exec(text);
  if (!m) throw new Error(`unexpected value "${text}"`);
  return Number(m[1]);
}

function byPartition(records: VerifiedRecord[]): Map<number, VerifiedRecord[]> {
  const map = new Map<number, VerifiedRecord[]>();
  for (const r of records) {
    const list = map.get(r.partition) ?? [];
    list.push(r);
    map.set(r.partition, list);
  }
  return map;
}

function inRanges(seq: number, ranges: [number, number][]): boolean {
  return ranges.some(([from, to]) => seq >= from && seq < to);
}

test('committed and aborted transactions: both isolation levels, markers, end offsets, describeTransactions', async () => {
  const topic = uniqueTopic('verifier-txn');
  const transactionalId = uniqueTopic('verifier-txn-id');
  const id = runId();
  const RECORDS = 1000;
  await verifier.createTopic(topic, 2, { replicationFactor: 1 });

  const result: ControlProducerResult = await runControlProducer(
    {
      bootstrap,
      topic,
      records: RECORDS,
      ratePerSec: 1000,
      runId: id,
      partitions: 2,
      transactionalId,
      commitEveryMs: 50,
      abortEvery: 2,
      configs: { 'transaction.timeout.ms': '30000' },
    },
    { timeoutMs: 90_000 },
  );
  expect(result.sent).toBe(RECORDS);
  expect(result.acked).toBe(RECORDS);
  expect(result.failed).toBe(0);
  expect(result.noOutcome).toBe(0);
  expect(result.transactionErrors).toEqual({});
  const total = result.committedTransactions + result.abortedTransactions;
  // 1 s of sending, a commit every 50 ms or so (each takes a round trip or two).
  expect(total).toBeGreaterThanOrEqual(3);
  expect(result.abortedTransactions).toBe(Math.floor(total / 2));
  const aborted = result.abortedRanges!;
  expect(aborted).toHaveLength(result.abortedTransactions);
  // The second transaction was aborted, and the third committed after it.
  expect(aborted[0][1]).toBeLessThan(RECORDS);
  expect(result.initTransactionsMs).toBeGreaterThanOrEqual(0);
  expect(result.maxCommitMs).toBeGreaterThanOrEqual(0);
  const lastAborted = aborted.length > 0 && aborted[aborted.length - 1][1] === RECORDS;

  // read_uncommitted (the default, and by name): every record the producer wrote.
  const all = await verifier.consume(topic, { expected: RECORDS });
  expect(all.timedOut).toBe(false);
  expect(all.records.map((r) => seqOf(r, id)).sort((a, b) => a - b)).toEqual([...Array(RECORDS).keys()]);
  const uncommitted = await verifier.consume(topic, { isolation: 'read_uncommitted' });
  expect(uncommitted.records).toEqual(all.records);

  // read_committed: all but the aborted transactions' records.
  const committed = await verifier.consume(topic, { isolation: 'read_committed' });
  expect(committed.timedOut).toBe(false);
  const committedSeqs = [...Array(RECORDS).keys()].filter((s) => !inRanges(s, aborted));
  expect(committed.records.map((r) => seqOf(r, id)).sort((a, b) => a - b)).toEqual(committedSeqs);
  expect(committed.records.length).toBeLessThan(RECORDS);

  // Every transaction ends in a marker in each partition it wrote to: an offset without a
  // record, one at a time, and one after the last record.
  for (const [partition, records] of byPartition(all.records)) {
    const end = all.endOffsets[String(partition)];
    let gaps = 0;
    for (let i = 1; i < records.length; i++) {
      const step = records[i].offset - records[i - 1].offset;
      expect([1, 2]).toContain(step);
      if (step === 2) gaps++;
    }
    expect(end).toBe(records[records.length - 1].offset + 2);
    gaps++;
    expect(gaps).toBeGreaterThanOrEqual(2);
    expect(gaps).toBeLessThanOrEqual(total);
    // The last record of an aborted transaction in this partition is followed by its marker.
    for (const [from, to] of aborted) {
      const inTxn = records.filter((r) => {
        const s = seqOf(r, id);
        return s >= from && s < to;
      });
      if (inTxn.length === 0) continue;
      const last = inTxn[inTxn.length - 1];
      expect(last.offset - inTxn[0].offset).toBe(inTxn.length - 1);
      const next = records.find((r) => r.offset > last.offset);
      expect(next ? next.offset : end).toBe(last.offset + 2);
    }
  }

  // No transaction is open: the last stable offset is the high watermark.
  const hw = await verifier.endOffsets(topic);
  expect(hw).toEqual(all.endOffsets);
  expect(await verifier.endOffsets(topic, { isolation: 'read_committed' })).toEqual(hw);
  expect(await verifier.lastStableOffsets(topic)).toEqual(hw);
  expect(committed.endOffsets).toEqual(hw);

  const d = (await verifier.describeTransactions([transactionalId]))[transactionalId];
  expect(d.state).toBe(lastAborted ? 'CompleteAbort' : 'CompleteCommit');
  expect(d.transactionTimeoutMs).toBe(30_000);
  expect(d.producerId).toBeGreaterThanOrEqual(0);
  expect(d.producerEpoch).toBeGreaterThanOrEqual(0);
  expect(d.topicPartitions).toEqual([]);
  expect(d.coordinatorId).toBeGreaterThanOrEqual(0);
  expect(await verifier.findTransactionCoordinator(transactionalId)).toBe(d.coordinatorId);

  await expect(verifier.describeTransactions([uniqueTopic('verifier-txn-never')])).rejects.toThrow(/TransactionalIdNotFound/);
  await verifier.deleteTopic(topic);
});

test('an open transaction: Ongoing, the last stable offset stays at its first record, read_committed stops there', async () => {
  const topic = uniqueTopic('verifier-txn-open');
  const transactionalId = uniqueTopic('verifier-txn-open-id');
  const id = runId();
  const RECORDS = 150;
  await verifier.createTopic(topic, 1, { replicationFactor: 1 });

  let probe: Promise<void> | undefined;
  const seen: Record<string, unknown> = {};
  const result = await runControlProducer(
    // One transaction for the whole run (1.5 s of sending), committed after the last record.
    { bootstrap, topic, records: RECORDS, ratePerSec: 100, runId: id, partitions: 1, transactionalId, commitEveryMs: 600_000 },
    {
      timeoutMs: 90_000,
      onStarted: () => {
        probe = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 700));
          seen.describe = (await verifier.describeTransactions([transactionalId]))[transactionalId];
          seen.hw = await verifier.endOffsets(topic);
          seen.lso = await verifier.lastStableOffsets(topic);
          const t0 = Date.now();
          seen.committed = await verifier.consume(topic, { isolation: 'read_committed', timeoutMs: 10_000 });
          seen.committedMs = Date.now() - t0;
          seen.uncommitted = await verifier.consume(topic, { timeoutMs: 10_000 });
        })();
      },
    },
  );
  await probe;
  expect(result.committedTransactions).toBe(1);
  expect(result.abortedTransactions).toBe(0);
  expect(result.acked).toBe(RECORDS);

  const d = seen.describe as Awaited<ReturnType<Verifier['describeTransactions']>>[string];
  expect(d.state).toBe('Ongoing');
  expect(d.topicPartitions).toEqual([`${topic}-0`]);
  expect(typeof d.transactionStartTimeMs).toBe('number');
  expect(d.transactionTimeoutMs).toBe(60_000); // the Java producer's default
  expect((seen.hw as Record<string, number>)['0']).toBeGreaterThan(0);
  expect(seen.lso).toEqual({ '0': 0 });
  const c = seen.committed as Awaited<ReturnType<Verifier['consume']>>;
  expect(c.records).toEqual([]);
  expect(c.endOffsets).toEqual({ '0': 0 });
  expect(c.timedOut).toBe(false);
  expect(seen.committedMs as number).toBeLessThan(8_000);
  expect((seen.uncommitted as Awaited<ReturnType<Verifier['consume']>>).records.length).toBeGreaterThan(0);

  // Committed now: the marker follows the last record, and both isolation levels see it all.
  const after = await verifier.consume(topic, { isolation: 'read_committed', expected: RECORDS });
  expect(after.records).toHaveLength(RECORDS);
  expect(after.records.map((r) => r.offset)).toEqual([...Array(RECORDS).keys()]);
  expect(after.endOffsets).toEqual({ '0': RECORDS + 1 });
  expect(await verifier.endOffsets(topic)).toEqual({ '0': RECORDS + 1 });
  const done = (await verifier.describeTransactions([transactionalId]))[transactionalId];
  expect(done.state).toBe('CompleteCommit');
  expect(done.producerId).toBe(d.producerId);
  await verifier.deleteTopic(topic);
});

test('committedOffsets: what commitOffsets set, keyed topic-partition; an unknown group has none', async () => {
  const topic = uniqueTopic('verifier-txn-offsets');
  const group = uniqueTopic('verifier-txn-group');
  await verifier.createTopic(topic, 2, { replicationFactor: 1 });
  await verifier.commitOffsets(group, { [`${topic}-0`]: 5, [`${topic}-1`]: { offset: 7, metadata: 'meta' } });
  const expected = { [`${topic}-0`]: { offset: 5, metadata: '' }, [`${topic}-1`]: { offset: 7, metadata: 'meta' } };
  expect(await verifier.committedOffsets(group)).toEqual(expected);
  expect(await verifier.committedOffsets(group, { requireStable: true })).toEqual(expected);
  expect(await verifier.committedOffsets(uniqueTopic('verifier-txn-no-group'))).toEqual({});
  await verifier.deleteTopic(topic);
});
