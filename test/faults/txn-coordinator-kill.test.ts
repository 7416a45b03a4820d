/**
 * The transaction coordinator's broker killed with SIGKILL in the middle of a transaction: a
 * 3-broker KRaft cluster with the brokers' default session timeout (the transaction state
 * topic has replication factor 3 and min.insync.replicas 2 in the harness), a topic with 6
 * partitions, replication factor 3 and min.insync.replicas 2, and one transactional producer
 * with its defaults (transaction.timeout.ms lowered to 20 s, so that a transaction left open by
 * a failed producer is aborted by the coordinator while the test still runs).
 *
 * The producer runs a loop of transactions of 200 keyed records each (the value carries the
 * transaction number and the record's index in it) and commits each one. During the fifth,
 * the broker that coordinates its transactional id dies:
 *
 *   - while the transaction is sending: half of its records are written (so the coordinator
 *     holds its partitions), then the kill, then the other half and the commit;
 *   - while the commit is under way: every record is written, commitTransaction() is called,
 *     and the kill comes a quarter of the shortest EndTxn round trip seen so far after the
 *     EndTxn request goes out (the coordinator most likely has it and has not answered;
 *     whether it has written PrepareCommit yet is up to the race, and either must end well;
 *     when the answer wins the race, the report says so and the kill falls between two
 *     transactions).
 *
 * The coordinator's partition of the transaction state topic moves to a survivor once the
 * controller fences the dead broker (its session times out), and the survivor loads the
 * transaction's state. What the issue asks: either the commit succeeds, or an abortable or
 * fatal error comes back (abortable: abortTransaction() and on with a new transaction; fatal:
 * close, a new producer with the same transactional id, initTransactions(), on), and no
 * partial transaction is ever visible to read_committed.
 *
 * The loop goes on to 15 transactions (bounded in time). Then the killed broker is started
 * again and the Java consumer reads the topic with read_committed: every transaction is all or
 * nothing (each of its 200 records exactly once, or none), every transaction whose commit
 * resolved is there, none whose abort resolved is, and the committed records of each partition
 * are in send order. The last stable offset of every partition reaches its high watermark (no
 * transaction was left hanging) and the coordinator holds no transaction open or completing.
 * A commit, abort or initTransactions() that does not resolve within 45 s is a stall, reported
 * with the producer's transaction events and what its transaction manager waits for.
 *
 * The Java client runs beside it (the ControlProducer in transactional mode, on a topic of its
 * own, with a transactional id that hashes to the same partition of the transaction state
 * topic, so the same kill takes its coordinator too). Its outcome is reported next to
 * kafka-wire's, not judged: how long the coordinator takes to move varies from kill to kill
 * (where the kill falls between heartbeats, whether the victim was also the active controller),
 * and the Java figures say what this kill cost a client that follows the move.
 */
import {
  ClusterAuthorizationError,
  InvalidProducerEpochError,
  InvalidProducerIdMappingError,
  KafkaProducer,
  ProducerFencedError,
  TransactionalIdAuthorizationError,
  UnsupportedVersionError,
  type ProducerEventName,
  type RecordMetadata,
} from '../../src';
import { KafkaCluster, startCluster, type BrokerNode } from '../support/kafka-cluster';
import { runControlProducer, uniqueTopic, Verifier, type ControlProducerResult, type VerifiedRecord } from '../support/verifier';
import { waitForFullIsr, waitUntil } from './support';

const PARTITIONS = 6;
const REPLICAS = 3;
const KEYS = 1000;
const RECORDS_PER_TXN = 200;
const TRANSACTIONS = 15;
/** The transaction (0-based) during which the coordinator dies: four commits come before it. */
const KILL_IN_TXN = 4;
const TXN_TIMEOUT_MS = 20_000;
const TXN_STATE_TOPIC = '__transaction_state';
/** transaction.state.log.num.partitions in the harness. */
const TXN_STATE_PARTITIONS = 3;
/**
 * The Java control: transactions of about 100 keyed records (500/s, a commit every 200 ms)
 * over 30 s, on a topic of its own, with a transactional id the same coordinator serves; it
 * meets the same kill.
 */
