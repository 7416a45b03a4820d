/**
 * Cost curves against the Java client ("Performance at scale"): how throughput, CPU and memory
 * move with the number of partitions, the record size and the number of producers in one
 * process. Every point runs kafka-wire, the Java client (KafkaProducer) and node-rdkafka in
 * turn, each in a child process of its own (the bench/e2e drivers, bench/e2e/runner.ts), on
 * three local brokers by default (test/support/kafka-cluster.ts, 'throughput' JVM profile).
 *
 *   npm run bench:curves -- --curve=partitions|sizes|producers [options]
 *     --points=a,b,...     the points (default: the curve's full list; sizes take 10, 1KiB, 900KiB)
 *     --quick              two points, 3 s runs, one round: checks the machinery, not a figure
 *     --rounds=N           rounds per point (default 3, --quick 1); medians are reported
 *     --seconds=S          how long each run hands records over (default 10, --quick 3)
 *     --clients=a,b        default kafka-wire,java,node-rdkafka (the drivers that take several
 *                          topics and producers: these, and the kafka-wire variants)
 *     --brokers=B          local brokers to start (default 3; 1 measures one broker's ingest
 *                          ceiling with the producers curve)
 *     --null-broker        against the null broker (bench/e2e/null-broker.ts: answers at once,
 *                          stores nothing) instead of Kafka: the clients' own cost at each point
 *     --replication=R      replication factor of the topics (default: 3, or B when fewer;
 *                          acks=all waits for every replica)
 *     --partitions=P       sizes and producers curves: partitions of their one topic (default 6)
 *     --java-app-threads=one|per-producer
 *                          producers curve: the Java driver calls send() from one thread for
 *                          every producer (default; as the one Node thread does), or from a
 *                          thread per producer
 *     --max-minutes=M      stop starting runs after M minutes (default: an estimate of the
 *                          whole curve, doubled); the process exits 10 minutes after that
 *     --out=DIR            where the files go (default bench/results)
 *     --no-install         do not install the peers (bench/peers) first
 *     --quiet              no progress lines
 *
 * The curves:
 * - partitions: 6, 60, 600, 6,000 partitions over 3 topics (record i to topic i % 3), keyed
 *   100 B records with 65,536 distinct keys (so that every partition gets records; the 1,024
 *   keys of the workloads would reach about 1,000 of 2,000 partitions per topic). Figures:
 *   records/s, CPU per record, records per Produce request (kafka-wire's metrics()
 *   'records-per-request-avg'; the Java client's metric of that name; node-rdkafka: none), peak
 *   RSS.
 * - sizes: 10 B, 100 B, 1 KiB, 10 KiB, 100 KiB and 900 KiB values, keyed, one topic of 6
 *   partitions. Figures: records/s, MB/s (values, 10^6 B), CPU per MB, peak RSS. Large values
 *   come from fewer distinct buffers (bench/data.ts valueCountFor: at most 16 MiB of them).
 * - producers: 1, 4 and 16 producers in one process (record i through producer i % N), keyed
 *   100 B, one topic of 6 partitions; the Java client's are N KafkaProducers in one JVM (heap
 *   256 MiB + 48 MiB per producer above 4: each has its own 32 MiB buffer.memory). Figures:
 *   records/s, CPU per record, records per request, peak RSS.
 * Every run: acks=all, idempotence, linger 5 ms, batch 16 KiB, 32 MiB of buffer per producer
 * (node-rdkafka: queue.buffering.max.kbytes, whose default is 1 GiB), fresh topics (deleted
 * after the run), records handed over for --seconds then flushed (bench/e2e/driver.ts). Each point
 * begins with the client that ran second at the previous point (the order rotates); one
 * unrecorded run warms the brokers up first.
 *
 * Writes bench/results/<date>-<host>-curve-<curve>{.json,.md,.svg}; the Markdown says which
 * command made it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster, type KafkaCluster } from '../../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../../test/support/verifier';
import { valueCountFor } from '../data';
import { ensureJavaBench } from '../java-build';
import { REPO_ROOT, RESULTS_DIR } from '../paths';
import { ClientInfo, clientNamed } from './clients';
import { CurveMetric, CurvePointSummary, CurveRun, curveSvg, curveTable, summarizePoint } from './curve-report';
import { javaVersion, log, machine, NullBroker, peerVersions, runChild } from './runner';
import type { RunSpec } from './types';
import { TIMED_RECORDS_CAP } from './workloads';

export type CurveName = 'partitions' | 'sizes' | 'producers';

/** What one point of a curve runs. */
export interface PointLayout {
  topics: number;
  partitionsPerTopic: number;
  size: number;
  producers: number;
  keyCount: number;
  valueCount: number;
}

