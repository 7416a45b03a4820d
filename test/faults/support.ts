/**
 * Shared bookkeeping of the fault scenarios: a producer of a known sequence (the sequence
 * number is in each value), the outcome of every record counted from its callback, and the
 * table row computed against what the independent Java consumer reads back:
 *
 *   sent      records given to send()
 *   acked     callbacks with RecordMetadata
 *   failed    callbacks with an error
 *   in log    distinct sequence numbers of this run found in the topic
 *   dups      records in the topic beyond the first copy of each sequence number
 *   reordered records that follow a higher sequence number in their partition's log
 *   lost      acknowledged records not in the topic
 *
 * plus the checks behind "exactly one outcome" (no callback missing or repeated) and that
 * every acknowledged record is where its RecordMetadata says (partition and offset).
 * A failed record may still be in the log (a timeout does not say the broker did not write
 * it); that is counted (failedInLog), not an error.
 *
 * With RELIABILITY_OUT=<file>, every row is also appended to that file as one JSON line;
 * `npx tsx test/faults/report.ts <file>` prints them as the table in RELIABILITY.md.
 */
import * as fs from 'node:fs';
import type { KafkaProducer } from '../../src/producer/kafka-producer';
import type { RecordMetadata } from '../../src/producer/record';
import { partitionForKey } from '../../src/producer/partitioners/murmur2';
import type { ControlProducerResult, Verifier, VerifiedRecord } from '../support/verifier';
import { Trace } from '../support/trace';

export interface RecordOutcome {
  seq: number;
  partition: number;
  calls: number;
  err: Error | null;
  md: RecordMetadata | null;
  /** Epoch ms of the first outcome (set by SequenceProducer and javaControlRun). */
  atMs?: number;
}

export interface Row {
  scenario: string;
  kafkaVersion: string;
  sent: number;
  acked: number;
  failed: number;
  inLog: number;
  duplicates: number;
  reordered: number;
  lost: number;
  /** Failed records that are in the log all the same. */
  failedInLog: number;
  /** Acknowledged records found at another partition or offset than their RecordMetadata says. */
  misplaced: number;
  /** Records without an outcome, and with more than one. */
  noOutcome: number;
  repeatedOutcome: number;
  /** Error name -> count. */
  errors: Record<string, number>;
  /** Batches retried ('retry' events), by the error that caused the retry. */
  retries: Record<string, number>;
  durationMs: number;
  notes?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SequenceProducerOptions {
  /** Records go to partition seq % partitions (explicit partitions, so order is checkable). */
  partitions: number;
  /** Bytes of padding after the sequence number (default none). */
  padding?: number;
  /**
   * Keyed records instead of explicit partitions: key `key-<seq % keys>`, placed by the
   * producer's partitioner (murmur2, as Java). Order stays checkable: the sequence numbers of
   * one partition still rise in send order. `partition` of each outcome is where the key maps.
   */
  keys?: number;
}

/** Sends a known sequence through a producer and counts each record's outcome. */
export class SequenceProducer {
  readonly outcomes: RecordOutcome[] = [];
  /** A tag in every value, so records of other runs in the same topic are told apart. */
  readonly runId = Math.random().toString(36).slice(2, 8);
  private readonly pad: string;
  readonly startedMs = Date.now();
  /** 'retry' events by error name. */
  readonly retries: Record<string, number> = {};
  /** The producer's events, for a phase that overruns. */
  readonly trace = new Trace();

  constructor(
    readonly producer: KafkaProducer,
    readonly topic: string,
    readonly opts: SequenceProducerOptions,
  ) {
    this.pad = opts.padding ? `:${'x'.repeat(opts.padding)}` : '';
    this.trace.watch(producer);
    producer.on('retry', (e: { error: string }) => {
      this.retries[e.error] = (this.retries[e.error] ?? 0) + 1;
    });
  }

  get sent(): number {
    return this.outcomes.length;
  }

  get acked(): number {
    return this.outcomes.filter((o) => o.calls > 0 && !o.err).length;
  }

  get failed(): number {
    return this.outcomes.filter((o) => o.calls > 0 && o.err).length;
  }

