/**
 * `kafka-wire perf`: Kafka's producer performance tool (kafka-producer-perf-test) on the
 * kafka-wire producer, with its flags, its payloads (random uppercase letters, or payloads
 * from a file, or increasing numbers), its throttle and its output lines (perf-stats.ts).
 * A progress bar goes to stderr while stdout is a terminal.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KafkaProducer } from '../producer/kafka-producer';
import { ConfigError } from '../protocol/errors';
import { all, has, helpText, integerOption, last, numberOption, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo, errorMessage, EXIT_FAILED, EXIT_OK, sleep, yieldToEventLoop } from './io';
import { PerfStats, ThroughputThrottler } from './perf-stats';
import { loadPropertiesFile, merge, parseKeyValues, producerOptionsOf, Properties } from './properties';

export const PERF_OPTIONS: readonly OptionSpec[] = [
  { name: 'topic', arg: 'required', required: true, metavar: 'TOPIC', help: 'Produce to this topic.' },
  { name: 'num-records', arg: 'required', required: true, metavar: 'N', help: 'How many records to produce.' },
  { name: 'record-size', arg: 'required', metavar: 'BYTES', help: 'Record size in bytes (random uppercase letters). Give exactly one of --record-size, --payload-file, --payload-monotonic.' },
  { name: 'payload-file', arg: 'required', metavar: 'FILE', help: 'A UTF-8 text file of payloads, split at --payload-delimiter; each record takes one at random.' },
  { name: 'payload-monotonic', arg: 'none', help: 'Payloads are the increasing record numbers 0, 1, 2, ...' },
  { name: 'payload-delimiter', arg: 'required', metavar: 'TEXT', help: 'Separates the payloads of --payload-file.', defaultText: '\\n' },
  { name: 'throughput', arg: 'required', required: true, metavar: 'RECORDS/SEC', help: 'Throttle to about this many records per second; -1 for no throttling.' },
  { name: 'producer-props', arg: 'multi', metavar: 'KEY=VALUE', help: 'Producer properties (Java names), e.g. bootstrap.servers=HOST:PORT; they override --producer.config.' },
  { name: 'producer.config', aliases: ['command-config'], arg: 'required', metavar: 'FILE', help: 'A producer properties file (Java .properties format).' },
  { name: 'bootstrap-server', arg: 'required', metavar: 'HOST:PORT[,...]', help: 'Sets bootstrap.servers (overriding the properties).' },
  { name: 'print-metrics', arg: 'none', help: "Print the producer's metrics at the end." },
  { name: 'transactional-id', arg: 'required', metavar: 'ID', help: 'Produce in transactions with this transactional id.' },
  { name: 'transaction-duration-ms', arg: 'required', metavar: 'MS', help: 'Commit each transaction after this long (3000 when transactions are on and this is not given).' },
  { name: 'warmup-records', arg: 'required', metavar: 'N', help: 'Leave the first N records out of a second, steady-state summary.', defaultText: '0' },
  { name: 'help', arg: 'none', help: 'Print this help and exit.' },
  { name: 'version', arg: 'none', help: 'Print the version and exit.' },
];

export const PERF_HELP = helpText(
  'kafka-wire perf --topic TOPIC --num-records N (--record-size BYTES | --payload-file FILE | --payload-monotonic) --throughput N (--producer-props KEY=VALUE... | --producer.config FILE | --bootstrap-server HOST:PORT)',
  "Measures the producer as Kafka's kafka-producer-perf-test does, with its flags and output lines: every 5 s " +
    '"N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency." and at the end the same ' +
    'with the 50th, 95th, 99th and 99.9th latency percentiles. The exit code is 1 when any record failed, 2 for a bad command line.',
  PERF_OPTIONS,
);

export interface PerfSettings {
  readonly topic: string;
  readonly numRecords: number;
  readonly recordSize: number | null;
  readonly payloadFile: string | null;
  readonly payloadDelimiter: string;
  readonly payloadMonotonic: boolean;
  readonly throughput: number;
  readonly producerProps: Properties;
  readonly printMetrics: boolean;
  readonly transactionDurationMs: number | null;
  readonly warmupRecords: number;
}

export function perfSettings(argv: readonly string[]): PerfSettings {
  const args = parseArgs(PERF_OPTIONS, argv);
  const numRecords = integerOption('num-records', last(args, 'num-records')!, { min: 1 });
  const payloadKinds = ['record-size', 'payload-file', 'payload-monotonic'].filter((n) => has(args, n));
  if (payloadKinds.length !== 1) {
    throw new UsageError('Give exactly one of --record-size, --payload-file and --payload-monotonic.');
  }
  const recordSize = has(args, 'record-size') ? integerOption('record-size', last(args, 'record-size')!, { min: 1 }) : null;
  const throughput = numberOption('throughput', last(args, 'throughput')!);
  if (throughput === 0) throw new UsageError('Option --throughput must be positive, or -1 for no throttling; got 0.');
  const warmupRecords = has(args, 'warmup-records') ? Math.max(0, integerOption('warmup-records', last(args, 'warmup-records')!)) : 0;
  if (warmupRecords >= numRecords) throw new UsageError('Option --warmup-records must be fewer than --num-records.');
  if (!has(args, 'producer-props') && !has(args, 'producer.config') && !has(args, 'bootstrap-server')) {
    throw new UsageError('Give --producer-props (with bootstrap.servers=HOST:PORT), --producer.config or --bootstrap-server.');
  }
  let transactionDurationMs = has(args, 'transaction-duration-ms')
    ? integerOption('transaction-duration-ms', last(args, 'transaction-duration-ms')!, { min: 1 })
    : null;

  const fileProps = has(args, 'producer.config') ? loadPropertiesFile('producer.config', last(args, 'producer.config')!) : undefined;
  const props = merge(fileProps, parseKeyValues('producer-props', all(args, 'producer-props')));
  if (has(args, 'bootstrap-server')) props.set('bootstrap.servers', last(args, 'bootstrap-server')!);
  if (!props.has('client.id')) props.set('client.id', 'perf-producer-client');
  const transactional = transactionDurationMs !== null || has(args, 'transactional-id') || props.has('transactional.id');
  if (transactional) {
    props.set('transactional.id', last(args, 'transactional-id') ?? props.get('transactional.id') ?? `performance-producer-${crypto.randomUUID()}`);
    transactionDurationMs ??= 3000;
  }
  const delimiter = last(args, 'payload-delimiter') ?? '\\n';
  return {
    topic: last(args, 'topic')!,
    numRecords,
    recordSize,
    payloadFile: last(args, 'payload-file') ?? null,
    payloadDelimiter: delimiter === '\\n' ? '\n' : delimiter,
    payloadMonotonic: has(args, 'payload-monotonic'),
    throughput,
    producerProps: props,
    printMetrics: has(args, 'print-metrics'),
    transactionDurationMs,
    warmupRecords,
  };
}

/** Random uppercase letters, drawn from a refilled pool of random bytes. */
class LetterSource {
  private pool = Buffer.alloc(0);
  private at = 0;

