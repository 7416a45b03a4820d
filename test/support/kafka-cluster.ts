/**
 * Real-broker harness for the conformance and fault tests.
 *
 * Order of choice in startCluster():
 *   1. KAFKA_BOOTSTRAP=host:port       -> that cluster, as it is (stop() does nothing)
 *   2. `java` (17+) and `mvn` on PATH  -> local KRaft broker(s) built from Maven Central jars
 *   3. a reachable Docker engine       -> @testcontainers/kafka (loaded only then)
 *   4. otherwise                       -> an error saying what is needed
 *
 * Local brokers run in combined mode (process.roles=broker,controller) with a static
 * controller.quorum.voters list, which works on both Kafka 3.9 and 4.x. Jars live under
 * <repo>/.kafka/<version>/libs (git-ignored); data and logs in a fresh os.tmpdir()/kafka-wire-*.
 * A pid file per broker under <repo>/.kafka/run/ lets the next run kill brokers that a
 * killed test run left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEFAULT_KAFKA_VERSION = '4.1.1';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  /** SIGTERM (controlled shutdown), wait for exit; SIGKILL after 20 s. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again with the same data dir and ports; resolves when the broker answers. */
  start(): Promise<void>;
  isRunning(): boolean;
}

export interface KafkaCluster {
  /** "127.0.0.1:PORT[,127.0.0.1:PORT...]" */
  bootstrap: string;
  version: string;
  /** Empty for an external or Docker cluster (they cannot be stopped node by node). */
  brokers: BrokerNode[];
  external: boolean;
  /** Milliseconds from "jars present" to "every broker answers ApiVersions" (0 if external). */
  startMs: number;
  /** Milliseconds spent making sure the broker jars are present (Maven), 0 if not local. */
  jarsMs: number;
  /** Stops every broker and deletes their data (does nothing for an external cluster). */
  stop(): Promise<void>;
  /** The extra listeners asked for with `security` (the PLAINTEXT `bootstrap` stays). */
  security?: ClusterSecurityInfo;
}

export type HarnessSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * Extra listeners next to PLAINTEXT (which the verifier and admin work keep using):
 * - sasl: a SASL_PLAINTEXT listener with these mechanisms. PLAIN users are listed in the
 *   listener's JAAS config; SCRAM users are stored at format time (kafka-storage format
 *   --add-scram, KRaft, Kafka 3.5+), for every SCRAM mechanism asked for. Usernames and
 *   passwords are limited to [A-Za-z0-9._-] so they need no quoting in either place.
 * - ssl: an SSL listener with a self-signed certificate (CN=localhost, SAN DNS:localhost and
 *   IP:127.0.0.1) made with the JDK's keytool at start.
 * - both: also a SASL_SSL listener.
 * Each listener advertises its own address, so metadata fetched through it names it.
 * Local brokers only: with `security`, KAFKA_BOOTSTRAP is ignored, and Docker is not used.
 */
export interface ClusterSecurityOptions {
  sasl?: { mechanisms: HarnessSaslMechanism[]; users: { username: string; password: string }[] };
  ssl?: boolean;
}

export interface ClusterSecurityInfo {
  /** "127.0.0.1:PORT[,...]" of each extra listener that was asked for. */
  saslPlaintext?: string;
  ssl?: string;
  saslSsl?: string;
  /** The brokers' certificate, PEM (self-signed, so it is its own CA): pass as `ssl: { ca }`. */
  caPem?: string;
}

