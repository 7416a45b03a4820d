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
import type { Verifier, VerifiedRecord } from '../support/verifier';
import { Trace } from '../support/trace';

export interface RecordOutcome {
  seq: number;
  partition: number;
  calls: number;
  err: Error | null;
  md: RecordMetadata | null;
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
    const partition = seq % this.opts.partitions;
    const o: RecordOutcome = { seq, partition, calls: 0, err: null, md: null };
    this.outcomes.push(o);
    const pad = padding === undefined ? this.pad : `:${'x'.repeat(padding)}`;
    try {
      this.producer.send({ topic: this.topic, partition, value: `${this.runId}:${seq}${pad}` }, (err, md) => {
        o.calls++;
        if (o.calls === 1) {
          o.err = err;
          o.md = err ? null : md;
        }
      });
    } catch (err) {
      // send() threw: that is this record's one outcome.
      o.calls++;
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

/** The table row for `run` given what the topic holds. */
export function computeRow(run: SequenceProducer, records: VerifiedRecord[], scenario: string, kafkaVersion: string, notes?: string): Row {
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
  recordRow(row);
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
