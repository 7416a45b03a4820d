/**
 * `kafka-wire produce`: Kafka's console producer. Reads records from stdin, one per line,
 * with the console producer's options, line format and producer defaults (linger.ms 1000,
 * acks -1, request.timeout.ms 1500, retries 3, client.id console-producer). Sends
 * asynchronously (or one at a time with --sync), flushes at the end of input and exits 1
 * with a summary when a record failed or a line could not be read.
 */
import * as readline from 'node:readline';
import { KafkaProducer } from '../producer/kafka-producer';
import type { ProducerRecord } from '../producer/record';
import { ConfigError } from '../protocol/errors';
import { all, has, helpText, integerOption, last, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo, errorMessage, EXIT_FAILED, EXIT_OK, sleep } from './io';
import { LineFormatError, lineReaderConfig, parseLine } from './line-reader';
import { loadPropertiesFile, merge, parseKeyValues, producerOptionsOf, Properties } from './properties';

export const PRODUCE_OPTIONS: readonly OptionSpec[] = [
  { name: 'bootstrap-server', arg: 'required', metavar: 'HOST:PORT[,HOST:PORT...]', help: 'The broker(s) to connect to. Required unless --broker-list is given.' },
  { name: 'broker-list', arg: 'required', metavar: 'HOST:PORT[,...]', help: 'Deprecated spelling of --bootstrap-server; ignored when that is given.' },
  { name: 'topic', arg: 'required', required: true, metavar: 'TOPIC', help: 'The topic to produce to.' },
  {
    name: 'property',
    aliases: ['reader-property'],
    arg: 'required',
    repeatable: true,
    metavar: 'KEY=VALUE',
    help:
      'A setting of the line reader (repeatable). parse.key (false), key.separator (\\t), parse.headers (false), ' +
      'headers.delimiter (\\t), headers.separator (,), headers.key.separator (:), ignore.error (false), ' +
      'null.marker (unset: a key, value or header value equal to it becomes null). Line format:\n' +
      '  h1:v1,h2:v2<TAB>key<TAB>value   (parse.headers=true, parse.key=true)',
  },
  { name: 'reader-config', arg: 'required', metavar: 'FILE', help: 'A properties file of line reader settings; --property takes precedence.' },
  { name: 'producer-property', aliases: ['command-property'], arg: 'required', repeatable: true, metavar: 'KEY=VALUE', help: 'A producer property, Java name (repeatable); overrides --producer.config.' },
  { name: 'producer.config', aliases: ['command-config'], arg: 'required', metavar: 'FILE', help: 'A producer properties file (Java .properties format).' },
  { name: 'request-required-acks', arg: 'required', metavar: 'ACKS', help: 'The acks of the produce requests: -1 (all), 0 or 1.', defaultText: '-1' },
  { name: 'compression-codec', arg: 'optional', metavar: 'CODEC', help: "none, gzip, snappy, lz4 or zstd; given without a value, 'gzip'.", defaultText: 'none' },
  { name: 'timeout', arg: 'required', metavar: 'MS', help: 'How long a record may wait for its batch to fill: linger.ms.', defaultText: '1000' },
  { name: 'batch-size', arg: 'required', metavar: 'BYTES', help: 'batch.size.', defaultText: '16384' },
  { name: 'max-partition-memory-bytes', arg: 'required', metavar: 'BYTES', help: 'batch.size too; wins over --batch-size.', defaultText: '16384' },
  { name: 'request-timeout-ms', arg: 'required', metavar: 'MS', help: 'request.timeout.ms.', defaultText: '1500' },
  { name: 'message-send-max-retries', arg: 'required', metavar: 'N', help: 'retries.', defaultText: '3' },
  { name: 'retry-backoff-ms', arg: 'required', metavar: 'MS', help: 'retry.backoff.ms.', defaultText: '100' },
  { name: 'metadata-expiry-ms', arg: 'required', metavar: 'MS', help: 'metadata.max.age.ms.', defaultText: '300000' },
  { name: 'max-block-ms', arg: 'required', metavar: 'MS', help: 'max.block.ms.', defaultText: '60000' },
  { name: 'max-memory-bytes', arg: 'required', metavar: 'BYTES', help: 'buffer.memory.', defaultText: '33554432' },
  { name: 'socket-buffer-size', arg: 'required', metavar: 'BYTES', help: 'Accepted for compatibility and ignored (the operating system sizes the socket buffers).' },
  { name: 'sync', arg: 'none', help: 'Send one record at a time, each waiting for its acknowledgement.' },
  { name: 'partition', arg: 'required', metavar: 'N', help: "kafka-wire only (not in Kafka's tool): send every record to this partition." },
  { name: 'help', arg: 'none', help: 'Print this help and exit.' },
  { name: 'version', arg: 'none', help: 'Print the version and exit.' },
];