export interface StartClusterOptions {
  brokers?: number;
  version?: string;
  /** Extra broker properties, applied to every node (override the harness defaults). */
  brokerConfig?: Record<string, string>;
  /** Progress lines; default: stderr with a "[kafka-cluster]" prefix. */
  log?: (line: string) => void;
  /**
   * 'fast-start' (default): C1-only JIT, serial GC, 512 MB heap -- quickest start, fine for tests.
   * 'throughput': full JIT, G1, 1 GB heap -- for benchmarks against a long-lived broker.
   * KAFKA_BROKER_JVM_OPTS (space separated) replaces either.
   */
  jvmProfile?: 'fast-start' | 'throughput';
  /** Default 90 s. */
  readyTimeoutMs?: number;
  /** Extra SASL_PLAINTEXT / SSL / SASL_SSL listeners (see ClusterSecurityOptions). */
  security?: ClusterSecurityOptions;
  /**
   * Start local brokers even when KAFKA_BOOTSTRAP is set: for suites that need a broker of
   * their own (configured listeners, proxies, restarts).
   */
  local?: boolean;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** <repo>/.kafka -- jars, CDS archives, pid files. */
export const KAFKA_WORK_DIR = path.join(REPO_ROOT, '.kafka');
const RUN_DIR = path.join(KAFKA_WORK_DIR, 'run');
const TMP_PREFIX = 'kafka-wire-';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;
/** log4j-slf4j-impl for Kafka 4.x (slf4j 1.7 API + log4j2); must match the log4j-core Kafka pins. */
const LOG4J2_VERSION = '2.24.3';
const SLF4J_VERSION = '1.7.36';

// ---------------------------------------------------------------------------------------------
// small utilities

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function defaultLog(line: string): void {
  process.stderr.write(`[kafka-cluster] ${line}\n`);
}

export function resolveKafkaVersion(version?: string): string {
  const v = version || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?$/.test(v)) throw new Error(`invalid Kafka version "${v}"`);
  return v;
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

export function findOnPath(cmd: string): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, cmd + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface JavaInfo {
  path: string;
  major: number;
  versionText: string;
}

let javaInfoCache: JavaInfo | null | undefined;

/** The `java` on PATH and its major version, or null when there is none that runs. */
export function javaInfo(): JavaInfo | null {
  if (javaInfoCache !== undefined) return javaInfoCache;
  javaInfoCache = null;
  const javaPath = findOnPath('java');
  if (javaPath) {
    const r = spawnSync(javaPath, ['-version'], { encoding: 'utf8', timeout: 30_000 });
    const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
    const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
    if (r.status === 0 && m) {
      let major = Number(m[1]);
      if (major === 1 && m[2]) major = Number(m[2]);
      javaInfoCache = { path: javaPath, major, versionText: text.trim() };
    }
  }
  return javaInfoCache;
}

function minJavaFor(version: string): number {
  return majorOf(version) >= 4 ? 17 : 11;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (arguments joined by spaces), or undefined if unknown. */
function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    if (process.platform === 'linux') return undefined;
  }
  const r = spawnSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function tailOf(text: string, lines: number): string {
  const all = text.split('\n');
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

function tailOfFile(file: string, lines: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return tailOf(buf.toString('utf8'), lines);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, keeping the last 256 KB of its combined output. */
export function runCommand(cmd: string, args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > 256 * 1024) output = output.slice(-256 * 1024);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * A cross-process lock: an exclusive mkdir. A lock whose owner process is gone is stale and
 * taken over. Used around Maven runs so parallel jest workers or runs do not race.
 */
export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: () => void } = {},
): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 20 * 60_000);
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockIsStale(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
      if (!waited) opts.onWait?.();
      waited = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockIsStale(lockDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
    if (pid > 0) return !isAlive(pid);
  } catch {
    // no owner file yet (or any more)
  }
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs > 30_000;
  } catch {
    return false; // vanished: just retry
  }
}

// ---------------------------------------------------------------------------------------------
// jars

function brokerPom(version: string): string {
  const binding =
    majorOf(version) >= 4
      ? // Kafka 4.x logs through log4j2 (log4j-api/core come with kafka-server); slf4j 1.7 -> log4j2.
        dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J2_VERSION)
      : // Kafka 3.x logs through reload4j (log4j 1 API).
        dep('org.slf4j', 'slf4j-reload4j', SLF4J_VERSION);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by test/support/kafka-cluster.ts: the jars of an Apache Kafka ${version} broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafka-wire.test</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', version)}
${dep('org.apache.kafka', 'kafka-tools', version)}
${binding}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.6.1</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

function dep(groupId: string, artifactId: string, version: string): string {
  return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
}

function jarsComplete(libs: string, marker: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { jars?: unknown };
    if (!Array.isArray(m.jars) || m.jars.length === 0) return false;
    const present = new Set(fs.readdirSync(libs));
    return m.jars.every((j) => typeof j === 'string' && present.has(j));
  } catch {
    return false;
  }
}

/**
 * Makes sure <repo>/.kafka/<version>/libs holds every jar a Kafka broker of that version
 * needs (copied by Maven from ~/.m2, downloading from Maven Central when missing) and
 * returns that directory. A marker file written last makes a half-finished copy be redone.
 */
