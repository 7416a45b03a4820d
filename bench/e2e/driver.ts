/**
 * The child process of one bench/e2e run: loads one client's driver (drivers/<client>.ts),
 * opens it (connection, metadata, producer id, one record acknowledged), then runs the
 * workload and prints one RunResult as a JSON line on stdout.
 *
 *   node bench/.build/bench/e2e/driver.js '<RunSpec as JSON>'
 *
 * The loop is the same for every client; only how records are handed over differs:
 * - 'record' clients have an accumulator (kafka-wire, node-rdkafka): one call per record,
 *   yielding to the event loop every YIELD_EVERY records (their I/O runs on this thread), and
 *   waiting while the client says it is full.
 * - 'batch' clients take arrays (kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript's
 *   KafkaJS API): BATCH_RECORDS records per call, up to MAX_BATCHES_IN_FLIGHT calls
 *   unanswered. At a fixed rate (W4), a client without an accumulator gets the records it was
 *   given within LINGER_MS (or BATCH_RECORDS of them) in one call: the 5 ms linger the
 *   other clients apply themselves.
 * A transactional workload (W6-txn, unpaced) is the driver's business: it commits when the
 * loop asks isBusy(), and its flush() commits the last transaction.
 * An unpaced run with spec.durationMs hands records over for that long (checked at each yield),
 * then flushes; the result counts the records handed over. 'record' clients yield every
 * YIELD_EVERY records, or every YIELD_BYTES of values when records are large (every 900 KiB
 * record), so that the deadline and a full buffer are still noticed within a MiB or so.
 * Latency (W4) runs from the moment the loop hands a record over (to the client, or to the
 * batch it waits in) to its acknowledgement.
 */
import { performance } from 'node:perf_hooks';
import { benchKeys, benchValues, KEY_COUNT, VALUE_COUNT } from '../data';
import type { RunResult, RunSpec } from './types';

export const YIELD_EVERY = 1024;
export const YIELD_BYTES = 1024 * 1024;
export const BATCH_RECORDS = 100;
export const MAX_BATCHES_IN_FLIGHT = 64;
export const LINGER_MS = 5;

/** What a driver is given. */
export interface DriverContext {
  spec: RunSpec;
  /** Record i's key (null without keys) and value. */
  key(i: number): Buffer | null;
  value(i: number): Buffer;
  /** Record i is acknowledged (or failed). Drivers that cannot tell records apart use ackCount. */
  ack(i: number, err: unknown): void;
  /** Records [from, to) are acknowledged (or failed). */
  ackRange(from: number, to: number, err: unknown): void;
  /** One record (which one is not known) is acknowledged: throughput runs without latency. */
  ackCount(err: unknown): void;
}

export interface ClientDriver {
  readonly version: string;
  readonly mode: 'record' | 'batch';
  /** Batch mode: whether the client batches by itself (then W4 hands records over one by one). */
  readonly hasAccumulator?: boolean;
  /** Batch mode: calls allowed unanswered (default MAX_BATCHES_IN_FLIGHT). */
  readonly maxBatchesInFlight?: number;
  /** Creates the producer, connects, and has one record acknowledged. */
  open(): Promise<void>;
  /** Record mode: hands over record i; false when the client's queue is full (called again later). */
  sendOne?(i: number): boolean;
  /** Batch mode: hands over records [from, to) in one call; acks through ackRange. */
  sendBatch?(from: number, to: number): void;
  /** Record mode: the client wants the loop to wait (memory full, ...). */
  isBusy?(): boolean;
  /** Everything handed over is acknowledged (what a flush() guarantees). */
  flush(): Promise<void>;
  close(): Promise<void>;
  note?: string;
  /** Transactional runs: the commits of the timed part, set by flush(). */
  commits?: RunResult['commits'];
  /** The client's own figures (records per request, ...), read after flush(). */
  metrics?(): RunResult['metrics'];
}

export type DriverFactory = (ctx: DriverContext) => ClientDriver | Promise<ClientDriver>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
}

