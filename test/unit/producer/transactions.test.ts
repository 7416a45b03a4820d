// Transactions on the scripted in-memory network and one virtual clock: the transaction state
// machine, the coordinator requests and their error handling, each checked against what the
// Java client's TransactionManager (and its Sender) does in the same situation. Every record is
// checked to get exactly one outcome, and no socket or real timer is used.
import { Socket } from 'node:net';

import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { TransactionState, TXN_MOVES } from '../../../src/producer/transactions';
import {
  IllegalStateError,
  InvalidRecordError,
  NotEnoughReplicasError,
  ProducerClosedError,
  ProducerFencedError,
  TimeoutError,
  TopicAuthorizationError,
  TransactionAbortedError,
  TransactionalIdAuthorizationError,
} from '../../../src/protocol/errors';
import { Outcomes } from '../../support/fake-broker';
import { ApiName, ErrorCode, LoggedRequest, MockNetwork, MockNetworkOptions, VirtualClock } from '../../support/mock-network';

// ---------------------------------------------------------------------------------------
// Harness

const TXN_ID = 'tx';
const GROUP = { groupId: 'g' };
/** retry.backoff.ms (the default): the transaction manager's fixed retry backoff. */
const RETRY_BACKOFF_MS = 100;
/** Java's ADD_PARTITIONS_RETRY_BACKOFF_MS. */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;

/** The coordinator requests (and what a transactional producer sends besides Produce). */
const TXN_APIS: readonly ApiName[] = ['FindCoordinator', 'InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn'];

interface Watched<T> {
  settled: boolean;
  ok: boolean;
  value?: T;
  error?: unknown;
  /** Virtual time at which it settled. */
  atMs: number;
}

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  /** Virtual time at which each record settled, by label. */
  settledAt: Map<string, number>;
  /** Sends `value` to t-`partition`, tracked as one record labelled `value`. */
  send(value: string, partition?: number): void;
  /** Follows a promise without awaiting it. */
  watch<T>(p: Promise<T>): Watched<T>;
  /** Runs virtual time until the promise settles. */
  complete<T>(p: Promise<T>, what: string): Promise<Watched<T>>;
  /** initTransactions(), run to success. */
  init(): Promise<void>;
  /** beginTransaction(), sends, commitTransaction(), run to success. */
  commitWith(values: [string, number][]): Promise<void>;
  reqs(api: ApiName): LoggedRequest[];
  /** Position in the request log, for txnLog and since (virtual time alone cannot order requests of one millisecond). */
  mark(): number;
  /** The coordinator requests from `from` (a mark) on, as "Api" or "EndTxn(commit)"/"EndTxn(abort)". */
  txnLog(from?: number): string[];
  /** The requests of `api` from `from` (a mark) on. */
  since(from: number, api: ApiName): LoggedRequest[];
  outcome(label: string): { calls: number; err: Error | null };
}

const harnesses: Harness[] = [];

function seeded(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, netOpts: MockNetworkOptions = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 2 }, ...netOpts });
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: net.bootstrap(), lingerMs: 0, transactionalId: TXN_ID, ...producerOpts },
    // jitter 0.5: retry backoff without jitter, so its steps are exact.
    { clock, connect: net.connect, random: seeded(), jitter: () => 0.5 },
  );
  const out = new Outcomes();
  const settledAt = new Map<string, number>();
  const h: Harness = {
    clock,
    net,
    producer,
    out,
    settledAt,
    send(value, partition = 0) {
      const p = producer.send({ topic: 't', value, partition });
      out.track(p, value);
      const mark = () => {
        if (!settledAt.has(value)) settledAt.set(value, clock.now());
      };
      p.then(mark, mark);
    },
    watch<T>(p: Promise<T>): Watched<T> {
      const w: Watched<T> = { settled: false, ok: false, atMs: -1 };
      p.then(
        (value) => Object.assign(w, { settled: true, ok: true, value, atMs: clock.now() }),
        (error: unknown) => Object.assign(w, { settled: true, ok: false, error, atMs: clock.now() }),
      );
      return w;
    },
    async complete<T>(p: Promise<T>, what: string): Promise<Watched<T>> {
      const w = h.watch(p);
      await clock.advanceUntil(() => w.settled, { what });
      return w;
    },
    async init() {
      const w = await h.complete(producer.initTransactions(), 'initTransactions');
      if (!w.ok) throw w.error;
    },
    async commitWith(values) {
      producer.beginTransaction();
      for (const [v, p] of values) h.send(v, p);
      const w = await h.complete(producer.commitTransaction(), 'commitTransaction');
      if (!w.ok) throw w.error;
    },
    reqs: (api) => net.requestsOf(api),
    mark: () => net.requests.length,
    txnLog: (from = 0) =>
      net.requests
        .slice(from)
        .filter((r) => TXN_APIS.includes(r.api))
        .map((r) => (r.api === 'EndTxn' ? `EndTxn(${r.txn?.committed ? 'commit' : 'abort'})` : r.api)),
    since: (from, api) => net.requests.slice(from).filter((r) => r.api === api),
    outcome(label) {
      const o = out.all.find((x) => x.label === label);
      if (!o) throw new Error(`no record ${label}`);
      return o;
    },
  };
  harnesses.push(h);
  return h;
}

/** The error of a call that may throw at once or reject. */
async function errorOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return null;
}

/** An error and its causes, by class name. */
function chain(err: unknown): string[] {
  const names: string[] = [];
  for (let e = err as { name?: string; cause?: unknown } | undefined; e && names.length < 10; e = e.cause as typeof e) names.push(e.name ?? String(e));
  return names;
}

const last = <T>(xs: T[]): T => xs[xs.length - 1];

