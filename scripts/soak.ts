/**
 * `npm run soak`: the producer at a fixed rate for a long time, with a broker restart in the
 * middle, on a local broker of its own; then the Java consumer reads the topic back.
 *
 *   npm run soak                                   10 minutes at 5,000 records/s, SIGKILL + restart at 5 min
 *   npm run soak -- --duration=20 --rate=2000      shorter (the version in `npm test`)
 *   options: --duration=<s> --rate=<records/s> --restart-at=<s> (-1: none) --restart=kill|stop
 *            --partitions=<n> --padding=<bytes of padding per value> --buffer-memory=<bytes>
 *            --out=<file> (the result as JSON)
 *
 * The load runs in a child process (scripts/soak-load.js) on the built package (dist/, rebuilt
 * first when older than src/), so its RSS is the producer's plus plain Node's. Pass conditions:
 * every record exactly one outcome; nothing acknowledged lost; no duplicates; no reordering
 * per partition; RSS never more than buffer.memory + 64 MiB above what the same process used
 * before the producer existed (Node itself and the load loop: ~50 MiB; the absolute maximum is
 * reported too); after close() no timer, socket or DNS request the producer created is left
 * (async_hooks), and process.getActiveResourcesInfo() is as before the producer existed.
 * Ends with one line `SOAK_RESULT <json>`; exit code 0 on pass. With RELIABILITY_OUT=<file>
 * the outcome row is appended to that file (see test/faults/support.ts).
 */
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCluster } from '../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../test/support/verifier';
import { QUICK_RESTART_CONFIG } from '../test/faults/support';

const { arg } = require('./script-args') as { arg(name: string, fallback: string): string };

const ROOT = path.resolve(__dirname, '..');
const MiB = 1024 * 1024;

interface LoadResult {
  type: 'result';
  sent: number;
  acked: number;
  failed: number;
  noOutcome: number;
  repeated: number;
  errors: Record<string, number>;
  ackedBits: string;
  failedBits: string;
  samples: { tMs: number; rss: number; heapUsed: number; heapTotal: number; external: number; bufferAvailable: number; waitingSends: number; settled: number }[];
  rssBaseline: number;
  bufferMemory: number;
  flushMs: number;
  restart: { atMs: number; downMs: number } | null;
  leftover: Record<string, number>;
  resourcesBefore: Record<string, number>;
  resourcesAfter: Record<string, number>;
  metrics: Record<string, number>;
}

/** dist/ rebuilt when missing or older than a file under src/. */
function ensureBuilt(): void {
  const entry = path.join(ROOT, 'dist', 'cjs', 'index.js');
  let built = 0;
  try {
    built = fs.statSync(entry).mtimeMs;
  } catch {
    // not built
  }
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(ROOT, 'src'));
  if (built > newest) return;
  console.log('building dist/ (older than src/)');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

const bitSet = (bits: Buffer, i: number) => (bits[i >> 3] & (1 << (i & 7))) !== 0;
const mib = (n: number) => (n / MiB).toFixed(1);