  get settled(): number {
    return this.outcomes.filter((o) => o.calls > 0).length;
  }

  /** Sends the next record of the sequence (with `padding` bytes of padding instead of the usual). */
  send(padding?: number): void {
    const seq = this.outcomes.length;
    const key = this.opts.keys ? sequenceKey(seq, this.opts.keys) : undefined;
    const partition = key === undefined ? seq % this.opts.partitions : partitionForKey(Buffer.from(key), this.opts.partitions);
    const o: RecordOutcome = { seq, partition, calls: 0, err: null, md: null };
    this.outcomes.push(o);
    const pad = padding === undefined ? this.pad : `:${'x'.repeat(padding)}`;
    const value = `${this.runId}:${seq}${pad}`;
    try {
      this.producer.send(key === undefined ? { topic: this.topic, partition, value } : { topic: this.topic, key, value }, (err, md) => {
        o.calls++;
        if (o.calls === 1) {
          o.atMs = Date.now();
          o.err = err;
          o.md = err ? null : md;
        }
      });
    } catch (err) {
      // send() threw: that is this record's one outcome.
      o.calls++;
      o.atMs = Date.now();
      o.err = err as Error;
    }
  }

  sendMany(n: number): void {
    for (let i = 0; i < n; i++) this.send();
  }

  /**
   * Sends at a fixed rate for `durationMs` (at most rate * duration records), yielding to the
   * event loop every few ms. `at` runs actions at given elapsed times (not awaited by the
   * pacing, so sending goes on meanwhile); the returned promise waits for them too.
   */
  async paced(opts: { ratePerSec: number; durationMs: number; at?: { ms: number; run: () => Promise<unknown> }[] }): Promise<void> {
    const start = Date.now();
    const total = Math.floor((opts.ratePerSec * opts.durationMs) / 1000);
    const actions = [...(opts.at ?? [])].sort((a, b) => a.ms - b.ms);
    const running: Promise<unknown>[] = [];
    let sentHere = 0;
    for (;;) {
      const elapsed = Date.now() - start;
      while (actions.length > 0 && actions[0].ms <= elapsed) running.push(actions.shift()!.run());
      const due = Math.min(total, Math.floor((opts.ratePerSec * elapsed) / 1000));
      while (sentHere < due) {
        this.send();
        sentHere++;
      }
      if (sentHere >= total && elapsed >= opts.durationMs) break;
      await sleep(5);
    }
    for (const a of actions) running.push(a.run());
    await Promise.all(running);
  }