export const PRODUCE_HELP = helpText(
  'kafka-wire produce --bootstrap-server HOST:PORT --topic TOPIC [options] < lines',
  'Reads records from standard input, one per line, and sends them to Kafka, as Kafka\'s console producer does ' +
    '(same options, line format and producer defaults). Producer properties use the Java client\'s names. ' +
    'At the end of input every record is flushed; the exit code is 1 when any record failed (a summary goes to ' +
    'stderr) and 2 for a bad command line.',
  PRODUCE_OPTIONS,
);

/** Each flag with its producer property and default; a flag given wins, else a property set, else the default. */
const MERGED: readonly { flag: string; property: string; dflt: string; min?: number }[] = [
  { flag: 'timeout', property: 'linger.ms', dflt: '1000', min: 0 },
  { flag: 'request-required-acks', property: 'acks', dflt: '-1' },
  { flag: 'request-timeout-ms', property: 'request.timeout.ms', dflt: '1500', min: 1 },
  { flag: 'message-send-max-retries', property: 'retries', dflt: '3', min: 0 },
  { flag: 'retry-backoff-ms', property: 'retry.backoff.ms', dflt: '100', min: 0 },
  { flag: 'max-memory-bytes', property: 'buffer.memory', dflt: '33554432', min: 0 },
  { flag: 'batch-size', property: 'batch.size', dflt: '16384', min: 0 },
  { flag: 'max-partition-memory-bytes', property: 'batch.size', dflt: '16384', min: 0 },
  { flag: 'metadata-expiry-ms', property: 'metadata.max.age.ms', dflt: '300000', min: 0 },
  { flag: 'max-block-ms', property: 'max.block.ms', dflt: '60000', min: 0 },
];

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface ProduceSettings {
  readonly topic: string;
  readonly partition: number | null;
  readonly sync: boolean;
  readonly producerProps: Properties;
  readonly readerProps: Properties;
}

/** The command line to settings; UsageError for a bad one. (--help and --version are the caller's.) */
export function produceSettings(argv: readonly string[]): ProduceSettings {
  const args = parseArgs(PRODUCE_OPTIONS, argv);
  const bootstrap = last(args, 'bootstrap-server') ?? last(args, 'broker-list');
  if (bootstrap === undefined || bootstrap.trim() === '') throw new UsageError('Missing required option: --bootstrap-server.');
  const topic = last(args, 'topic')!;
  if (topic === '') throw new UsageError('Option --topic may not be empty.');

  const fileProps = has(args, 'producer.config') ? loadPropertiesFile('producer.config', last(args, 'producer.config')!) : undefined;
  const props = merge(fileProps, parseKeyValues('producer-property', all(args, 'producer-property')));
  props.set('bootstrap.servers', bootstrap);
  let codec = 'none';
  if (has(args, 'compression-codec')) {
    const given = last(args, 'compression-codec');
    codec = given === undefined || given === '' ? 'gzip' : given.trim().toLowerCase();
    if (!CODECS.includes(codec)) throw new UsageError(`Option --compression-codec must be one of ${CODECS.join(', ')}; got '${given}'.`);
  }
  props.set('compression.type', codec);
  if (!props.has('client.id')) props.set('client.id', 'console-producer');
  for (const m of MERGED) {
    const given = last(args, m.flag);
    if (given !== undefined) {
      if (m.flag === 'request-required-acks') {
        if (!['-1', '0', '1', 'all'].includes(given.trim())) throw new UsageError(`Option --request-required-acks must be -1, 0, 1 or all; got '${given}'.`);
        props.set(m.property, given.trim());
      } else {
        props.set(m.property, String(integerOption(m.flag, given, { min: m.min })));
      }
    } else if (!props.has(m.property)) {
      props.set(m.property, m.dflt);
    }
  }
  const partition = has(args, 'partition') ? integerOption('partition', last(args, 'partition')!, { min: 0, max: 2 ** 31 - 1 }) : null;
  const readerFile = has(args, 'reader-config') ? loadPropertiesFile('reader-config', last(args, 'reader-config')!) : undefined;
  const readerProps = merge(readerFile, parseKeyValues('property', all(args, 'property')));
  return { topic, partition, sync: has(args, 'sync'), producerProps: props, readerProps };
}

