/**
 * bench/e2e orchestrator: `npm run bench` (scripts/bench.js installs the peers, compiles, then
 * runs this through tsx).
 *
 *   npm run bench [-- options]
 *     --null-broker        against the null broker (client cost alone) instead of Kafka
 *     --quick              runs / 10 (1 s instead of 10; records / 10), one round (a look,
 *                          not a figure)
 *     --rounds=N           rounds (default 3; the median is reported)
 *     --clients=a,b        only these clients (kafka-wire, kafkajs, platformatic, node-rdkafka,
 *                          confluent, java, java-perf); also the kafka-wire variants, run
 *                          only when named here: kafka-wire-traced (no-op subscribers on every
 *                          diagnostics channel), kafka-wire-otel (instrumentKafkaWire with a
 *                          span-dropping tracer provider), kafka-wire-baseline (kafka-wire at
 *                          an earlier commit, built by scripts/bench.js)
 *     --baseline-ref=REF   kafka-wire-baseline's commit (default KAFKA_WIRE_BASELINE_REF, else
 *                          3f69efa~1, the parent of the observability commit); scripts/bench.js
 *                          reads it
 *     --workloads=W1,W4    only these workloads (W1, W2, W3, W4, W4-linger0, W5-lz4, W5-zstd,
 *                          W6-txn)
 *     --seconds=S          how long each unpaced run hands records over (default 10; see
 *                          workloads.ts)
 *     --fixed-count        unpaced runs send the workload's record count (1M for W1) instead
 *                          of running for a time, as before the runs were timed
 *     --scale=F            records / F and seconds / F (the smoke test uses this)
 *     --out=DIR            where the JSON, SVG and Markdown go (default bench/results)
 *     --quiet              no progress lines from the runs
 *
 * One broker: KAFKA_BOOTSTRAP if set, else a local Kafka started by the test harness
 * (test/support/kafka-cluster.ts, 'throughput' JVM profile). A fresh 6-partition topic per run,
 * deleted after it. Clients run in turn, each in its own child process; the order rotates
 * from round to round. The unpaced workloads run for a time (10 s each), not a record count:
 * at 1.1M records/s, W1's 1M records were over in a second. ProducerPerformance (java-perf)
 * has no duration and sends the record count. Writes
 * bench/results/<date>-<host>{.json,.svg,.md}. The cost curves (partitions, record size,
 * producers per process) are bench/e2e/curves.ts (`npm run bench:curves`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureKafkaJars, startCluster } from '../../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../../test/support/verifier';
import { ensureJavaBench } from '../java-build';
import { BUILD_DIR, REPO_ROOT, RESULTS_DIR } from '../paths';
import { CLIENTS, ClientInfo, clientNamed } from './clients';
import { judgeTargets, RunRecord, Summary, summarize, writeRenderings } from './report';
import { javaVersion, log, machine, NullBroker, peerVersions, runChild } from './runner';
import type { RunSpec } from './types';
import { PARTITIONS, RUN_SECONDS, runLength, scaled, WORKLOADS, Workload } from './workloads';

const BUFFER_MEMORY = 32 * 1024 * 1024;

interface Options {
  nullBroker: boolean;
  rounds: number;
  scale: number;
  clients: ClientInfo[];
  workloads: Workload[];
  outDir: string;
  progress: boolean;
  quick: boolean;
  /** Timed unpaced runs (default), or the record counts (--fixed-count). */
  timed: boolean;
  /** --seconds: the duration of a timed run, before --scale. */
  seconds: number | null;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { nullBroker: false, rounds: 3, scale: 1, clients: [...CLIENTS], workloads: [...WORKLOADS], outDir: RESULTS_DIR, progress: true, quick: false, timed: true, seconds: null };
  let rounds: number | null = null;
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
    if (k === '--null-broker') opts.nullBroker = true;
    else if (k === '--quick') opts.quick = true;
    else if (k === '--quiet') opts.progress = false;
    else if (k === '--rounds') rounds = Number(v);
    else if (k === '--scale') opts.scale = Number(v);
    else if (k === '--seconds') opts.seconds = Number(v);
    else if (k === '--fixed-count') opts.timed = false;
    else if (k === '--out') opts.outDir = path.resolve(v);
    else if (k === '--baseline-ref') continue; // scripts/bench.js built that commit before this ran
    else if (k === '--clients') opts.clients = v.split(',').map(clientNamed);
    else if (k === '--workloads') {
      opts.workloads = v.split(',').map((id) => {
        const w = WORKLOADS.find((x) => x.id === id);
        if (!w) throw new Error(`unknown workload ${id}; known: ${WORKLOADS.map((x) => x.id).join(', ')}`);
        return w;
      });
    } else throw new Error(`unknown option ${a} (see the header of bench/e2e/run.ts)`);
  }
  if (opts.quick) opts.scale = Math.max(opts.scale, 10);
  opts.rounds = rounds ?? (opts.quick ? 1 : 3);
  if (!(opts.rounds >= 1 && opts.scale >= 1)) throw new Error('--rounds and --scale must be >= 1');
  if (opts.seconds !== null && !(opts.seconds > 0)) throw new Error('--seconds must be > 0');
  return opts;
}