  /** Waits (bounded) until every record has its outcome. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.settled < this.sent) {
      if (Date.now() > deadline) {
        const missing = this.outcomes.filter((o) => o.calls === 0).map((o) => o.seq);
        throw new Error(`${missing.length} record(s) without an outcome after ${timeoutMs} ms: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);
      }
      await sleep(20);
    }
  }

  /** Reads the topic back with the verifier and computes the row. */
  async tally(verifier: Verifier, scenario: string, kafkaVersion: string, notes?: string): Promise<Row> {
    const { records } = await verifier.consume(this.topic, { expected: this.acked, timeoutMs: 60_000 });
    return computeRow(this, records, scenario, kafkaVersion, notes);
  }
}

/** What computeRow needs of a run: a SequenceProducer, or another client's run (javaControlRun). */
export type RunLike = Pick<SequenceProducer, 'runId' | 'outcomes' | 'sent' | 'acked' | 'failed' | 'retries' | 'startedMs'>;

/**
 * The table row for `run` given what the topic holds. `record: false` keeps the row out of
 * RELIABILITY_OUT (a control run of another client).
 */
export function computeRow(run: RunLike, records: VerifiedRecord[], scenario: string, kafkaVersion: string, notes?: string, opts: { record?: boolean } = {}): Row {
  const prefix = `${run.runId}:`;
  const seen = new Map<number, { partition: number; offset: number }[]>();
  const lastSeqByPartition = new Map<number, number>();
  let reordered = 0;
  for (const r of records) {
    if (r.value === null) continue;
    const text = Buffer.from(r.value, 'hex').toString('utf8');
    if (!text.startsWith(prefix)) continue;
    const seq = Number(text.slice(prefix.length).split(':')[0]);
    const at = seen.get(seq) ?? [];
    at.push({ partition: r.partition, offset: r.offset });
    seen.set(seq, at);
    if (at.length > 1) continue; // a copy: counted as a duplicate, not as reordered
    const last = lastSeqByPartition.get(r.partition);
    if (last !== undefined && seq < last) reordered++;
    else lastSeqByPartition.set(r.partition, seq);
  }
  let duplicates = 0;
  for (const at of seen.values()) duplicates += at.length - 1;
  let lost = 0;
  let misplaced = 0;
  let failedInLog = 0;
  const errors: Record<string, number> = {};
  for (const o of run.outcomes) {
    const at = seen.get(o.seq);
    if (o.calls > 0 && o.err) {
      errors[o.err.name] = (errors[o.err.name] ?? 0) + 1;
      if (at) failedInLog++;
    }
    if (o.calls > 0 && !o.err) {
      if (!at) lost++;
      else if (!at.some((x) => x.partition === o.md!.partition && BigInt(x.offset) === o.md!.offset)) misplaced++;
    }
  }
  const row: Row = {
    scenario,
    kafkaVersion,
    sent: run.sent,
    acked: run.acked,
    failed: run.failed,
    inLog: seen.size,
    duplicates,
    reordered,
    lost,
    failedInLog,
    misplaced,
    noOutcome: run.outcomes.filter((o) => o.calls === 0).length,
    repeatedOutcome: run.outcomes.filter((o) => o.calls > 1).length,
    errors,
    retries: { ...run.retries },
    durationMs: Date.now() - run.startedMs,
    ...(notes ? { notes } : {}),
  };
  if (opts.record !== false) recordRow(row);
  return row;
}

/** The pass condition of every scenario. */
export function expectReliable(row: Row): void {
  const summary = JSON.stringify(row);
  expect({ lost: row.lost, duplicates: row.duplicates, reordered: row.reordered, misplaced: row.misplaced, noOutcome: row.noOutcome, repeatedOutcome: row.repeatedOutcome, summary }).toEqual({
    lost: 0,
    duplicates: 0,
    reordered: 0,
    misplaced: 0,
    noOutcome: 0,
    repeatedOutcome: 0,
    summary,
  });
  expect(row.acked + row.failed).toBe(row.sent);
}

/** Every record acknowledged; otherwise fails with the errors and the producer's timeline. */
export function expectAllAcked(run: SequenceProducer, row: Row): void {
  if (row.acked === row.sent) return;
  const first = run.outcomes.find((o) => o.err)?.err;
  throw new Error(
    `${row.sent - row.acked} of ${row.sent} record(s) not acknowledged: ${JSON.stringify(row.errors)}; first error: ${first?.name}: ${first?.message}\n${run.trace.report()}`,
  );
}

function recordRow(row: Row): void {
  const out = process.env.RELIABILITY_OUT;
  if (out) fs.appendFileSync(out, `${JSON.stringify(row)}\n`);
}

/** Polls `cond` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Broker properties that make a restarted or stopped local broker rejoin quickly. */
export const QUICK_RESTART_CONFIG: Record<string, string> = {
  // A SIGKILLed broker's registration is kept until its session times out (9 s by default):
  // its restart waits for that.
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '500',
};

/** The key of record `seq` in a keyed run, the same for kafka-wire and the Java control. */
export function sequenceKey(seq: number, keys: number): string {
  return `key-${seq % keys}`;
}

/**
 * The Java control producer's outcomes (test/support/verifier.ts runControlProducer) as a run
 * computeRow can check, with the same per-record fields as a SequenceProducer's.
 */
export function javaControlRun(result: ControlProducerResult, spec: { runId: string; keys?: number; partitions: number }): RunLike {
  const failures = new Map(result.failures);
  const outcomes: RecordOutcome[] = [];
  for (let seq = 0; seq < result.sent; seq++) {
    const partition = spec.keys ? partitionForKey(Buffer.from(sequenceKey(seq, spec.keys)), spec.partitions) : seq % spec.partitions;
    const calls = result.calls ? result.calls[seq] : result.atMs[seq] >= 0 ? 1 : 0;
    const failure = failures.get(seq);
    const err = failure === undefined ? null : Object.assign(new Error(`Java ${failure}`), { name: failure });
    const ok = calls > 0 && !err;
    outcomes.push({
      seq,
      partition,
      calls,
      err,
      md: ok ? ({ topic: '', partition: result.partition[seq], offset: BigInt(result.offset[seq]), timestamp: -1, serializedKeySize: -1, serializedValueSize: -1 } as RecordMetadata) : null,
      ...(calls > 0 ? { atMs: result.startedAtMs + result.atMs[seq] } : {}),
    });
  }
  return {
    runId: spec.runId,
    outcomes,
    sent: result.sent,
    acked: result.acked,
    failed: result.failed,
    retries: {},
    startedMs: result.startedAtMs,
  };
}

export interface AckPause {
  /** Longest time one partition went without an acknowledgement. */
  ms: number;
  partition: number;
  /** Epoch ms: the acknowledgement before the pause, and the one that ended it (or endMs). */
  fromMs: number;
  toMs: number;
  /** True when the pause never ended: the partition had records that were not acknowledged after it. */
  unended: boolean;
}

/**
 * The longest pause in acknowledgements, per partition (after a dead leader has been replaced
 * in the ISR, the partitions it did not lead go on acknowledging, so gaps across all
 * partitions would hide one that stays stuck): the largest gap between consecutive
 * acknowledgements of one partition. A partition
 * with records that were not acknowledged also counts the time from its last acknowledgement
 * to `endMs` (when the run gave up), so a partition that never recovered is not missed.
 */
export function longestAckPause(outcomes: RecordOutcome[], endMs: number): AckPause {
  const acks = new Map<number, number[]>();
  const unacked = new Set<number>();
  for (const o of outcomes) {
    if (o.calls > 0 && !o.err && o.atMs !== undefined) {
      const list = acks.get(o.partition) ?? [];
      list.push(o.atMs);
      acks.set(o.partition, list);
    } else unacked.add(o.partition);
  }
  let best: AckPause = { ms: 0, partition: -1, fromMs: 0, toMs: 0, unended: false };
  for (const [partition, times] of acks) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      if (times[i] - times[i - 1] > best.ms) best = { ms: times[i] - times[i - 1], partition, fromMs: times[i - 1], toMs: times[i], unended: false };
    }
    const last = times[times.length - 1];
    if (unacked.has(partition) && endMs - last > best.ms) best = { ms: endMs - last, partition, fromMs: last, toMs: endMs, unended: true };
  }
  return best;
}

