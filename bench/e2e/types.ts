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
  /**
   * Unpaced runs only: hand records over for this long (from the first timed send), then
   * flush; `records` is then a cap, and the result's `records` is how many were handed over.
   * Absent: exactly `records` records (the count-based runs, and every paced run).
   */
  durationMs?: number;
  /** linger.ms of every client (default LINGER_MS, 5). */
  lingerMs?: number;
  /** Record i goes to topics[i % topics.length] (default: [topic]); `topic` is the first of them. */
  topics?: string[];
  /** Distinct keys (a power of 2; default KEY_COUNT, 1024): record i has key i % keyCount. */
  keyCount?: number;
  /** Distinct values (a power of 2; default VALUE_COUNT, 1024): record i has value i % valueCount. */
  valueCount?: number;
  /**
   * Memory each producer may hold for records not yet sent: kafka-wire's bufferMemory and the
   * Java client's buffer.memory (both 32 MiB by default), node-rdkafka's
   * queue.buffering.max.kbytes (1 GiB by default, which lets a timed run of large records hand
   * over a gigabyte and flush it for half a minute). Default: each client's own default.
   */
  bufferMemoryBytes?: number;
  /** Producers in the client process (default 1); record i goes through producer i % producers. */
  producers?: number;
  /**
   * The Java client's driver with several producers: 'one' application thread calls send() on
   * every producer in turn (as the single Node thread does), or one thread per producer.
   */
  javaAppThreads?: 'one' | 'per-producer';
}

/** Figures a client reports about itself (its own metrics), where its driver can read them. */
export interface ClientMetrics {
  /** Records per Produce request (kafka-wire: 'records-per-request-avg'; Java: the same metric). */
  recordsPerRequest?: number;
  /** Produce requests sent (kafka-wire: 'request-total'). */
  produceRequests?: number;
  /** Mean record batch bytes. */
  batchSizeAvg?: number;
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
  /** The client's own metrics after the run (summed or averaged over its producers). */
  metrics?: ClientMetrics;
}