export interface CurveDef {
  name: CurveName;
  title: string;
  /** The table's first column. */
  xHeader: string;
  points: readonly number[];
  quickPoints: readonly number[];
  label(x: number): string;
  /** Parses one --points entry. */
  parse(s: string): number;
  layout(x: number, o: { partitions: number }): PointLayout;
  metrics: readonly CurveMetric[];
  logY: readonly CurveMetric[];
}

const KiB = 1024;

export function sizeLabel(bytes: number): string {
  if (bytes >= KiB && bytes % KiB === 0) return `${(bytes / KiB).toLocaleString('en-US')} KiB`;
  return `${bytes.toLocaleString('en-US')} B`;
}

/** "100", "100B", "1KiB", "1k", "900 KiB" -> bytes. */
export function parseSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(s);
  if (!m) throw new Error(`not a size: ${s}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? KiB : unit.startsWith('m') ? KiB * KiB : 1;
  return Math.round(Number(m[1]) * mult);
}

const int = (s: string) => {
  const n = Number(s.replace(/[,_]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${s}`);
  return n;
};

/**
 * Memory per producer for unsent records, in every client: kafka-wire's and the Java client's
 * default buffer.memory, and node-rdkafka's queue.buffering.max.kbytes set to match (its own
 * default, 1 GiB, let a 3 s run of 100 KiB records take 1 GB and flush it for 24 s).
 */
export const CURVE_BUFFER_MEMORY = 32 * 1024 * 1024;

/** Keys of the partitions curve: enough that each of 2,000 partitions of a topic gets some. */
export const PARTITIONS_CURVE_KEYS = 65_536;

export const CURVES: Record<CurveName, CurveDef> = {
  partitions: {
    name: 'partitions',
    title: 'Cost by partition count (3 topics, keyed 100 B records)',
    xHeader: 'partitions',
    points: [6, 60, 600, 6000],
    quickPoints: [6, 60],
    label: (x) => x.toLocaleString('en-US'),
    parse: (s) => {
      const n = int(s);
      if (n % 3 !== 0) throw new Error(`partitions are spread over 3 topics: ${n} is not a multiple of 3`);
      return n;
    },
    layout: (x) => ({ topics: 3, partitionsPerTopic: x / 3, size: 100, producers: 1, keyCount: PARTITIONS_CURVE_KEYS, valueCount: valueCountFor(100) }),
    metrics: ['recordsPerSecond', 'cpuUsPerRecord', 'recordsPerRequest', 'peakRssMb'],
    logY: [],
  },
  sizes: {
    name: 'sizes',
    title: 'Cost by record size (keyed, one topic)',
    xHeader: 'value size',
    points: [10, 100, KiB, 10 * KiB, 100 * KiB, 900 * KiB],
    quickPoints: [100, 100 * KiB],
    label: sizeLabel,
    parse: parseSize,
    layout: (x, o) => ({ topics: 1, partitionsPerTopic: o.partitions, size: x, producers: 1, keyCount: 1024, valueCount: valueCountFor(x) }),
    metrics: ['mbPerSecond', 'recordsPerSecond', 'cpuMsPerMb', 'peakRssMb'],
    logY: ['recordsPerSecond', 'cpuMsPerMb'],
  },
  producers: {
    name: 'producers',
    title: 'Cost by producers per process (keyed 100 B records, one topic)',
    xHeader: 'producers',
    points: [1, 4, 16],
    quickPoints: [1, 4],
    label: (x) => String(x),
    parse: int,
    layout: (x, o) => ({ topics: 1, partitionsPerTopic: o.partitions, size: 100, producers: x, keyCount: 1024, valueCount: valueCountFor(100) }),
    metrics: ['recordsPerSecond', 'cpuUsPerRecord', 'recordsPerRequest', 'peakRssMb'],
    logY: [],
  },
};

export const CURVE_CLIENTS = ['kafka-wire', 'java', 'node-rdkafka'];
/** Drivers that take spec.topics and spec.producers (record-mode Node drivers, the Java driver). */
const CAN_CURVE = new Set(['kafka-wire', 'java', 'node-rdkafka', 'kafka-wire-traced', 'kafka-wire-otel', 'kafka-wire-baseline']);

