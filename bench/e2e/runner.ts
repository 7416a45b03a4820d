/**
 * What the bench/e2e orchestrators (run.ts: the workloads; curves.ts: the cost curves) share:
 * one run of one client as a child process of its own (runChild, with what the parent measures
 * of it: its CPU from the kernel, its peak RSS polled), the null broker in a process of its own,
 * and the description of the machine and the clients' versions.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { BUILD_DIR, PEERS_DIR } from '../paths';
import { CLIENTS, ClientInfo, launchFor } from './clients';
import type { RunRecord } from './report';
import type { RunResult, RunSpec } from './types';

export const RUN_TIMEOUT_MS = 10 * 60_000;
const CLK_TCK = 100;

export const log = (s: string) => process.stdout.write(`${s}\n`);

/** user+sys ticks of this process's reaped children (/proc/self/stat fields 16 and 17). */
export function childrenCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  } catch {
    return null;
  }
}

export function vmHwmBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The null broker in its own process. */
export class NullBroker {
  private constructor(private readonly child: ChildProcess, private readonly lines: AsyncIterableIterator<string>, readonly bootstrap: string) {}

  static async start(): Promise<NullBroker> {
    const child = spawn(process.execPath, [path.join(BUILD_DIR, 'bench', 'e2e', 'null-broker.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('the null broker did not start');
    return new NullBroker(child, lines, JSON.parse(first.value).bootstrap);
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    this.child.stdin!.write(`create ${topic} ${partitions}\n`);
    await this.lines.next();
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    await new Promise((r) => this.child.once('exit', r));
  }
}

/**
 * Runs one child to completion (SIGKILL after timeoutMs); returns its RunResult fields plus
 * what the parent measured.
 */
export async function runChild(
  client: ClientInfo,
  spec: RunSpec,
  javaClasspath: string,
  kafkaLibs: string,
  prefix: string,
  progress: boolean,
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<RunRecord> {
  const launch = launchFor(client, spec, javaClasspath, kafkaLibs);
  const cpuBefore = childrenCpuSeconds();
  const child = spawn(launch.cmd, launch.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
  let stdout = '';
  let stderr = '';
  let polledHwm = 0;
  let timedOut = false;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr = (stderr + line + '\n').slice(-6000);
    if (progress && line.startsWith('progress ')) {
      const [done, total] = line.slice(9).split('/').map(Number);
      // A timed run reports ms of its duration; past the end it is flushing.
      if (spec.durationMs && done > total) log(`${prefix}   flushing (${(done / 1000).toFixed(0)} s)`);
      else log(`${prefix}   ${((100 * done) / total).toFixed(0)}% (${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}${spec.durationMs ? ' ms' : ''})`);
    }
  });
  const poll = setInterval(() => (polledHwm = Math.max(polledHwm, vmHwmBytes(child.pid!))), 200);
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearInterval(poll);
  clearTimeout(timer);
  const cpuAfter = childrenCpuSeconds();
  const processCpuSeconds = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : undefined;
  const base = { workload: spec.workload, round: 0, client: client.name, version: '', runtime: '', records: spec.records, acked: 0, errors: 0, seconds: NaN, cpuSeconds: NaN, peakRssBytes: polledHwm };
  if (code !== 0) {
    const lines = stderr.trim().split('\n');
    const why = timedOut
      ? `killed after ${Math.round(timeoutMs / 1000)} s`
      : (lines.find((l) => l.startsWith('driver failed:')) ?? lines.find((l) => /Exception|Error/.test(l) && !/^\s+at /.test(l)) ?? lines.slice(-2).join(' | '));
    return { ...base, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, processCpuSeconds, failed: `exit ${code}: ${why.replace('driver failed: ', '').slice(0, 300)}` };
  }
  let parsed: Partial<RunResult>;
  try {
    parsed = launch.parse(stdout) as Partial<RunResult>;
  } catch (err) {
    return { ...base, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, processCpuSeconds, failed: String((err as Error).message).slice(0, 400) };
  }
  const r = { ...base, ...parsed } as RunResult;
  if (!Number.isFinite(r.cpuSeconds)) r.cpuSeconds = processCpuSeconds ?? NaN; // ProducerPerformance: whole process
  r.peakRssBytes = Math.max(r.peakRssBytes ?? 0, polledHwm);
  return {
    ...r,
    workload: spec.workload,
    round: 0,
    processCpuSeconds,
    recordsPerSecond: r.records / r.seconds,
    mbPerSecond: (r.records * spec.size) / r.seconds / 1e6,
    cpuSecondsPerMillion: (r.cpuSeconds * 1e6) / r.records,
  };
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    nproc: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

export function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return (r.stderr || '').split('\n')[0] ?? 'unknown';
}

export function peerVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of CLIENTS) {
    if (!c.pkg) continue;
    try {
      out[c.name] = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', ...c.pkg.split('/'), 'package.json'), 'utf8')).version.replace(/^v/, '');
    } catch {
      out[c.name] = 'not installed';
    }
  }
  return out;
}