const JAVA_RATE_PER_SEC = 500;
const JAVA_DURATION_MS = 30_000;
const JAVA_DRAIN_MS = 20_000;
/** No new transaction is begun this long after the first one began. */
const LOOP_BUDGET_MS = 60_000;
/**
 * A commit, abort or initTransactions() not resolved within this is a stall. The coordinator
 * moves within the brokers' session timeout (9 s) of the kill, plus an election when the
 * victim was also the active controller; a client that follows it is done well within this.
 */
const OPERATION_BOUND_MS = 45_000;

type Outcome = 'committed' | 'aborted' | 'fatal' | 'stalled';
type KillPoint = 'sending' | 'commit';

interface TxnResult {
  t: number;
  /** Which producer (1 = the first; a fatal error starts the next). */
  producerNo: number;
  outcome: Outcome;
  /** Error names: what commitTransaction() and then abortTransaction() rejected with. */
  commitError?: string;
  abortError?: string;
  /** Per record, the send() outcome: acknowledged, or failed (by error name). */
  acked: number;
  recordErrors: Record<string, number>;
  /** Records whose send() promise had not settled when the transaction's outcome was known. */
  unsettled: number;
  /** From beginTransaction() to the outcome. */
  ms: number;
  /** Offset from the test's start. */
  startedAt: number;
  killedDuring: boolean;
}

let cluster: KafkaCluster;
let verifier: Verifier;
const producers: KafkaProducer<string, string>[] = [];

beforeAll(async () => {
  // The brokers' defaults (broker.session.timeout.ms 9 s): what an operator runs.
  cluster = await startCluster({ local: true, brokers: 3 });
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
}, 180_000);

