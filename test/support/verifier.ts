/**
 * TypeScript side of the independent Java verifier (test/support/java): a long-running JVM
 * built on the Java client (kafka-clients of the broker's Kafka version) that creates and
 * deletes topics and reads back, with the Java consumer, what kafka-wire wrote.
 *
 *   const v = await Verifier.start(process.env.KAFKA_BOOTSTRAP!);
 *   const topic = uniqueTopic('produce-basic');
 *   await v.createTopic(topic, 3);
 *   ... produce with kafka-wire ...
 *   const { records } = await v.consume(topic, { expected: 1000 });
 *   await v.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { findOnPath, javaInfo, resolveKafkaVersion, runCommand, tailOf, withFileLock } from './kafka-cluster';

const JAVA_PROJECT_DIR = path.resolve(__dirname, 'java');
const MAIN_CLASS = 'kafkawire.verifier.Verifier';

export interface VerifiedHeader {
  /** UTF-8 header key. */
  key: string;
  /** Lowercase hex of the header value, or null. */
  value: string | null;
}

export interface VerifiedRecord {
  partition: number;
  /**
   * The record's offset. Transaction markers (control records) take an offset of their own and
   * are never returned, so the offset after a transaction's last record in a partition is a gap.
   */
  offset: number;
  timestamp: number;
  /** 'CreateTime' | 'LogAppendTime' | 'NoTimestampType' (Java's TimestampType names). */
  timestampType: string;
  /** Lowercase hex of the key bytes, or null. */
  key: string | null;
  /** Lowercase hex of the value bytes, or null. */
  value: string | null;
  headers: VerifiedHeader[];
  leaderEpoch: number | null;
}

/** The Java consumer's isolation.level; Kafka's default, and the verifier's, is read_uncommitted. */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface ConsumeResult {
  /** Sorted by partition, then offset. */
  records: VerifiedRecord[];
  /**
   * Partition (as a string) -> end offset when the read finished: the high watermark
   * (read_uncommitted) or the last stable offset (read_committed).
   */
  endOffsets: Record<string, number>;
  /** True when the timeout passed before `expected` records (or the end offsets) were reached. */
  timedOut: boolean;
}

export interface SequenceSummary {
  /** Records whose value starts with the prefix. */
  records: number;
  /** Records without the prefix. */
  foreign: number;
  /** Copies beyond the first of a sequence number. */
  duplicates: number;
  /** Records that follow a higher sequence number in their partition. */
  reordered: number;
  /** Sequence numbers above maxSeq, or unparsable. */
  outOfRange: number;
  distinct: number;
  /** Bitmap of the sequence numbers present. */
  seen: Buffer;
  endOffsets: Record<string, number>;
  timedOut: boolean;
}

export interface PartitionDescription {
  partition: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  topic: string;
  topicId: string | null;
  internal: boolean;
  partitions: PartitionDescription[];
}

/** A group's committed offset of one partition. */
export interface CommittedOffset {
  offset: number;
  /** The commit's metadata string ('' when none). */
  metadata: string;
}

/** Kafka's transaction states, as the admin client names them (TransactionState.toString()). */
export type TransactionStateName =
  | 'Ongoing'
  | 'PrepareAbort'
  | 'PrepareCommit'
  | 'CompleteAbort'
  | 'CompleteCommit'
  | 'Empty'
  | 'PrepareEpochFence'
  | 'Unknown';

/** What the transaction coordinator holds for one transactional id (Admin.describeTransactions). */
export interface TransactionDescription {
  state: TransactionStateName;
  /** Node id of the transaction coordinator. */
  coordinatorId: number;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** Epoch ms at which the open transaction began; null when none is open. */
  transactionStartTimeMs: number | null;
  /** `topic-partition` names in the transaction, sorted (empty once it has completed). */
  topicPartitions: string[];
}

/** Lowercase hex of bytes (or of a string's UTF-8), null stays null: compare with VerifiedRecord fields. */
export function hexOf(value: Uint8Array | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString('hex');
}