/** kafka-wire's record-batch encode rate (the client's ceiling), measured in a child process. */
async function encodeRate(): Promise<number> {
  const script = path.join(BUILD_DIR, 'bench', 'micro', 'encode-rate.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out).recordsPerSecond) : reject(new Error(`encode-rate exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const stamp = started.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const base = path.join(opts.outDir, `${stamp}-${host}${opts.nullBroker ? '-null-broker' : ''}`);
  const workloads = opts.workloads.map((w) => scaled(w.seconds !== undefined && opts.seconds !== null ? { ...w, seconds: opts.seconds } : w, opts.scale));
  const needsJava = opts.clients.some((c) => c.kind !== 'node');
  const lengthOf = (w: Workload) => (opts.timed && w.rate === 0 && w.seconds !== undefined ? `${w.seconds} s` : w.records.toLocaleString('en-US'));

  log(`bench/e2e: ${opts.nullBroker ? 'null broker' : 'Kafka broker'}, ${opts.rounds} round(s), clients ${opts.clients.map((c) => c.name).join(', ')}, workloads ${workloads.map((w) => `${w.id} (${lengthOf(w)})`).join(', ')}`);
  let javaClasspath = '';
  if (needsJava) javaClasspath = await ensureJavaBench(log);
  let bootstrap: string;
  let brokerDesc: string;
  let kafkaVersion = process.env.KAFKA_VERSION ?? '4.1.1';
  let stopBroker: () => Promise<void>;
  let verifier: Verifier | null = null;
  let nullBroker: NullBroker | null = null;
  if (opts.nullBroker) {
    nullBroker = await NullBroker.start();
    bootstrap = nullBroker.bootstrap;
    brokerDesc = 'null broker (test/support/fake-broker.ts, null mode: answers at once, stores nothing; advertises only the versions kafka-wire implements)';
    stopBroker = () => nullBroker!.stop();
  } else {
    log('starting the broker (or using KAFKA_BOOTSTRAP) ...');
    const cluster = await startCluster({ jvmProfile: 'throughput', log: (l) => log(`  broker: ${l}`) });
    bootstrap = cluster.bootstrap;
    kafkaVersion = cluster.version;
    brokerDesc = cluster.external ? `external Kafka at KAFKA_BOOTSTRAP (version given as ${cluster.version})` : `Apache Kafka ${cluster.version}, one local KRaft node (combined mode), 'throughput' JVM profile, on the same machine`;
    verifier = await Verifier.start(cluster.bootstrap, cluster.version);
    stopBroker = async () => {
      await verifier!.close();
      await cluster.stop();
    };
  }
  const kafkaLibs = needsJava && opts.clients.some((c) => c.kind === 'java-perf') ? await ensureKafkaJars(kafkaVersion, log) : '';
  log(`broker: ${brokerDesc} at ${bootstrap}`);

  const records: RunRecord[] = [];
  const skipped = new Map<string, string>();
  try {
    if (!opts.nullBroker) {
      // A fresh broker is slow for its first million records (JIT, page cache, log segments):
      // one unrecorded run first, so that the first client of round 1 is not the one to pay.
      const warmClient = opts.clients.find((c) => c.kind === 'java') ?? opts.clients[0];
      const w = workloads.find((x) => x.id === 'W1') ?? workloads[0];
      const topic = uniqueTopic('bench-warm-up');
      await verifier!.createTopic(topic, PARTITIONS);
      log(`warming the broker up: one unrecorded ${w.id} run of ${warmClient.name}`);
      const spec: RunSpec = { client: warmClient.name, workload: w.id, bootstrap, topic, ...runLength(w, opts.timed, warmClient.kind !== 'java-perf'), size: w.size, keyed: w.keyed, compression: w.compression, rate: 0, latency: false, nullBroker: false, progress: false };
      const warm = await runChild(warmClient, spec, javaClasspath, kafkaLibs, 'warm-up', false);
      log(`warm-up: ${warm.failed ?? `${Math.round(warm.recordsPerSecond).toLocaleString('en-US')} records/s`}`);
      await verifier!.deleteTopic(topic).catch(() => {});
    }
    const total = opts.rounds * workloads.length * opts.clients.length;
    let n = 0;
    for (let round = 1; round <= opts.rounds; round++) {
      // Rotate the client order every round, so no client always runs first (or after the same one).
      const k = (round - 1) % opts.clients.length;
      const order = [...opts.clients.slice(k), ...opts.clients.slice(0, k)];
      for (const w of workloads) {
        for (const client of order) {
          n++;
          const prefix = `[${n}/${total}] round ${round} ${w.id} ${client.name}`;
          const why = client.unsupported(w);
          if (why) {
            skipped.set(`${client.name} ${w.id}`, why);
            continue;
          }
          const topic = uniqueTopic(`bench-${w.id.toLowerCase()}-${client.name}`);
          if (nullBroker) await nullBroker.createTopic(topic, PARTITIONS);
          else await verifier!.createTopic(topic, PARTITIONS);
          const spec: RunSpec = {
            client: client.name,
            workload: w.id,
            bootstrap,
            topic,
            ...runLength(w, opts.timed, client.kind !== 'java-perf'),
            size: w.size,
            keyed: w.keyed,
            compression: w.compression,
            rate: w.rate,
            latency: w.latency,
            ...(w.lingerMs !== undefined ? { lingerMs: w.lingerMs } : {}),
            nullBroker: opts.nullBroker,
            progress: opts.progress,
            transactional: w.transactional ? { id: `${topic}-txn`, commitEveryMs: w.transactional.commitEveryMs } : undefined,
          };
          const t0 = Date.now();
          const rec = await runChild(client, spec, javaClasspath, kafkaLibs, prefix, opts.progress);
          rec.round = round;
          records.push(rec);
          if (rec.failed) log(`${prefix}: FAILED ${rec.failed}`);
          else {
            const lat = rec.latencyMs ? `, p50 ${rec.latencyMs.p50.toFixed(1)} / p99 ${rec.latencyMs.p99.toFixed(1)} / p99.9 ${rec.latencyMs.p999.toFixed(1)} ms` : '';
            const txn = rec.commits ? `, ${rec.commits.count} commits (p50 ${rec.commits.p50Ms.toFixed(1)} / p99 ${rec.commits.p99Ms.toFixed(1)} / max ${rec.commits.maxMs.toFixed(1)} ms)` : '';
            const errs = rec.errors > 0 || rec.acked !== rec.records ? `, ${rec.errors} errors, ${rec.acked} acked (${rec.note ?? ''})` : '';
            log(`${prefix}: ${Math.round(rec.recordsPerSecond).toLocaleString('en-US')} records/s, ${rec.mbPerSecond.toFixed(1)} MB/s, ${rec.cpuSecondsPerMillion.toFixed(2)} CPU s/1M, ${Math.round(rec.peakRssBytes / 2 ** 20)} MiB RSS${lat}${txn}${errs} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
          }
          if (verifier) await verifier.deleteTopic(topic).catch(() => {});
        }
      }
    }
  } finally {
    await stopBroker();
  }

  const encodeRecordsPerSecond = opts.nullBroker && opts.clients.some((c) => c.name === 'kafka-wire') ? await encodeRate() : undefined;
  const summaries: Summary[] = [];
  for (const w of workloads) {
    for (const c of opts.clients) {
      const why = skipped.get(`${c.name} ${w.id}`);
      if (why) summaries.push({ client: c.name, label: c.label, workload: w.id, rounds: 0, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, peakRssMb: NaN, skipped: why });
      else summaries.push(summarize(c.name, c.label, w.id, records.filter((r) => r.client === c.name && r.workload === w.id)));
    }
  }
  const targets = judgeTargets(summaries, { nullBroker: opts.nullBroker, encodeRecordsPerSecond, bufferMemoryBytes: BUFFER_MEMORY, runs: records });
  const versions: Record<string, string> = { 'kafka-wire': JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version, ...peerVersions() };
  for (const r of records) if (r.version && !r.failed) versions[r.client] = String(r.version).replace(/^v/, '');
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const json = {
    date: started.toISOString(),
    host,
    command,
    machine: { ...machine(), java: javaVersion() },
    broker: brokerDesc,
    kafkaVersion: opts.nullBroker ? null : kafkaVersion,
    settings: {
      acks: 'all',
      idempotence: 'on where the client has it',
      lingerMs: '5 (W4-linger0: 0)',
      batchSizeBytes: 16384,
      partitions: PARTITIONS,
      keyBytes: 16,
      rounds: opts.rounds,
      scale: opts.scale,
      unpacedRuns: opts.timed ? `timed: ${opts.seconds ?? RUN_SECONDS} s / scale each (java-perf: the record count)` : 'fixed record counts',
    },
    versions,
    workloads,
    encodeRecordsPerSecond,
    summaries,
    targets,
    runs: records,
  };
  fs.mkdirSync(path.dirname(base), { recursive: true });
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  const md = writeRenderings(base, json);
  log(`\n${md}`);
  log(`wrote ${path.relative(REPO_ROOT, base)}.json, .svg and .md`);
}

main().catch((err) => {
  process.stderr.write(`bench/e2e: ${(err as Error)?.stack ?? err}\n`);
  process.exitCode = 1;
});