async function main(): Promise<number> {
  const durationS = Number(arg('duration', '600'));
  const ratePerSec = Number(arg('rate', '5000'));
  const restartAtS = Number(arg('restart-at', String(durationS / 2)));
  const restartHow = arg('restart', 'kill');
  const partitions = Number(arg('partitions', '3'));
  const padding = Number(arg('padding', '100'));
  const bufferMemory = Number(arg('buffer-memory', String(32 * MiB)));
  const out = arg('out', '');
  if (!(durationS > 0 && ratePerSec > 0 && partitions > 0) || !['kill', 'stop'].includes(restartHow)) throw new Error('bad arguments');
  if (durationS > 3600 || ratePerSec > 100_000) throw new Error('at most 1 hour and 100,000 records/s');

  ensureBuilt();
  const cluster = await startCluster({ local: true, brokerConfig: QUICK_RESTART_CONFIG, log: (l) => console.log(`[broker] ${l}`) });
  const verifier = await Verifier.start(cluster.bootstrap, cluster.version);
  try {
    const topic = uniqueTopic('soak');
    await verifier.createTopic(topic, partitions);
    const runId = Math.random().toString(36).slice(2, 8);
    const broker = cluster.brokers[0];
    console.log(
      `soak: ${ratePerSec} records/s for ${durationS} s to ${topic} (${partitions} partitions, ~${padding + 16} B values), ` +
        `buffer.memory ${mib(bufferMemory)} MiB, broker ${restartHow} + restart at ${restartAtS} s; Kafka ${cluster.version}`,
    );
    const child = fork(path.join(ROOT, 'scripts', 'soak-load.js'), [], {
      env: {
        ...process.env,
        KAFKA_WIRE_SOAK: JSON.stringify({
          bootstrap: cluster.bootstrap,
          topic,
          runId,
          ratePerSec,
          durationMs: durationS * 1000,
          restartAtMs: restartAtS < 0 ? -1 : restartAtS * 1000,
          partitions,
          padding,
          bufferMemory,
        }),
      },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the load process did not finish in time'));
      }, durationS * 1000 + 300_000);
      child.on('message', (m: { type: string; atMs?: number; message?: string }) => {
        if (m.type === 'restart') {
          const t = Date.now();
          console.log(`  ${(m.atMs! / 1000).toFixed(1)} s: broker ${restartHow}`);
          void (restartHow === 'kill' ? broker.kill() : broker.stop())
            .then(() => broker.start())
            .then(() => {
              const downMs = Date.now() - t;
              console.log(`  broker answers again after ${downMs} ms`);
              child.send({ type: 'restart-done', atMs: m.atMs, downMs });
            }, reject);
        } else if (m.type === 'result') {
          clearTimeout(guard);
          resolve(m as unknown as LoadResult);
        } else if (m.type === 'error') {
          clearTimeout(guard);
          reject(new Error(`load process failed: ${m.message}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(guard);
        reject(new Error(`load process exited (${code}) without a result`));
      });
    });

    // Read back: counts per sequence number, computed by the Java consumer.
    const summary = await verifier.sequenceSummary(topic, `${runId}:`, Math.max(0, result.sent - 1), { timeoutMs: 300_000 });
    const acked = Buffer.from(result.ackedBits, 'base64');
    const failed = Buffer.from(result.failedBits, 'base64');
    let lost = 0;
    let failedInLog = 0;
    for (let i = 0; i < result.sent; i++) {
      const inLog = bitSet(summary.seen, i);
      if (bitSet(acked, i) && !inLog) lost++;
      if (bitSet(failed, i) && inLog) failedInLog++;
    }
    const maxRss = Math.max(...result.samples.map((s) => s.rss));
    const rssLimit = result.rssBaseline + bufferMemory + 64 * MiB;
    const leftovers = Object.entries(result.leftover).filter(([, n]) => n > 0);
    const resourcesGrew = Object.entries(result.resourcesAfter).filter(([type, n]) => n > (result.resourcesBefore[type] ?? 0));
    const row = {
      scenario: `soak: ${ratePerSec}/s for ${durationS} s, broker ${restartHow} + restart at ${restartAtS} s`,
      kafkaVersion: cluster.version,
      sent: result.sent,
      acked: result.acked,
      failed: result.failed,
      inLog: summary.distinct,
      duplicates: summary.duplicates,
      reordered: summary.reordered,
      lost,
      failedInLog,
      noOutcome: result.noOutcome,
      repeatedOutcome: result.repeated,
      errors: result.errors,
    };
    const checks = {
      exactlyOneOutcome: result.noOutcome === 0 && result.repeated === 0 && result.acked + result.failed === result.sent,
      noneLost: lost === 0,
      noDuplicates: summary.duplicates === 0,
      inOrder: summary.reordered === 0,
      readBackComplete: !summary.timedOut && summary.foreign === 0 && summary.outOfRange === 0,
      rssWithinLimit: maxRss <= rssLimit,
      nothingLeftAfterClose: leftovers.length === 0 && resourcesGrew.length === 0,
    };
    const pass = Object.values(checks).every(Boolean);

    // Report.
    const step = Math.max(1, Math.round(result.samples.length / 20));
    console.log('\n  t (s)   RSS MiB   heap used/total MiB   external MiB   buffer free MiB   settled');
    result.samples.forEach((s, i) => {
      if (i % step !== 0 && i !== result.samples.length - 1) return;
      const heap = `${mib(s.heapUsed)}/${mib(s.heapTotal)}`;
      console.log(
        `  ${(s.tMs / 1000).toFixed(0).padStart(5)}   ${mib(s.rss).padStart(7)}   ${heap.padStart(19)}   ${mib(s.external).padStart(12)}   ${mib(s.bufferAvailable).padStart(15)}   ${String(s.settled).padStart(7)}`,
      );
    });
    const quarter = result.samples.filter((s) => s.tMs <= durationS * 250);
    const rssAtQuarter = quarter.length > 0 ? quarter[quarter.length - 1].rss : result.samples[0].rss;
    console.log(
      `\n  RSS: before the producer ${mib(result.rssBaseline)} MiB, max ${mib(maxRss)} MiB (+${mib(maxRss - result.rssBaseline)} MiB; ` +
        `limit: before + buffer.memory + 64 MiB = ${mib(rssLimit)} MiB); at 25% of the run ${mib(rssAtQuarter)} MiB, at the end ${mib(result.samples[result.samples.length - 1].rss)} MiB`,
    );
    console.log(`  outcomes: ${JSON.stringify(row)}`);
    console.log(`  flush() at the end took ${result.flushMs} ms; broker down ${result.restart?.downMs ?? 0} ms`);
    console.log(`  after close(): watched resources left ${JSON.stringify(result.leftover)}; active resources before ${JSON.stringify(result.resourcesBefore)}, after ${JSON.stringify(result.resourcesAfter)}`);
    console.log(`  checks: ${JSON.stringify(checks)} -> ${pass ? 'PASS' : 'FAIL'}`);
    const report = { pass, checks, row, maxRss, rssBaseline: result.rssBaseline, rssLimit, restart: result.restart, flushMs: result.flushMs, leftover: result.leftover, resourcesBefore: result.resourcesBefore, resourcesAfter: result.resourcesAfter, samples: result.samples.filter((_, i) => i % step === 0), durationS, ratePerSec };
    if (out) fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    if (process.env.RELIABILITY_OUT) {
      const notes = `RSS max ${mib(maxRss)} MiB (${mib(result.rssBaseline)} MiB before the producer); broker down ${result.restart?.downMs ?? 0} ms`;
      fs.appendFileSync(process.env.RELIABILITY_OUT, `${JSON.stringify({ ...row, misplaced: 0, retries: {}, durationMs: durationS * 1000, notes })}\n`);
    }
    console.log(`SOAK_RESULT ${JSON.stringify({ pass, checks, row, maxRss, rssBaseline: result.rssBaseline, rssLimit, restart: result.restart })}`);
    return pass ? 0 : 1;
  } finally {
    await verifier.close();
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
