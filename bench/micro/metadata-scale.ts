/**
 * Metadata and idle partitions at cluster scale ("Performance at scale"): what kafka-wire pays
 * for a Metadata answer of 100 brokers and 50,000 partitions, and for 50,000 partition queues
 * in its accumulator.
 *
 *   npm run bench:metadata [-- --brokers=100 --partitions=50000 --topics=100 --iterations=15 --quick --out=DIR]
 *
 * The parent (this file through tsx) compiles the benches (scripts/bench-build.js) and runs each
 * part in a child process of its own, the tsc output under `node --expose-gc`, so that heap
 * figures are taken after full collections and no part sees another's garbage:
 *
 * - metadata (twice: as the fake broker answers, and replication factor 3): the Metadata
 *   response bytes come from test/support/fake-broker.ts, a FakeCluster of 100 brokers (100
 *   listening sockets) holding 100 topics of 500 partitions, asked over a socket for every
 *   topic at Metadata v13, the way the sender asks (src/producer/sender.ts,
 *   maybeUpdateMetadata). The fake broker answers each partition with replicas = ISR = [leader];
 *   a real cluster has three of each, so the second run builds the same answer with three
 *   replicas with this file's own encoder (the fake broker's layout, checked against its bytes
 *   at replication 1). What is timed is what the sender does with an answer:
 *   decodeMetadataResponse (src/protocol/messages/metadata.ts), then ProducerMetadata.update
 *   (src/producer/metadata.ts), then the drain's per-node partition index
 *   (Cluster.partitionsForNode, built on the first drain after a refresh) for every broker.
 *   "first" is an update into a producer that knows nothing yet (every topic new), "refresh" an
 *   update into one that has the same view already (the periodic metadata.max.age.ms refresh).
 *   Memory: heap used after full GCs, before and after: the decoded response alone (garbage
 *   once applied), what the producer holds after the update, and with the drain index.
 * - accumulator: RecordAccumulator (src/producer/accumulator.ts) with the producer's default
 *   options and a 32 MiB BufferPool; one 100 B record appended to each of 50,000 partitions
 *   (1,000 at a time: buffer.memory holds about 2,000 batches), each batch drained and its
 *   buffer given back, so that 50,000 empty partition queues remain, as after a burst over many
 *   partitions. Heap per idle partition = the heap growth over the empty accumulator (the pool's
 *   free buffers already in both), / 50,000. Also timed: one sender pass over the idle queues
 *   (ready(), expiredBatches() and nextExpiryDelayMs(), which walk every queue on each pass).
 *
 * Times: median (and min) over --iterations after 3 unmeasured ones. Heap: process.memoryUsage()
 * .heapUsed after gc() twice. Writes bench/results/<date>-<host>-metadata-scale{.json,.md}.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { METADATA_API, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/api-keys';
import { encodeRequestHeader, decodeResponseHeader } from '../../src/protocol/header';
import { AUTHORIZED_OPERATIONS_OMITTED, decodeMetadataResponse, encodeMetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata';
import { Reader } from '../../src/protocol/reader';
import { Writer } from '../../src/protocol/writer';
import { RecordAccumulator } from '../../src/producer/accumulator';
import { BufferPool } from '../../src/producer/buffer-pool';
import { BrokerInfo, Cluster, PartitionInfo, ProducerMetadata, TopicInfo } from '../../src/producer/metadata';
import { systemClock } from '../../src/net/clock';
import { BUILD_DIR, REPO_ROOT, RESULTS_DIR } from '../paths';

const VERSION = METADATA_API.maxVersion; // 13, what kafka-wire asks a current broker for

export interface Scale {
  brokers: number;
  partitions: number;
  topics: number;
  iterations: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

declare const gc: undefined | (() => void);

/** Heap used after two full collections (without --expose-gc, as in the unit smoke test: no collection, a meaningless figure). */
function heapUsed(): number {
  if (typeof gc === 'function') {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

const topicName = (t: number) => `scale-topic-${String(t).padStart(4, '0')}`;

// --- the Metadata answer --------------------------------------------------------------------

/** The fake broker's answer, over a socket: a FakeCluster of `brokers` brokers and the topics. */
async function fakeBrokerAnswer(scale: Scale): Promise<Buffer> {
  // Imported here: the accumulator child does not need it (nor its 100 sockets).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { FakeCluster } = require('../../test/support/fake-broker') as typeof import('../../test/support/fake-broker');
  const perTopic = scale.partitions / scale.topics;
  const topics: Record<string, number> = {};
  for (let t = 0; t < scale.topics; t++) topics[topicName(t)] = perTopic;
  const cluster = await FakeCluster.start({ brokers: scale.brokers, topics });
  try {
    const [host, port] = cluster.bootstrap[0].split(':');
    const socket = net.connect(Number(port), host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const w = new Writer(64 * 1024);
    w.writeInt32(0); // the frame size, patched below
    encodeRequestHeader(w, requestHeaderVersion(METADATA_API, VERSION), { requestApiKey: METADATA_API.apiKey, requestApiVersion: VERSION, correlationId: 1, clientId: 'metadata-scale' });
    encodeMetadataRequest(w, VERSION, { topics: Object.keys(topics).map((name) => ({ name })), allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    socket.write(frame);
    const chunks: Buffer[] = [];
    let have = 0;
    let need = -1;
    const body = await new Promise<Buffer>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        have += d.length;
        if (need < 0 && have >= 4) need = Buffer.concat(chunks).readInt32BE(0) + 4;
        if (need >= 0 && have >= need) resolve(Buffer.concat(chunks).subarray(4, need));
      });
    });
    socket.destroy();
    const r = new Reader(body);
    decodeResponseHeader(r, responseHeaderVersion(METADATA_API, VERSION));
    return Buffer.from(body.subarray(r.offset));
  } finally {
    await cluster.close();
  }
}

/**
 * The same answer from this file's encoder (flexible versions only), with `replicas` replicas
 * per partition (the leader and the next brokers) all in the ISR. Leaders are the brokers
 * round-robin by partition, as the fake broker assigns them; brokers are 127.0.0.1 on ports
 * 40000 + id.
 */
export function encodedAnswer(scale: Scale, replicas: number, version = VERSION): Buffer {
  if (version < 9) throw new Error('flexible versions only');
  const w = new Writer(1 << 20);
  w.writeInt32(0); // throttle
  w.writeCompactArrayLength(scale.brokers);
  for (let b = 0; b < scale.brokers; b++) {
    w.writeInt32(b);
    w.writeCompactString('127.0.0.1');
    w.writeInt32(40000 + b);
    w.writeCompactNullableString(null);
    w.writeEmptyTaggedFields();
  }
  w.writeCompactNullableString('fake-cluster-0001');
  w.writeInt32(0);
  const perTopic = scale.partitions / scale.topics;
  w.writeCompactArrayLength(scale.topics);
  for (let t = 0; t < scale.topics; t++) {
    w.writeInt16(0);
    if (version >= 12) w.writeCompactNullableString(topicName(t));
    else w.writeCompactString(topicName(t));
    if (version >= 10) w.writeUuid(randomBytes(16).toString('base64url'));
    w.writeBoolean(false);
    w.writeCompactArrayLength(perTopic);
    for (let p = 0; p < perTopic; p++) {
      const leader = p % scale.brokers;
      w.writeInt16(0);
      w.writeInt32(p);
      w.writeInt32(leader);
      w.writeInt32(0); // leader epoch
      for (let list = 0; list < 2; list++) {
        w.writeCompactArrayLength(replicas);
        for (let k = 0; k < replicas; k++) w.writeInt32((leader + k) % scale.brokers);
      }
      w.writeCompactArrayLength(0); // offline
      w.writeEmptyTaggedFields();
    }
    w.writeInt32(AUTHORIZED_OPERATIONS_OMITTED);
    w.writeEmptyTaggedFields();
  }
  if (version >= 13) w.writeInt16(0);
  w.writeEmptyTaggedFields();
  return w.toBuffer();
}

function newMetadata(scale: Scale): ProducerMetadata {
  const md = new ProducerMetadata({ metadataMaxAgeMs: 300_000, metadataMaxIdleMs: 300_000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
  const now = Date.now();
  for (let t = 0; t < scale.topics; t++) md.add(topicName(t), now);
  return md;
}

const decode = (bytes: Buffer): MetadataResponse => decodeMetadataResponse(new Reader(bytes), VERSION);

function buildIndex(cluster: Cluster): number {
  let n = 0;
  for (const id of cluster.brokers.keys()) n += cluster.partitionsForNode(id).length;
  return n;
}

export interface MetadataPart {
  source: string;
  replicas: number;
  responseBytes: number;
  /** How long getting the answer took (the fake broker: start, request, answer; the encoder: encoding). */
  answerMs: number;
  brokers: number;
  topics: number;
  partitions: number;
  ms: {
    decode: { median: number; min: number };
    applyFirst: { median: number; min: number };
    applyRefresh: { median: number; min: number };
    drainIndex: { median: number; min: number };
    refreshTotal: number;
  };
  heap: {
    decodedResponse: number;
    heldAfterUpdate: number;
    heldWithDrainIndex: number;
    heldAfterRefreshes: number;
    perPartitionHeld: number;
  };
}

/** decode, update into a fresh view ("first"), update into `md` ("refresh"), drain index: times in ms. */
function timeRefreshes(scale: Scale, bytes: Buffer, md: ProducerMetadata): { decodeMs: number[]; firstMs: number[]; refreshMs: number[]; indexMs: number[] } {
  const warm = 3;
  const decodeMs: number[] = [];
  const firstMs: number[] = [];
  const refreshMs: number[] = [];
  const indexMs: number[] = [];
  for (let i = 0; i < warm + scale.iterations; i++) {
    let t = performance.now();
    const r1 = decode(bytes);
    const d = performance.now() - t;
    const fresh = newMetadata(scale);
    t = performance.now();
    fresh.update(r1, Date.now());
    const f = performance.now() - t;
    const r2 = decode(bytes);
    t = performance.now();
    md.update(r2, Date.now());
    const u = performance.now() - t;
    t = performance.now();
    buildIndex(md.cluster);
    const x = performance.now() - t;
    if (i >= warm) {
      decodeMs.push(d);
      firstMs.push(f);
      refreshMs.push(u);
      indexMs.push(x);
    }
  }
  return { decodeMs, firstMs, refreshMs, indexMs };
}

export async function metadataPart(scale: Scale, source: 'fake-broker' | 'encoder', replicas: number): Promise<MetadataPart> {
  const t0 = performance.now();
  const bytes = source === 'fake-broker' ? await fakeBrokerAnswer(scale) : encodedAnswer(scale, replicas);
  const fetchMs = performance.now() - t0;
  if (source === 'fake-broker') {
    // This file's encoder must make what the fake broker makes (but the random topic ids).
    const a = decode(bytes);
    const b = decode(encodedAnswer(scale, 1));
    const shape = (r: MetadataResponse) => JSON.stringify([r.brokers.map((x) => x.nodeId), r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes])])]);
    if (shape(a) !== shape(b)) throw new Error("this bench's encoder and the fake broker disagree on the answer's shape");
  }
  const partitions = (() => {
    const check = decode(bytes);
    const n = check.topics.reduce((s, t) => s + t.partitions.length, 0);
    if (check.brokers.length !== scale.brokers || n !== scale.partitions) throw new Error(`answer has ${check.brokers.length} brokers and ${n} partitions`);
    return n;
  })();

  // Memory, first: a fresh producer view, the decoded answer, the view after the update.
  const md = newMetadata(scale);
  const h0 = heapUsed();
  let res: MetadataResponse | null = decode(bytes);
  const hRes = heapUsed();
  md.update(res, Date.now());
  res = null;
  const h1 = heapUsed();
  const indexed = buildIndex(md.cluster);
  if (indexed !== scale.partitions) throw new Error(`drain index has ${indexed} partitions`);
  const h2 = heapUsed();

  // Times (in a function of their own: the interpreter's registers of a loop body outlive the
  // loop while the frame lives, and would keep the last iteration's answers and views alive).
  const { decodeMs, firstMs, refreshMs, indexMs } = timeRefreshes(scale, bytes, md);
  const h3 = heapUsed();
  const stat = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs) });
  return {
    source: source === 'fake-broker' ? 'test/support/fake-broker.ts (replicas = ISR = [leader])' : `bench encoder (replicas = ISR = ${replicas} brokers)`,
    replicas,
    responseBytes: bytes.length,
    answerMs: fetchMs,
    brokers: scale.brokers,
    topics: scale.topics,
    partitions,
    ms: {
      decode: stat(decodeMs),
      applyFirst: stat(firstMs),
      applyRefresh: stat(refreshMs),
      drainIndex: stat(indexMs),
      refreshTotal: median(decodeMs) + median(refreshMs) + median(indexMs),
    },
    heap: {
      decodedResponse: hRes - h0,
      heldAfterUpdate: h1 - h0,
      heldWithDrainIndex: h2 - h0,
      heldAfterRefreshes: h3 - h0,
      perPartitionHeld: (h2 - h0) / partitions,
    },
  };
}