/** How many failed records are reported one by one before only the count goes on. */
const ERRORS_SHOWN = 10;

export async function produceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const settings = produceSettings(argv);
  const reader = lineReaderConfig(settings.readerProps);
  let producer: KafkaProducer<Buffer, Buffer>;
  try {
    producer = new KafkaProducer<Buffer, Buffer>(producerOptionsOf(settings.producerProps));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }

  let sent = 0;
  let delivered = 0;
  let failed = 0;
  let firstError: unknown;
  let pending = 0;
  let settled: (() => void) | null = null;
  const report = (err: unknown, key: Buffer | null, value: Buffer | null) => {
    failed++;
    if (firstError === undefined) firstError = err;
    if (failed <= ERRORS_SHOWN) {
      io.stderr.write(
        `Error when sending a record to topic ${settings.topic} with key: ${key === null ? 'null' : `${key.length} bytes`}, ` +
          `value: ${value === null ? 'null' : `${value.length} bytes`}: ${errorMessage(err)}\n`,
      );
      if (failed === ERRORS_SHOWN) io.stderr.write('(further failed records are only counted)\n');
    }
  };
  const send = (record: ProducerRecord<Buffer, Buffer>): Promise<void> | void => {
    sent++;
    pending++;
    let done: (() => void) | undefined;
    const promise = settings.sync ? new Promise<void>((r) => (done = r)) : undefined;
    const callback = (err: Error | null) => {
      if (err) report(err, record.key ?? null, record.value);
      else delivered++;
      if (--pending === 0 && settled) settled();
      done?.();
    };
    try {
      producer.send(record, callback);
    } catch (e) {
      callback(e as Error);
    }
    return promise;
  };

  const prompt = io.stdinIsTTY === true && io.stdout.isTTY === true;
  const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    rl.close();
  };
  process.once('SIGINT', onSigint);
  let inputError: unknown;
  let lineNumber = 0;
  try {
    if (prompt) io.stdout.write('>');
    for await (const line of rl) {
      lineNumber++;
      let parsed;
      try {
        parsed = parseLine(reader, line, lineNumber);
      } catch (e) {
        if (!(e instanceof LineFormatError)) throw e;
        inputError = e;
        break;
      }
      const record: ProducerRecord<Buffer, Buffer> = {
        topic: settings.topic,
        key: parsed.key === null ? null : Buffer.from(parsed.key, 'utf8'),
        value: parsed.value === null ? null : Buffer.from(parsed.value, 'utf8'),
      };
      if (parsed.headers !== null) {
        record.headers = parsed.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value, 'utf8') }));
      }
      if (settings.partition !== null) record.partition = settings.partition;
      const waiting = send(record);
      if (waiting) await waiting;
      // send() never blocks: while records wait for buffer memory, stop reading, as a blocked
      // Java send() would.
      else if ((sent & 0xff) === 0) while (producer.metrics()['waiting-sends'] > 0) await sleep(1);
      if (prompt) io.stdout.write('>');
    }
  } catch (e) {
    inputError = e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    rl.close();
  }
  if (inputError !== undefined) (io.stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();

  const allSettled = pending === 0 ? Promise.resolve() : new Promise<void>((r) => (settled = r));
  try {
    await producer.flush();
    await producer.close();
  } catch (e) {
    io.stderr.write(`kafka-wire produce: closing the producer failed: ${errorMessage(e)}\n`);
  }
  await allSettled;

  if (inputError !== undefined) {
    io.stderr.write(`kafka-wire produce: stopped reading input: ${errorMessage(inputError)}\n`);
  }
  if (failed > 0 || inputError !== undefined) {
    io.stderr.write(
      `kafka-wire produce: ${delivered} of ${sent} records delivered, ${failed} failed` +
        (firstError !== undefined ? ` (first error: ${errorMessage(firstError)})` : '') +
        (inputError !== undefined ? `; input stopped at line ${lineNumber}` : '') +
        '.\n',
    );
    return EXIT_FAILED;
  }
  if (interrupted && prompt) io.stdout.write('\n');
  return EXIT_OK;
}
