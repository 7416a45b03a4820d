/**
 * The statistics and the output lines of Kafka's producer performance tool, and its
 * throughput throttle, so that `kafka-wire perf` and the Java tool can be read side by side:
 *
 *   every 5 s:  "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency."
 *   at the end: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
 *                a ms 50th, b ms 95th, c ms 99th, d ms 99.9th."
 *
 * Latency is whole milliseconds from send() to the record's callback. Percentiles come from
 * a sample of at most 500,000 latencies (every k-th record), as in the Java tool.
 */

export const REPORTING_INTERVAL_MS = 5000;
const MAX_SAMPLES = 500_000;

export class PerfStats {
  private readonly start: number;
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private iteration = 0;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowStart: number;
  private windowCount = 0;
  private windowBytes = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private suppressed = false;

  constructor(
    numRecords: number,
    private readonly steadyState: boolean,
    private readonly print: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.start = this.windowStart = now();
    this.sampling = Math.max(1, Math.floor(numRecords / Math.min(numRecords, MAX_SAMPLES)));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  get totalCount(): number {
    return this.count;
  }

  /** One acknowledged record: its latency (ms), its size and when it was acknowledged. */
  record(latencyMs: number, bytes: number, time: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latencyMs;
    if (latencyMs > this.windowMaxLatency) this.windowMaxLatency = latencyMs;
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latencyMs;
    if (time - this.windowStart >= REPORTING_INTERVAL_MS) {
      if (this.steadyState && this.count === this.windowCount) this.print('In steady state.');
      if (!this.suppressed) this.print(this.windowLine());
      this.newWindow();
    }
    this.iteration++;
  }

  /** Stops the periodic lines (the warm-up statistics, once the steady-state ones take over). */
  suppressPrinting(): void {
    this.suppressed = true;
  }

  windowLine(): string {
    const elapsed = Math.max(1, this.now() - this.windowStart);
    const perSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    const avg = this.windowCount === 0 ? 0 : this.windowTotalLatency / this.windowCount;
    return (
      `${this.windowCount} records sent, ${perSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ` +
      `${avg.toFixed(1)} ms avg latency, ${this.windowMaxLatency.toFixed(1)} ms max latency.`
    );
  }

  totalLine(): string {
    const elapsed = Math.max(1, this.now() - this.start);
    const perSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / (1024 * 1024);
    const avg = this.count === 0 ? 0 : this.totalLatency / this.count;
    const [p50, p95, p99, p999] = this.percentiles(0.5, 0.95, 0.99, 0.999);
    return (
      `${this.count}${this.steadyState ? ' steady state' : ''} records sent, ${perSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ` +
      `${avg.toFixed(2)} ms avg latency, ${this.maxLatency.toFixed(2)} ms max latency, ` +
      `${p50} ms 50th, ${p95} ms 95th, ${p99} ms 99th, ${p999} ms 99.9th.`
    );
  }

  private newWindow(): void {
    this.windowStart = this.now();
    this.windowCount = 0;
    this.windowBytes = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
  }

  private percentiles(...ps: number[]): number[] {
    const size = Math.min(this.index, this.latencies.length);
    if (size === 0) return ps.map(() => 0);
    const sorted = this.latencies.slice(0, size).sort();
    return ps.map((p) => sorted[Math.min(size - 1, Math.floor(p * size))]);
  }
}

/**
 * Kafka's throughput throttle: after record i sent at `sendStartMs`, throttle when the rate
 * since the start is above the target; each throttled record adds 1/target s of sleep debt,
 * slept off once it reaches 2 ms. A negative target means no throttling.
 */
export class ThroughputThrottler {
  private readonly sleepNsPerRecord: number;
  private sleepDeficitNs = 0;

  constructor(
    private readonly target: number,
    private readonly startMs: number,
  ) {
    this.sleepNsPerRecord = target > 0 ? 1e9 / target : Infinity;
  }

  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.target < 0) return false;
    const elapsedSec = (sendStartMs - this.startMs) / 1000;
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.target;
  }

  /** The milliseconds to sleep now (0: not yet). */
  throttleMs(): number {
    this.sleepDeficitNs += this.sleepNsPerRecord;
    if (this.sleepDeficitNs < 2e6) return 0;
    const ms = this.sleepDeficitNs / 1e6;
    this.sleepDeficitNs = 0;
    return ms;
  }
}