// --- idle partitions in the accumulator -------------------------------------------------------

export interface AccumulatorPart {
  partitions: number;
  topics: number;
  heapPerIdlePartition: number;
  heapGrowth: number;
  ms: { idlePass: { median: number; min: number }; ready: { median: number; min: number } };
}

/** A Cluster of `brokers` brokers and the topics, leaders round-robin (no Metadata answer needed). */
function clusterOf(scale: Scale): Cluster {
  const brokers = new Map<number, BrokerInfo>();
  for (let b = 0; b < scale.brokers; b++) brokers.set(b, { nodeId: b, host: '127.0.0.1', port: 40000 + b, rack: null });
  const topics = new Map<string, TopicInfo>();
  const perTopic = scale.partitions / scale.topics;
  for (let t = 0; t < scale.topics; t++) {
    const partitions: PartitionInfo[] = [];
    for (let p = 0; p < perTopic; p++) partitions.push({ partition: p, leader: p % scale.brokers, leaderEpoch: 0, replicas: [p % scale.brokers], isr: [p % scale.brokers], offline: [] });
    topics.set(topicName(t), { name: topicName(t), topicId: randomBytes(16).toString('base64url'), partitions, availablePartitions: partitions.map((p) => p.partition) });
  }
  return new Cluster(brokers, topics, 'fake-cluster-0001');
}

