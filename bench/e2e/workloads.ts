/**
 * The bench/e2e workloads (issue 4). Every client runs each with acks=all, idempotence where
 * it has it, linger 5 ms (W4-linger0: 0), batch 16 KiB, into a fresh topic of 6 partitions.
 * W6-txn adds transactions (kafka-wire and the Java client only).
 *
 * The unpaced workloads run for `seconds` (10 s: about 11M records of W1 for the fastest
 * client at 1.1M records/s, where 1M records used to be over in a second), each client
 * handing records over for that long and then flushing; `records` is what they send instead
 * with `npm run bench -- --fixed-count`, and what ProducerPerformance (java-perf, which has
 * no duration) always sends. The paced W4 runs are fixed: `records` at `rate`.
 */

export interface Workload {
  id: string;
  title: string;
  records: number;
  /** Unpaced workloads: how long each run hands records over (see the header). */
  seconds?: number;
  /** Value size in bytes (keys are 16 B). */
  size: number;
  keyed: boolean;
  compression: 'none' | 'lz4' | 'zstd';
  /** Records per second; 0: as fast as the client goes. */
  rate: number;
  latency: boolean;
  /** linger.ms of every client (default 5). */
  lingerMs?: number;
  /**
   * Records sent in transactions, one committed whenever commitEveryMs have passed since it
   * began (the last one at the end). Only clients with a transactional mode here run it.
   */
  transactional?: { commitEveryMs: number };
}

export const PARTITIONS = 6;

/** How long an unpaced run lasts (seconds) unless --seconds or --fixed-count says otherwise. */
export const RUN_SECONDS = 10;

/** The record cap of a timed run (its duration ends it long before: about 2 h at 300k records/s). */
export const TIMED_RECORDS_CAP = 2 ** 31 - 1;

export const WORKLOADS: readonly Workload[] = [
  { id: 'W1', title: '100 B, keyed, for 10 s (--fixed-count: 1M)', records: 1_000_000, seconds: RUN_SECONDS, size: 100, keyed: true, compression: 'none', rate: 0, latency: false },
  { id: 'W2', title: '100 B, null keys, for 10 s (--fixed-count: 1M)', records: 1_000_000, seconds: RUN_SECONDS, size: 100, keyed: false, compression: 'none', rate: 0, latency: false },
  { id: 'W3', title: '1 KiB, null keys, for 10 s (--fixed-count: 200k)', records: 200_000, seconds: RUN_SECONDS, size: 1024, keyed: false, compression: 'none', rate: 0, latency: false },
  { id: 'W4', title: '20k records/s for 20 s, 100 B, null keys: send -> ack latency', records: 400_000, size: 100, keyed: false, compression: 'none', rate: 20_000, latency: true },
  { id: 'W4-linger0', title: 'W4 with linger.ms 0 in every client', records: 400_000, size: 100, keyed: false, compression: 'none', rate: 20_000, latency: true, lingerMs: 0 },
  { id: 'W5-lz4', title: 'W1 with lz4', records: 1_000_000, seconds: RUN_SECONDS, size: 100, keyed: true, compression: 'lz4', rate: 0, latency: false },
  { id: 'W5-zstd', title: 'W1 with zstd', records: 1_000_000, seconds: RUN_SECONDS, size: 100, keyed: true, compression: 'zstd', rate: 0, latency: false },
  { id: 'W6-txn', title: 'W1 in transactions, one commit every 100 ms', records: 1_000_000, seconds: RUN_SECONDS, size: 100, keyed: true, compression: 'none', rate: 0, latency: false, transactional: { commitEveryMs: 100 } },
];

/**
 * The workloads scaled down by `factor` (--quick: 10; the smoke test: more): records / factor
 * (at least 100), and a timed run's seconds / factor (at least 0.5 s).
 */
export function scaled(w: Workload, factor: number): Workload {
  if (factor === 1) return w;
  const out = { ...w, records: Math.max(100, Math.round(w.records / factor)) };
  if (w.seconds !== undefined) out.seconds = Math.max(0.5, w.seconds / factor);
  return out;
}

/**
 * What a run of `w` is asked to send: for `seconds` (a timed run, records capped at
 * TIMED_RECORDS_CAP) when the workload is unpaced, `timed` is on and the client can stop on
 * time; else `records` records.
 */
export function runLength(w: Workload, timed: boolean, clientCanTime = true): { records: number; durationMs?: number } {
  if (timed && clientCanTime && w.rate === 0 && !w.latency && w.seconds !== undefined) return { records: TIMED_RECORDS_CAP, durationMs: Math.round(w.seconds * 1000) };
  return { records: w.records };
}