export async function ensureKafkaJars(version: string, log: (line: string) => void = defaultLog): Promise<string> {
  const v = resolveKafkaVersion(version);
  const dir = path.join(KAFKA_WORK_DIR, v);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, 'libs.complete.json');
  if (jarsComplete(libs, marker)) return libs;
  const mvn = findOnPath('mvn');
  if (!mvn) throw new Error(`Maven (mvn) is needed on PATH to fetch the Kafka ${v} jars`);
  return withFileLock(
    `${dir}.lock`,
    async () => {
      if (jarsComplete(libs, marker)) return libs;
      log(`resolving Kafka ${v} jars with Maven into ${path.relative(REPO_ROOT, libs)} (cold: a minute or two)`);
      const started = Date.now();
      fs.rmSync(marker, { force: true });
      fs.rmSync(libs, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const pom = path.join(dir, 'pom.xml');
      fs.writeFileSync(pom, brokerPom(v));
      const r = await runCommand(
        mvn,
        [
          '-q',
          '-B',
          '-Dstyle.color=never',
          '-f',
          pom,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${libs}`,
          '-DincludeScope=runtime',
        ],
        { cwd: dir, timeoutMs: 20 * 60_000 },
      );
      if (r.code !== 0) {
        throw new Error(`mvn could not resolve the Kafka ${v} jars (exit ${r.code}):\n${tailOf(r.output, 40)}`);
      }
      const jars = fs
        .readdirSync(libs)
        .filter((f) => f.endsWith('.jar'))
        .sort();
      if (!jars.includes(`kafka_2.13-${v}.jar`)) {
        throw new Error(`mvn finished but ${libs} has no kafka_2.13-${v}.jar:\n${tailOf(r.output, 40)}`);
      }
      fs.writeFileSync(marker, `${JSON.stringify({ version: v, jars, resolvedAt: new Date().toISOString() }, null, 2)}\n`);
      log(`Kafka ${v}: ${jars.length} jars ready in ${Date.now() - started} ms`);
      return libs;
    },
    { onWait: () => log(`waiting for another process that is resolving the Kafka ${v} jars`) },
  );
}

// ---------------------------------------------------------------------------------------------
// the readiness probe: ApiVersions v0 over a raw socket

/** True when host:port answers an ApiVersions v0 request with a frame carrying our correlation id. */
export function probeApiVersions(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const clientId = Buffer.from('kafka-wire-harness', 'utf8');
    const correlationId = crypto.randomInt(1, 0x7fffffff);
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    let o = req.writeInt32BE(req.length - 4, 0);
    o = req.writeInt16BE(18, o); // api key: ApiVersions
    o = req.writeInt16BE(0, o); // api version 0
    o = req.writeInt32BE(correlationId, o);
    o = req.writeInt16BE(clientId.length, o);
    clientId.copy(req, o);

    let received = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host, port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(req));
    sock.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      const size = received.readInt32BE(0);
      if (size < 4 || size > 1 << 20) return finish(false);
      if (received.length >= 4 + size) finish(received.readInt32BE(4) === correlationId);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

// ---------------------------------------------------------------------------------------------
// process bookkeeping: pid files, exit hooks, leftovers

interface PidFileContent {
  pid: number;
  ownerPid: number;
  tmpRoot: string;
  nodeId: number;
  port: number;
  version: string;
  startedAt: string;
}

interface LiveEntry {
  pid: number;
  watchdogPid?: number;
  tmpRoot: string;
  pidFile: string;
}

interface HarnessGlobal {
  live: Map<number, LiveEntry>;
  hooksInstalled: boolean;
}

/** Shared by every copy of this module in the process (jest loads modules once per registry). */
function harnessGlobal(): HarnessGlobal {
  const key = Symbol.for('kafka-wire.kafka-cluster');
  const g = globalThis as unknown as Record<symbol, HarnessGlobal | undefined>;
  let state = g[key];
  if (!state) {
    state = { live: new Map(), hooksInstalled: false };
    g[key] = state;
  }
  return state;
}

function killAllSync(): void {
  const state = harnessGlobal();
  for (const entry of state.live.values()) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (entry.watchdogPid) {
      try {
        process.kill(entry.watchdogPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      fs.rmSync(entry.pidFile, { force: true });
    } catch {
      // best effort
    }
  }
  const roots = new Set([...state.live.values()].map((e) => e.tmpRoot));
  state.live.clear();
  for (const root of roots) {
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort
    }
  }
}

function installExitHooks(): void {
  const state = harnessGlobal();
  if (state.hooksInstalled) return;
  state.hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      // Someone else handles this signal (and will exit or stop the cluster); the 'exit'
      // hook is the backstop. Otherwise we replaced the default "die", so kill and re-raise.
      if (process.listenerCount(sig) > 1) return;
      killAllSync();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

function isHarnessTmpRoot(dir: unknown): dir is string {
  return typeof dir === 'string' && path.isAbsolute(dir) && path.basename(dir).startsWith(TMP_PREFIX);
}

/**
 * Kills brokers recorded in <repo>/.kafka/run/ whose owning process is gone (a test run killed
 * with SIGKILL, a crashed script) and deletes their temp dirs. Brokers owned by a live process
 * (another test run, `npm run broker:start`) are left alone. Returns how many were killed.
 */
export async function cleanupLeftovers(log: (line: string) => void = defaultLog): Promise<number> {
  let files: string[];
  try {
    files = fs.readdirSync(RUN_DIR).filter((f) => /^broker-\d+\.json$/.test(f));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const f of files) {
    const file = path.join(RUN_DIR, f);
    let info: PidFileContent;
    try {
      info = JSON.parse(fs.readFileSync(file, 'utf8')) as PidFileContent;
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (info.ownerPid === process.pid) continue; // ours (maybe another copy of this module)
    if (isAlive(info.ownerPid)) {
      const ownerCmd = cmdlineOf(info.ownerPid);
      if (ownerCmd === undefined || /node|jest|tsx/.test(ownerCmd)) continue; // owner still running
    }
    const cmd = cmdlineOf(info.pid);
    if (isHarnessTmpRoot(info.tmpRoot) && cmd && cmd.includes('kafka.Kafka') && cmd.includes(info.tmpRoot)) {
      try {
        process.kill(info.pid, 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
      for (let i = 0; i < 100 && isAlive(info.pid); i++) await sleep(50);
    }
    if (isHarnessTmpRoot(info.tmpRoot)) fs.rmSync(info.tmpRoot, { recursive: true, force: true });
    fs.rmSync(file, { force: true });
  }
  if (killed > 0) log(`killed ${killed} broker(s) left over by an earlier run`);
  return killed;
}

// ---------------------------------------------------------------------------------------------
// local brokers

async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** A random Kafka Uuid in its string form: 16 bytes, base64url, no padding, not starting with '-'. */
function randomKafkaUuid(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

function renderProperties(props: Record<string, string>): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${esc(v)}`)
    .join('\n')}\n`;
}

function log4j2Config(logFile: string): string {
  return renderProperties({
    status: 'error',
    'appender.file.type': 'File',
    'appender.file.name': 'FILE',
    'appender.file.fileName': logFile,
    'appender.file.layout.type': 'PatternLayout',
    'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
    'rootLogger.level': 'INFO',
    'rootLogger.appenderRef.file.ref': 'FILE',
    'logger.state.name': 'state.change.logger',
    'logger.state.level': 'WARN',
  });
}

function log4j1Config(logFile: string): string {
  return renderProperties({
    'log4j.rootLogger': 'INFO, file',
    'log4j.appender.file': 'org.apache.log4j.FileAppender',
    'log4j.appender.file.File': logFile,
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    'log4j.logger.state.change.logger': 'WARN',
  });
}

interface LaunchSpec {
  java: string;
  classpath: string;
  jvmOpts: string[];
  version: string;
  tmpRoot: string;
  /** Use this CDS archive when present; otherwise the first node dumps one at exit. */
  cdsArchive?: string;
  readyTimeoutMs: number;
}

class LocalBroker implements BrokerNode {
  readonly host = '127.0.0.1';
  /** SASL_PLAINTEXT / SSL / SASL_SSL listeners next to PLAINTEXT, when asked for. */
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
    return `--- node ${this.nodeId} ${this.serverLog} (tail)\n${server}${out ? `\n--- ${this.stdoutLog} (tail)\n${out}` : ''}`;
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

function jvmOptionsFor(profile: 'fast-start' | 'throughput'): string[] {
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
function cdsArchivePath(version: string, java: JavaInfo, classpath: string, libs: string): string | undefined {
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

// ---------------------------------------------------------------------------------------------
// security: extra SASL_PLAINTEXT / SSL / SASL_SSL listeners

type ExtraListenerName = 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';

interface SecurityPlan {
  options: ClusterSecurityOptions;
  listeners: { name: ExtraListenerName }[];
  ssl: boolean;
  keystorePassword: string;
  formatArgs: string[];
  caPem?: string;
}

const SIMPLE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;

function planSecurity(options: ClusterSecurityOptions): SecurityPlan {
  const sasl = options.sasl;
  const listeners: { name: ExtraListenerName }[] = [];
  if (sasl) listeners.push({ name: 'SASL_PLAINTEXT' });
  if (options.ssl) listeners.push({ name: 'SSL' });
  if (sasl && options.ssl) listeners.push({ name: 'SASL_SSL' });
  const formatArgs: string[] = [];
  if (sasl) {
    if (sasl.mechanisms.length === 0) throw new Error('security.sasl.mechanisms is empty');
    for (const m of sasl.mechanisms) if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(m)) throw new Error(`unknown SASL mechanism ${m}`);
    for (const u of sasl.users) {
      if (!SIMPLE_CREDENTIAL.test(u.username) || !SIMPLE_CREDENTIAL.test(u.password)) {
        throw new Error(`harness SASL users need [A-Za-z0-9._-] usernames and passwords, got ${JSON.stringify(u.username)}`);
      }
    }
    for (const m of sasl.mechanisms) {
      if (!m.startsWith('SCRAM-')) continue;
      for (const u of sasl.users) formatArgs.push('--add-scram', `${m}=[name=${u.username},password=${u.password}]`);
    }
  }
  return { options, listeners, ssl: !!options.ssl, keystorePassword: crypto.randomBytes(12).toString('hex'), formatArgs };
}

/** Broker properties for the extra listeners of one node (they replace the three listener settings). */
function securityProps(plan: SecurityPlan, node: LocalBroker, tmpRoot: string): Record<string, string> {
  const props: Record<string, string> = {};
  const names = node.extraListeners.map((l) => l.name);
  const urls = node.extraListeners.map((l) => `${l.name}://${node.host}:${l.port}`);
  const plaintext = `PLAINTEXT://${node.host}:${node.port}`;
  props.listeners = [plaintext, `CONTROLLER://${node.host}:${node.controllerPort}`, ...urls].join(',');
  props['advertised.listeners'] = [plaintext, ...urls].join(',');
  props['listener.security.protocol.map'] = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...names.map((n) => `${n}:${n}`)].join(',');
  const sasl = plan.options.sasl;
  if (sasl) {
    props['sasl.enabled.mechanisms'] = sasl.mechanisms.join(',');
    for (const listener of names.filter((n) => n.startsWith('SASL_'))) {
      for (const m of sasl.mechanisms) {
        const users = sasl.users.map((u) => ` user_${u.username}="${u.password}"`).join('');
        props[`listener.name.${listener.toLowerCase()}.${m.toLowerCase()}.sasl.jaas.config`] =
          m === 'PLAIN'
            ? `org.apache.kafka.common.security.plain.PlainLoginModule required${users};`
            : 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
      }
    }
  }
  if (plan.ssl) {
    props['ssl.keystore.type'] = 'PKCS12';
    props['ssl.keystore.location'] = path.join(tmpRoot, 'tls', 'broker.p12');
    props['ssl.keystore.password'] = plan.keystorePassword;
    props['ssl.key.password'] = plan.keystorePassword;
    props['ssl.client.auth'] = 'none';
  }
  return props;
}

/** A self-signed key pair in a PKCS12 keystore under tmpRoot/tls; resolves to the certificate's PEM. */
async function makeTlsMaterial(java: JavaInfo, tmpRoot: string, password: string): Promise<string> {
  const keytool = findOnPath('keytool') ?? path.join(path.dirname(fs.realpathSync(java.path)), 'keytool');
  const dir = path.join(tmpRoot, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const keystore = path.join(dir, 'broker.p12');
  const pemFile = path.join(dir, 'broker.pem');
  const common = ['-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-alias', 'broker', '-noprompt'];
  const gen = await runCommand(
    keytool,
    ['-genkeypair', ...common, '-keypass', password, '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '30', '-dname', 'CN=localhost', '-ext', 'SAN=dns:localhost,ip:127.0.0.1'],
    { timeoutMs: 60_000 },
  );
  if (gen.code !== 0) throw new Error(`keytool -genkeypair failed (exit ${gen.code}):\n${tailOf(gen.output, 20)}`);
  const exp = await runCommand(keytool, ['-exportcert', '-rfc', ...common, '-file', pemFile], { timeoutMs: 60_000 });
  if (exp.code !== 0) throw new Error(`keytool -exportcert failed (exit ${exp.code}):\n${tailOf(exp.output, 20)}`);
  return fs.readFileSync(pemFile, 'utf8');
}

function securityInfo(plan: SecurityPlan, nodes: LocalBroker[]): ClusterSecurityInfo {
  const info: ClusterSecurityInfo = {};
  const addressesOf = (name: ExtraListenerName) =>
    nodes.map((n) => `${n.host}:${n.extraListeners.find((l) => l.name === name)!.port}`).join(',');
  for (const { name } of plan.listeners) {
    if (name === 'SASL_PLAINTEXT') info.saslPlaintext = addressesOf(name);
    else if (name === 'SSL') info.ssl = addressesOf(name);
    else info.saslSsl = addressesOf(name);
  }
  if (plan.caPem) info.caPem = plan.caPem;
  return info;
}

async function startLocalCluster(
  version: string,
  java: JavaInfo,
  opts: StartClusterOptions,
  log: (line: string) => void,
): Promise<KafkaCluster> {
  const count = opts.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`brokers must be 1..9, got ${count}`);
  await cleanupLeftovers(log);

  const jarsStarted = Date.now();
  const libs = await ensureKafkaJars(version, log);
  const jarsMs = Date.now() - jarsStarted;

  const started = Date.now();
  const jars = fs
    .readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => path.join(libs, f));
  const classpath = jars.join(path.delimiter);
  const tmpRoot = await fsp.mkdtemp(path.join(os.tmpdir(), TMP_PREFIX));
  const spec: LaunchSpec = {
    java: java.path,
    classpath,
    jvmOpts: jvmOptionsFor(opts.jvmProfile ?? 'fast-start'),
    version,
    tmpRoot,
    cdsArchive: cdsArchivePath(version, java, classpath, libs),
    readyTimeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
  };

  const security = opts.security ? planSecurity(opts.security) : null;
  const extraListeners = security?.listeners ?? [];
  const ports = await freePorts(count * (2 + extraListeners.length));
  const rf = Math.min(count, 3);
  const voters = Array.from({ length: count }, (_, i) => `${i + 1}@127.0.0.1:${ports[count + i]}`).join(',');
  const nodes: LocalBroker[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = i + 1;
    const dir = path.join(tmpRoot, `node-${nodeId}`);
    fs.mkdirSync(dir, { recursive: true });
    const node = new LocalBroker(nodeId, ports[i], ports[count + i], dir, spec, i === 0);
    node.extraListeners = extraListeners.map((l, j) => ({ ...l, port: ports[count * (2 + j) + i] }));
    const props: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': String(nodeId),
      'controller.quorum.voters': voters,
      'controller.listener.names': 'CONTROLLER',
      listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': path.join(dir, 'data'),
      'offsets.topic.replication.factor': String(rf),
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.replication.factor': String(rf),
      'transaction.state.log.min.isr': String(Math.min(rf, 2)),
      'transaction.state.log.num.partitions': '3',
      'share.coordinator.state.topic.replication.factor': String(rf),
      'share.coordinator.state.topic.min.isr': String(Math.min(rf, 2)),
      'default.replication.factor': String(rf),
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'true',
      'num.partitions': '1',
      'delete.topic.enable': 'true',
      'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
      'num.network.threads': '2',
      'num.io.threads': '4',
      ...(security ? securityProps(security, node, tmpRoot) : {}),
      ...opts.brokerConfig,
    };
    fs.writeFileSync(node.configFile, renderProperties(props));
    fs.writeFileSync(path.join(dir, 'log4j2.properties'), log4j2Config(node.serverLog));
    fs.writeFileSync(path.join(dir, 'log4j.properties'), log4j1Config(node.serverLog));
    nodes.push(node);
  }

  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => n.kill())));
    fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const clusterId = randomKafkaUuid();
    const tls = security?.ssl ? makeTlsMaterial(java, tmpRoot, security.keystorePassword) : Promise.resolve(undefined);
    await Promise.all([tls, ...nodes.map((n) => n.format(clusterId, security?.formatArgs ?? []))]);
    if (security) security.caPem = await tls;
    for (const n of nodes) n.launch();
    await Promise.all(nodes.map((n) => n.waitReady(spec.readyTimeoutMs)));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill().catch(() => undefined)));
    fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }

  const startMs = Date.now() - started;
  const bootstrap = nodes.map((n) => `${n.host}:${n.port}`).join(',');
  log(
    `Kafka ${version}: ${count} broker(s) ready at ${bootstrap} in ${startMs} ms` +
      ` (jars ${jarsMs} ms, CDS ${spec.cdsArchive && fs.existsSync(spec.cdsArchive) ? 'on' : 'off'})`,
  );
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    version,
    brokers: nodes,
    external: false,
    startMs,
    jarsMs,
    stop: () => (stopped ??= stopAll()),
    ...(security ? { security: securityInfo(security, nodes) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Docker (only when there is no java/mvn): @testcontainers/kafka, loaded here and only here

function dockerAvailable(): boolean {
  if (!findOnPath('docker')) return false;
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return r.status === 0;
}

/** Confluent Platform image carrying the given Apache Kafka version (cp 7.x = AK 3.x, cp 8.x = AK 4.x). */
function confluentImageFor(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  const cpMajor = major >= 4 ? major + 4 : 7;
  return `confluentinc/cp-kafka:${cpMajor}.${minor}.0`;
}

async function startDockerCluster(
  version: string,
  opts: StartClusterOptions,
  log: (line: string) => void,
): Promise<KafkaCluster> {
  if ((opts.brokers ?? 1) !== 1) throw new Error('the Docker fallback runs a single broker only');
  const moduleName = '@testcontainers/kafka';
  let mod: { KafkaContainer: new (image: string) => any };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(moduleName);
  } catch (e) {
    throw new Error(
      `Docker is available but ${moduleName} is not installed (npm i -D ${moduleName}); ` +
        `or install Java 17 + Maven, or set KAFKA_BOOTSTRAP=host:port. (${(e as Error).message})`,
    );
  }
  const image = process.env.KAFKA_DOCKER_IMAGE || confluentImageFor(version);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.brokerConfig ?? {})) env[`KAFKA_${k.toUpperCase().replace(/\./g, '_')}`] = v;
  const started = Date.now();
  log(`starting ${image} with testcontainers`);
  const container = await new mod.KafkaContainer(image).withKraft().withEnvironment(env).start();
  const bootstrap = `${container.getHost()}:${container.getMappedPort(9093)}`;
  const startMs = Date.now() - started;
  log(`Kafka (${image}) ready at ${bootstrap} in ${startMs} ms`);
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    version,
    brokers: [],
    external: false,
    startMs,
    jarsMs: 0,
    stop: () => (stopped ??= Promise.resolve(container.stop()).then(() => undefined)),
  };
}