  next(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      if (this.at >= this.pool.length) {
        this.pool = crypto.randomBytes(1 << 20);
        this.at = 0;
      }
      const n = Math.min(size - filled, this.pool.length - this.at);
      for (let j = 0; j < n; j++) out[filled + j] = 65 + ((this.pool[this.at + j] * 26) >>> 8);
      filled += n;
      this.at += n;
    }
    return out;
  }
}

function readPayloads(file: string, delimiter: string, print: (line: string) => void): Buffer[] {
  const abs = path.resolve(file);
  print(`Reading payloads from: ${abs}`);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`Option --payload-file: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  if (text.length === 0) throw new UsageError(`Option --payload-file: '${file}' is empty.`);
  const pieces = text.split(delimiter);
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop();
  print(`Number of messages read: ${pieces.length}`);
  return pieces.map((p) => Buffer.from(p, 'utf8'));
}

/** A one-line progress bar on stderr, redrawn a few times a second. */
class ProgressBar {
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly total: number,
    private readonly done: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  draw(): void {
    const n = Math.min(this.total, this.done());
    const width = 30;
    const filled = Math.round((width * n) / this.total);
    const pct = Math.floor((100 * n) / this.total);
    this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${n}/${this.total} records`);
    this.drawn = true;
  }

  /** Wipes the bar (before a line goes to stdout, and at the end). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
}

const ERRORS_SHOWN = 10;

export async function perfCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const s = perfSettings(argv);
  let progress: ProgressBar | null = null;
  const print = (line: string) => {
    progress?.clear();
    io.stdout.write(line + '\n');
  };
  const payloads = s.payloadFile !== null ? readPayloads(s.payloadFile, s.payloadDelimiter, print) : [];
  let producer: KafkaProducer<Buffer, Buffer>;
  try {
    producer = new KafkaProducer<Buffer, Buffer>(producerOptionsOf(s.producerProps));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const transactional = s.transactionDurationMs !== null;

  let failed = 0;
  let firstError: unknown;
  const onError = (err: unknown) => {
    failed++;
    if (firstError === undefined) firstError = err;
    if (failed <= ERRORS_SHOWN) {
      progress?.clear();
      io.stderr.write(`Error sending a record: ${errorMessage(err)}\n`);
      if (failed === ERRORS_SHOWN) io.stderr.write('(further failed records are only counted)\n');
    }
  };

  try {
    if (transactional) await producer.initTransactions();
    if (s.warmupRecords > 0) {
      print(`Warmup first ${s.warmupRecords} records. Steady state results will print after the complete test summary.`);
    }
    const letters = new LetterSource();
    const stats = new PerfStats(s.numRecords, false, print);
    let steady: PerfStats | null = null;
    if (io.stdout.isTTY) {
      progress = new ProgressBar(io.stderr, s.numRecords, () => stats.totalCount + failed);
      progress.start();
    }
    const startMs = Date.now();
    const throttler = new ThroughputThrottler(s.throughput, startMs);
    let transactionSize = 0;
    let transactionStart = 0;
    for (let i = 0; i < s.numRecords; i++) {
      const payload =
        payloads.length > 0
          ? payloads[Math.floor(Math.random() * payloads.length)]
          : s.recordSize !== null
            ? letters.next(s.recordSize)
            : Buffer.from(String(i), 'utf8');
      if (transactional && transactionSize === 0) {
        producer.beginTransaction();
        transactionStart = Date.now();
      }
      const sendStart = Date.now();
      if (s.warmupRecords > 0 && i === s.warmupRecords) {
        steady = new PerfStats(s.numRecords - s.warmupRecords, true, print);
        stats.suppressPrinting();
      }
      const steadyStats = steady;
      const bytes = payload.length;
      const callback = (err: Error | null) => {
        const now = Date.now();
        if (err) return onError(err);
        stats.record(now - sendStart, bytes, now);
        steadyStats?.record(now - sendStart, bytes, now);
      };
      try {
        producer.send({ topic: s.topic, value: payload }, callback);
      } catch (e) {
        onError(e);
      }
      transactionSize++;
      if (transactional && s.transactionDurationMs! <= sendStart - transactionStart) {
        await producer.commitTransaction();
        transactionSize = 0;
      }
      if (throttler.shouldThrottle(i, sendStart)) {
        const ms = throttler.throttleMs();
        if (ms > 0) await sleep(ms);
      } else if ((i & 0x3ff) === 0x3ff) {
        // send() never blocks the event loop: let the sender run now and then, and wait while
        // records wait for buffer memory (where a Java send() would block).
        await yieldToEventLoop();
        while (producer.metrics()['waiting-sends'] > 0) await sleep(1);
      }
    }
    if (transactional && transactionSize > 0) await producer.commitTransaction();

    if (s.printMetrics) {
      await producer.flush();
      progress?.stop();
      print(stats.totalLine());
      if (steady) print(steady.totalLine());
      printMetrics(producer.metrics(), print);
      await producer.close();
    } else {
      await producer.close();
      progress?.stop();
      print(stats.totalLine());
      if (steady) print(steady.totalLine());
    }
  } catch (e) {
    progress?.stop();
    io.stderr.write(`kafka-wire perf: ${errorMessage(e)}\n`);
    await producer.close({ timeoutMs: 0 }).catch(() => {});
    return EXIT_FAILED;
  }
  if (failed > 0) {
    io.stderr.write(`kafka-wire perf: ${failed} of ${s.numRecords} records failed (first error: ${errorMessage(firstError)}).\n`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

function printMetrics(metrics: Record<string, number>, print: (line: string) => void): void {
  const names = Object.keys(metrics).sort();
  const width = Math.max(11, ...names.map((n) => n.length));
  print('');
  print(`${'Metric Name'.padEnd(width)}  Value`);
  for (const n of names) print(`${n.padEnd(width)}  ${formatMetric(metrics[n])}`);
}

function formatMetric(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