export function accumulatorPart(scale: Scale): AccumulatorPart {
  const cluster = clusterOf(scale);
  buildIndex(cluster);
  const batchSize = 16384;
  const pool = new BufferPool(32 * 1024 * 1024, batchSize, systemClock);
  const acc = new RecordAccumulator(
    {
      batchSize,
      lingerMs: 5,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      deliveryTimeoutMs: 120_000,
      compression: 0,
      adaptivePartitioning: true,
      partitionerAvailabilityTimeoutMs: 0,
      maxInFlightRequestsPerConnection: 5,
    },
    pool,
    null,
  );
  const CHUNK = 1000;
  // The pool's free list as it will be during the run (CHUNK buffers), in the baseline too.
  const held: Buffer[] = [];
  for (let i = 0; i < CHUNK; i++) held.push(pool.tryAllocate(batchSize)!);
  for (const b of held) pool.deallocate(b, b.length);
  held.length = 0;
  const value = Buffer.alloc(100, 0x61);
  const key = Buffer.from('key-000000000000');
  const done = () => {};
  const h0 = heapUsed();
  const perTopic = scale.partitions / scale.topics;
  const nodes = [...cluster.brokers.keys()];
  let appended = 0;
  for (let start = 0; start < scale.partitions; start += CHUNK) {
    const now = Date.now();
    for (let k = start; k < Math.min(scale.partitions, start + CHUNK); k++) {
      const topic = topicName(Math.floor(k / perTopic));
      const r = acc.append({ topic, keyBytes: key, valueBytes: value, headers: null, headersSize: 1, completion: done, buffer: null }, k % perTopic, now, cluster, now);
      if (r < 0) throw new Error('buffer.memory exhausted: CHUNK too large');
      appended++;
    }
    const drained = acc.drain(cluster, nodes, Infinity, now);
    for (const batches of drained.values()) for (const b of batches) acc.deallocate(b);
  }
  if (acc.incomplete.size !== 0 || acc.hasUndrained()) throw new Error('batches left in the accumulator');
  const h1 = heapUsed();

  const warm = 3;
  const passMs: number[] = [];
  const readyMs: number[] = [];
  for (let i = 0; i < warm + scale.iterations; i++) {
    const now = Date.now();
    let t = performance.now();
    const ready = acc.ready(cluster, now);
    const r = performance.now() - t;
    t = performance.now();
    acc.ready(cluster, now);
    acc.expiredBatches(now);
    acc.nextExpiryDelayMs(now);
    const p = performance.now() - t;
    if (ready.readyNodes.size !== 0) throw new Error('idle queues reported ready');
    if (i >= warm) {
      readyMs.push(r);
      passMs.push(p);
    }
  }
  const stat = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs) });
  return { partitions: appended, topics: scale.topics, heapGrowth: h1 - h0, heapPerIdlePartition: (h1 - h0) / appended, ms: { idlePass: stat(passMs), ready: stat(readyMs) } };
}