// ---------------------------------------------------------------------------------------------

export async function startCluster(opts: StartClusterOptions = {}): Promise<KafkaCluster> {
  const log = opts.log ?? defaultLog;
  const version = resolveKafkaVersion(opts.version);

  // An external cluster's listeners cannot be configured: `security` always starts its own.
  const external = opts.security || opts.local ? undefined : process.env.KAFKA_BOOTSTRAP?.trim();
  if (external) {
    return {
      bootstrap: external,
      version,
      brokers: [],
      external: true,
      startMs: 0,
      jarsMs: 0,
      stop: async () => undefined,
    };
  }

  const java = javaInfo();
  const mvn = findOnPath('mvn');
  const javaOk = java !== null && java.major >= minJavaFor(version);
  if (javaOk && mvn) return startLocalCluster(version, java, opts, log);
  if (opts.security) {
    throw new Error(
      `startCluster({ security }) needs a local broker: Java ${minJavaFor(version)}+ and Maven on PATH ` +
        `(found ${java ? `java ${java.major}` : 'no java'}, ${mvn ? 'mvn' : 'no mvn'}).`,
    );
  }

  if (dockerAvailable()) return startDockerCluster(version, opts, log);

  const found = [
    java ? `java ${java.major} at ${java.path}` : 'no java on PATH',
    mvn ? `mvn at ${mvn}` : 'no mvn on PATH',
    'no reachable Docker engine',
  ].join(', ');
  throw new Error(
    `Cannot start a Kafka ${version} broker: need Java ${minJavaFor(version)}+ and Maven on PATH ` +
      `(local KRaft broker from Maven Central jars), or KAFKA_BOOTSTRAP=host:port of a running broker, ` +
      `or a Docker engine with @testcontainers/kafka installed. Found: ${found}.`,
  );
}
