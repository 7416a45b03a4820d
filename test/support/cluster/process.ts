/**
 * One local broker JVM: storage format, spawn with its watchdog and pid file, readiness,
 * stop/kill/restart, log tails; plus the JVM options and the AppCDS archive they share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KAFKA_WORK_DIR, RUN_DIR, type JavaInfo } from './env';
import { harnessGlobal, installExitHooks, type PidFileContent } from './pidfiles';
import { probeApiVersions } from './probe';
import type { ExtraListenerName } from './security';
import type { BrokerNode } from './types';
import { runCommand, sleep, tailOf, tailOfFile } from './util';

const STOP_TIMEOUT_MS = 20_000;

export interface LaunchSpec {
  java: string;
  classpath: string;
  jvmOpts: string[];
  version: string;
  tmpRoot: string;
  /** Use this CDS archive when present; otherwise the first node dumps one at exit. */
  cdsArchive?: string;
  readyTimeoutMs: number;
}

export class LocalBroker implements BrokerNode {
  readonly host = '127.0.0.1';
  /** SASL_PLAINTEXT / SSL / SASL_SSL / OAUTH_JWT / MTLS listeners next to PLAINTEXT, when asked for. */
  extraListeners: { name: ExtraListenerName; port: number }[] = [];
  private proc: ChildProcess | null = null;
  private watchdog: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private pidFile: string | null = null;
  private launches = 0;

  constructor(
    readonly nodeId: number,
    readonly port: number,
    readonly controllerPort: number,
    readonly dir: string,
    private readonly spec: LaunchSpec,
    private readonly dumpCds: boolean,
  ) {}

  get configFile(): string {
    return path.join(this.dir, 'server.properties');
  }
  get serverLog(): string {
    return path.join(this.dir, 'server.log');
  }
  get stdoutLog(): string {
    return path.join(this.dir, 'stdout.log');
  }

