/**
 * `npm run stream:memory`: bounded memory of producer.createWriteStream() with a real broker.
 * A lazily generated 2 GiB (1 KiB values, ~2.1 M records) goes through
 *   stream.pipeline(source, producer.createWriteStream({ topic }))
 * into a fresh topic of 6 partitions; the run passes when
 *   - the pipeline ends without an error, and every record was acknowledged (the stream's end
 *     waits for every outcome: recordsSent = records, none pending or failed);
 *   - the broker holds exactly those records: the topic's end offsets (the Java verifier's
 *     endOffsets(), a ListOffsets of kafka-clients) add up to records + 1 (the warm-up record);
 *     the topic is new and the producer idempotent, so a retry cannot add a duplicate and a
 *     missing record cannot hide;
 *   - peak RSS <= baseline + buffer.memory + 64 MiB, where the baseline is the RSS of the
 *     measured process after the producer connected (metadata, producer id, one record
 *     acknowledged) and before the pipeline starts. Peak RSS is the higher of the samples taken
 *     every 100 ms (process.memoryUsage()) and the kernel's high-water mark
 *     (process.resourceUsage().maxRSS). The absolute peak is reported beside it, and checked
 *     instead with --bound=absolute. Why growth: plain `node` is ~41 MiB RSS before it runs a
 *     line (~40 MiB of it file-backed pages of the node binary) and ~52 MiB once the producer is
 *     connected, so an absolute buffer.memory + 64 MiB = 96 MiB would leave ~44 MiB for 32 MiB of
 *     buffer.memory plus V8's young generation (up to 32 MiB by default) and the data in flight.
 *
 *   npm run stream:memory                            2 GiB, buffer.memory 32 MiB
 *   npm run stream:memory -- --size=64MiB            the smoke version (test/conformance/write-stream-memory.test.ts)
 *   options: --size=<bytes|NKiB|NMiB|NGiB> --value-size=<bytes> --partitions=<n>
 *            --buffer-memory=<bytes|NMiB> --linger-ms=<n> --bound=growth|absolute
 *            --timeout=<s> (default: 120 s + 1 s per 4 MB) --out=<file> (the result as JSON)
 *            --node-flags="<flags>" (for the measured process, e.g. --max-semi-space-size=1; for
 *            finding where memory goes only: a run with flags fails the check noFlags)
 *
 * The broker: KAFKA_BOOTSTRAP when set; else the broker of `npm run broker:start` when it is
 * running; else a local one started through the test harness (stopped at the end).
 *
 * The measured process (scripts/stream-memory-load.js) is a plain `node` with no flags and no
 * loader: it runs src/ transpiled to CommonJS with @swc/core (the options of the Jest
 * transform) into .kafka/stream-memory/, not dist/ (which may be older than src/) and not tsx
 * (which adds ~20 MiB of RSS of its own). Ends with one line `STREAM_MEMORY_RESULT <json>`;
 * exit code 0 on pass, 1 on a failed check, 2 when the run could not be made.
 */
import { fork } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCluster, type KafkaCluster } from '../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../test/support/verifier';

const { arg, parseBytes } = require('./script-args') as { arg(name: string, fallback: string): string; parseBytes(text: string): number };

const ROOT = path.resolve(__dirname, '..');
const MiB = 1024 * 1024;
const mib = (n: number) => (n / MiB).toFixed(1);

interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}
type Spaces = Record<string, { size: number; used: number }>;
type V8Stats = { physical: number; malloced: number; peakMalloced: number };
type Kinds = { RssAnon: number; RssFile: number; RssShmem: number } | null;

interface LoadResult {
  type: 'result';
  error: string | null;
  records: number;
  generated: number;
  valueSize: number;
  elapsedMs: number;
  recordsSent: number;
  recordsFailed: number;
  recordsPending: number;
  drains: number;
  warmUp: { partition: number; offset: number };
  rssAtStart: number;
  rssLoaded: number;
  baseline: Mem;
  baselineSpaces: Spaces;
  baselineKinds: Kinds;
  baselineV8: V8Stats;
  max: Mem;
  maxRssOs: number;
  atPeak: { tMs: number; memory: Mem; spaces: Spaces; kinds: Kinds; v8: V8Stats } | null;
  end: Mem;
  endSpaces: Spaces;
  sampleCount: number;
  series: (Mem & { tMs: number; bufferAvailable: number; waitingSends: number; pending: number; acked: number })[];
  heapSizeLimit: number;
  execArgv: string[];
  nodeOptions: string;
  metrics: Record<string, number>;
}