afterAll(async () => {
  for (const p of producers) await p.close({ timeoutMs: 0 }).catch(() => {});
  await verifier?.close();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class Stalled extends Error {
  override name = 'Stalled';
}

async function bounded<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Stalled(`${what} did not finish within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}


/** The errors after which, as Java's documentation has it, the producer can only be closed. */
function isFatal(err: Error): boolean {
  return (
    err instanceof ProducerFencedError ||
    err instanceof InvalidProducerEpochError ||
    err instanceof TransactionalIdAuthorizationError ||
    err instanceof ClusterAuthorizationError ||
    err instanceof UnsupportedVersionError ||
    err instanceof InvalidProducerIdMappingError
  );
}

const errorName = (e: unknown) => (e instanceof Error ? e.name : String(e));

/**
 * What the producer's transaction manager is waiting for (its private state, read for the
 * report of a stall only): the state, the coordinator it would send to, its queue, the request
 * out, and whether the connection pool knows that coordinator and has a connection to it.
 */
function transactionInternals(p: KafkaProducer<string, string>): string {
  try {
    const inner = p as unknown as {
      transactions: { state: string; coordinators: Record<string, number>; pending: { name: string }[]; inFlight: { name: string } | null };
      brokers: { connectionFor(id: number): { state: string } | null; reconnectDelayMs(id: number): number; nodes?: Map<number, unknown> };
    };
    const tm = inner.transactions;
    const node = tm.coordinators.transaction;
    return JSON.stringify({
      state: tm.state,
      coordinators: tm.coordinators,
      queued: tm.pending.map((r) => r.name),
      inFlight: tm.inFlight?.name ?? null,
      coordinatorKnownToPool: inner.brokers.nodes?.has(node) ?? 'unknown',
      coordinatorConnection: inner.brokers.connectionFor(node)?.state ?? 'none',
      reconnectDelayMs: inner.brokers.reconnectDelayMs(node),
    });
  } catch (e) {
    return `(internals not readable: ${(e as Error).message})`;
  }
}

/** Java's String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The coordinator's partition of the transaction state topic, as the broker computes it
 * (abs(hashCode) modulo the partition count; the harness runs 3 partitions).
 */
function txnStatePartition(transactionalId: string): number {
  const h = javaHash(transactionalId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % TXN_STATE_PARTITIONS;
}

/** A transactional id for the Java control that the same coordinator serves. */
function sameCoordinatorId(transactionalId: string): string {
  const want = txnStatePartition(transactionalId);
  for (let i = 0; ; i++) {
    const candidate = `${transactionalId}-java-${i}`;
    if (txnStatePartition(candidate) === want) return candidate;
  }
}

/**
 * The producers' transaction events with their times, consecutive repeats folded into one line
 * with a count (a partition retried every 100 ms while its leader is gone).
 */
class Timeline {
  readonly t0 = Date.now();
  private readonly lines: { at: number; text: string; count: number }[] = [];

  note(text: string): void {
    const last = this.lines[this.lines.length - 1];
    if (last && last.text === text) {
      last.count++;
      return;
    }
    if (this.lines.length < 3000) this.lines.push({ at: Date.now() - this.t0, text, count: 1 });
  }

  watch(p: KafkaProducer<string, string>, label: string): void {
    const on = (event: ProducerEventName, format: (e: Record<string, unknown>) => string) => p.on(event, (e: Record<string, unknown>) => this.note(`${label} ${event} ${format(e)}`));
    const err = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    // FindCoordinator goes to any broker: without its node, a lookup repeated until the
    // coordinator moves folds into one line pair.
    on('transactionRequest', (e) => `${String(e.api)} v${String(e.version)}${e.api === 'FindCoordinator' ? '' : ` -> node ${String(e.node)}`}`);
    on('coordinator', (e) => `${String(e.type)} -> node ${String(e.nodeId)}`);
    on('producerId', (e) => `id ${String(e.producerId)} epoch ${String(e.epoch)}`);
    on('epochBump', (e) => `id ${String(e.producerId)} epoch ${String(e.epoch)}`);
    on('retry', (e) => `p${String(e.partition)} ${String(e.error)}`);
    on('batchError', (e) => `p${String(e.partition)} ${String(e.records)} records: ${err(e.error)}`);
    on('transactionError', (e) => `${e.fatal ? 'fatal ' : ''}${err(e.error)}`);
  }

  /**
   * The lines between two offsets from t0 (ms); a pair of lines repeated back to back (a
   * request and its answer, again and again) is shown once, with the count and the time of
   * the last repeat.
   */
  window(fromMs: number, toMs = Infinity): string {
    const lines = this.lines.filter((l) => l.at >= fromMs && l.at <= toMs);
    const show = (l: { at: number; text: string; count: number }) => `${String(l.at).padStart(7)} ms  ${l.text}${l.count > 1 ? ` (x${l.count})` : ''}`;
    const out: string[] = [];
    for (let i = 0; i < lines.length; ) {
      let repeats = 1;
      const same = (a: number, b: number) => lines[a].text === lines[b].text;
      while (i + 2 * repeats + 1 < lines.length && same(i, i + 2 * repeats) && same(i + 1, i + 2 * repeats + 1)) repeats++;
      if (repeats > 2) {
        out.push(show(lines[i]), show(lines[i + 1]), `          ... the pair above ${repeats} times in all, the last at ${lines[i + 2 * repeats - 2].at} ms`);
        i += 2 * repeats;
      } else {
        out.push(show(lines[i]));
        i++;
      }
    }
    return out.join('\n');
  }
}

interface Readback {
  /** Per transaction: distinct records visible to read_committed, and in the log at all. */
  visible: Map<number, number>;
  inLog: Map<number, number>;
  duplicates: number;
  reordered: number;
  foreign: number;
  /** Partitions whose last stable offset stops short of the high watermark. */
  hanging: string[];
}

function parse(records: VerifiedRecord[], runId: string): { t: number; i: number; partition: number }[] {
  const out: { t: number; i: number; partition: number }[] = [];
  for (const r of records) {
    const text = r.value === null ? '' : Buffer.from(r.value, 'hex').toString('utf8');
    const m = /^([^:]+):(\d+):(\d+)$/.exec(text);
    if (!m || m[1] !== runId) out.push({ t: -1, i: -1, partition: r.partition });
    else out.push({ t: Number(m[2]), i: Number(m[3]), partition: r.partition });
  }
  return out;
}

function readback(committed: VerifiedRecord[], all: VerifiedRecord[], lso: Record<string, number>, hw: Record<string, number>, runId: string): Readback {
  const visible = new Map<number, number>();
  const inLog = new Map<number, number>();
  let duplicates = 0;
  let reordered = 0;
  let foreign = 0;
  const seen = new Set<number>();
  const lastByPartition = new Map<number, number>();
  for (const r of parse(committed, runId)) {
    if (r.t < 0) {
      foreign++;
      continue;
    }
    const seq = r.t * RECORDS_PER_TXN + r.i;
    if (seen.has(seq)) {
      duplicates++;
      continue;
    }
    seen.add(seq);
    visible.set(r.t, (visible.get(r.t) ?? 0) + 1);
    const last = lastByPartition.get(r.partition);
    if (last !== undefined && seq < last) reordered++;
    else lastByPartition.set(r.partition, seq);
  }
  const seenAll = new Set<number>();
  for (const r of parse(all, runId)) {
    if (r.t < 0) continue;
    const seq = r.t * RECORDS_PER_TXN + r.i;
    if (seenAll.has(seq)) continue;
    seenAll.add(seq);
    inLog.set(r.t, (inLog.get(r.t) ?? 0) + 1);
  }
  const hanging = Object.keys(hw).filter((p) => (lso[p] ?? -1) < hw[p]).map((p) => `p${p}: LSO ${lso[p]} < HW ${hw[p]}`);
  return { visible, inLog, duplicates, reordered, foreign, hanging };
}

function tableLines(results: TxnResult[], rb: Readback | null): string[] {
  const lines = [
    '| txn | prod | outcome   |     ms | acked | record errors                   | commit error -> abort error              | visible | in log |',
    '|-----|------|-----------|--------|-------|---------------------------------|------------------------------------------|---------|--------|',
  ];
  for (const r of results) {
    const errs = Object.entries(r.recordErrors)
      .map(([k, v]) => `${k} x${v}`)
      .join(', ') + (r.unsettled ? `${Object.keys(r.recordErrors).length ? ', ' : ''}unsettled x${r.unsettled}` : '');
    const txnErr = r.commitError ? `${r.commitError}${r.abortError ? ` -> ${r.abortError}` : r.outcome === 'aborted' ? ' -> (aborted)' : ''}` : '';
    lines.push(
      `| ${`${r.t}${r.killedDuring ? '*' : ''}`.padStart(3)} | ${String(r.producerNo).padStart(4)} | ${r.outcome.padEnd(9)} | ${String(r.ms).padStart(6)} | ${String(r.acked).padStart(5)} | ${errs.slice(0, 31).padEnd(31)} | ${txnErr.slice(0, 40).padEnd(40)} | ${String(rb?.visible.get(r.t) ?? 0).padStart(7)} | ${String(rb?.inLog.get(r.t) ?? 0).padStart(6)} |`,
    );
  }
  return lines;
}

async function scenario(kill: KillPoint): Promise<void> {
  const topic = uniqueTopic(`txn-coordinator-kill-${kill}`);
  await verifier.createTopic(topic, PARTITIONS, { replicationFactor: REPLICAS, configs: { 'min.insync.replicas': '2' } });
  await waitForFullIsr(verifier, topic, REPLICAS, 30_000);
  const transactionalId = uniqueTopic(`txn-coordinator-kill-${kill}-id`);
  const runId = Math.random().toString(36).slice(2, 8);
  const timeline = new Timeline();
  let producerNo = 0;

  const open = async (): Promise<KafkaProducer<string, string>> => {
    const p = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, transactionalId, transactionTimeoutMs: TXN_TIMEOUT_MS });
    producers.push(p);
    producerNo++;
    timeline.watch(p, `p${producerNo}`);
    timeline.note(`p${producerNo} initTransactions()`);
    await bounded(`initTransactions() of producer ${producerNo}`, p.initTransactions(), OPERATION_BOUND_MS);
    timeline.note(`p${producerNo} initTransactions() resolved`);
    return p;
  };

  let producer: KafkaProducer<string, string> | undefined = await open();
  // The coordinator's partition of the transaction state topic has all of its replicas: the kill
  // leaves two, its min.insync.replicas.
  await waitForFullIsr(verifier, TXN_STATE_TOPIC, REPLICAS, 30_000);
  const coordinatorId = await verifier.findTransactionCoordinator(transactionalId, { timeoutMs: 10_000 });
  const victim: BrokerNode | undefined = cluster.brokers.find((b) => b.nodeId === coordinatorId);
  if (!victim) throw new Error(`the coordinator of ${transactionalId} is node ${coordinatorId}, not one of the cluster's brokers`);

  // The Java control, on a topic of its own, under the same coordinator: started first, so
  // that it is mid-run when the kill comes.
  const javaTopic = `${topic}-java`;
  await verifier.createTopic(javaTopic, PARTITIONS, { replicationFactor: REPLICAS, configs: { 'min.insync.replicas': '2' } });
  await waitForFullIsr(verifier, javaTopic, REPLICAS, 30_000);
  const javaId = sameCoordinatorId(transactionalId);
  const javaRunId = Math.random().toString(36).slice(2, 8);
  const javaRecords = (JAVA_RATE_PER_SEC * JAVA_DURATION_MS) / 1000;
  let javaStarted: () => void = () => {};
  const javaStartedP = new Promise<void>((resolve) => (javaStarted = resolve));
  const javaRun: Promise<ControlProducerResult | Error> = runControlProducer(
    {
      bootstrap: cluster.bootstrap,
      topic: javaTopic,
      records: javaRecords,
      ratePerSec: JAVA_RATE_PER_SEC,
      runId: javaRunId,
      keys: KEYS,
      partitions: PARTITIONS,
      drainMs: JAVA_DRAIN_MS,
      transactionalId: javaId,
      commitEveryMs: 200,
      configs: { 'transaction.timeout.ms': String(TXN_TIMEOUT_MS) },
    },
    { kafkaVersion: cluster.version, timeoutMs: JAVA_DURATION_MS + JAVA_DRAIN_MS + 120_000, onStarted: () => javaStarted() },
  ).catch((e: Error) => e);
  await bounded('the Java control to start', Promise.race([javaStartedP, javaRun.then(() => undefined)]), 60_000);
  const javaCoordinator = await verifier.findTransactionCoordinator(javaId, { timeoutMs: 10_000 }).catch(() => -1);
  if (javaCoordinator !== coordinatorId) {
    throw new Error(`the Java control's transactional id ${javaId} is served by node ${javaCoordinator}, not by node ${coordinatorId} as kafka-wire's: the comparison would not meet the same kill`);
  }

  let killAt = 0;
  let killing: Promise<void> | null = null;
  let minEndTxnRoundTrip = Infinity;
  const killVictim = (why: string) => {
    killAt = Date.now();
    timeline.note(`SIGKILL node ${victim.nodeId} (the coordinator), ${why}`);
    killing = victim.kill();
  };

  const runTransaction = async (p: KafkaProducer<string, string>, t: number): Promise<TxnResult> => {
    const began = Date.now();
    const killHere = t === KILL_IN_TXN;
    const sends: Promise<RecordMetadata | Error>[] = [];
    const result: TxnResult = { t, producerNo, outcome: 'fatal', acked: 0, recordErrors: {}, unsettled: 0, ms: 0, startedAt: began - timeline.t0, killedDuring: killHere };
    const sendRecord = (i: number) => {
      const seq = t * RECORDS_PER_TXN + i;
      try {
        sends.push(p.send({ topic, key: `key-${seq % KEYS}`, value: `${runId}:${t}:${i}` }).then((md) => md, (e: Error) => e));
      } catch (e) {
        sends.push(Promise.resolve(e as Error));
      }
    };
    timeline.note(`p${producerNo} txn ${t}: begin`);
    try {
      p.beginTransaction();
    } catch (e) {
      result.commitError = `beginTransaction: ${errorName(e)}`;
      result.ms = Date.now() - began;
      return result;
    }
    // The EndTxn's round trip, and in the scenario of a kill during the commit the kill itself:
    // a quarter of the shortest round trip seen so far after the request goes out, when the
    // coordinator most likely has it and has not answered yet.
    let endTxnSentAt = 0;
    let settled = false;
    const onRequest = (e: { api: string }) => {
      if (e.api !== 'EndTxn') return;
      endTxnSentAt = Date.now();
      if (!killHere || kill !== 'commit' || killAt) return;
      const delay = Number.isFinite(minEndTxnRoundTrip) ? Math.max(1, Math.floor(minEndTxnRoundTrip / 4)) : 5;
      setTimeout(() => killVictim(`${delay} ms after transaction ${t}'s EndTxn went out${settled ? ', but it was already answered' : ''}`), delay);
    };
    p.on('transactionRequest', onRequest);
    try {
      const half = RECORDS_PER_TXN / 2;
      for (let i = 0; i < half; i++) sendRecord(i);
      if (killHere && kill === 'sending') {
        // The first half written: the coordinator has the transaction's partitions.
        await bounded('flush() before the kill', p.flush(), 30_000);
        killVictim(`transaction ${t} has ${half} records written`);
        await bounded('the kill', killing!, 15_000);
      }
      for (let i = half; i < RECORDS_PER_TXN; i++) sendRecord(i);
      timeline.note(`p${producerNo} txn ${t}: commitTransaction()`);
      await bounded(`commitTransaction() of transaction ${t}`, p.commitTransaction(), OPERATION_BOUND_MS);
      result.outcome = 'committed';
      if (!killAt && endTxnSentAt) minEndTxnRoundTrip = Math.min(minEndTxnRoundTrip, Date.now() - endTxnSentAt);
    } catch (e) {
      if (e instanceof Stalled) {
        result.outcome = 'stalled';
        result.commitError = e.message;
        timeline.note(`p${producerNo} txn ${t}: stalled; transaction manager: ${transactionInternals(p)}`);
      } else {
        result.commitError = errorName(e);
        timeline.note(`p${producerNo} txn ${t}: commit failed: ${errorName(e)}: ${(e as Error).message}`);
        if (isFatal(e as Error)) result.outcome = 'fatal';
        else {
          try {
            await bounded(`abortTransaction() of transaction ${t}`, p.abortTransaction(), OPERATION_BOUND_MS);
            result.outcome = 'aborted';
          } catch (e2) {
            result.abortError = errorName(e2);
            result.outcome = e2 instanceof Stalled ? 'stalled' : 'fatal';
            timeline.note(`p${producerNo} txn ${t}: abort failed: ${errorName(e2)}: ${(e2 as Error).message}`);
          }
        }
      }
    } finally {
      settled = true;
      p.off('transactionRequest', onRequest);
    }
    result.ms = Date.now() - began;
    timeline.note(`p${producerNo} txn ${t}: ${result.outcome} after ${result.ms} ms`);
    // Every record has its outcome once the transaction has one (a short grace for callbacks).
    const settledBy = Date.now() + 2_000;
    const outcomes = await Promise.all(sends.map((s) => Promise.race([s, sleep(Math.max(0, settledBy - Date.now())).then(() => null)])));
    for (const o of outcomes) {
      if (o === null) result.unsettled++;
      else if (o instanceof Error) result.recordErrors[o.name] = (result.recordErrors[o.name] ?? 0) + 1;
      else result.acked++;
    }
    return result;
  };

  const results: TxnResult[] = [];
  const loopStart = Date.now();
  let stallReason = '';
  for (let t = 0; t < TRANSACTIONS && Date.now() - loopStart < LOOP_BUDGET_MS; t++) {
    if (!producer) {
      try {
        producer = await open();
      } catch (e) {
        stallReason = `a new producer after a fatal error: ${(e as Error).message}`;
        break;
      }
    }
    const r = await runTransaction(producer, t);
    results.push(r);
    if (r.outcome === 'fatal') {
      await producer.close({ timeoutMs: 0 }).catch(() => {});
      producer = undefined;
    }
    if (r.outcome === 'stalled') {
      stallReason = r.commitError ?? 'stalled';
      break;
    }
  }
  const loopMs = Date.now() - loopStart;
  if (producer) await bounded('close()', producer.close({ timeoutMs: 10_000 }), 20_000).catch(() => {});
  for (const p of producers) await p.close({ timeoutMs: 0 }).catch(() => {});

  // The killed broker back, every replica in sync, then the coordinator's final word.
  if (killing) await bounded('the kill', killing, 15_000);
  const restartStart = Date.now();
  if (!victim.isRunning()) await bounded(`restart of node ${victim.nodeId}`, victim.start(), 120_000);
  await waitForFullIsr(verifier, topic, REPLICAS, 60_000);
  await waitForFullIsr(verifier, TXN_STATE_TOPIC, REPLICAS, 60_000);
  const restartMs = Date.now() - restartStart;
  let finalState = '';
  let finalCoordinator = -1;
  await waitUntil(
    async () => {
      const d = (await verifier.describeTransactions([transactionalId], { timeoutMs: 10_000 }))[transactionalId];
      finalState = d?.state ?? 'none';
      finalCoordinator = d?.coordinatorId ?? -1;
      return finalState === 'CompleteCommit' || finalState === 'CompleteAbort' || finalState === 'Empty';
    },
    TXN_TIMEOUT_MS + 15_000,
    `the coordinator of ${transactionalId} to hold no open transaction`,
  ).catch(() => {});

  const java = await bounded('the Java control', javaRun, JAVA_DURATION_MS + JAVA_DRAIN_MS + 130_000);

  const committedCount = results.filter((r) => r.outcome === 'committed').length;
  const rc = await verifier.consume(topic, { isolation: 'read_committed', expected: committedCount * RECORDS_PER_TXN, timeoutMs: 60_000 });
  const ru = await verifier.consume(topic, { isolation: 'read_uncommitted', timeoutMs: 60_000 });
  const rb = readback(rc.records, ru.records, rc.endOffsets, ru.endOffsets, runId);

  const javaLine = java instanceof Error ? `Java control failed: ${java.message.split('\n')[0]}` : await javaSummary(java, javaTopic, javaRunId);

  const killT = killAt - timeline.t0;
  const afterKill = results.find((r) => r.t > KILL_IN_TXN && r.outcome === 'committed');
  console.log(
    [
      `coordinator kill while ${kill === 'sending' ? 'the transaction is sending' : 'the commit is under way'} (Kafka ${cluster.version}; ${RECORDS_PER_TXN} keyed records per transaction over ${PARTITIONS} partitions; ` +
        `coordinator node ${victim.nodeId} SIGKILLed during transaction ${KILL_IN_TXN} (* below); loop ${(loopMs / 1000).toFixed(1)} s; restart and ISR ${(restartMs / 1000).toFixed(1)} s; ` +
        `coordinator afterwards node ${finalCoordinator}, state ${finalState}):`,
      ...tableLines(results, rb),
      javaLine,
      `read_committed: ${rc.records.length} records${rc.timedOut ? ' (timed out)' : ''}, duplicates ${rb.duplicates}, reordered ${rb.reordered}, foreign ${rb.foreign}; LSO behind HW: ${rb.hanging.join(', ') || 'none'}`,
      `events from 1 s before the kill to the first commit after it:`,
      timeline.window(killT - 1000, afterKill ? afterKill.startedAt + afterKill.ms + 50 : Infinity),
    ].join('\n'),
  );

  // Every check at once, so that one report shows all that went wrong.
  const problems: string[] = [];
  if (stallReason) problems.push(`stall: ${stallReason}`);
  if (!killAt) problems.push('the coordinator was never killed');
  for (const r of results) {
    const visible = rb.visible.get(r.t) ?? 0;
    if (visible !== 0 && visible !== RECORDS_PER_TXN) problems.push(`transaction ${r.t} (${r.outcome}) is partly visible: ${visible} of ${RECORDS_PER_TXN} records`);
    if (r.outcome === 'committed' && visible !== RECORDS_PER_TXN) problems.push(`transaction ${r.t} committed but ${visible} of its records are visible`);
    if (r.outcome === 'aborted' && visible !== 0) problems.push(`transaction ${r.t} aborted but ${visible} of its records are visible`);
    if (r.outcome === 'committed' && r.acked !== RECORDS_PER_TXN) problems.push(`transaction ${r.t} committed with ${r.acked} of its records acknowledged: ${JSON.stringify(r.recordErrors)}, unsettled ${r.unsettled}`);
    if (r.unsettled > 0) problems.push(`transaction ${r.t} (${r.outcome}): ${r.unsettled} records without an outcome 2 s after the transaction's`);
    if (r.t < KILL_IN_TXN && r.outcome !== 'committed') problems.push(`transaction ${r.t}, before the kill, was not committed (${r.outcome}, ${r.commitError})`);
  }
  for (const t of rb.visible.keys()) if (!results.some((r) => r.t === t)) problems.push(`records of transaction ${t}, never attempted, are visible`);
  if (rb.duplicates > 0) problems.push(`${rb.duplicates} duplicate records visible`);
  if (rb.reordered > 0) problems.push(`${rb.reordered} records out of order in their partition`);
  if (rc.timedOut) problems.push(`read_committed timed out with ${rc.records.length} of ${committedCount * RECORDS_PER_TXN} records`);
  if (rb.hanging.length > 0) problems.push(`transactions left open: ${rb.hanging.join(', ')}`);
  if (!['CompleteCommit', 'CompleteAbort', 'Empty'].includes(finalState)) problems.push(`the coordinator still has the transactional id in state ${finalState}`);
  if (!afterKill) problems.push(`no transaction committed after the kill`);
  if (results.length < TRANSACTIONS) problems.push(`only ${results.length} of ${TRANSACTIONS} transactions attempted within ${LOOP_BUDGET_MS / 1000} s`);
  if (problems.length > 0) {
    throw new Error(`${problems.join('\n')}\n\n${javaLine}\n\nevents:\n${timeline.window(0)}`);
  }
}

/**
 * One line on the Java control's run: its transactions, errors, longest commit and longest
 * pause in acknowledgements, and whether read_committed shows exactly the records of its
 * committed transactions (every record not in an aborted range, once).
 */
async function javaSummary(java: ControlProducerResult, javaTopic: string, javaRunId: string): Promise<string> {
  const aborted = java.abortedRanges ?? [];
  const inAborted = (seq: number) => aborted.some(([from, to]) => seq >= from && seq < to);
  let expected = 0;
  for (let seq = 0; seq < java.sent; seq++) if (!inAborted(seq)) expected++;
  const { records, timedOut } = await verifier.consume(javaTopic, { isolation: 'read_committed', expected, timeoutMs: 60_000 });
  const seen = new Set<number>();
  let duplicates = 0;
  let fromAborted = 0;
  for (const r of records) {
    const text = r.value === null ? '' : Buffer.from(r.value, 'hex').toString('utf8');
    const seq = Number(text.slice(javaRunId.length + 1).split(':')[0]);
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    if (inAborted(seq)) fromAborted++;
  }
  const missing = expected - (seen.size - fromAborted);
  return (
    `Java ${java.kafkaClientsVersion} control (same coordinator): ${java.committedTransactions} committed, ${java.abortedTransactions} aborted, ` +
    `transaction errors ${JSON.stringify(java.transactionErrors ?? {})}, record errors ${JSON.stringify(java.errors)}, sent ${java.sent}/${(JAVA_RATE_PER_SEC * JAVA_DURATION_MS) / 1000}; ` +
    `longest commit ${((java.maxCommitMs ?? 0) / 1000).toFixed(1)} s; longest ack gap ${(java.maxAckGapMs / 1000).toFixed(1)} s; ` +
    `read_committed: ${records.length} records, missing ${missing}, from aborted transactions ${fromAborted}, duplicates ${duplicates}${timedOut ? ' (timed out)' : ''}`
  );
}

test('the coordinator SIGKILLed while a transaction is sending: commit or an abortable/fatal error, never a partial transaction under read_committed', async () => {
  await scenario('sending');
}, 240_000);

test('the coordinator SIGKILLed as EndTxn goes out: commit or an abortable/fatal error, never a partial transaction under read_committed', async () => {
  await scenario('commit');
}, 240_000);