/** A topic name unique to this call: `<prefix>-<time>-<random>`, legal for Kafka. */
export function uniqueTopic(prefix: string): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 200) || 'topic';
  return `${clean}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * The Kafka version the verifier should be built for: the explicit one, else the version of
 * the running test broker (KAFKA_VERSION_RUNNING, set by the jest global setup), else
 * KAFKA_VERSION, else DEFAULT_KAFKA_VERSION.
 */
export function verifierKafkaVersion(explicit?: string): string {
  return resolveKafkaVersion(explicit || process.env.KAFKA_VERSION_RUNNING || undefined);
}

function sourceStamp(version: string): string {
  const h = crypto.createHash('sha256');
  h.update(`kafka=${version}\n`);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) files.push(p);
    }
  };
  walk(path.join(JAVA_PROJECT_DIR, 'src'));
  files.sort();
  for (const f of [path.join(JAVA_PROJECT_DIR, 'pom.xml'), ...files]) {
    h.update(path.relative(JAVA_PROJECT_DIR, f));
    h.update('\0');
    h.update(fs.readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

function builtClasspath(buildDir: string, stamp: string): string | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(buildDir, 'build-stamp.json'), 'utf8')) as { stamp?: string };
    if (saved.stamp !== stamp) return undefined;
    const jar = path.join(buildDir, 'kafka-wire-verifier.jar');
    const deps = fs
      .readFileSync(path.join(buildDir, 'classpath.txt'), 'utf8')
      .trim()
      .split(path.delimiter)
      .filter(Boolean);
    if (deps.length === 0) return undefined;
    for (const f of [jar, ...deps]) if (!fs.existsSync(f)) return undefined;
    return [jar, ...deps].join(path.delimiter);
  } catch {
    return undefined;
  }
}

/**
 * Builds the verifier against kafka-clients `kafkaVersion` (once per version and source
 * change; output in test/support/java/target/kafka-<version>/) and returns its classpath.
 */
export async function buildVerifier(kafkaVersion: string): Promise<string> {
  const version = resolveKafkaVersion(kafkaVersion);
  const buildDir = path.join(JAVA_PROJECT_DIR, 'target', `kafka-${version}`);
  const stamp = sourceStamp(version);
  const ready = builtClasspath(buildDir, stamp);
  if (ready) return ready;
  const mvn = findOnPath('mvn');
  if (!mvn) throw new Error('Maven (mvn) is needed on PATH to build the Java verifier (test/support/java)');
  return withFileLock(path.join(JAVA_PROJECT_DIR, 'target', `.build-kafka-${version}.lock`), async () => {
    const again = builtClasspath(buildDir, stamp);
    if (again) return again;
    fs.rmSync(path.join(buildDir, 'build-stamp.json'), { force: true });
    const r = await runCommand(
      mvn,
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-f',
        path.join(JAVA_PROJECT_DIR, 'pom.xml'),
        `-Dkafka.version=${version}`,
        'package',
        'dependency:build-classpath',
        `-Dmdep.outputFile=${path.join(buildDir, 'classpath.txt')}`,
        '-Dmdep.includeScope=runtime',
      ],
      { cwd: JAVA_PROJECT_DIR, timeoutMs: 20 * 60_000 },
    );
    if (r.code !== 0) {
      throw new Error(`building the Java verifier for Kafka ${version} failed (exit ${r.code}):\n${tailOf(r.output, 40)}`);
    }
    fs.writeFileSync(path.join(buildDir, 'build-stamp.json'), `${JSON.stringify({ stamp, version }, null, 2)}\n`);
    const cp = builtClasspath(buildDir, stamp);
    if (!cp) throw new Error(`the Java verifier build for Kafka ${version} left no jar/classpath in ${buildDir}`);
    return cp;
  });
}

interface Pending {
  op: string;
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type Refable = { ref?: () => void; unref?: () => void } | null | undefined;

export class Verifier {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrLines: string[] = [];
  private readonly exited: Promise<void>;
  private exitedFlag = false;
  private closing: Promise<void> | null = null;
  private onReady: ((v: Record<string, unknown>) => void) | null = null;
  /** kafka-clients version the JVM reports. */
  kafkaClientsVersion = '';

  private constructor(private readonly proc: ChildProcess) {
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitedFlag = true;
        const err = new Error(
          `the Java verifier exited (code ${code}, signal ${signal})${this.stderrTail() ? `; stderr:\n${this.stderrTail()}` : ''}`,
        );
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        this.pending.clear();
        resolve();
      });
    });
    proc.on('error', () => undefined);
    proc.stdin!.on('error', () => undefined);
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => this.onLine(line));
    readline.createInterface({ input: proc.stderr! }).on('line', (line) => {
      this.stderrLines.push(line);
      if (this.stderrLines.length > 60) this.stderrLines.shift();
    });
  }

  /**
   * Starts the verifier JVM against `bootstrap`. The kafka-clients version is `kafkaVersion`,
   * else that of the running test broker, else KAFKA_VERSION, else DEFAULT_KAFKA_VERSION.
   */
  static async start(bootstrap: string, kafkaVersion?: string): Promise<Verifier> {
    const version = verifierKafkaVersion(kafkaVersion);
    const classpath = await buildVerifier(version);
    const java = javaInfo();
    if (!java) throw new Error('java is needed on PATH to run the Java verifier');
    const proc = spawn(
      java.path,
      [
        '-Xms64m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        '-Xshare:auto',
        '-cp',
        classpath,
        MAIN_CLASS,
        bootstrap,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const v = new Verifier(proc);
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Java verifier did not start within 60 s\n${v.stderrTail()}`)), 60_000);
      v.onReady = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
      void v.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the Java verifier exited during start\n${v.stderrTail()}`));
      });
    }).catch(async (e: unknown) => {
      await v.close();
      throw e;
    });
    v.kafkaClientsVersion = String(ready.kafkaClientsVersion ?? '');
    v.setRef(false);
    return v;
  }

  private stderrTail(): string {
    return this.stderrLines.slice(-30).join('\n');
  }

  /** Keep this process alive only while requests are outstanding. */
  private setRef(on: boolean): void {
    for (const h of [this.proc, this.proc.stdin, this.proc.stdout, this.proc.stderr] as Refable[]) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.stderrLines.push(`(stdout, not JSON) ${line}`);
      return;
    }
    if (msg.ready === true) {
      this.onReady?.(msg);
      this.onReady = null;
      return;
    }
    const id = typeof msg.id === 'number' ? msg.id : NaN;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (this.pending.size === 0) this.setRef(false);
    if (msg.ok === true) p.resolve(msg);
    else {
      const err = new Error(`verifier ${p.op} failed: ${String(msg.error)}`) as Error & { javaError?: string };
      err.javaError = String(msg.error);
      p.reject(err);
    }
  }

  private request(op: string, body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.exitedFlag || this.closing) return Promise.reject(new Error(`the Java verifier is closed (${op})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (this.pending.size === 0) this.setRef(false);
        reject(new Error(`verifier ${op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer });
      if (this.pending.size === 1) this.setRef(true);
      this.proc.stdin!.write(`${JSON.stringify({ id, op, ...body })}\n`);
    });
  }

  /** Creates the topic and waits until every partition has a leader. */
  async createTopic(
    topic: string,
    partitions: number,
    opts: { replicationFactor?: number; configs?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await this.request(
      'createTopic',
      { topic, partitions, replicationFactor: opts.replicationFactor, configs: opts.configs, timeoutMs },
      timeoutMs + 30_000,
    );
  }

  /** Deletes the topic and waits until it is no longer listed. */
  async deleteTopic(topic: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await this.request('deleteTopic', { topic, timeoutMs }, timeoutMs + 30_000);
  }

  /**
   * Reads the topic from the beginning of every partition with the Java consumer (no group,
   * CRCs checked, `isolation` read_uncommitted unless told otherwise). Without `expected`: up to
   * the end offsets at the start. With it: until that many records arrived, then on to the end
   * offsets of that moment (so duplicates show). Returns what it has when `timeoutMs`
   * (default 30 s) passes (timedOut). With read_committed the end offsets are the last stable
   * offsets: records of aborted transactions are left out, and the read stops where an open
   * transaction begins.
   */
  async consume(
    topic: string,
    opts: { expected?: number; timeoutMs?: number; isolation?: IsolationLevel } = {},
  ): Promise<ConsumeResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = await this.request(
      'consume',
      { topic, expected: opts.expected, timeoutMs, isolation: opts.isolation },
      timeoutMs + 30_000,
    );
    return {
      records: r.records as VerifiedRecord[],
      endOffsets: r.endOffsets as Record<string, number>,
      timedOut: r.timedOut === true,
    };
  }

  async describeTopic(topic: string, opts: { timeoutMs?: number } = {}): Promise<TopicDescription> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = await this.request('describeTopic', { topic, timeoutMs }, timeoutMs + 30_000);
    return {
      topic: r.topic as string,
      topicId: (r.topicId as string | null) ?? null,
      internal: r.internal === true,
      partitions: r.partitions as PartitionDescription[],
    };
  }

  /**
   * Partition (as a string) -> end offset (ListOffsets, latest): the high watermark with
   * read_uncommitted (the default), the last stable offset with read_committed.
   */
  async endOffsets(topic: string, opts: { timeoutMs?: number; isolation?: IsolationLevel } = {}): Promise<Record<string, number>> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = await this.request('endOffsets', { topic, timeoutMs, isolation: opts.isolation }, timeoutMs + 30_000);
    return r.endOffsets as Record<string, number>;
  }

  /** Partition (as a string) -> last stable offset: endOffsets with read_committed. */
  lastStableOffsets(topic: string, opts: { timeoutMs?: number } = {}): Promise<Record<string, number>> {
    return this.endOffsets(topic, { ...opts, isolation: 'read_committed' });
  }

  /**
   * A consumer group's committed offsets (Admin.listConsumerGroupOffsets), keyed
   * `topic-partition`; partitions without one are left out, and an unknown group gives {}.
   * `requireStable`: while a transaction holds uncommitted offsets for the group the admin
   * client retries (until `timeoutMs`) instead of answering with the last committed ones.
   */
  async committedOffsets(
    groupId: string,
    opts: { timeoutMs?: number; requireStable?: boolean } = {},
  ): Promise<Record<string, CommittedOffset>> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = await this.request(
      'committedOffsets',
      { groupId, requireStable: opts.requireStable === true, timeoutMs },
      timeoutMs + 30_000,
    );
    return r.offsets as Record<string, CommittedOffset>;
  }

  /**
   * Sets a group's committed offsets with the admin client (Admin.alterConsumerGroupOffsets;
   * the group must have no active members): `topic-partition` -> offset or { offset, metadata }.
   */
  async commitOffsets(
    groupId: string,
    offsets: Record<string, number | { offset: number; metadata?: string }>,
    opts: { timeoutMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await this.request('commitOffsets', { groupId, offsets, timeoutMs }, timeoutMs + 30_000);
  }

  /**
   * The coordinators' state of each transactional id (Admin.describeTransactions), keyed by id.
   * An id no coordinator knows (never initialized, or expired) rejects the whole call with
   * TransactionalIdNotFoundException in the message.
   */
  async describeTransactions(
    transactionalIds: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<Record<string, TransactionDescription>> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = await this.request('describeTransactions', { transactionalIds, timeoutMs }, timeoutMs + 30_000);
    return r.transactions as Record<string, TransactionDescription>;
  }

  /**
   * Node id of the transaction coordinator of `transactionalId`, as describeTransactions reports
   * it: the id must be known to its coordinator (after an InitProducerId with it).
   */
  async findTransactionCoordinator(transactionalId: string, opts: { timeoutMs?: number } = {}): Promise<number> {
    const d = (await this.describeTransactions([transactionalId], opts))[transactionalId];
    if (!d) throw new Error(`verifier describeTransactions gave nothing for ${transactionalId}`);
    return d.coordinatorId;
  }

  /**
   * ALLOW ACLs on a topic (literal name, any host) for `principal` ("User:alice"), with Kafka's
   * operation names (WRITE, DESCRIBE, ...). Needs a broker with an authorizer, and the
   * verifier's own principal a super user there.
   */
  async allowTopic(topic: string, principal: string, operations: string[], opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await this.request('allowTopic', { topic, principal, operations, timeoutMs }, timeoutMs + 30_000);
  }

  /**
   * Reads a topic whose values are `<prefix><seq>[:...]` (to the end offsets seen at the start)
   * and answers with counts, not records: for runs too long to bring every record back (the
   * soak). `seen` has bit `seq` set (byte seq >> 3, bit seq & 7) for every sequence number present.
   */
  async sequenceSummary(
    topic: string,
    prefix: string,
    maxSeq: number,
    opts: { timeoutMs?: number; isolation?: IsolationLevel } = {},
  ): Promise<SequenceSummary> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const r = await this.request(
      'sequenceSummary',
      { topic, prefix, maxSeq, timeoutMs, isolation: opts.isolation },
      timeoutMs + 30_000,
    );
    return {
      records: r.records as number,
      foreign: r.foreign as number,
      duplicates: r.duplicates as number,
      reordered: r.reordered as number,
      outOfRange: r.outOfRange as number,
      distinct: r.distinct as number,
      seen: Buffer.from(r.seen as string, 'base64'),
      endOffsets: r.endOffsets as Record<string, number>,
      timedOut: r.timedOut === true,
    };
  }

  /** Ends stdin (the JVM finishes what is in flight and exits); SIGKILL after 10 s. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        if (!this.exitedFlag) {
          this.setRef(true);
          this.proc.stdin!.end();
          let timer: NodeJS.Timeout | undefined;
          const timedOut = await Promise.race([
            this.exited.then(() => false),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(true), 10_000);
            }),
          ]);
          clearTimeout(timer);
          if (timedOut) this.proc.kill('SIGKILL');
        }
        await this.exited;
      })();
    }
    return this.closing;
  }
}

// ---------------------------------------------------------------------------------------------
// The Java client as a control group (test/support/java: ControlProducer)

export interface ControlProducerSpec {
  bootstrap: string;
  topic: string;
  records: number;
  ratePerSec: number;
  /** Tag in every value (`<runId>:<seq>[:padding]`), as SequenceProducer writes them. */
  runId: string;
  /** > 0: key `key-<seq % keys>`, placed by the Java default partitioner; else partition seq % partitions. */
  keys?: number;
  partitions?: number;
  padding?: number;
  /** How long to wait for outstanding outcomes once every record is sent; then close without grace. */
  drainMs?: number;
  /** Java producer properties on top of its defaults. */
  configs?: Record<string, string>;
  /**
   * Transactional mode: initTransactions() before the start, a transaction opened before the
   * first record sent, committed once it is `commitEveryMs` old and after the last record.
   */
  transactionalId?: string;
  /** Age at which the open transaction is committed (checked every few ms); default 100. */
  commitEveryMs?: number;
  /** Abort every `abortEvery`-th transaction instead of committing it; default 0 (never). */
  abortEvery?: number;
}

export interface ControlProducerResult {
  kafkaClientsVersion: string;
  /** Epoch ms when the first record was about to be sent; per-record times count from here. */
  startedAtMs: number;
  /** Records handed to send(): all of them, unless a transactional run hit a fatal error. */
  sent: number;
  acked: number;
  failed: number;
  noOutcome: number;
  repeatedOutcome: number;
  /** Java exception class -> count. */
  errors: Record<string, number>;
  firstAckMs: number;
  lastAckMs: number;
  /** Largest gap between consecutive acknowledgements of one partition, as Java measured it. */
  maxAckGapMs: number;
  maxAckGapPartition: number;
  maxAckGapFromMs: number;
  /** Per record (index = seq): outcome time after startedAtMs (-1: none), partition (-1: unknown), offset (-1: failed). */
  atMs: number[];
  partition: number[];
  offset: number[];
  /** Callbacks per record, present only when some record had other than one. */
  calls?: number[];
  /** [seq, exception class] of every failed record. */
  failures: [number, string][];
  /** Transactions committed / aborted (both 0 without transactionalId). */
  committedTransactions: number;
  abortedTransactions: number;
  /** Transactional mode only: time in initTransactions(), and in commitTransaction() (max, total). */
  initTransactionsMs?: number;
  maxCommitMs?: number;
  totalCommitMs?: number;
  /**
   * Transactional mode only: [fromSeq, toSeq) of every transaction not committed (aborted, or
   * left open by a fatal error). Their records may have succeeded callbacks (acked) but a
   * read_committed consumer does not see them.
   */
  abortedRanges?: [number, number][];
  /** Transactional mode only: exception class of a failed commit/abort -> count. */
  transactionErrors?: Record<string, number>;
}

/**
 * Runs the Java client's producer on a paced workload (see ControlProducer.java) and resolves
 * with every record's outcome. `onStarted` gets the epoch ms at which sending begins, so a
 * fault can be timed against the workload. The JVM is killed past `timeoutMs`.
 */
export async function runControlProducer(
  spec: ControlProducerSpec,
  opts: { timeoutMs: number; kafkaVersion?: string; onStarted?: (atMs: number) => void },
): Promise<ControlProducerResult> {
  const classpath = await buildVerifier(verifierKafkaVersion(opts.kafkaVersion));
  const java = javaInfo();
  if (!java) throw new Error('java is needed on PATH to run the Java control producer');
  const proc = spawn(
    java.path,
    ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Xshare:auto', '-cp', classpath, 'kafkawire.verifier.ControlProducer', JSON.stringify(spec)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  readline.createInterface({ input: proc.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  return new Promise<ControlProducerResult>((resolve, reject) => {
    let result: ControlProducerResult | null = null;
    let version = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the Java control producer did not finish within ${opts.timeoutMs} ms\n${stderr.join('\n')}`));
    }, opts.timeoutMs);
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stderr.push(`(stdout, not JSON) ${line.slice(0, 200)}`);
        return;
      }
      if (msg.event === 'started') {
        version = String(msg.kafkaClientsVersion ?? '');
        opts.onStarted?.(msg.atMs as number);
      } else if (msg.event === 'done') result = { ...(msg as unknown as ControlProducerResult), kafkaClientsVersion: version };
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`the Java control producer exited (code ${code}, signal ${signal}) without a summary\n${stderr.join('\n')}`));
    });
  });
}
