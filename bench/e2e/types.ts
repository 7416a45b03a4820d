/**
 * What the bench/e2e orchestrator (run.ts) and a client driver (driver.ts, one child process
 * per run) say to each other.
 */

/** One run of one workload through one client, as the orchestrator asks for it. */
export interface RunSpec {
  client: string;
  workload: string;
  bootstrap: string;
  topic: string;
  records: number;
  /** Value size in bytes. */
  size: number;
  keyed: boolean;
  compression: 'none' | 'lz4' | 'zstd';
  /** Records per second to pace at; 0: as fast as the client takes them. */
  rate: number;
  /** Measure send -> ack latency per record. */
  latency: boolean;
  /** The null broker (test/support/fake-broker.ts in null mode) rather than Kafka. */
  nullBroker: boolean;
  /** Print progress lines on stderr. */
  progress: boolean;
  /** Send in transactions: this transactional id (unique per run), a commit every commitEveryMs. */
  transactional?: { id: string; commitEveryMs: number };
}

/** What a run reports (one JSON line on the child's stdout). */
export interface RunResult {
  client: string;
  version: string;
  runtime: string;
  records: number;
  acked: number;
  errors: number;
  /** From the first timed send() to the last acknowledgement. */
  seconds: number;
  /** CPU of the whole client process (all threads) over the same window. */
  cpuSeconds: number;
  peakRssBytes: number;
  latencyMs?: { p50: number; p99: number; p999: number; max: number };
  /** Transactional runs: the commits in the timed part, and how long each took (commit call to its end). */
  commits?: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Anything the driver wants to say (settings it had to change, ...). */
  note?: string;
}