// No socket (TCP or TLS) connects, no real timer is armed, and the producer never reports an
// internal fault (an illegal state move is reported as a process warning).
let spies: jest.SpyInstance[] = [];
let warnings: jest.SpyInstance;
beforeEach(() => {
  spies = [jest.spyOn(Socket.prototype, 'connect'), jest.spyOn(global, 'setTimeout')];
  warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
});

afterEach(async () => {
  try {
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    expect(warnings.mock.calls.map((c) => String(c[0]))).toEqual([]);
  } finally {
    for (const s of spies) s.mockRestore();
    warnings.mockRestore();
    for (const h of harnesses.splice(0)) {
      const closing = h.producer.close({ timeoutMs: 0 }).catch(() => {});
      await h.clock.run(0);
      await closing;
      h.out.expectExactlyOnce();
    }
  }
});

// ---------------------------------------------------------------------------------------
// 1. The state machine

describe('TXN_MOVES (TransactionManager.State.isTransitionValid)', () => {
  const STATES: readonly TransactionState[] = ['uninitialized', 'initializing', 'ready', 'in-transaction', 'committing', 'aborting', 'abortable-error', 'fatal-error'];

  // Java's rule, written as: for each target state, the source states it may be entered from
  // (PREPARED_TRANSACTION, two-phase commit, has no counterpart here and is left out); every
  // state may move to FATAL_ERROR.
  const JAVA_SOURCES: Record<TransactionState, readonly TransactionState[] | 'any'> = {
    uninitialized: ['ready', 'abortable-error'],
    initializing: ['uninitialized', 'committing', 'aborting'],
    ready: ['initializing', 'committing', 'aborting'],
    'in-transaction': ['ready'],
    committing: ['in-transaction'],
    aborting: ['in-transaction', 'abortable-error'],
    'abortable-error': ['in-transaction', 'committing', 'abortable-error', 'initializing'],
    'fatal-error': 'any',
  };
  const javaAllows = (from: TransactionState, to: TransactionState) => JAVA_SOURCES[to] === 'any' || (JAVA_SOURCES[to] as readonly TransactionState[]).includes(from);

  test('the table names exactly the states of a transaction', () => {
    expect(Object.keys(TXN_MOVES).sort()).toEqual([...STATES].sort());
  });

  test('all 64 (from, to) pairs: a move is in TXN_MOVES exactly when Java allows it', () => {
    const differences: string[] = [];
    for (const from of STATES) {
      for (const to of STATES) {
        const ours = TXN_MOVES[from].includes(to);
        const java = javaAllows(from, to);
        if (ours !== java) differences.push(`${from} -> ${to}: ${ours ? 'allowed here, not in Java' : 'allowed in Java, not here'}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 2. The classic protocol (transaction version 1)

describe('classic protocol: no finalized transaction.version >= 2', () => {
  test('AddPartitionsToTxn before the first Produce of each partition; Produce v11 with the transactional id and flag; EndTxn v4 once every batch is acknowledged', async () => {
    // t-0 led by node 0 (the coordinator), t-1 by node 1.
    const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 2, leaders: [0, 1] } } });
    await h.init();
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId']);
    expect(h.reqs('InitProducerId')[0].txn).toMatchObject({ transactionalId: TXN_ID, producerId: -1, producerEpoch: -1, answeredProducerId: 1000, answeredProducerEpoch: 0 });

    h.producer.beginTransaction();
    const t1 = h.clock.now();
    // The partitions are added 50 ms later; the answer of node 1's Produce takes 300 ms.
    h.net.prepare(0, 'AddPartitionsToTxn', { delayMs: 50 });
    h.net.prepare(1, 'Produce', { delayMs: 300 });
    h.send('a0', 0);
    h.send('a1', 0);
    h.send('b0', 1);
    const commit = h.watch(h.producer.commitTransaction());
    await h.clock.advanceUntil(() => commit.settled, { what: 'commit' });
    expect(commit.ok).toBe(true);

    // One AddPartitionsToTxn (Java's maybeAddPartition: a partition is added once), with both
    // partitions, under the producer id and epoch of initTransactions.
    const [add] = h.reqs('AddPartitionsToTxn');
    expect(h.reqs('AddPartitionsToTxn')).toHaveLength(1);
    expect(add.txn).toMatchObject({ transactionalId: TXN_ID, producerId: 1000, producerEpoch: 0 });
    expect(add.txn!.partitions!.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(['t-0', 't-1']);
    expect(add.answeredAtMs! - t1).toBe(50);

    // Produce only once the partition is in the transaction (isSendToPartitionAllowed); v11
    // at most (Sender.sendProduceRequest: LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2).
    const produce = h.reqs('Produce');
    expect(produce.map((r) => r.nodeId).sort()).toEqual([0, 1]);
    for (const r of produce) {
      expect(r.atMs).toBeGreaterThanOrEqual(add.answeredAtMs!);
      expect(r.version).toBe(11);
      expect(r.transactionalId).toBe(TXN_ID);
      for (const p of r.partitions!) expect(p).toMatchObject({ isTransactional: true, inTransaction: true, producerId: 1000, producerEpoch: 0, baseSequence: 0 });
    }

    // EndTxn waits for every batch (nextRequest: not while the accumulator has incomplete
    // batches), goes at v4 at most (EndTxnRequest.Builder without transaction version 2).
    const [end] = h.reqs('EndTxn');
    expect(h.reqs('EndTxn')).toHaveLength(1);
    const lastAck = Math.max(...produce.map((r) => r.answeredAtMs!));
    expect(lastAck - t1).toBe(350);
    expect(end.atMs).toBe(lastAck);
    expect(end.version).toBe(4);
    expect(end.txn).toMatchObject({ transactionalId: TXN_ID, producerId: 1000, producerEpoch: 0, committed: true });
    expect(commit.atMs).toBe(end.answeredAtMs);
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn(commit)']);
    expect(h.out.succeeded.map((o) => o.label).sort()).toEqual(['a0', 'a1', 'b0']);
    expect(h.net.transaction(TXN_ID).ended).toEqual([{ committed: true, partitions: ['t-0', 't-1'], producerEpoch: 0 }]);

    // The next transaction adds its partition again; the epoch stays, and the partition's
    // sequence goes on from where it was.
    const t2 = h.mark();
    await h.commitWith([['a2', 0]]);
    expect(h.txnLog(t2)).toEqual(['AddPartitionsToTxn', 'EndTxn(commit)']);
    expect(last(h.reqs('AddPartitionsToTxn')).txn!.partitions).toEqual([{ topic: 't', partition: 0 }]);
    expect(last(h.reqs('Produce')).partitions![0]).toMatchObject({ producerEpoch: 0, baseSequence: 2, values: ['a2'], inTransaction: true });
    expect(h.reqs('InitProducerId')).toHaveLength(1);
  });

  test('sendOffsetsToTransaction: AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit (v4 at most) to the group coordinator', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    const offsets = await h.complete(h.producer.sendOffsetsToTransaction([{ topic: 'in', partition: 3, offset: 42 }], GROUP), 'sendOffsets');
    expect(offsets.ok).toBe(true);
    await h.complete(h.producer.commitTransaction(), 'commit');
    // The offsets alone make the transaction one to end (AddOffsetsToTxnHandler: transactionStarted).
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'AddOffsetsToTxn', 'FindCoordinator', 'TxnOffsetCommit', 'EndTxn(commit)']);
    expect(h.reqs('FindCoordinator').map((r) => [r.coordinatorKeyType, r.coordinatorKeys])).toEqual([
      [1, [TXN_ID]],
      [0, ['g']],
    ]);
    expect(h.reqs('AddOffsetsToTxn')[0].txn).toMatchObject({ groupId: 'g', producerId: 1000, producerEpoch: 0 });
    const [commitOffsets] = h.reqs('TxnOffsetCommit');
    expect(commitOffsets.version).toBeLessThanOrEqual(4);
    expect(commitOffsets.txn).toMatchObject({ groupId: 'g', producerId: 1000, producerEpoch: 0, partitions: [{ topic: 'in', partition: 3, offset: 42 }] });
  });
});

// ---------------------------------------------------------------------------------------
// 3. Transaction version 2 (KIP-890 part 2)

describe('transaction version 2: finalized transaction.version=2 in ApiVersions', () => {
  test('no AddPartitionsToTxn, Produce v12+, EndTxn v5 returns the next epoch, and the next transaction sends under it from sequence 0', async () => {
    const h = start({}, { transactionVersion: 2 });
    await h.init();
    await h.commitWith([
      ['a0', 0],
      ['b0', 1],
    ]);
    expect(h.reqs('AddPartitionsToTxn')).toEqual([]);
    for (const r of h.reqs('Produce')) {
      expect(r.version).toBeGreaterThanOrEqual(12);
      expect(r.transactionalId).toBe(TXN_ID);
      for (const p of r.partitions!) expect(p).toMatchObject({ isTransactional: true, producerId: 1000, producerEpoch: 0, baseSequence: 0 });
    }
    const [end1] = h.reqs('EndTxn');
    expect(end1.version).toBe(5);
    expect(end1.txn).toMatchObject({ committed: true, producerId: 1000, producerEpoch: 0, answeredProducerId: 1000, answeredProducerEpoch: 1 });
    expect(h.net.transaction(TXN_ID).ended[0]).toEqual({ committed: true, partitions: ['t-0', 't-1'], producerEpoch: 0 });

    // EndTxnHandler: the epoch from the answer, sequences reset (resetSequenceNumbers).
    const t2 = h.mark();
    await h.commitWith([
      ['a1', 0],
      ['a2', 0],
    ]);
    expect(h.txnLog(t2)).toEqual(['EndTxn(commit)']);
    const produce2 = h.since(t2, 'Produce');
    expect(produce2.flatMap((r) => r.partitions!)).toEqual([expect.objectContaining({ partition: 0, producerId: 1000, producerEpoch: 1, baseSequence: 0, values: ['a1', 'a2'] })]);
    const end2 = last(h.reqs('EndTxn'));
    expect(end2.txn).toMatchObject({ producerId: 1000, producerEpoch: 1, answeredProducerEpoch: 2 });
    // No epoch came from InitProducerId but the first.
    expect(h.reqs('InitProducerId')).toHaveLength(1);
    expect(h.out.failed).toEqual([]);
  });

  test('sendOffsetsToTransaction: TxnOffsetCommit v5 only (no AddOffsetsToTxn)', async () => {
    const h = start({}, { transactionVersion: 2 });
    await h.init();
    h.producer.beginTransaction();
    const offsets = await h.complete(h.producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 7 }], GROUP), 'sendOffsets');
    expect(offsets.ok).toBe(true);
    await h.complete(h.producer.commitTransaction(), 'commit');
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'FindCoordinator', 'TxnOffsetCommit', 'EndTxn(commit)']);
    expect(h.reqs('TxnOffsetCommit')[0].version).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------
// 4. Coordinator errors that are retried

describe('coordinator errors are retried (InitProducerIdHandler, AddPartitionsToTxnHandler, EndTxnHandler)', () => {
  type Api = 'InitProducerId' | 'AddPartitionsToTxn' | 'EndTxn';
  const APIS: readonly Api[] = ['InitProducerId', 'AddPartitionsToTxn', 'EndTxn'];

  /** init, one record to t-0, commit: every API of the list once (a failed one twice). */
  async function oneTransaction(h: Harness): Promise<void> {
    await h.init();
    await h.commitWith([['a', 0]]);
    expect(h.outcome('a')).toMatchObject({ calls: 1, err: null });
  }

  describe.each([
    ['NOT_COORDINATOR', ErrorCode.NOT_COORDINATOR],
    ['COORDINATOR_NOT_AVAILABLE', ErrorCode.COORDINATOR_NOT_AVAILABLE],
  ])('%s: a new FindCoordinator, then the request again, retry.backoff.ms later, to the coordinator it names', (_name, code) => {
    test.each(APIS)('%s', async (api) => {
      const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 2, leaders: [0, 0] } }, coordinator: 0 });
      // The coordinator moves to node 1 as node 0 answers with the error.
      h.net.prepare(0, api, { errorCode: code, onRequest: () => (h.net.coordinator = 1) });
      await oneTransaction(h);
      const [failed, retried] = h.reqs(api);
      expect(h.reqs(api)).toHaveLength(2);
      expect(failed).toMatchObject({ nodeId: 0, outcome: 'answered' });
      const finds = h.reqs('FindCoordinator');
      expect(finds).toHaveLength(2);
      // lookupCoordinator + reenqueue: FindCoordinator goes first and at once; the request
      // itself is a retry and waits retryBackoffMs (Sender.maybeSendAndPollTransactionalRequest).
      expect(finds[1].atMs).toBe(failed.answeredAtMs);
      expect(retried.nodeId).toBe(1);
      expect(retried.atMs - failed.answeredAtMs!).toBe(RETRY_BACKOFF_MS);
      // The same request again.
      const { errorCode: _e, answeredProducerId: _i, answeredProducerEpoch: _p, ...asked } = failed.txn!;
      expect(retried.txn).toMatchObject(asked);
      if (api === 'AddPartitionsToTxn') expect(h.reqs('Produce')[0].atMs).toBeGreaterThanOrEqual(retried.answeredAtMs!);
      expect(h.reqs('EndTxn').every((r) => r.txn!.committed)).toBe(true);
    });
  });

  test('the coordinator dies (connections refused): FindCoordinator again, and the EndTxn goes to the coordinator it names (Sender.maybeFindCoordinatorAndRetry)', async () => {
    const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 2, leaders: [1, 1] } }, coordinator: 0 });
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.settledAt.has('a'), { what: 'record a' });
    // Node 0 dies; its transactions move to node 1 (as once the controller fences it).
    h.net.refuseConnections(0);
    h.net.disconnect(0);
    h.net.coordinator = 1;
    const finds = h.reqs('FindCoordinator').length;
    const w = await h.complete(h.producer.commitTransaction(), 'commitTransaction');
    expect(w.ok).toBe(true);
    expect(h.reqs('FindCoordinator').length).toBeGreaterThan(finds);
    const ends = h.reqs('EndTxn');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ nodeId: 1 });
  });

  describe.each([
    ['COORDINATOR_LOAD_IN_PROGRESS', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ['CONCURRENT_TRANSACTIONS', ErrorCode.CONCURRENT_TRANSACTIONS],
  ])('%s: the same coordinator again after a backoff, no FindCoordinator', (name, code) => {
    test.each(APIS)('%s', async (api) => {
      const h = start();
      h.net.prepare(0, api, { errorCode: code });
      await oneTransaction(h);
      const [failed, retried] = h.reqs(api);
      expect(h.reqs(api)).toHaveLength(2);
      expect(h.reqs('FindCoordinator')).toHaveLength(1);
      // AddPartitionsToTxnHandler.maybeOverrideRetryBackoffMs: the first AddPartitionsToTxn of a
      // transaction meeting CONCURRENT_TRANSACTIONS retries after 20 ms, not retry.backoff.ms.
      const expected = api === 'AddPartitionsToTxn' && name === 'CONCURRENT_TRANSACTIONS' ? ADD_PARTITIONS_RETRY_BACKOFF_MS : RETRY_BACKOFF_MS;
      expect(retried.atMs - failed.answeredAtMs!).toBe(expected);
      expect(retried.nodeId).toBe(failed.nodeId);
    });
  });

  test('CONCURRENT_TRANSACTIONS three times on the first AddPartitionsToTxn: 20 ms between each attempt', async () => {
    const h = start();
    for (let i = 0; i < 3; i++) h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS });
    await h.init();
    await h.commitWith([['a', 0]]);
    const adds = h.reqs('AddPartitionsToTxn');
    expect(adds.map((r) => r.txn!.errorCode)).toEqual([51, 51, 51, 0]);
    expect(adds.slice(1).map((r, i) => r.atMs - adds[i].answeredAtMs!)).toEqual([20, 20, 20]);
  });

  test('CONCURRENT_TRANSACTIONS on a later AddPartitionsToTxn (the transaction already holds a partition): retry.backoff.ms', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS });
    h.send('b', 1);
    await h.complete(h.producer.commitTransaction(), 'commit');
    const adds = h.reqs('AddPartitionsToTxn');
    expect(adds.map((r) => r.txn!.partitions)).toEqual([[{ topic: 't', partition: 0 }], [{ topic: 't', partition: 1 }], [{ topic: 't', partition: 1 }]]);
    expect(adds[2].atMs - adds[1].answeredAtMs!).toBe(RETRY_BACKOFF_MS);
    expect(h.out.failed).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 5. Fatal errors

describe('fatal errors: only close() works afterwards (TxnRequestHandler.fatalError, maybeFailWithError)', () => {
  test.each([
    ['PRODUCER_FENCED', ErrorCode.PRODUCER_FENCED],
    ['INVALID_PRODUCER_EPOCH', ErrorCode.INVALID_PRODUCER_EPOCH],
  ])('%s on EndTxn: ProducerFencedError, then every operation throws it and send() fails with it', async (_name, code) => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    h.net.prepare(0, 'EndTxn', { errorCode: code });
    const commit = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(commit.error).toBeInstanceOf(ProducerFencedError);

    // EndTxnHandler: INVALID_PRODUCER_EPOCH is read as PRODUCER_FENCED.
    expect(() => h.producer.beginTransaction()).toThrow(ProducerFencedError);
    expect(await errorOf(() => h.producer.commitTransaction())).toBeInstanceOf(ProducerFencedError);
    expect(await errorOf(() => h.producer.abortTransaction())).toBeInstanceOf(ProducerFencedError);
    expect(await errorOf(() => h.producer.initTransactions())).toBeInstanceOf(ProducerFencedError);
    expect(await errorOf(() => h.producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1 }], GROUP))).toBeInstanceOf(ProducerFencedError);
    h.send('after', 0);
    await h.clock.run(1000);
    expect(h.outcome('after').err).toBeInstanceOf(ProducerFencedError);

    // Nothing more goes to the coordinator, and close() ends the producer without an abort.
    const before = h.txnLog().length;
    const closed = await h.complete(h.producer.close(), 'close');
    expect(closed.ok).toBe(true);
    expect(h.txnLog()).toHaveLength(before);
    expect(h.reqs('EndTxn')).toHaveLength(1);
    expect(h.reqs('Produce').flatMap((r) => r.partitions!.flatMap((p) => p.values))).toEqual(['a']);
  });

  test('TRANSACTIONAL_ID_AUTHORIZATION_FAILED on AddPartitionsToTxn: fatal, the record fails with it, nothing is produced', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED });
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    expect(h.outcome('a').err).toBeInstanceOf(TransactionalIdAuthorizationError);
    expect(await errorOf(() => h.producer.commitTransaction())).toBeInstanceOf(TransactionalIdAuthorizationError);
    expect(await errorOf(() => h.producer.abortTransaction())).toBeInstanceOf(TransactionalIdAuthorizationError);
    expect(() => h.producer.beginTransaction()).toThrow(TransactionalIdAuthorizationError);
    h.send('b', 1);
    await h.clock.run(1000);
    expect(h.outcome('b').err).toBeInstanceOf(TransactionalIdAuthorizationError);
    const closed = await h.complete(h.producer.close(), 'close');
    expect(closed.ok).toBe(true);
    expect(h.reqs('Produce')).toEqual([]);
    expect(h.reqs('EndTxn')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 6. Abortable errors

describe('abortable errors: commit fails, abort works (maybeTransitionToErrorState, transitionToAbortableError)', () => {
  describe.each([
    {
      name: 'a non-retriable Produce error (INVALID_RECORD)',
      opts: {},
      script: (h: Harness) => h.net.prepare(0, 'Produce', { errorCode: ErrorCode.INVALID_RECORD }),
      recordError: InvalidRecordError,
      produceAttempts: 1,
    },
    {
      name: 'retries exhausted (NOT_ENOUGH_REPLICAS, retries 2)',
      opts: { retries: 2 },
      script: (h: Harness) => {
        for (let i = 0; i < 3; i++) h.net.prepare(0, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
      },
      recordError: NotEnoughReplicasError,
      produceAttempts: 3,
    },
  ])('$name', ({ opts, script, recordError, produceAttempts }) => {
    test('classic: the abort is followed by InitProducerId with the current id and epoch (KIP-360); the next transaction starts under the new epoch at sequence 0', async () => {
      const h = start(opts);
      await h.init();
      h.producer.beginTransaction();
      script(h);
      h.send('a', 0);
      await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
      expect(chain(h.outcome('a').err)).toContain(recordError.name);
      expect(h.reqs('Produce')).toHaveLength(produceAttempts);

      // The transaction is failed: commit is refused with the batch's error as the cause;
      // a record sent now fails with the transaction's error.
      const commit = await errorOf(() => h.producer.commitTransaction());
      expect(commit).toBeInstanceOf(Error);
      expect(chain(commit)).toContain(recordError.name);
      h.send('late', 1);
      await h.clock.run(10);
      expect(h.outcome('late').err).toBeInstanceOf(Error);
      expect(h.reqs('Produce')).toHaveLength(produceAttempts);

      const tAbort = h.mark();
      const abort = await h.complete(h.producer.abortTransaction(), 'abort');
      expect(abort.ok).toBe(true);
      // beginCompletingTransaction with clientSideEpochBumpRequired: EndTxn, then
      // InitProducerId (EPOCH_BUMP priority) with the current producer id and epoch.
      expect(h.txnLog(tAbort)).toEqual(['EndTxn(abort)', 'InitProducerId']);
      const end = last(h.reqs('EndTxn'));
      const bump = last(h.reqs('InitProducerId'));
      expect(end.txn).toMatchObject({ committed: false, producerId: 1000, producerEpoch: 0 });
      expect(bump.atMs).toBeGreaterThanOrEqual(end.answeredAtMs!);
      expect(bump.txn).toMatchObject({ transactionalId: TXN_ID, producerId: 1000, producerEpoch: 0, answeredProducerId: 1000, answeredProducerEpoch: 1 });
      expect(abort.atMs).toBe(bump.answeredAtMs);

      const t2 = h.mark();
      await h.commitWith([['b', 0]]);
      expect(h.txnLog(t2)).toEqual(['AddPartitionsToTxn', 'EndTxn(commit)']);
      expect(last(h.reqs('AddPartitionsToTxn')).txn).toMatchObject({ producerId: 1000, producerEpoch: 1 });
      expect(last(h.reqs('Produce')).partitions).toEqual([expect.objectContaining({ partition: 0, producerId: 1000, producerEpoch: 1, baseSequence: 0, values: ['b'] })]);
      expect(last(h.reqs('EndTxn')).txn).toMatchObject({ committed: true, producerEpoch: 1 });
      expect(h.outcome('b')).toMatchObject({ calls: 1, err: null });
    });

    test('transaction version 2: no InitProducerId; the abort EndTxn v5 gives the next epoch', async () => {
      const h = start(opts, { transactionVersion: 2 });
      await h.init();
      h.producer.beginTransaction();
      script(h);
      h.send('a', 0);
      await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
      expect(await errorOf(() => h.producer.commitTransaction())).toBeInstanceOf(Error);
      const tAbort = h.mark();
      const abort = await h.complete(h.producer.abortTransaction(), 'abort');
      expect(abort.ok).toBe(true);
      expect(h.txnLog(tAbort)).toEqual(['EndTxn(abort)']);
      expect(last(h.reqs('EndTxn')).txn).toMatchObject({ committed: false, producerEpoch: 0, answeredProducerEpoch: 1 });
      await h.commitWith([['b', 0]]);
      expect(last(h.reqs('Produce')).partitions).toEqual([expect.objectContaining({ producerEpoch: 1, baseSequence: 0, values: ['b'] })]);
      expect(h.reqs('InitProducerId')).toHaveLength(1);
    });
  });

  // Java (maybeTransitionToErrorState) asks for no client-side epoch bump for a batch that fails
  // while the transaction is completing and keeps the epoch, adjusting the partition's sequences;
  // this producer bumps the epoch in that case too (it never renumbers around a failed batch), so
  // only the outcome is checked here: the abort works and the next transaction is delivered.
  test('a batch failing while the commit waits for it: the commit rejects with its error; abort works', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.net.prepare(0, 'Produce', { errorCode: ErrorCode.INVALID_RECORD, delayMs: 50 });
    h.send('a', 0);
    const commit = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(commit.ok).toBe(false);
    expect(chain(commit.error)).toContain('InvalidRecordError');
    expect(h.reqs('EndTxn')).toEqual([]);
    const abort = await h.complete(h.producer.abortTransaction(), 'abort');
    expect(abort.ok).toBe(true);
    expect(last(h.reqs('EndTxn')).txn!.committed).toBe(false);
    await h.commitWith([['b', 0]]);
    expect(h.outcome('b').err).toBeNull();
  });

  test('TOPIC_AUTHORIZATION_FAILED on AddPartitionsToTxn: abortable TopicAuthorizationError; the abort sends no EndTxn (nothing was added) and bumps no epoch', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    // Sender.maybeSendAndPollTransactionalRequest: abortUndrainedBatches(lastError).
    expect(h.outcome('a').err).toBeInstanceOf(TopicAuthorizationError);
    expect(h.reqs('Produce')).toEqual([]);
    const commit = await errorOf(() => h.producer.commitTransaction());
    expect(chain(commit)).toContain('TopicAuthorizationError');
    const tAbort = h.mark();
    const abort = await h.complete(h.producer.abortTransaction(), 'abort');
    expect(abort.ok).toBe(true);
    expect(h.txnLog(tAbort)).toEqual([]);
    // Not fatal: the next transaction works under the same epoch.
    await h.commitWith([['b', 0]]);
    expect(last(h.reqs('Produce')).partitions).toEqual([expect.objectContaining({ producerEpoch: 0, baseSequence: 0, values: ['b'] })]);
    expect(h.outcome('b').err).toBeNull();
    expect(h.reqs('InitProducerId')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------
// 7. max.block.ms

describe('max.block.ms (handleCachedTransactionRequestResult, throwIfPendingState)', () => {
  test('initTransactions: TimeoutError at max.block.ms; other operations fail with IllegalStateError meanwhile; calling it again waits for the same InitProducerId', async () => {
    const h = start({ maxBlockMs: 1000 });
    const t0 = h.clock.now();
    h.net.prepare(0, 'InitProducerId', { delayMs: 1500 });
    const first = h.watch(h.producer.initTransactions());
    await h.clock.run(999);
    expect(first.settled).toBe(false);
    await h.clock.run(1);
    expect(first.error).toBeInstanceOf(TimeoutError);
    expect(first.atMs - t0).toBe(1000);

    expect(() => h.producer.beginTransaction()).toThrow(IllegalStateError);
    expect(await errorOf(() => h.producer.commitTransaction())).toBeInstanceOf(IllegalStateError);
    expect(await errorOf(() => h.producer.abortTransaction())).toBeInstanceOf(IllegalStateError);
    expect(await errorOf(() => h.producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1 }], GROUP))).toBeInstanceOf(IllegalStateError);
    // send() does not throw: its promise rejects.
    const refused = h.producer.send({ topic: 't', value: 'x', partition: 0 });
    expect(await errorOf(() => refused)).toBeInstanceOf(IllegalStateError);

    const again = await h.complete(h.producer.initTransactions(), 'initTransactions again');
    expect(again.ok).toBe(true);
    expect(again.atMs - t0).toBe(1500);
    expect(h.reqs('InitProducerId')).toHaveLength(1);
    await h.commitWith([['a', 0]]);
  });

  test('commitTransaction: TimeoutError at max.block.ms; abort, begin and init throw IllegalStateError meanwhile, send rejects with it; calling it again waits for the same EndTxn', async () => {
    const h = start({ maxBlockMs: 1000 });
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    h.net.prepare(0, 'EndTxn', { delayMs: 1500 });
    const t1 = h.clock.now();
    const first = h.watch(h.producer.commitTransaction());
    await h.clock.run(1000);
    expect(first.error).toBeInstanceOf(TimeoutError);
    expect(first.atMs - t1).toBe(1000);

    expect(await errorOf(() => h.producer.abortTransaction())).toBeInstanceOf(IllegalStateError);
    expect(() => h.producer.beginTransaction()).toThrow(IllegalStateError);
    // send() does not throw: its promise rejects.
    const refused = h.producer.send({ topic: 't', value: 'x', partition: 0 });
    expect(await errorOf(() => refused)).toBeInstanceOf(IllegalStateError);
    expect(await errorOf(() => h.producer.initTransactions())).toBeInstanceOf(IllegalStateError);

    const again = await h.complete(h.producer.commitTransaction(), 'commit again');
    expect(again.ok).toBe(true);
    expect(again.atMs - t1).toBe(1500);
    expect(h.reqs('EndTxn')).toHaveLength(1);
    expect(h.net.transaction(TXN_ID).ended.map((e) => e.committed)).toEqual([true]);
    await h.commitWith([['b', 0]]);
  });

  test('abortTransaction: TimeoutError at max.block.ms; calling it again waits for the same EndTxn', async () => {
    const h = start({ maxBlockMs: 1000 });
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    h.net.prepare(0, 'EndTxn', { delayMs: 1500 });
    const first = await h.complete(h.producer.abortTransaction(), 'abort');
    expect(first.error).toBeInstanceOf(TimeoutError);
    expect(await errorOf(() => h.producer.commitTransaction())).toBeInstanceOf(IllegalStateError);
    const again = await h.complete(h.producer.abortTransaction(), 'abort again');
    expect(again.ok).toBe(true);
    expect(h.reqs('EndTxn')).toHaveLength(1);
  });

  // KafkaProducer.commitTransaction/initTransactions after a TimeoutException: "it is safe to
  // retry". The result stays cached until a caller has seen it (TransactionalRequestResult.isAcked),
  // so a retry made after the operation finished in the background returns its outcome.
  test('commitTransaction called again after the timed-out commit completed in the background: resolves (the cached result)', async () => {
    const h = start({ maxBlockMs: 1000 });
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    h.net.prepare(0, 'EndTxn', { delayMs: 1500 });
    const first = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(first.error).toBeInstanceOf(TimeoutError);
    await h.clock.run(1000);
    expect(h.reqs('EndTxn')[0].outcome).toBe('answered');
    const again = await h.complete(h.producer.commitTransaction(), 'commit again');
    expect(again.error).toBeUndefined();
    expect(again.ok).toBe(true);
    expect(h.reqs('EndTxn')).toHaveLength(1);
  });

  test('initTransactions called again after the timed-out one completed in the background: resolves (the cached result)', async () => {
    const h = start({ maxBlockMs: 1000 });
    h.net.prepare(0, 'InitProducerId', { delayMs: 1500 });
    const first = await h.complete(h.producer.initTransactions(), 'init');
    expect(first.error).toBeInstanceOf(TimeoutError);
    await h.clock.run(1000);
    const again = await h.complete(h.producer.initTransactions(), 'init again');
    expect(again.error).toBeUndefined();
    expect(again.ok).toBe(true);
    expect(h.reqs('InitProducerId')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------
// 8. Abort

describe('abortTransaction (beginAbort, nextRequest)', () => {
  test('records not yet drained fail with TransactionAbortedError at once; the EndTxn(abort) still goes since a partition was added', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    // The partitions are added only 100 ms later: until then the records wait in the accumulator.
    h.net.prepare(0, 'AddPartitionsToTxn', { delayMs: 100 });
    h.send('a', 0);
    h.send('b', 0);
    h.send('c', 1);
    await h.clock.run(10);
    expect(h.out.settled).toBe(0);
    const abortAtMs = h.clock.now();
    const abort = h.watch(h.producer.abortTransaction());
    await h.clock.settle();
    for (const label of ['a', 'b', 'c']) {
      expect(h.outcome(label).err).toBeInstanceOf(TransactionAbortedError);
      expect(h.settledAt.get(label)).toBe(abortAtMs);
    }
    await h.clock.advanceUntil(() => abort.settled, { what: 'abort' });
    expect(abort.ok).toBe(true);
    expect(h.reqs('Produce')).toEqual([]);
    const [add] = h.reqs('AddPartitionsToTxn');
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn(abort)']);
    expect(last(h.reqs('EndTxn')).atMs).toBe(add.answeredAtMs);
    // No epoch bump: nothing failed (Java's abortUndrainedBatches does not ask for one).
    expect(h.reqs('InitProducerId')).toHaveLength(1);
    await h.commitWith([['d', 0]]);
    expect(last(h.reqs('Produce')).partitions).toEqual([expect.objectContaining({ producerEpoch: 0, baseSequence: 0, values: ['d'] })]);
  });

  test.each([
    ['classic', undefined],
    ['transaction version 2', 2],
  ])('%s: an abort of a transaction in which nothing was added sends no EndTxn', async (_name, transactionVersion) => {
    const h = start({}, { transactionVersion });
    await h.init();
    const before = h.net.requests.length;
    h.producer.beginTransaction();
    const abort = await h.complete(h.producer.abortTransaction(), 'abort');
    expect(abort.ok).toBe(true);
    expect(h.net.requests.slice(before).map((r) => r.api)).toEqual([]);
    await h.commitWith([['a', 0]]);
  });

  test('classic: a record sent and aborted before its partition was asked for: it fails, and neither AddPartitionsToTxn nor EndTxn is sent', async () => {
    const h = start();
    await h.init();
    await h.commitWith([['warm', 0]]); // metadata for t is known from here on
    const t2 = h.mark();
    h.producer.beginTransaction();
    h.send('a', 1);
    const abort = h.watch(h.producer.abortTransaction());
    await h.clock.advanceUntil(() => abort.settled, { what: 'abort' });
    expect(abort.ok).toBe(true);
    expect(h.outcome('a').err).toBeInstanceOf(TransactionAbortedError);
    expect(h.txnLog(t2)).toEqual([]);
    expect(h.since(t2, 'Produce')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 9. close()

describe('close() (Sender.run: an ongoing transaction is aborted on shutdown)', () => {
  test('close() with an open transaction aborts it', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    const closed = await h.complete(h.producer.close(), 'close');
    expect(closed.ok).toBe(true);
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn(abort)']);
    expect(h.net.transaction(TXN_ID).ended).toEqual([{ committed: false, partitions: ['t-0'], producerEpoch: 0 }]);
    expect(await errorOf(() => h.producer.beginTransaction())).toBeInstanceOf(ProducerClosedError);
  });

  test('close() with a commit under way finishes the commit', async () => {
    const h = start({ maxBlockMs: 1000 });
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    h.net.prepare(0, 'EndTxn', { delayMs: 1500 });
    const commit = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(commit.error).toBeInstanceOf(TimeoutError);
    const closed = await h.complete(h.producer.close(), 'close');
    expect(closed.ok).toBe(true);
    expect(h.txnLog()).toEqual(['FindCoordinator', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn(commit)']);
    expect(h.net.transaction(TXN_ID).ended.map((e) => e.committed)).toEqual([true]);
  });
});

// ---------------------------------------------------------------------------------------
// Further points of Java's behaviour

describe('further Java parity', () => {
  // Sender.runOnce -> shouldHandleAuthorizationError: after TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  // (or CLUSTER_AUTHORIZATION_FAILED) on InitProducerId the manager goes back to UNINITIALIZED,
  // so that initTransactions() can be called again once access is granted.
  test('TRANSACTIONAL_ID_AUTHORIZATION_FAILED on InitProducerId: initTransactions rejects with it and can be called again', async () => {
    const h = start();
    h.net.prepare(0, 'InitProducerId', { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED });
    const first = await h.complete(h.producer.initTransactions(), 'init');
    expect(first.error).toBeInstanceOf(TransactionalIdAuthorizationError);
    await h.clock.run(100);
    const again = await h.complete(h.producer.initTransactions(), 'init again');
    expect(again.error).toBeUndefined();
    expect(h.reqs('InitProducerId').map((r) => r.txn!.errorCode)).toEqual([ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.NONE]);
    await h.commitWith([['a', 0]]);
  });

  // AddPartitionsToTxnHandler: UNKNOWN_PRODUCER_ID is abortableErrorIfPossible (an epoch bump is
  // required). beginCompletingTransaction then returns the bump's result, not the EndTxn's:
  // abortTransaction() returns once the new epoch is in place, even when nextRequest skips the
  // EndTxn because nothing was added, so the next beginTransaction() is legal at once.
  test('UNKNOWN_PRODUCER_ID on AddPartitionsToTxn: the abort (no EndTxn: nothing was added) resolves only after the epoch bump; beginTransaction() right after it works', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.UNKNOWN_PRODUCER_ID });
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    expect(chain(h.outcome('a').err)).toContain('UnknownProducerIdError');
    // The bump's answer takes 30 ms, so an abort that resolves before it shows.
    h.net.prepare(0, 'InitProducerId', { delayMs: 30 });
    const mark = h.mark();
    let beginError: unknown = 'not called';
    const abort = h.watch(
      h.producer.abortTransaction().then(() => {
        beginError = null;
        try {
          h.producer.beginTransaction();
        } catch (err) {
          beginError = err;
        }
      }),
    );
    await h.clock.advanceUntil(() => abort.settled, { what: 'abort' });
    expect(abort.ok).toBe(true);
    expect(h.txnLog(mark)).toEqual(['InitProducerId']);
    expect(last(h.reqs('InitProducerId')).txn).toMatchObject({ producerId: 1000, producerEpoch: 0, answeredProducerEpoch: 1 });
    expect(beginError).toBeNull();
    expect(abort.atMs).toBe(last(h.reqs('InitProducerId')).answeredAtMs);
    h.send('b', 0);
    const commit = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(commit.ok).toBe(true);
    expect(last(h.reqs('Produce')).partitions).toEqual([expect.objectContaining({ producerEpoch: 1, baseSequence: 0, values: ['b'] })]);
  });

  // AddPartitionsToTxnHandler: TRANSACTION_ABORTABLE is a plain abortableError (no client-side
  // epoch bump; only UNKNOWN_PRODUCER_ID asks for one).
  test('TRANSACTION_ABORTABLE on AddPartitionsToTxn: abortable; the abort bumps no epoch', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.net.prepare(0, 'AddPartitionsToTxn', { errorCode: ErrorCode.TRANSACTION_ABORTABLE });
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    expect(chain(h.outcome('a').err)).toContain('TransactionAbortableError');
    const mark = h.mark();
    const abort = await h.complete(h.producer.abortTransaction(), 'abort');
    expect(abort.ok).toBe(true);
    expect(h.txnLog(mark)).toEqual([]);
    await h.commitWith([['b', 0]]);
    expect(h.reqs('InitProducerId')).toHaveLength(1);
  });

  // beginCompletingTransaction builds the EndTxn request with the transaction version the
  // transaction started with, and only then applies a newly finalized version
  // (maybeUpdateTransactionV2Enabled), which asks for an epoch bump before the next one.
  test('transaction.version finalized at 2 during a classic transaction: it ends with EndTxn v4 and an epoch bump; the next one uses version 2', async () => {
    const h = start();
    await h.init();
    h.producer.beginTransaction();
    h.send('a', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    h.net.setTransactionVersion(2);
    h.net.disconnect(0); // the next connection's ApiVersions carries the new features
    h.send('b', 0);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'b' });
    expect(h.reqs('Produce').map((r) => r.version)).toEqual([11, 11]);
    const tCommit = h.mark();
    const commit = await h.complete(h.producer.commitTransaction(), 'commit');
    expect(commit.ok).toBe(true);
    const end = last(h.reqs('EndTxn'));
    expect(end.version).toBeLessThanOrEqual(4);
    expect(h.txnLog(tCommit)).toEqual(['EndTxn(commit)', 'InitProducerId']);
    const t2 = h.mark();
    await h.commitWith([['c', 0]]);
    expect(h.txnLog(t2)).toEqual(['EndTxn(commit)']);
    expect(last(h.reqs('Produce'))).toMatchObject({ version: 13 });
    expect(last(h.reqs('EndTxn')).version).toBe(5);
  });
});
