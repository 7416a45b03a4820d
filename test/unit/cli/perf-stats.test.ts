import { PerfStats, ThroughputThrottler } from '../../../src/cli/perf-stats';

describe('perf statistics', () => {
  test("the final line in the Java tool's format, with percentiles of the latencies", () => {
    let now = 1_000;
    const lines: string[] = [];
    const stats = new PerfStats(1000, false, (l) => lines.push(l), () => now);
    for (let i = 0; i < 1000; i++) stats.record(i < 990 ? 2 : 50, 100, now);
    now += 2_000;
    expect(stats.totalLine()).toBe(
      '1000 records sent, 500.000000 records/sec (0.05 MB/sec), 2.48 ms avg latency, 50.00 ms max latency, 2 ms 50th, 2 ms 95th, 50 ms 99th, 50 ms 99.9th.',
    );
    expect(lines).toEqual([]);
  });

  test('a window line every 5 s, and none once suppressed; steady-state wording', () => {
    let now = 0;
    const lines: string[] = [];
    const stats = new PerfStats(100, false, (l) => lines.push(l), () => now);
    stats.record(3, 1024, 1000);
    now = 5000;
    stats.record(5, 1024, 5000);
    expect(lines).toEqual(['2 records sent, 0.4 records/sec (0.00 MB/sec), 4.0 ms avg latency, 5.0 ms max latency.']);
    stats.suppressPrinting();
    now = 10_000;
    stats.record(1, 1, 10_000);
    expect(lines).toHaveLength(1);
    const steady = new PerfStats(10, true, (l) => lines.push(l), () => now);
    steady.record(1, 1, now);
    now += 1000;
    expect(steady.totalLine()).toMatch(/^1 steady state records sent, 1\.000000 records\/sec/);
  });

  test('percentiles sample every k-th latency above 500,000 records', () => {
    const stats = new PerfStats(1_000_000, false, () => {}, () => 0);
    for (let i = 0; i < 1_000_000; i++) stats.record(i % 2 === 0 ? 1 : 9, 1, 0);
    // Every second latency is sampled: all of them 1.
    expect(stats.totalLine()).toMatch(/1 ms 50th, 1 ms 95th, 1 ms 99th, 1 ms 99\.9th\.$/);
  });
});

describe('throughput throttle', () => {
  test('-1 never throttles', () => {
    const t = new ThroughputThrottler(-1, 0);
    expect(t.shouldThrottle(1_000_000, 1)).toBe(false);
  });

  test('throttles above the target rate and sleeps off 1/target per record once 2 ms have built up', () => {
    const t = new ThroughputThrottler(1000, 0);
    expect(t.shouldThrottle(10, 0)).toBe(false); // no time has passed
    expect(t.shouldThrottle(500, 1000)).toBe(false);
    expect(t.shouldThrottle(1500, 1000)).toBe(true);
    expect(t.throttleMs()).toBe(0); // 1 ms owed
    expect(t.throttleMs()).toBe(2); // 2 ms owed: sleep
    expect(t.throttleMs()).toBe(0);
  });
});