export interface CurveOptions {
  curve: CurveDef;
  points: number[];
  rounds: number;
  seconds: number;
  clients: ClientInfo[];
  brokers: number;
  nullBroker: boolean;
  replication: number;
  partitions: number;
  javaAppThreads: 'one' | 'per-producer';
  maxMinutes: number | null;
  outDir: string;
  install: boolean;
  progress: boolean;
  quick: boolean;
}

export function parseCurveArgs(argv: readonly string[]): CurveOptions {
  let curve: CurveDef | null = null;
  let points: string[] | null = null;
  let rounds: number | null = null;
  let seconds: number | null = null;
  let replication: number | null = null;
  const o: Omit<CurveOptions, 'curve' | 'points' | 'rounds' | 'seconds' | 'replication'> = {
    clients: CURVE_CLIENTS.map(clientNamed),
    brokers: 3,
    nullBroker: false,
    partitions: 6,
    javaAppThreads: 'one',
    maxMinutes: null,
    outDir: RESULTS_DIR,
    install: true,
    progress: true,
    quick: false,
  };
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
    if (k === '--curve') {
      if (!(v in CURVES)) throw new Error(`unknown curve ${v}; known: ${Object.keys(CURVES).join(', ')}`);
      curve = CURVES[v as CurveName];
    } else if (k === '--points') points = v.split(',').filter(Boolean);
    else if (k === '--quick') o.quick = true;
    else if (k === '--rounds') rounds = int(v);
    else if (k === '--seconds') seconds = Number(v);
    else if (k === '--clients') o.clients = v.split(',').map(clientNamed);
    else if (k === '--brokers') o.brokers = int(v);
    else if (k === '--null-broker') o.nullBroker = true;
    else if (k === '--replication') replication = int(v);
    else if (k === '--partitions') o.partitions = int(v);
    else if (k === '--java-app-threads') {
      if (v !== 'one' && v !== 'per-producer') throw new Error('--java-app-threads is one or per-producer');
      o.javaAppThreads = v;
    } else if (k === '--max-minutes') o.maxMinutes = Number(v);
    else if (k === '--out') o.outDir = path.resolve(v);
    else if (k === '--no-install') o.install = false;
    else if (k === '--quiet') o.progress = false;
    else throw new Error(`unknown option ${a} (see the header of bench/e2e/curves.ts)`);
  }
  if (!curve) throw new Error(`--curve=${Object.keys(CURVES).join('|')} is required`);
  for (const c of o.clients) if (!CAN_CURVE.has(c.name)) throw new Error(`${c.name} cannot run a curve (its driver has one topic and one producer); use ${[...CAN_CURVE].join(', ')}`);
  if (seconds !== null && !(seconds > 0)) throw new Error('--seconds must be > 0');
  if (o.maxMinutes !== null && !(o.maxMinutes > 0)) throw new Error('--max-minutes must be > 0');
  if (!(o.brokers >= 1)) throw new Error('--brokers must be >= 1');
  if (replication !== null && !(replication >= 1 && replication <= o.brokers)) throw new Error(`--replication must be between 1 and --brokers (${o.brokers})`);
  const c = curve;
  return {
    ...o,
    curve: c,
    replication: replication ?? Math.min(3, o.brokers),
    points: points ? points.map((p) => c.parse(p)) : [...(o.quick ? c.quickPoints : c.points)],
    rounds: rounds ?? (o.quick ? 1 : 3),
    seconds: seconds ?? (o.quick ? 3 : 10),
  };
}

/** The spec of one run of a point (topics already created). */
export function pointSpec(o: CurveOptions, x: number, client: ClientInfo, bootstrap: string, topics: string[], progress: boolean): RunSpec {
  const l = o.curve.layout(x, { partitions: o.partitions });
  return {
    client: client.name,
    workload: `${o.curve.name}=${x}`,
    bootstrap,
    topic: topics[0],
    ...(topics.length > 1 ? { topics } : {}),
    records: TIMED_RECORDS_CAP,
    durationMs: Math.round(o.seconds * 1000),
    size: l.size,
    keyed: true,
    keyCount: l.keyCount,
    valueCount: l.valueCount,
    compression: 'none',
    rate: 0,
    latency: false,
    nullBroker: o.nullBroker,
    progress,
    bufferMemoryBytes: CURVE_BUFFER_MEMORY,
    ...(l.producers > 1 ? { producers: l.producers, javaAppThreads: o.javaAppThreads } : {}),
  };
}