// --- parent -----------------------------------------------------------------------------------

function parseScale(argv: readonly string[]): Scale & { quick: boolean; outDir: string } {
  const o = { brokers: 100, partitions: 50_000, topics: 100, iterations: 15, quick: false, outDir: RESULTS_DIR };
  let iterations: number | null = null;
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
    if (k === '--brokers') o.brokers = Number(v);
    else if (k === '--partitions') o.partitions = Number(v);
    else if (k === '--topics') o.topics = Number(v);
    else if (k === '--iterations') iterations = Number(v);
    else if (k === '--quick') o.quick = true;
    else if (k === '--out') o.outDir = path.resolve(v);
    else if (k === '--part') continue;
    else throw new Error(`unknown option ${a} (see the header of bench/micro/metadata-scale.ts)`);
  }
  o.iterations = iterations ?? (o.quick ? 5 : 15);
  for (const [k, v] of Object.entries({ brokers: o.brokers, partitions: o.partitions, topics: o.topics, iterations: o.iterations })) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${k} must be a positive integer`);
  }
  if (o.partitions % o.topics !== 0) throw new Error('--partitions must be a multiple of --topics');
  return o;
}

function runPart(part: string, argv: readonly string[], timeoutMs: number): Promise<unknown> {
  const script = path.join(BUILD_DIR, 'bench', 'micro', 'metadata-scale.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, `--part=${part}`, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`part ${part} exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