/** Runs one workload through a driver; the measured part of a run. */
export async function runWorkload(spec: RunSpec, factory: DriverFactory, log: (line: string) => void = () => {}): Promise<RunResult> {
  const keyCount = spec.keyCount ?? KEY_COUNT;
  const valueCount = spec.valueCount ?? VALUE_COUNT;
  if ((keyCount & (keyCount - 1)) !== 0 || (valueCount & (valueCount - 1)) !== 0) throw new Error('keyCount and valueCount must be powers of 2');
  const keys = benchKeys(keyCount);
  const values = benchValues(spec.size, valueCount);
  const keyMask = keyCount - 1;
  const valueMask = valueCount - 1;
  const timed = spec.rate === 0 && spec.durationMs !== undefined && spec.durationMs > 0;
  if (timed && spec.latency) throw new Error('durationMs applies to unpaced runs without latency only');
  const n = spec.records;
  /** Records the run waits for: n, or (timed) Infinity until the loop has stopped handing over. */
  let target = timed ? Infinity : n;
  const sentAt = spec.latency ? new Float64Array(n) : null;
  const latency = spec.latency ? new Float64Array(n) : null;
  let acked = 0;
  let errors = 0;
  /** Batch mode: calls answered (each ackRange is one call). */
  let callsSettled = 0;
  let firstError: unknown = null;
  let measuring = false;
  let warmAcked = 0;
  let allDone: (() => void) | null = null;
  const settle = (count: number, err: unknown) => {
    if (!measuring) {
      warmAcked += count;
      return;
    }
    if (err) {
      errors += count;
      firstError ??= err;
    } else acked += count;
    if (acked + errors >= target && allDone) allDone();
  };
  const ctx: DriverContext = {
    spec,
    key: spec.keyed ? (i) => keys[i & keyMask] : () => null,
    value: (i) => values[i & valueMask],
    ack(i, err) {
      if (measuring && latency && sentAt && i >= 0) latency[i] = performance.now() - sentAt[i];
      settle(1, err);
    },
    ackRange(from, to, err) {
      if (measuring) callsSettled++;
      if (measuring && latency && sentAt && from >= 0) {
        const now = performance.now();
        for (let i = from; i < to; i++) latency[i] = now - sentAt[i];
      }
      settle(to - from, err);
    },
    ackCount(err) {
      settle(1, err);
    },
  };
  const driver = await factory(ctx);
  if (driver.mode === 'batch' && ((spec.topics?.length ?? 1) > 1 || (spec.producers ?? 1) > 1)) {
    throw new Error(`the ${spec.client} driver has one producer and one topic (spec.topics and spec.producers are for the record-mode drivers)`);
  }
  await driver.open();
  if (warmAcked < 1) throw new Error('the driver opened without an acknowledged warm-up record');

  const done = new Promise<void>((resolve) => (allDone = resolve));
  let progressTimer: NodeJS.Timeout | null = null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  if (spec.progress) {
    // Timed runs: progress in ms of the run's duration.
    progressTimer = setInterval(() => log(timed ? `progress ${Math.round(performance.now() - t0)}/${spec.durationMs}` : `progress ${acked + errors}/${n}`), 2000);
    progressTimer.unref();
  }
  const deadline = timed ? t0 + spec.durationMs! : Infinity;
  const sent = driver.mode === 'record' ? await recordLoop(spec, driver, sentAt, deadline) : await batchLoop(spec, driver, sentAt, () => callsSettled, deadline);
  if (timed) {
    target = sent;
    if (acked + errors >= target) (allDone as (() => void) | null)?.();
  }
  await done;
  await driver.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (progressTimer) clearInterval(progressTimer);
  const metrics = driver.metrics?.();
  await driver.close();
  const result: RunResult = {
    client: spec.client,
    version: driver.version,
    runtime: `node ${process.version}`,
    records: sent,
    acked,
    errors,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  if (driver.commits) result.commits = driver.commits;
  if (metrics) result.metrics = metrics;
  if (latency) {
    const sorted = latency.slice().sort();
    result.latencyMs = { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), max: sorted[sorted.length - 1] };
  }
  const notes = [driver.note, firstError ? `first error: ${String((firstError as Error)?.message ?? firstError).slice(0, 200)}` : undefined].filter(Boolean);
  if (notes.length > 0) result.note = notes.join('; ');
  return result;
}