/**
 * src/ as CommonJS (@swc/core, the options of the Jest transform), once per content of src/,
 * in .kafka/stream-memory/src-<hash>/ (git-ignored; inside the repository, so that the
 * codecs' packages resolve from node_modules). Returns the entry point.
 */
function transpileSrc(): string {
  const swc = require('@swc/core') as typeof import('@swc/core');
  const srcDir = path.join(ROOT, 'src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(srcDir);
  files.sort();
  const hash = crypto.createHash('sha256');
  const sources = files.map((f) => {
    const text = fs.readFileSync(f, 'utf8');
    hash.update(path.relative(srcDir, f)).update('\0').update(text).update('\0');
    return text;
  });
  const outRoot = path.join(ROOT, '.kafka', 'stream-memory');
  const outDir = path.join(outRoot, `src-${hash.digest('hex').slice(0, 16)}`);
  const entry = path.join(outDir, 'index.js');
  if (fs.existsSync(entry)) return entry;
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  files.forEach((f, i) => {
    const out = path.join(tmp, path.relative(srcDir, f)).replace(/\.ts$/, '.js');
    const { code } = swc.transformSync(sources[i], {
      filename: f,
      swcrc: false,
      configFile: false,
      sourceMaps: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, code);
  });
  try {
    fs.renameSync(tmp, outDir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another run made the same one meanwhile
  }
  // Builds of other versions of src/, unused for an hour, go.
  for (const e of fs.readdirSync(outRoot)) {
    const p = path.join(outRoot, e);
    if (p === outDir || !e.startsWith('src-')) continue;
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > 3_600_000) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
  return entry;
}

/** The broker of `npm run broker:start` (scripts/broker.js), if it is running. */
function sharedBroker(): { bootstrap: string; version: string } | null {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(ROOT, '.kafka', 'run', 'cli.json'), 'utf8')) as { pid: number; bootstrap: string; version: string };
    process.kill(state.pid, 0);
    try {
      if (!fs.readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').includes('broker.js')) return null;
    } catch {
      // no /proc: trust the pid
    }
    return { bootstrap: state.bootstrap, version: state.version };
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const size = parseBytes(arg('size', '2GiB'));
  const valueSize = parseBytes(arg('value-size', '1024'));
  const partitions = Number(arg('partitions', '6'));
  const bufferMemory = parseBytes(arg('buffer-memory', String(32 * MiB)));
  const lingerMs = Number(arg('linger-ms', '5'));
  const bound = arg('bound', 'growth');
  const timeoutS = Number(arg('timeout', String(Math.round(120 + size / 4e6))));
  const out = arg('out', '');
  const nodeFlags = arg('node-flags', '').split(/\s+/).filter(Boolean);
  const records = Math.floor(size / valueSize);
  if (!(records > 0 && valueSize >= 4 && partitions > 0 && bufferMemory > 0 && lingerMs >= 0 && timeoutS > 0) || !['growth', 'absolute'].includes(bound)) {
    throw new Error('bad arguments (see the comment at the top of scripts/stream-memory.ts)');
  }
  const headroom = 64 * MiB;

  const t = Date.now();
  const lib = transpileSrc();
  console.log(`src/ as CommonJS in ${path.relative(ROOT, path.dirname(lib))} (${Date.now() - t} ms)`);

  let cluster: KafkaCluster | null = null;
  let bootstrap: string;
  let version: string | undefined;
  let brokerDesc: string;
  const shared = process.env.KAFKA_BOOTSTRAP ? null : sharedBroker();
  if (shared) {
    ({ bootstrap, version } = shared);
    brokerDesc = `Kafka ${version} at ${bootstrap} (the broker of npm run broker:start)`;
  } else {
    cluster = await startCluster({ version: process.env.KAFKA_VERSION_RUNNING, jvmProfile: 'throughput', log: (l) => console.log(`[broker] ${l}`) });
    bootstrap = cluster.bootstrap;
    version = cluster.version;
    brokerDesc = cluster.external ? `${bootstrap} (KAFKA_BOOTSTRAP)` : `Kafka ${version} at ${bootstrap} (started for this run, 'throughput' profile)`;
  }
  let verifier: Verifier | null = null;
  try {
    verifier = await Verifier.start(bootstrap, version);
    const topic = uniqueTopic('stream-memory');
    await verifier.createTopic(topic, partitions);
    console.log(
      `stream:memory: ${mib(records * valueSize)} MiB as ${records} values of ${valueSize} B through stream.pipeline(source, producer.createWriteStream({ topic })) ` +
        `to ${topic} (${partitions} partitions); buffer.memory ${mib(bufferMemory)} MiB, linger.ms ${lingerMs}, acks all, idempotent; broker ${brokerDesc}`,
    );
    if (nodeFlags.length > 0) console.log(`  node flags for the measured process: ${nodeFlags.join(' ')} (investigation only: the check noFlags fails)`);

    const child = fork(path.join(ROOT, 'scripts', 'stream-memory-load.js'), [], {
      env: { ...process.env, NODE_OPTIONS: '', KAFKA_WIRE_STREAM_MEMORY: JSON.stringify({ lib, bootstrap, topic, records, valueSize, bufferMemory, lingerMs }) },
      execArgv: nodeFlags,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the measured process did not finish within ${timeoutS} s (--timeout)`));
      }, timeoutS * 1000);
      child.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'result') {
          clearTimeout(guard);
          resolve(m as unknown as LoadResult);
        } else if (m.type === 'error') {
          clearTimeout(guard);
          reject(new Error(`the measured process failed: ${m.message}`));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        reject(new Error(`the measured process exited (code ${code}, signal ${signal}) without a result`));
      });
    });

    // What the broker holds.
    const endOffsets = await verifier.endOffsets(topic, { timeoutMs: 60_000 });
    const inLog = Object.values(endOffsets).reduce((a, b) => a + Number(b), 0);

    // Memory.
    const base = result.baseline.rss;
    const peakRss = Math.max(result.max.rss, result.maxRssOs);
    const growth = peakRss - base;
    const growthLimit = bufferMemory + headroom;
    const absoluteLimit = bufferMemory + headroom;
    const mbPerS = (records * valueSize) / 1e6 / (result.elapsedMs / 1000);
    const recPerS = records / (result.elapsedMs / 1000);

    const checks = {
      noError: result.error === null,
      allAcknowledged:
        result.recordsSent === records && result.recordsPending === 0 && result.recordsFailed === 0 && result.generated === records,
      brokerHasAll: inLog === records + 1, // + the warm-up record
      noFlags: result.execArgv.length === 0 && result.nodeOptions === '',
      rssWithinBound: bound === 'growth' ? growth <= growthLimit : peakRss <= absoluteLimit,
    };
    const pass = Object.values(checks).every(Boolean);

    const step = Math.max(1, Math.ceil(result.series.length / 24));
    console.log('\n  t (s)   RSS MiB   heap used/total MiB   external MiB   arrayBuffers MiB   buffer free MiB   pending   acknowledged');
    result.series.forEach((s, i) => {
      if (i % step !== 0 && i !== result.series.length - 1) return;
      console.log(
        `  ${(s.tMs / 1000).toFixed(0).padStart(5)}   ${mib(s.rss).padStart(7)}   ${`${mib(s.heapUsed)}/${mib(s.heapTotal)}`.padStart(19)}   ${mib(s.external).padStart(12)}   ${mib(s.arrayBuffers).padStart(16)}   ${mib(s.bufferAvailable).padStart(15)}   ${String(s.pending).padStart(7)}   ${String(s.acked).padStart(12)}`,
      );
    });
    const spaces = (sp: Spaces | undefined) =>
      sp ? Object.entries(sp).filter(([, v]) => v.size > 0).map(([k, v]) => `${k.replace(/_space$/, '')} ${mib(v.used)}/${mib(v.size)}`).join(', ') : 'n/a';
    const memLine = (m: Mem) => `rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}/${mib(m.heapTotal)}, external ${mib(m.external)} (arrayBuffers ${mib(m.arrayBuffers)})`;
    console.log(`\n  throughput: ${(result.elapsedMs / 1000).toFixed(1)} s, ${mbPerS.toFixed(1)} MB/s of values (10^6 B), ${Math.round(recPerS).toLocaleString('en-US')} records/s; ${result.drains} 'drain' events`);
    console.log(`  RSS (MiB): at process start ${mib(result.rssAtStart)}, producer code loaded ${mib(result.rssLoaded)}, baseline (producer connected) ${mib(base)}`);
    console.log(
      `  RSS (MiB): peak ${mib(peakRss)} absolute (samples every 100 ms: ${mib(result.max.rss)} over ${result.sampleCount} samples; kernel maxRSS ${mib(result.maxRssOs)}), ` +
        `growth over the baseline ${mib(growth)}; at the end ${mib(result.end.rss)}`,
    );
    console.log(`  maxima (MiB): heapUsed ${mib(result.max.heapUsed)}, heapTotal ${mib(result.max.heapTotal)}, external ${mib(result.max.external)}, arrayBuffers ${mib(result.max.arrayBuffers)}; V8 heap limit ${mib(result.heapSizeLimit)}`);
    console.log(`  at the baseline: ${memLine(result.baseline)}; heap spaces used/size: ${spaces(result.baselineSpaces)}`);
    if (result.atPeak) console.log(`  at the highest sample (t ${(result.atPeak.tMs / 1000).toFixed(1)} s): ${memLine(result.atPeak.memory)}; heap spaces: ${spaces(result.atPeak.spaces)}`);
    const bk = result.baselineKinds;
    const pk = result.atPeak?.kinds;
    if (bk && pk) {
      console.log(
        `  RSS by kind (MiB, /proc/self/status) baseline -> highest sample: anonymous ${mib(bk.RssAnon)} -> ${mib(pk.RssAnon)} (+${mib(pk.RssAnon - bk.RssAnon)}), ` +
          `file-backed (the node binary's pages) ${mib(bk.RssFile)} -> ${mib(pk.RssFile)} (+${mib(pk.RssFile - bk.RssFile)}), shared ${mib(bk.RssShmem)} -> ${mib(pk.RssShmem)}`,
      );
    }
    if (result.atPeak) {
      const b8 = result.baselineV8;
      const p8 = result.atPeak.v8;
      console.log(`  V8 (MiB) baseline -> highest sample: heap pages resident ${mib(b8.physical)} -> ${mib(p8.physical)}, V8's own malloc ${mib(b8.malloced)} -> ${mib(p8.malloced)} (peak ${mib(p8.peakMalloced)})`);
    }
    console.log(
      `  bound (buffer.memory + 64 MiB = ${mib(bufferMemory + headroom)} MiB): growth ${mib(growth)} MiB ${growth <= growthLimit ? '<=' : '>'} ${mib(growthLimit)} (baseline ${mib(base)} + ${mib(growthLimit)} = ${mib(base + growthLimit)} MiB); ` +
        `absolute peak ${mib(peakRss)} MiB ${peakRss <= absoluteLimit ? '<=' : '>'} ${mib(absoluteLimit)}; asserted: ${bound === 'growth' ? 'growth over the baseline' : 'absolute peak'}`,
    );
    console.log(
      `  records: generated ${result.generated}; the stream's count: acknowledged ${result.recordsSent}, failed ${result.recordsFailed}, pending ${result.recordsPending}; ` +
        `broker end offsets ${JSON.stringify(endOffsets)}, sum ${inLog} (expected ${records} + 1 warm-up)`,
    );
    console.log(
      `  which baseline: the RSS of the measured process after the producer connected, ${mib(base)} MiB (plain node at start ${mib(result.rssAtStart)} MiB` +
        `${result.baselineKinds ? `; ${mib(result.baselineKinds.RssFile)} MiB of it file-backed pages of the node binary` : ''}). ` +
        `The bound is checked on ${bound === 'growth' ? 'the growth over it' : 'the absolute peak (--bound=absolute)'}: an absolute peak of buffer.memory + 64 MiB would leave ` +
        `${mib(absoluteLimit - base)} MiB above the connected producer for buffer.memory (${mib(bufferMemory)} MiB) and everything else.`,
    );
    console.log(
      `  producer: record-send-total ${result.metrics.recordSendTotal}, record-error-total ${result.metrics.recordErrorTotal}, batch-size-avg ${Math.round(result.metrics.batchSizeAvg)} B, ` +
        `records-per-request-avg ${result.metrics.recordsPerRequestAvg.toFixed(1)}`,
    );
    if (result.error) console.log(`  error: ${result.error}`);
    console.log(`  checks: ${JSON.stringify(checks)} -> ${pass ? 'PASS' : 'FAIL'}`);

    const summary = {
      pass,
      checks,
      bound,
      records,
      valueSize,
      bytes: records * valueSize,
      partitions,
      bufferMemory,
      elapsedMs: result.elapsedMs,
      mbPerS: Number(mbPerS.toFixed(2)),
      recordsPerS: Math.round(recPerS),
      rssAtStart: result.rssAtStart,
      rssBaseline: base,
      peakRss,
      peakRssSampled: result.max.rss,
      maxRssOs: result.maxRssOs,
      rssGrowth: growth,
      limit: bufferMemory + headroom,
      acked: result.recordsSent,
      inLog,
      drains: result.drains,
      error: result.error,
    };
    if (out) fs.writeFileSync(out, `${JSON.stringify({ ...summary, endOffsets, result }, null, 2)}\n`);
    console.log(`STREAM_MEMORY_RESULT ${JSON.stringify(summary)}`);
    return pass ? 0 : 1;
  } finally {
    await verifier?.close();
    await cluster?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