const kib = (b: number) => `${(b / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 })} KiB`;
const mib = (b: number) => `${(b / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
const ms = (x: { median: number; min: number }) => `${x.median.toFixed(1)} (${x.min.toFixed(1)})`;

export function metadataTable(parts: readonly MetadataPart[]): string {
  const rows = [
    '| answer | bytes | decode ms | update ms, first | update ms, refresh | drain index ms | refresh total ms | decoded answer (heap) | held after update | held with drain index | held after the timed refreshes | held per partition |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of parts) {
    rows.push(
      `| ${p.source} | ${kib(p.responseBytes)} | ${ms(p.ms.decode)} | ${ms(p.ms.applyFirst)} | ${ms(p.ms.applyRefresh)} | ${ms(p.ms.drainIndex)} | ${p.ms.refreshTotal.toFixed(1)} | ${mib(p.heap.decodedResponse)} | ${mib(p.heap.heldAfterUpdate)} | ${mib(p.heap.heldWithDrainIndex)} | ${mib(p.heap.heldAfterRefreshes)} | ${Math.round(p.heap.perPartitionHeld)} B |`,
    );
  }
  return rows.join('\n');
}

export function accumulatorTable(a: AccumulatorPart): string {
  return [
    '| idle partition queues | heap growth | heap per idle partition | ready() ms | sender pass ms (ready + expiredBatches + nextExpiryDelayMs) |',
    '|---:|---:|---:|---:|---:|',
    `| ${a.partitions.toLocaleString('en-US')} (${a.topics} topics) | ${mib(a.heapGrowth)} | ${Math.round(a.heapPerIdlePartition)} B | ${ms(a.ms.ready)} | ${ms(a.ms.idlePass)} |`,
  ].join('\n');
}

async function parent(argv: readonly string[]): Promise<void> {
  const o = parseScale(argv);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  (require(path.join(REPO_ROOT, 'scripts', 'bench-build.js')) as { buildBenches(): string }).buildBenches();
  const started = new Date();
  const pass = argv.filter((a) => !a.startsWith('--out') && a !== '--quick').concat(`--iterations=${o.iterations}`);
  const timeoutMs = 5 * 60_000;
  process.stdout.write(`metadata-scale: ${o.brokers} brokers, ${o.partitions.toLocaleString('en-US')} partitions in ${o.topics} topics, ${o.iterations} iterations; each part in a child under --expose-gc\n`);
  const metadata = [(await runPart('metadata-fake', pass, timeoutMs)) as MetadataPart, (await runPart('metadata-rf3', pass, timeoutMs)) as MetadataPart];
  const accumulator = (await runPart('accumulator', pass, timeoutMs)) as AccumulatorPart;
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const stamp = started.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const base = path.join(o.outDir, `${stamp}-${host}-metadata-scale${o.quick ? '-quick' : ''}`);
  const command = `npm run bench:metadata${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  const md = [
    ...(o.quick ? [`--quick: ${o.iterations} iterations; a check that the bench runs more than a figure.`, ''] : []),
    `Command: \`${command}\` (${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; node ${process.version}; ${os.cpus().length} CPUs ${os.cpus()[0]?.model.trim()}; load average at the end ${load}).`,
    '',
    `Metadata answer of ${o.brokers} brokers and ${o.partitions.toLocaleString('en-US')} partitions (${o.topics} topics), Metadata v${VERSION}; times in ms, median (min) of ${o.iterations}; heap after full GCs:`,
    '',
    metadataTable(metadata),
    '',
    `Idle partitions in the accumulator (each appended to once, drained, its buffer returned):`,
    '',
    accumulatorTable(accumulator),
    '',
  ].join('\n');
  fs.mkdirSync(o.outDir, { recursive: true });
  fs.writeFileSync(`${base}.json`, `${JSON.stringify({ date: started.toISOString(), command, node: process.version, scale: { brokers: o.brokers, partitions: o.partitions, topics: o.topics, iterations: o.iterations }, metadata, accumulator }, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  process.stdout.write(`\n${md}\nwrote ${path.relative(REPO_ROOT, base)}.json and .md\n`);
}

async function child(part: string, argv: readonly string[]): Promise<void> {
  if (typeof gc !== 'function') throw new Error('a part runs under node --expose-gc (the parent starts it so)');
  const o = parseScale(argv);
  let out: unknown;
  if (part === 'metadata-fake') out = await metadataPart(o, 'fake-broker', 1);
  else if (part === 'metadata-rf3') out = await metadataPart(o, 'encoder', 3);
  else if (part === 'accumulator') out = accumulatorPart(o);
  else throw new Error(`unknown part ${part}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const part = argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);
  (part ? child(part, argv) : parent(argv)).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`metadata-scale: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