/**
 * Epoch ms of the first acknowledgement of `partition` after `afterMs` of a record from
 * `fromSeq` on (the first one sent after a fault, so that answers already on their way when
 * it struck do not count), or undefined.
 */
export function firstAckAfter(outcomes: RecordOutcome[], partition: number, afterMs: number, fromSeq = 0): number | undefined {
  let first: number | undefined;
  for (let i = Math.max(0, fromSeq); i < outcomes.length; i++) {
    const o = outcomes[i];
    if (o.partition !== partition || o.calls === 0 || o.err || o.atMs === undefined || o.atMs <= afterMs) continue;
    if (first === undefined || o.atMs < first) first = o.atMs;
  }
  return first;
}

/** Waits (bounded) until every partition of `topic` has a leader and all `replicas` in its ISR. */
export async function waitForFullIsr(verifier: Verifier, topic: string, replicas: number, timeoutMs: number): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        let d;
        try {
          d = await verifier.describeTopic(topic, { timeoutMs: 10_000 });
        } catch (e) {
          // Right after a broker restart the answer may be an error (an unknown topic on 3.9): ask again.
          last = (e as Error).message;
          return false;
        }
        last = JSON.stringify(d.partitions.map((p) => ({ p: p.partition, leader: p.leader, isr: p.isr })));
        return d.partitions.length > 0 && d.partitions.every((p) => p.leader !== null && p.isr.length === replicas);
      },
      timeoutMs,
      `every partition of ${topic} to have a leader and ${replicas} in-sync replicas`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  }
}