  isRunning(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  logTail(lines = 40): string {
    const server = tailOfFile(this.serverLog, lines);
    const out = tailOfFile(this.stdoutLog, 15);
    const errors = this.firstErrors();
    return (
      `${errors ? `--- node ${this.nodeId} first ERROR lines\n${errors}\n` : ''}` +
      `--- node ${this.nodeId} ${this.serverLog} (tail)\n${server}${out ? `\n--- ${this.stdoutLog} (tail)\n${out}` : ''}`
    );
  }

  /**
   * The first ERROR lines of server.log: a broker that fails at start logs the cause once and
   * then dozens of shutdown lines, so the tail alone rarely shows it (and the temp dir is
   * deleted right after).
   */
  private firstErrors(count = 4): string {
    try {
      const fd = fs.openSync(this.serverLog, 'r');
      try {
        const buf = Buffer.alloc(Math.min(fs.fstatSync(fd).size, 1024 * 1024));
        fs.readSync(fd, buf, 0, buf.length, 0);
        const lines = buf.toString('utf8').split('\n');
        const picked: string[] = [];
        for (let i = 0; i < lines.length && picked.length < count * 2; i++) {
          if (!/ (ERROR|FATAL) /.test(lines[i])) continue;
          picked.push(lines[i]);
          // The exception and its message follow on the next line ("\tat ..." frames after it).
          const next = lines[i + 1];
          if (next && !next.startsWith('\t') && !next.startsWith('[')) picked.push(next);
        }
        return picked.map((l) => (l.length > 1000 ? `${l.slice(0, 1000)}...` : l)).join('\n');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  jvmLogProps(): string[] {
    return [
      `-Dlog4j2.configurationFile=${path.join(this.dir, 'log4j2.properties')}`,
      `-Dlog4j.configuration=${pathToFileURL(path.join(this.dir, 'log4j.properties')).href}`,
      `-Dkafka.logs.dir=${this.dir}`,
    ];
  }

  async format(clusterId: string, extraArgs: string[] = []): Promise<void> {
    const r = await runCommand(
      this.spec.java,
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-XX:-UsePerfData',
        '-Xshare:auto',
        ...(this.spec.cdsArchive && fs.existsSync(this.spec.cdsArchive)
          ? [`-XX:SharedArchiveFile=${this.spec.cdsArchive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off']
          : []),
        ...this.jvmLogProps(),
        '-cp',
        this.spec.classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        this.configFile,
        ...extraArgs,
      ],
      { timeoutMs: 60_000 },
    );
    if (r.code !== 0) {
      throw new Error(`kafka-storage format failed for node ${this.nodeId} (exit ${r.code}):\n${tailOf(r.output, 30)}`);
    }
  }

  /** Spawns the JVM (does not wait for readiness). */
  launch(): void {
    if (this.isRunning()) return;
    const first = this.launches++ === 0;
    const cdsFlags: string[] = [];
    let cdsTmp: string | undefined;
    const archive = this.spec.cdsArchive;
    if (archive && fs.existsSync(archive)) {
      cdsFlags.push(`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off');
    } else if (archive && first && this.dumpCds) {
      cdsTmp = `${archive}.${process.pid}.${this.nodeId}.tmp`;
      fs.mkdirSync(path.dirname(archive), { recursive: true });
      cdsFlags.push(`-XX:ArchiveClassesAtExit=${cdsTmp}`);
    }
    const out = fs.openSync(this.stdoutLog, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        this.spec.java,
        [
          '-Xshare:auto',
          ...this.spec.jvmOpts,
          ...cdsFlags,
          '-Djava.awt.headless=true',
          ...this.jvmLogProps(),
          '-cp',
          this.spec.classpath,
          'kafka.Kafka',
          this.configFile,
        ],
        { cwd: this.dir, stdio: ['ignore', out, out] },
      );
    } finally {
      fs.closeSync(out);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start java for broker ${this.nodeId}`);
    child.unref();
    this.proc = child;

    // A watchdog that SIGKILLs the broker when this process dies in any way (even SIGKILL):
    // its stdin is a pipe from us, which the kernel closes when we die.
    let watchdogPid: number | undefined;
    if (process.platform !== 'win32') {
      const wd = spawn('/bin/sh', ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null', 'kafka-wire-watchdog', String(pid)], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      wd.on('error', () => undefined);
      wd.unref();
      (wd.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.watchdog = wd;
      watchdogPid = wd.pid;
    }

    fs.mkdirSync(RUN_DIR, { recursive: true });
    const pidFile = path.join(RUN_DIR, `broker-${pid}.json`);
    const content: PidFileContent = {
      pid,
      ownerPid: process.pid,
      tmpRoot: this.spec.tmpRoot,
      nodeId: this.nodeId,
      port: this.port,
      version: this.spec.version,
      startedAt: new Date().toISOString(),
    };
    fs.writeFileSync(pidFile, `${JSON.stringify(content, null, 2)}\n`);
    this.pidFile = pidFile;
    harnessGlobal().live.set(pid, { pid, watchdogPid, tmpRoot: this.spec.tmpRoot, pidFile });
    installExitHooks();

    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (_code, signal) => {
        harnessGlobal().live.delete(pid);
        fs.rmSync(pidFile, { force: true });
        if (this.watchdog && this.watchdog.exitCode === null) this.watchdog.kill('SIGKILL');
        // Only an orderly exit writes a whole archive; a SIGKILL may have cut the dump short.
        if (cdsTmp && archive) finishCdsArchive(cdsTmp, archive, signal !== 'SIGKILL');
        resolve();
      });
    });
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.isRunning()) {
        throw new Error(
          `Kafka broker ${this.nodeId} exited (code ${this.proc?.exitCode}, signal ${this.proc?.signalCode}) before it answered\n${this.logTail()}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `Kafka broker ${this.nodeId} did not answer ApiVersions on ${this.host}:${this.port} within ${timeoutMs} ms\n${this.logTail()}`,
        );
      }
      if (await probeApiVersions(this.host, this.port, Math.min(left, 5_000))) return;
      await sleep(100);
    }
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    this.launch();
    await this.waitReady(this.spec.readyTimeoutMs);
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.isRunning()) {
      await this.exited;
      return;
    }
    if (this.watchdog && this.watchdog.exitCode === null) this.watchdog.kill('SIGKILL');
    proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut && this.isRunning()) proc.kill('SIGKILL');
    await this.exited;
  }

  stop(): Promise<void> {
    return this.terminate('SIGTERM', STOP_TIMEOUT_MS);
  }

  kill(): Promise<void> {
    return this.terminate('SIGKILL', 10_000);
  }
}

function finishCdsArchive(tmp: string, archive: string, keep: boolean): void {
  try {
    if (keep && fs.statSync(tmp).size > 1024 * 1024 && !fs.existsSync(archive)) fs.renameSync(tmp, archive);
  } catch {
    // no archive was written (killed, or CDS unsupported): fine
  }
  fs.rmSync(tmp, { force: true });
}

export function jvmOptionsFor(profile: 'fast-start' | 'throughput'): string[] {
  const fromEnv = process.env.KAFKA_BROKER_JVM_OPTS;
  if (fromEnv && fromEnv.trim()) return fromEnv.trim().split(/\s+/);
  if (profile === 'throughput') return ['-Xms512m', '-Xmx1g', '-XX:+UseG1GC', '-XX:-UsePerfData'];
  // C1 only and the serial collector: ~1 s quicker to start on 2 cores, and small.
  return ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData'];
}

/**
 * Path of the AppCDS archive for this JDK + classpath + jar set (under .kafka/<version>/cds/),
 * or undefined when disabled (KAFKA_BROKER_CDS=0). It is dumped at exit by the first broker
 * that runs without one, and used by every later JVM: about a second off each start.
 */
export function cdsArchivePath(version: string, java: JavaInfo, classpath: string, libs: string): string | undefined {
  if (process.env.KAFKA_BROKER_CDS === '0' || java.major < 13) return undefined;
  const h = crypto.createHash('sha256');
  h.update(java.versionText);
  h.update(fs.realpathSync(java.path));
  h.update(classpath);
  try {
    h.update(String(fs.statSync(path.join(path.dirname(libs), 'libs.complete.json')).mtimeMs));
  } catch {
    // no marker: still a usable key
  }
  return path.join(KAFKA_WORK_DIR, version, 'cds', `broker-${h.digest('hex').slice(0, 16)}.jsa`);
}
