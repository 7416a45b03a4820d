/**
 * The cost-curve machinery still runs (bench/e2e/curves.ts, bench/micro/metadata-scale.ts):
 * timed runs, several producers and topics in one driver, linger 0, the curves' run specs and
 * their Java launch, the curve report (table and chart), and the metadata-at-scale parts at a
 * small scale, in-process, against the fake broker. No timing is asserted and no broker or JVM
 * is started; the figures of a smoke run mean nothing.
 */
import { launchFor, clientNamed } from '../../bench/e2e/clients';
import { CurveRun, curveSvg, curveTable, summarizePoint } from '../../bench/e2e/curve-report';
import { CURVE_BUFFER_MEMORY, CURVES, parseCurveArgs, parseSize, pointSpec, sizeLabel } from '../../bench/e2e/curves';
import { runWorkload } from '../../bench/e2e/driver';
import { createDriver } from '../../bench/e2e/drivers/kafka-wire';
import type { RunSpec } from '../../bench/e2e/types';
import { runLength, TIMED_RECORDS_CAP, WORKLOADS } from '../../bench/e2e/workloads';
import { accumulatorPart, encodedAnswer, metadataPart } from '../../bench/micro/metadata-scale';
import { FakeCluster } from '../support/fake-broker';

describe('bench cost curves smoke run', () => {
  let cluster: FakeCluster;
  beforeAll(async () => {
    cluster = await FakeCluster.start({ null: true, topics: { 'timed-w1': 6, 'linger0-w4': 6 } });
  });
  afterAll(async () => {
    await cluster.close();
  });

  const spec = (over: Partial<RunSpec>): RunSpec => ({
    client: 'kafka-wire',
    workload: 'W1',
    bootstrap: cluster.bootstrap[0],
    topic: 'timed-w1',
    records: TIMED_RECORDS_CAP,
    size: 100,
    keyed: true,
    compression: 'none',
    rate: 0,
    latency: false,
    nullBroker: true,
    progress: false,
    ...over,
  });

  test('a timed run hands records over for its duration and counts what it handed over', async () => {
    const r = await runWorkload(spec({ durationMs: 300 }), createDriver);
    expect(r.records).toBeGreaterThan(0);
    expect(r.records).toBeLessThan(TIMED_RECORDS_CAP);
    expect({ acked: r.acked, errors: r.errors }).toEqual({ acked: r.records, errors: 0 });
    expect(r.seconds).toBeGreaterThanOrEqual(0.3);
    expect(r.metrics!.produceRequests).toBeGreaterThan(0);
    expect(r.metrics!.recordsPerRequest).toBeGreaterThan(0);
  }, 60_000);

  test('several producers and topics in one process, with more keys, reach every topic', async () => {
    // A storing fake broker (not the null one), to count what each topic got.
    const topics = ['multi-a', 'multi-b', 'multi-c'];
    const storing = await FakeCluster.start({ topics: { 'multi-a': 4, 'multi-b': 4, 'multi-c': 4 } });
    try {
      const r = await runWorkload(spec({ bootstrap: storing.bootstrap[0], topic: topics[0], topics, producers: 3, keyCount: 4096, records: 3000, bufferMemoryBytes: CURVE_BUFFER_MEMORY }), createDriver);
      expect({ acked: r.acked, errors: r.errors, records: r.records }).toEqual({ acked: 3000, errors: 0, records: 3000 });
      expect(r.metrics!.produceRequests).toBeGreaterThanOrEqual(3); // at least one per producer (the warm-up)
      // 1,000 records each, and one warm-up record per producer.
      for (const t of topics) expect(storing.recordsByPartition(t).reduce((n, p) => n + p.length, 0)).toBe(1003);
    } finally {
      await storing.close();
    }
  }, 60_000);

  test('W4-linger0 is W4 with linger 0, and a paced run at linger 0 measures latency', async () => {
    const w4 = WORKLOADS.find((w) => w.id === 'W4')!;
    const w4l0 = WORKLOADS.find((w) => w.id === 'W4-linger0')!;
    expect({ ...w4l0, id: 'W4', title: w4.title, lingerMs: undefined }).toEqual({ ...w4, lingerMs: undefined });
    expect(w4l0.lingerMs).toBe(0);
    // Paced runs keep their record count; unpaced ones run for a time unless --fixed-count.
    expect(runLength(w4l0, true)).toEqual({ records: 400_000 });
    expect(runLength(WORKLOADS[0], true)).toEqual({ records: TIMED_RECORDS_CAP, durationMs: 10_000 });
    expect(runLength(WORKLOADS[0], false)).toEqual({ records: 1_000_000 });
    expect(runLength(WORKLOADS[0], true, false)).toEqual({ records: 1_000_000 });
    const r = await runWorkload(spec({ workload: 'W4-linger0', topic: 'linger0-w4', records: 300, keyed: false, rate: 20_000, latency: true, lingerMs: 0 }), createDriver);
    expect(r.acked).toBe(300);
    expect(r.latencyMs!.p50).toBeGreaterThan(0);
  }, 60_000);

  test('each curve point becomes the run spec and the Java launch it should', () => {
    const quick = parseCurveArgs(['--curve=partitions', '--quick']);
    expect({ points: quick.points, rounds: quick.rounds, seconds: quick.seconds, clients: quick.clients.map((c) => c.name) }).toEqual({
      points: [6, 60],
      rounds: 1,
      seconds: 3,
      clients: ['kafka-wire', 'java', 'node-rdkafka'],
    });
    expect(parseCurveArgs(['--curve=partitions']).points).toEqual([6, 60, 600, 6000]);
    expect([parseCurveArgs(['--curve=producers']).replication, parseCurveArgs(['--curve=producers', '--brokers=1']).replication]).toEqual([3, 1]);
    expect(() => parseCurveArgs(['--curve=producers', '--brokers=1', '--replication=3'])).toThrow(/between 1 and --brokers/);
    expect(parseCurveArgs(['--curve=partitions', '--null-broker']).nullBroker).toBe(true);
    expect(() => parseCurveArgs(['--curve=partitions', '--points=10'])).toThrow(/multiple of 3/);
    expect(() => parseCurveArgs(['--curve=sizes', '--clients=kafkajs'])).toThrow(/cannot run a curve/);
    expect(parseCurveArgs(['--curve=sizes', '--points=10,1KiB,900KiB']).points).toEqual([10, 1024, 921_600]);
    expect([parseSize('100'), parseSize('100KiB'), parseSize('1k')]).toEqual([100, 102_400, 1024]);
    expect(CURVES.sizes.points.map(sizeLabel)).toEqual(['10 B', '100 B', '1 KiB', '10 KiB', '100 KiB', '900 KiB']);

    const p = parseCurveArgs(['--curve=partitions']);
    const topics = ['t0', 't1', 't2'];
    const s = pointSpec(p, 6000, clientNamed('java'), 'b:9092', topics, false);
    expect(CURVES.partitions.layout(6000, { partitions: 6 })).toMatchObject({ topics: 3, partitionsPerTopic: 2000, keyCount: 65_536 });
    expect(s).toMatchObject({ topic: 't0', topics, keyed: true, size: 100, durationMs: 10_000, bufferMemoryBytes: CURVE_BUFFER_MEMORY });
    const java = launchFor(clientNamed('java'), s, 'CP', '').args;
    expect(java).toEqual(expect.arrayContaining(['topics=t0,t1,t2', 'keyCount=65536', 'durationMs=10000', `prop.buffer.memory=${CURVE_BUFFER_MEMORY}`, '-Xmx512m']));

    const sizes = parseCurveArgs(['--curve=sizes']);
    const big = pointSpec(sizes, 900 * 1024, clientNamed('kafka-wire'), 'b:9092', ['t'], false);
    expect({ size: big.size, valueCount: big.valueCount, topics: big.topics }).toEqual({ size: 921_600, valueCount: 16, topics: undefined });

    const prod = parseCurveArgs(['--curve=producers', '--java-app-threads=per-producer']);
    const many = pointSpec(prod, 16, clientNamed('java'), 'b:9092', ['t'], false);
    expect(many).toMatchObject({ producers: 16, javaAppThreads: 'per-producer' });
    expect(launchFor(clientNamed('java'), many, 'CP', '').args).toEqual(expect.arrayContaining(['producers=16', 'appThreads=per-producer', `-Xmx${256 + 48 * 16}m`]));
  });

  test('the curve report gives medians, a table and a chart', () => {
    const run = (x: number, client: string, round: number, rps: number, over: Partial<CurveRun> = {}): CurveRun => ({
      x,
      size: 100,
      workload: `partitions=${x}`,
      round,
      client,
      version: '1',
      runtime: 'node',
      records: rps * 10,
      acked: rps * 10,
      errors: 0,
      seconds: 10,
      cpuSeconds: rps * 10 * 2e-6,
      peakRssBytes: 100 * 2 ** 20,
      recordsPerSecond: rps,
      mbPerSecond: (rps * 100) / 1e6,
      cpuSecondsPerMillion: 2,
      metrics: client === 'node-rdkafka' ? undefined : { recordsPerRequest: 100 * round },
      ...over,
    });
    const s = summarizePoint(6, 'kafka-wire', 'kafka-wire', [run(6, 'kafka-wire', 1, 100_000), run(6, 'kafka-wire', 2, 300_000), run(6, 'kafka-wire', 3, 200_000)]);
    expect({ rps: s.recordsPerSecond, rpr: s.recordsPerRequest, cpu: s.cpuUsPerRecord, rounds: s.rounds }).toEqual({ rps: 200_000, rpr: 200, cpu: 2, rounds: 3 });
    expect(s.cpuMsPerMb).toBeCloseTo(20, 6);
    const rd = summarizePoint(6, 'node-rdkafka', 'node-rdkafka', [run(6, 'node-rdkafka', 1, 50_000)]);
    expect(rd.recordsPerRequest).toBeNaN();
    const failed = summarizePoint(60, 'java', 'Java', [run(60, 'java', 1, NaN, { failed: 'exit 1: boom' })]);
    expect(failed.skipped).toMatch(/boom/);
    const all = [s, rd, failed];
    const table = curveTable(all, 'partitions', CURVES.partitions.label, CURVES.partitions.metrics);
    expect(table).toContain('| 6 | kafka-wire | 200,000 (100k–300k) | 2.00 | 200.0 | 100 | 3 |');
    expect(table).toContain('| 6 | node-rdkafka | 50,000 | 2.00 |  | 100 | 1 |');
    expect(table).toContain('failed: exit 1: boom');
    const clients = [
      { name: 'kafka-wire', label: 'kafka-wire' },
      { name: 'node-rdkafka', label: 'node-rdkafka' },
      { name: 'java', label: 'Java' },
    ];
    const svg = curveSvg(all, clients, [6, 60], CURVES.partitions.label, CURVES.partitions.metrics, ['recordsPerSecond'], 'title', 'smoke');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect((svg.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(svg).toContain('(log scale)');
  });

  test('the metadata-at-scale parts run at a small scale (fake broker answer, own encoder, idle queues)', async () => {
    const scale = { brokers: 5, partitions: 600, topics: 6, iterations: 1 };
    const fake = await metadataPart(scale, 'fake-broker', 1);
    expect({ partitions: fake.partitions, brokers: fake.brokers }).toEqual({ partitions: 600, brokers: 5 });
    expect(fake.ms.decode.median).toBeGreaterThan(0);
    expect(fake.ms.refreshTotal).toBeGreaterThan(0);
    const rf3 = await metadataPart(scale, 'encoder', 3);
    expect(rf3.responseBytes).toBeGreaterThan(fake.responseBytes);
    expect(encodedAnswer(scale, 3).length).toBe(rf3.responseBytes);
    const acc = accumulatorPart(scale);
    expect(acc.partitions).toBe(600);
    expect(acc.ms.idlePass.median).toBeGreaterThan(0);
  }, 60_000);
});
