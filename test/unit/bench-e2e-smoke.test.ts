/**
 * bench/e2e still runs: its driver loop, with kafka-wire only, against the null broker
 * (test/support/fake-broker.ts in null mode), at tiny counts, in-process; and its report
 * (medians, Markdown table, targets, SVG chart) renders. No timing is asserted; the figures
 * of a smoke run mean nothing. Peers are not needed (they live in bench/peers, installed by
 * `npm run bench`).
 */
import { createDriver } from '../../bench/e2e/drivers/kafka-wire';
import { createDriver as createOtelDriver } from '../../bench/e2e/drivers/kafka-wire-otel';
import { createDriver as createTracedDriver } from '../../bench/e2e/drivers/kafka-wire-traced';
import { runWorkload } from '../../bench/e2e/driver';
import { clientNamed, CLIENTS, KAFKA_WIRE_VARIANTS } from '../../bench/e2e/clients';
import { judgeTargets, markdownTable, RunRecord, summarize, svgChart } from '../../bench/e2e/report';
import type { RunSpec } from '../../bench/e2e/types';
import { scaled, WORKLOADS } from '../../bench/e2e/workloads';
import { FakeCluster } from '../support/fake-broker';

describe('bench/e2e smoke run (kafka-wire, null broker)', () => {
  let cluster: FakeCluster;
  beforeAll(async () => {
    cluster = await FakeCluster.start({ null: true, transactions: true, topics: { 'smoke-w1': 6, 'smoke-w4': 6, 'smoke-lz4': 6, 'smoke-txn': 6, 'smoke-traced': 6, 'smoke-otel': 6 } });
  });
  afterAll(async () => {
    await cluster.close();
  });

  const spec = (over: Partial<RunSpec>): RunSpec => ({
    client: 'kafka-wire',
    workload: 'W1',
    bootstrap: cluster.bootstrap[0],
    topic: 'smoke-w1',
    records: 2000,
    size: 100,
    keyed: true,
    compression: 'none',
    rate: 0,
    latency: false,
    nullBroker: true,
    progress: false,
    ...over,
  });

  test('a throughput workload gets every record acknowledged and reports its figures', async () => {
    const r = await runWorkload(spec({}), createDriver);
    expect({ acked: r.acked, errors: r.errors, records: r.records }).toEqual({ acked: 2000, errors: 0, records: 2000 });
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.peakRssBytes).toBeGreaterThan(0);
    expect(r.latencyMs).toBeUndefined();
  }, 60_000);

  test('a paced workload measures send -> ack latency', async () => {
    const r = await runWorkload(spec({ workload: 'W4', topic: 'smoke-w4', records: 400, keyed: false, rate: 20_000, latency: true }), createDriver);
    expect(r.acked).toBe(400);
    expect(r.latencyMs).toBeDefined();
    const l = r.latencyMs!;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max).toBe(true);
  }, 60_000);

  test('a compressed workload runs', async () => {
    const r = await runWorkload(spec({ workload: 'W5-lz4', topic: 'smoke-lz4', records: 1000, compression: 'lz4' }), createDriver);
    expect(r.acked).toBe(1000);
  }, 60_000);

  test('a transactional workload commits as it goes, and its last transaction at the end', async () => {
    // A commit every 2 ms rather than 100: a smoke run is over in a few tens of ms.
    const r = await runWorkload(spec({ workload: 'W6-txn', topic: 'smoke-txn', records: 30_000, transactional: { id: 'smoke-txn-1', commitEveryMs: 2 } }), createDriver);
    expect({ acked: r.acked, errors: r.errors }).toEqual({ acked: 30_000, errors: 0 });
    expect(r.commits).toBeDefined();
    expect(r.commits!.count).toBeGreaterThanOrEqual(2);
    expect(r.commits!.p50Ms <= r.commits!.p99Ms && r.commits!.p99Ms <= r.commits!.maxMs).toBe(true);
  }, 60_000);

  test('the kafka-wire variants with subscribers (no-op channel handlers, OpenTelemetry) run', async () => {
    const traced = await runWorkload(spec({ client: 'kafka-wire-traced', topic: 'smoke-traced' }), createTracedDriver);
    expect({ acked: traced.acked, errors: traced.errors }).toEqual({ acked: 2000, errors: 0 });
    // Its close() checks that every record's span ended.
    const otel = await runWorkload(spec({ client: 'kafka-wire-otel', topic: 'smoke-otel' }), createOtelDriver);
    expect({ acked: otel.acked, errors: otel.errors }).toEqual({ acked: 2000, errors: 0 });
    expect(otel.note).toMatch(/OpenTelemetry/);
  }, 60_000);

  test('the report renders medians, the table, the targets and the chart', () => {
    const run = (client: string, workload: string, rps: number, cpu: number): RunRecord => ({
      client,
      workload,
      round: 1,
      version: '1',
      runtime: 'node',
      records: 1000,
      acked: 1000,
      errors: 0,
      seconds: 1000 / rps,
      cpuSeconds: cpu / 1000,
      peakRssBytes: 50 * 2 ** 20,
      recordsPerSecond: rps,
      mbPerSecond: rps / 1e4,
      cpuSecondsPerMillion: cpu,
      latencyMs: workload === 'W4' ? { p50: 1, p99: 2, p999: 3, max: 4 } : undefined,
    });
    const summaries = [
      summarize('kafka-wire', 'kafka-wire', 'W1', [run('kafka-wire', 'W1', 100, 3), run('kafka-wire', 'W1', 300, 1), run('kafka-wire', 'W1', 200, 2)]),
      summarize('kafkajs', 'kafkajs', 'W1', [run('kafkajs', 'W1', 50, 9)]),
      summarize('kafka-wire', 'kafka-wire', 'W4', [run('kafka-wire', 'W4', 20, 5)]),
      { client: 'kafkajs', label: 'kafkajs', workload: 'W4', rounds: 0, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, peakRssMb: NaN, skipped: 'not here' },
    ];
    expect(summaries[0].recordsPerSecond).toBe(200);
    expect(summaries[0].cpuSecondsPerMillion).toBe(2);
    const table = markdownTable(summaries);
    expect(table).toContain('| W1 | kafka-wire | 200 | 0k–0k |');
    expect(table).toContain('not here');
    const targets = judgeTargets(summaries, { nullBroker: false, bufferMemoryBytes: 32 * 2 ** 20 });
    const vsKafkajs = targets.find((t) => t.target.startsWith('W1 throughput >= 3x kafkajs'))!;
    expect(vsKafkajs.isMet).toBe(true);
    expect(targets.find((t) => t.target.includes('node-rdkafka'))!.isMet).toBeNull();
    const svg = svgChart(summaries, [{ name: 'kafka-wire', label: 'kafka-wire' }, { name: 'kafkajs', label: 'kafkajs' }], ['W1', 'W4'], 'smoke');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(4);
  });

  test('every workload and client is described, and scaling keeps the shape', () => {
    expect(WORKLOADS.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4', 'W4-linger0', 'W5-lz4', 'W5-zstd', 'W6-txn']);
    expect(scaled(WORKLOADS[0], 10).records).toBe(100_000);
    expect(CLIENTS.map((c) => c.name)).toEqual(['kafka-wire', 'kafkajs', 'platformatic', 'node-rdkafka', 'confluent', 'java', 'java-perf']);
    expect(CLIENTS.find((c) => c.name === 'java-perf')!.unsupported(WORKLOADS[0])).toMatch(/no keys/);
    expect(CLIENTS.find((c) => c.name === 'kafka-wire')!.unsupported(WORKLOADS.find((w) => w.id === 'W5-zstd')!)).toBeNull();
    const txn = WORKLOADS.find((w) => w.id === 'W6-txn')!;
    expect(txn.transactional).toEqual({ commitEveryMs: 100 });
    expect(CLIENTS.filter((c) => c.unsupported(txn) === null).map((c) => c.name)).toEqual(['kafka-wire', 'java']);
    // The variants run only when named, and say what they are a variant of.
    expect(KAFKA_WIRE_VARIANTS.map((c) => [c.name, c.variantOf])).toEqual([
      ['kafka-wire-baseline', 'kafka-wire'],
      ['kafka-wire-traced', 'kafka-wire'],
      ['kafka-wire-otel', 'kafka-wire'],
    ]);
    expect(clientNamed('kafka-wire-otel').label).toBe('kafka-wire + OpenTelemetry');
  });
});