/** Seconds a run takes besides its duration: start, warm-up, flush, topic creation and deletion. */
function overheadSeconds(partitions: number): number {
  return 30 + partitions / 50;
}

/** Where a curve's records go: local Kafka brokers, or the null broker. */
interface CurveTarget {
  bootstrap: string;
  /** For the report: what answered. */
  description: string;
  kafkaVersion: string | null;
  createTopic(topic: string, partitions: number): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  stop(): Promise<void>;
}

async function startTarget(o: CurveOptions): Promise<CurveTarget> {
  if (o.nullBroker) {
    log('starting the null broker ...');
    const nb = await NullBroker.start();
    return {
      bootstrap: nb.bootstrap,
      description: 'the null broker (bench/e2e/null-broker.ts: answers at once, stores nothing) in a process of its own',
      kafkaVersion: null,
      createTopic: (t, partitions) => nb.createTopic(t, partitions),
      // It stores nothing: a topic left behind costs only its metadata.
      deleteTopic: async () => {},
      stop: () => nb.stop(),
    };
  }
  log(`starting ${o.brokers} local broker(s) ...`);
  const cluster: KafkaCluster = await startCluster({
    brokers: o.brokers,
    local: true,
    jvmProfile: 'throughput',
    // Deleted topics free their disk within seconds (the sizes curve writes GBs per run).
    brokerConfig: { 'log.segment.delete.delay.ms': '1000' },
    log: (l) => log(`  broker: ${l}`),
  });
  let verifier: Verifier;
  try {
    verifier = await Verifier.start(cluster.bootstrap, cluster.version);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return {
    bootstrap: cluster.bootstrap,
    description: `Apache Kafka ${cluster.version}, ${o.brokers} local KRaft node(s) (combined mode), 'throughput' JVM profile, on the same machine; topics of replication factor ${o.replication}`,
    kafkaVersion: cluster.version,
    // A topic of thousands of partitions takes a while to get every leader.
    createTopic: (t, partitions) => verifier.createTopic(t, partitions, { replicationFactor: o.replication, timeoutMs: 60_000 + partitions * 100 }),
    deleteTopic: (t) => verifier.deleteTopic(t, { timeoutMs: 120_000 }).catch(() => {}),
    async stop() {
      try {
        await verifier.close();
      } finally {
        await cluster.stop();
        log('brokers stopped');
      }
    },
  };
}

/** Runs one curve against a started target; returns the runs and why some were not made. */
async function runCurve(o: CurveOptions, target: CurveTarget, javaClasspath: string, deadlineMs: number): Promise<{ runs: CurveRun[]; skipped: Map<string, string> }> {
  const runs: CurveRun[] = [];
  const skipped = new Map<string, string>();
  const makeTopics = async (x: number, tag: string): Promise<string[]> => {
    const l = o.curve.layout(x, { partitions: o.partitions });
    const names = Array.from({ length: l.topics }, (_, i) => uniqueTopic(`curve-${o.curve.name}-${tag}-${i}`));
    for (const t of names) await target.createTopic(t, l.partitionsPerTopic);
    return names;
  };
  const dropTopics = async (names: string[]) => {
    for (const t of names) await target.deleteTopic(t);
  };
  const runTimeoutMs = (x: number) => (o.seconds + 120 + overheadSeconds(o.curve.layout(x, { partitions: o.partitions }).topics * o.curve.layout(x, { partitions: o.partitions }).partitionsPerTopic)) * 1000;

  // Warm-up: one unrecorded run at the first point (a fresh broker is slow at first).
  {
    const warmClient = o.clients.find((c) => c.kind === 'java') ?? o.clients[0];
    const x = o.points[0];
    const topics = await makeTopics(x, 'warm');
    log(`warming the brokers up: one unrecorded run of ${warmClient.name} at ${o.curve.label(x)}`);
    const warm = await runChild(warmClient, pointSpec(o, x, warmClient, target.bootstrap, topics, false), javaClasspath, '', 'warm-up', false, runTimeoutMs(x));
    log(`warm-up: ${warm.failed ?? `${Math.round(warm.recordsPerSecond).toLocaleString('en-US')} records/s`}`);
    await dropTopics(topics);
  }

  const total = o.rounds * o.points.length * o.clients.length;
  let n = 0;
  let turn = 0;
  for (let round = 1; round <= o.rounds; round++) {
    for (const x of o.points) {
      // Rotate the order at every point, so that no client always runs first.
      const k = turn++ % o.clients.length;
      const order = [...o.clients.slice(k), ...o.clients.slice(0, k)];
      for (const client of order) {
        n++;
        const prefix = `[${n}/${total}] round ${round} ${o.curve.name} ${o.curve.label(x)} ${client.name}`;
        if (Date.now() > deadlineMs) {
          skipped.set(`${client.name} ${x} ${round}`, 'not run: --max-minutes passed');
          log(`${prefix}: not run (--max-minutes passed)`);
          continue;
        }
        const t0 = Date.now();
        let topics: string[] = [];
        try {
          topics = await makeTopics(x, client.name);
        } catch (err) {
          const rec = { x, size: o.curve.layout(x, { partitions: o.partitions }).size, workload: `${o.curve.name}=${x}`, round, client: client.name, version: '', runtime: '', records: 0, acked: 0, errors: 0, seconds: NaN, cpuSeconds: NaN, peakRssBytes: 0, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, failed: `topic creation: ${String((err as Error).message).slice(0, 200)}` };
          runs.push(rec);
          log(`${prefix}: FAILED ${rec.failed}`);
          continue;
        }
        const spec = pointSpec(o, x, client, target.bootstrap, topics, o.progress);
        const rec = await runChild(client, spec, javaClasspath, '', prefix, o.progress, runTimeoutMs(x));
        const run: CurveRun = { ...rec, round, x, size: spec.size };
        runs.push(run);
        if (run.failed) log(`${prefix}: FAILED ${run.failed}`);
        else {
          const rpr = run.metrics?.recordsPerRequest;
          log(
            `${prefix}: ${Math.round(run.recordsPerSecond).toLocaleString('en-US')} records/s, ${run.mbPerSecond.toFixed(1)} MB/s, ${run.cpuSecondsPerMillion.toFixed(2)} CPU µs/record, ` +
              `${rpr !== undefined ? `${rpr.toFixed(1)} records/request, ` : ''}${Math.round(run.peakRssBytes / 2 ** 20)} MiB RSS, ${run.records.toLocaleString('en-US')} records in ${run.seconds.toFixed(1)} s` +
              `${run.errors > 0 || run.acked !== run.records ? `, ${run.errors} errors, ${run.acked} acked (${run.note ?? ''})` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
          );
        }
        await dropTopics(topics);
      }
    }
  }
  return { runs, skipped };
}

function requireScript<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(REPO_ROOT, 'scripts', name)) as T;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseCurveArgs(argv);
  const started = new Date();
  const budgetMinutes =
    o.maxMinutes ?? (2 * (o.rounds * o.points.reduce((s, x) => s + o.clients.length * (o.seconds + overheadSeconds(x)), 0) + 300)) / 60;
  const deadlineMs = started.getTime() + budgetMinutes * 60_000;
  // The hard stop: runs past the budget are not started, and whatever hangs is ended here (the
  // harness's exit hooks kill the brokers).
  const hardStop = setTimeout(() => {
    process.stderr.write(`bench/e2e curves: still running ${Math.round(budgetMinutes + 10)} minutes after the start: exiting\n`);
    process.exit(2);
  }, (budgetMinutes + 10) * 60_000);
  hardStop.unref();

  if (o.install && o.clients.some((c) => c.name === 'node-rdkafka')) requireScript<{ installPeers(): string[] }>('bench-install.js').installPeers();
  requireScript<{ buildBenches(): string }>('bench-build.js').buildBenches();
  const needsJava = o.clients.some((c) => c.kind === 'java');
  const javaClasspath = needsJava ? await ensureJavaBench(log) : '';

  log(
    `bench/e2e curve ${o.curve.name}: points ${o.points.map(o.curve.label).join(', ')}; clients ${o.clients.map((c) => c.name).join(', ')}; ` +
      `${o.rounds} round(s) of ${o.seconds} s runs; replication ${o.replication}; time budget ${budgetMinutes.toFixed(0)} min`,
  );
  const target = await startTarget(o);
  let result: { runs: CurveRun[]; skipped: Map<string, string> };
  try {
    result = await runCurve(o, target, javaClasspath, deadlineMs);
  } finally {
    await target.stop();
  }

  const summaries: CurvePointSummary[] = [];
  for (const x of o.points) {
    for (const c of o.clients) summaries.push(summarizePoint(x, c.name, c.label, result.runs.filter((r) => r.x === x && r.client === c.name)));
  }
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const stamp = started.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const base = path.join(o.outDir, `${stamp}-${host}-curve-${o.curve.name}${o.nullBroker ? '-null-broker' : ''}${o.quick ? '-quick' : ''}`);
  const command = `npm run bench:curves -- ${argv.join(' ')}`;
  const m = machine();
  const versions: Record<string, string> = { 'kafka-wire': JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version, ...peerVersions() };
  for (const r of result.runs) if (r.version && !r.failed) versions[r.client] = String(r.version).replace(/^v/, '');
  const clientVersions = Object.fromEntries(Object.entries(versions).filter(([k]) => o.clients.some((c) => c.name === k)));
  const layouts = Object.fromEntries(o.points.map((x) => [x, o.curve.layout(x, { partitions: o.partitions })]));
  const brokerDesc = target.description;
  const json = {
    date: started.toISOString(),
    host,
    command,
    curve: o.curve.name,
    quick: o.quick,
    machine: { ...m, java: javaVersion() },
    broker: brokerDesc,
    kafkaVersion: target.kafkaVersion,
    settings: { acks: 'all', idempotence: true, lingerMs: 5, batchSizeBytes: 16384, bufferMemoryBytes: CURVE_BUFFER_MEMORY, keyBytes: 16, rounds: o.rounds, secondsPerRun: o.seconds, replication: o.replication, javaAppThreads: o.javaAppThreads },
    points: o.points,
    layouts,
    versions: clientVersions,
    summaries,
    skipped: Object.fromEntries(result.skipped),
    runs: result.runs,
  };
  fs.mkdirSync(o.outDir, { recursive: true });
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  const chartClients = o.clients.map((c) => ({ name: c.name, label: c.label }));
  const subtitle = `${o.nullBroker ? 'null broker' : `Kafka ${target.kafkaVersion}, ${o.brokers} local broker(s), RF ${o.replication}`}; ${m.nproc} CPUs ${m.cpu}; node ${String(m.node).replace(/^v/, '')}; median of ${o.rounds} round(s) of ${o.seconds} s; ${json.date.slice(0, 10)}${o.quick ? '; --quick: not a figure' : ''}`;
  fs.writeFileSync(`${base}.svg`, curveSvg(summaries, chartClients, o.points, o.curve.label, o.curve.metrics, o.curve.logY, o.curve.title, subtitle));
  const allMetrics: CurveMetric[] = [...new Set<CurveMetric>([...o.curve.metrics, 'recordsPerSecond', 'mbPerSecond', 'cpuUsPerRecord', 'cpuMsPerMb', 'recordsPerRequest', 'peakRssMb'])];
  const md = [
    `### ${o.curve.title}`,
    '',
    ...(o.quick ? ['--quick: two points, short runs, one round; a check that the machinery runs, not a figure.', ''] : []),
    `Command: \`${command}\` (${json.date.slice(0, 16).replace('T', ' ')} UTC, load average at the start ${(m.loadAverageAtStart as number[]).join(' / ')}). Broker: ${brokerDesc}.`,
    '',
    `Clients: ${Object.entries(clientVersions).map(([k, v]) => `${k} ${v}`).join(', ')}. Runs of ${o.seconds} s, acks=all, idempotence, linger 5 ms, batch 16 KiB, 32 MiB of buffer per producer (node-rdkafka: queue.buffering.max.kbytes); median of ${o.rounds} round(s) (records/s: the range of the rounds in brackets). CPU: user + sys of the whole client process during the run. Records per request: the client's own metric (none for node-rdkafka).`,
    '',
    curveTable(summaries, o.curve.xHeader, o.curve.label, allMetrics),
    '',
    `Chart: ${path.basename(base)}.svg.`,
    '',
  ].join('\n');
  fs.writeFileSync(`${base}.md`, md);
  log(`\n${md}`);
  log(`wrote ${path.relative(REPO_ROOT, base)}.json, .svg and .md`);
  const failed = result.runs.filter((r) => r.failed).length;
  if (failed > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`bench/e2e curves: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
