/**
 * The clients bench/e2e compares, what each can run, and how each run is started: every run is
 * a child process of its own, so its CPU and memory are the client's alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_DIR, PEERS_DIR } from '../paths';
import type { RunSpec } from './types';
import type { Workload } from './workloads';

export interface ClientInfo {
  name: string;
  /** How it is shown in tables. */
  label: string;
  kind: 'node' | 'java' | 'java-perf';
  /** The npm package (peers), for its version. */
  pkg?: string;
  /** Why a workload cannot run on this client, or null. */
  unsupported(w: Workload): string | null;
  /** Set on the kafka-wire variants (KAFKA_WIRE_VARIANTS): the client they are a variant of. */
  variantOf?: 'kafka-wire';
}

/** Why a client without a transactional mode here skips a transactional workload. */
const NO_TXN = 'its driver has no transactional mode here (W6-txn compares kafka-wire with the Java client only)';
const orNoTxn = (w: Workload, why: string | null) => why ?? (w.transactional ? NO_TXN : null);

export const CLIENTS: readonly ClientInfo[] = [
  { name: 'kafka-wire', label: 'kafka-wire', kind: 'node', unsupported: () => null },
  {
    name: 'kafkajs',
    label: 'kafkajs',
    kind: 'node',
    pkg: 'kafkajs',
    unsupported: (w) =>
      orNoTxn(
        w,
        w.compression === 'zstd' && !fs.existsSync(path.join(PEERS_DIR, 'node_modules', '@kafkajs', 'zstd'))
        ? "kafkajs has no built-in zstd, and its codec package @kafkajs/zstd 0.1.1 needs the native cppzst 2.0.6, which fails to compile against Node 20's headers (its build predates C++17: 'remove_cv_t' is not a member of 'std')"
          : null,
      ),
  },
  {
    name: 'platformatic',
    label: '@platformatic/kafka',
    kind: 'node',
    pkg: '@platformatic/kafka',
    unsupported: (w) => orNoTxn(w, w.compression === 'zstd' ? "its zstd uses node:zlib's zstdCompressSync, which Node 20 lacks (Node >= 22.15)" : null),
  },
  { name: 'node-rdkafka', label: 'node-rdkafka', kind: 'node', pkg: 'node-rdkafka', unsupported: (w) => orNoTxn(w, null) },
  { name: 'confluent', label: '@confluentinc/kafka-javascript', kind: 'node', pkg: '@confluentinc/kafka-javascript', unsupported: (w) => orNoTxn(w, null) },
  { name: 'java', label: 'Java client (KafkaProducer)', kind: 'java', unsupported: () => null },
  {
    name: 'java-perf',
    label: 'Java ProducerPerformance',
    kind: 'java-perf',
    unsupported: (w) => orNoTxn(w, w.keyed ? 'ProducerPerformance sends no keys' : null),
  },
];

/**
 * kafka-wire measured against itself: each runs only when --clients names it (a run without
 * --clients compares CLIENTS). The traced and OpenTelemetry ones are the kafka-wire driver with
 * subscribers added before the producer is created; the baseline one is that driver compiled
 * against an earlier commit's src/ (scripts/bench-build.js, buildBaseline).
 */
export const KAFKA_WIRE_VARIANTS: readonly ClientInfo[] = [
  { name: 'kafka-wire-baseline', label: 'kafka-wire before observability', kind: 'node', variantOf: 'kafka-wire', unsupported: () => null },
  { name: 'kafka-wire-traced', label: 'kafka-wire (every channel subscribed, no-op)', kind: 'node', variantOf: 'kafka-wire', unsupported: () => null },
  { name: 'kafka-wire-otel', label: 'kafka-wire + OpenTelemetry', kind: 'node', variantOf: 'kafka-wire', unsupported: () => null },
];

export function clientNamed(name: string): ClientInfo {
  const all = [...CLIENTS, ...KAFKA_WIRE_VARIANTS];
  const c = all.find((x) => x.name === name);
  if (!c) throw new Error(`unknown client ${name}; known: ${all.map((x) => x.name).join(', ')}`);
  return c;
}

/** Heap cap of the Java runs: what kafka-producer-perf-test.sh gives ProducerPerformance. */
export const JAVA_HEAP = '-Xmx512m';