/** Hands records over (one call each); returns how many (spec.records, or fewer at the deadline). */
async function recordLoop(spec: RunSpec, driver: ClientDriver, sentAt: Float64Array | null, deadline: number): Promise<number> {
  const n = spec.records;
  const sendOne = driver.sendOne!.bind(driver);
  if (spec.rate > 0) {
    const t0 = performance.now();
    let i = 0;
    while (i < n) {
      const due = Math.min(n, Math.floor(((performance.now() - t0) * spec.rate) / 1000) + 1);
      while (i < due) {
        if (sentAt) sentAt[i] = performance.now();
        if (!sendOne(i)) break;
        i++;
      }
      await sleep(1);
    }
    return n;
  }
  const yieldEvery = Math.max(1, Math.min(YIELD_EVERY, Math.floor(YIELD_BYTES / Math.max(1, spec.size))));
  let i = 0;
  while (i < n) {
    if (sentAt) sentAt[i] = performance.now();
    if (!sendOne(i)) {
      await sleep(1);
      continue;
    }
    i++;
    if (i % yieldEvery === 0) {
      await tick();
      while (driver.isBusy?.()) await sleep(1);
      if (deadline !== Infinity && performance.now() >= deadline) break;
    }
  }
  return i;
}

/** Hands records over in calls of BATCH_RECORDS; returns how many (spec.records, or fewer at the deadline). */
async function batchLoop(spec: RunSpec, driver: ClientDriver, sentAt: Float64Array | null, callsAnswered: () => number, deadline: number): Promise<number> {
  const n = spec.records;
  const maxInFlight = driver.maxBatchesInFlight ?? MAX_BATCHES_IN_FLIGHT;
  let calls = 0;
  const send = (from: number, to: number) => {
    calls++;
    driver.sendBatch!(from, to);
  };
  const canSend = () => calls - callsAnswered() < maxInFlight;
  if (spec.rate > 0) {
    const t0 = performance.now();
    let handed = 0; // records given to the client
    let taken = 0; // records taken by the loop (in the client, or waiting in the app batch)
    let batchStartedAt = 0;
    const oneByOne = driver.hasAccumulator === true;
    const lingerMs = spec.lingerMs ?? LINGER_MS;
    while (handed < n) {
      const now = performance.now();
      const due = Math.min(n, Math.floor(((now - t0) * spec.rate) / 1000) + 1);
      for (; taken < due; taken++) {
        if (taken === handed) batchStartedAt = now;
        if (sentAt) sentAt[taken] = now;
      }
      if (oneByOne) {
        for (; handed < taken; handed++) send(handed, handed + 1);
      } else {
        // Full batches go at once; a partial one after LINGER_MS; a client that allows only
        // one call in flight gets what piled up meanwhile in its next call.
        while (taken - handed >= BATCH_RECORDS && canSend()) {
          const to = maxInFlight === 1 ? taken : handed + BATCH_RECORDS;
          send(handed, to);
          handed = to;
          batchStartedAt = now;
        }
        if (taken > handed && (now - batchStartedAt >= lingerMs || taken === n) && canSend()) {
          send(handed, taken);
          handed = taken;
        }
      }
      await sleep(1);
    }
    return n;
  }
  let from = 0;
  while (from < n) {
    while (!canSend()) await (maxInFlight === 1 ? tick() : sleep(0));
    if (deadline !== Infinity && performance.now() >= deadline) break;
    const to = Math.min(n, from + BATCH_RECORDS);
    if (sentAt) {
      const now = performance.now();
      for (let i = from; i < to; i++) sentAt[i] = now;
    }
    send(from, to);
    if ((from / BATCH_RECORDS) % 8 === 7) await tick();
    from = to;
  }
  return from;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as RunSpec;
  if (spec.client === 'kafkajs') process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(`./drivers/${spec.client}`) as { createDriver: DriverFactory };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const result = await runWorkload(spec, mod.createDriver, log);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`driver failed: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
