/**
 * The bench/e2e workloads (issue 4). Every client runs each with acks=all, idempotence where
 * it has it, linger 5 ms, batch 16 KiB, into a fresh topic of 6 partitions. W6-txn adds
 * transactions (kafka-wire and the Java client only).
 */

export interface Workload {
  id: string;
  title: string;
  records: number;
  /** Value size in bytes (keys are 16 B). */
  size: number;
  keyed: boolean;
  compression: 'none' | 'lz4' | 'zstd';
  /** Records per second; 0: as fast as the client goes. */
  rate: number;
  latency: boolean;
  /**
   * Records sent in transactions, one committed whenever commitEveryMs have passed since it
   * began (the last one at the end). Only clients with a transactional mode here run it.
   */
  transactional?: { commitEveryMs: number };
}

export const PARTITIONS = 6;

export const WORKLOADS: readonly Workload[] = [
  { id: 'W1', title: '1M x 100 B, keyed', records: 1_000_000, size: 100, keyed: true, compression: 'none', rate: 0, latency: false },
  { id: 'W2', title: '1M x 100 B, null keys', records: 1_000_000, size: 100, keyed: false, compression: 'none', rate: 0, latency: false },
  { id: 'W3', title: '200k x 1 KiB, null keys', records: 200_000, size: 1024, keyed: false, compression: 'none', rate: 0, latency: false },
  { id: 'W4', title: '20k records/s for 20 s, 100 B, null keys: send -> ack latency', records: 400_000, size: 100, keyed: false, compression: 'none', rate: 20_000, latency: true },
  { id: 'W5-lz4', title: 'W1 with lz4', records: 1_000_000, size: 100, keyed: true, compression: 'lz4', rate: 0, latency: false },
  { id: 'W5-zstd', title: 'W1 with zstd', records: 1_000_000, size: 100, keyed: true, compression: 'zstd', rate: 0, latency: false },
  { id: 'W6-txn', title: 'W1 in transactions, one commit every 100 ms', records: 1_000_000, size: 100, keyed: true, compression: 'none', rate: 0, latency: false, transactional: { commitEveryMs: 100 } },
];

/** The workloads scaled down by `factor` (--quick: 10; the smoke test: more). */
export function scaled(w: Workload, factor: number): Workload {
  if (factor === 1) return w;
  return { ...w, records: Math.max(100, Math.round(w.records / factor)) };
}