/**
 * The Java client's heap for a run: JAVA_HEAP, or with N > 4 producers in the JVM (each with
 * its own 32 MiB buffer.memory, which lives on the heap) 256 MiB + 48 MiB per producer.
 */
export function javaHeapFor(spec: RunSpec): string {
  const n = spec.producers ?? 1;
  return n <= 4 ? JAVA_HEAP : `-Xmx${256 + 48 * n}m`;
}

export interface Launch {
  cmd: string;
  args: string[];
  /** Parses the child's stdout into the fields of a RunResult. */
  parse(stdout: string): Record<string, unknown>;
}

/** How one run is started. `javaClasspath` is bench/java's, `kafkaLibs` the broker harness's jars. */
export function launchFor(c: ClientInfo, spec: RunSpec, javaClasspath: string, kafkaLibs: string): Launch {
  const lastJsonLine = (out: string) => {
    const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (!line) throw new Error(`no result line in: ${out.slice(-500)}`);
    return JSON.parse(line) as Record<string, unknown>;
  };
  if (c.kind === 'node') {
    return { cmd: process.execPath, args: [path.join(BUILD_DIR, 'bench', 'e2e', 'driver.js'), JSON.stringify(spec)], parse: lastJsonLine };
  }
  if (c.kind === 'java') {
    const args = [
      javaHeapFor(spec),
      '-cp',
      javaClasspath,
      'kafkawire.bench.E2eProducer',
      `bootstrap=${spec.bootstrap}`,
      `topic=${spec.topic}`,
      `records=${spec.records}`,
      `size=${spec.size}`,
      `keyed=${spec.keyed}`,
      `compression=${spec.compression}`,
      `rate=${spec.rate}`,
      `latency=${spec.latency}`,
      ...(spec.transactional ? [`transactionalId=${spec.transactional.id}`, `commitEveryMs=${spec.transactional.commitEveryMs}`] : []),
      ...(spec.lingerMs !== undefined ? [`lingerMs=${spec.lingerMs}`] : []),
      ...(spec.durationMs ? [`durationMs=${spec.durationMs}`] : []),
      ...(spec.topics && spec.topics.length > 0 ? [`topics=${spec.topics.join(',')}`] : []),
      ...(spec.keyCount ? [`keyCount=${spec.keyCount}`] : []),
      ...(spec.valueCount ? [`valueCount=${spec.valueCount}`] : []),
      ...(spec.bufferMemoryBytes ? [`prop.buffer.memory=${spec.bufferMemoryBytes}`] : []),
      ...(spec.producers && spec.producers > 1 ? [`producers=${spec.producers}`, `appThreads=${spec.javaAppThreads ?? 'one'}`] : []),
    ];
    return { cmd: 'java', args, parse: lastJsonLine };
  }
  // ProducerPerformance as shipped: null keys, a callback per record, its own summary line. It
  // has no duration: it sends spec.records (run.ts gives it the workload's record count).
  const args = [
    JAVA_HEAP,
    '-cp',
    path.join(kafkaLibs, '*'),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    spec.topic,
    '--num-records',
    String(spec.records),
    '--record-size',
    String(spec.size),
    '--throughput',
    String(spec.rate > 0 ? spec.rate : -1),
    '--producer-props',
    `bootstrap.servers=${spec.bootstrap}`,
    'acks=all',
    'enable.idempotence=true',
    `linger.ms=${spec.lingerMs ?? 5}`,
    'batch.size=16384',
    `compression.type=${spec.compression}`,
  ];
  return {
    cmd: 'java',
    args,
    parse(out) {
      // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th."
      const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(out);
      if (!m) throw new Error(`no ProducerPerformance summary in: ${out.slice(-500)}`);
      const records = Number(m[1]);
      return {
        records,
        acked: records,
        errors: 0,
        seconds: records / Number(m[2]),
        latencyMs: spec.latency ? { p50: Number(m[6]), p99: Number(m[8]), p999: Number(m[9]), max: Number(m[5]) } : undefined,
        note: 'whole-process CPU (JVM start and producer set-up included); latency in whole ms; errors not counted by the tool',
      };
    },
  };
}
