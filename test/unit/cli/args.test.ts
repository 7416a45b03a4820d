import { integerOption, numberOption, OptionSpec, parseArgs, UsageError } from '../../../src/cli/args';
import { perfSettings } from '../../../src/cli/perf';
import { produceSettings } from '../../../src/cli/produce';

const specs: OptionSpec[] = [
  { name: 'topic', arg: 'required', required: true, help: '' },
  { name: 'property', aliases: ['reader-property'], arg: 'required', repeatable: true, help: '' },
  { name: 'compression-codec', arg: 'optional', help: '' },
  { name: 'producer-props', arg: 'multi', help: '' },
  { name: 'sync', arg: 'none', help: '' },
  { name: 'timeout', arg: 'required', help: '' },
];

describe('parseArgs', () => {
  test('--name value, --name=value, aliases, repeatable and last-wins options', () => {
    const a = parseArgs(specs, ['--topic', 'a', '--topic=b', '--property', 'x=1', '--reader-property=y=2', '--sync', '--timeout', '-1']);
    expect(a.values.get('topic')).toEqual(['b']);
    expect(a.values.get('property')).toEqual(['x=1', 'y=2']);
    expect(a.values.get('sync')).toEqual([]);
    expect(a.values.get('timeout')).toEqual(['-1']);
  });

  test('an optional value is taken unless the next word is an option; multi takes words up to the next option', () => {
    expect(parseArgs(specs, ['--topic', 't', '--compression-codec', '--sync']).values.get('compression-codec')).toEqual([]);
    expect(parseArgs(specs, ['--topic', 't', '--compression-codec', 'lz4']).values.get('compression-codec')).toEqual(['lz4']);
    const a = parseArgs(specs, ['--producer-props', 'a=1', 'b=2', '--topic', 't', '--producer-props', 'c=3']);
    expect(a.values.get('producer-props')).toEqual(['c=3']);
    expect(parseArgs(specs, ['--topic', 't', '--producer-props', 'a=1', 'b=2']).values.get('producer-props')).toEqual(['a=1', 'b=2']);
  });

  test('a unique prefix names an option', () => {
    expect(parseArgs(specs, ['--top', 't', '--sy']).values.has('sync')).toBe(true);
  });

  test.each([
    [['--topic', 't', '--bogus'], /Unknown option --bogus\.$/],
    [['--topic', 't', '--timout', '5'], /Unknown option --timout\. Did you mean --timeout\?/],
    [['--topic'], /--topic needs a value/],
    [[], /Missing required option: --topic/],
    [['--topic', 't', 'stray'], /Unexpected argument 'stray'/],
    [['--topic', 't', '--sync=yes'], /--sync takes no value/],
    [['--topic', 't', '--producer-props'], /at least one value/],
    [['--topic', 't', '--pro', 'x'], /--pro is ambiguous/],
  ])('%j is a UsageError', (argv, message) => {
    expect(() => parseArgs(specs, argv as string[])).toThrow(UsageError);
    expect(() => parseArgs(specs, argv as string[])).toThrow(message as RegExp);
  });

  test('numbers', () => {
    expect(integerOption('n', ' 42 ')).toBe(42);
    expect(integerOption('n', '-1')).toBe(-1);
    expect(() => integerOption('n', '4.2')).toThrow("Option --n: '4.2' is not a whole number.");
    expect(() => integerOption('n', '99999999999999999999')).toThrow(/too large/);
    expect(() => integerOption('n', '0', { min: 1 })).toThrow('Option --n must be at least 1; got 0.');
    expect(numberOption('t', '-1')).toBe(-1);
    expect(numberOption('t', '2.5e3')).toBe(2500);
    expect(() => numberOption('t', '1k')).toThrow("Option --t: '1k' is not a number.");
  });
});

describe('produce settings', () => {
  const base = ['--bootstrap-server', 'h:9092', '--topic', 't'];

  test("the console producer's producer defaults", () => {
    const s = produceSettings(base);
    expect(Object.fromEntries(s.producerProps)).toEqual({
      'bootstrap.servers': 'h:9092',
      'compression.type': 'none',
      'client.id': 'console-producer',
      'linger.ms': '1000',
      acks: '-1',
      'request.timeout.ms': '1500',
      retries: '3',
      'retry.backoff.ms': '100',
      'buffer.memory': '33554432',
      'batch.size': '16384',
      'metadata.max.age.ms': '300000',
      'max.block.ms': '60000',
    });
    expect(s.sync).toBe(false);
    expect(s.partition).toBeNull();
  });

  test('a flag given wins over --producer-property, which wins over a flag default', () => {
    const s = produceSettings([...base, '--producer-property', 'linger.ms=7', '--producer-property', 'acks=1', '--request-required-acks', '0', '--batch-size', '100', '--max-partition-memory-bytes', '200']);
    expect(s.producerProps.get('linger.ms')).toBe('7');
    expect(s.producerProps.get('acks')).toBe('0');
    expect(s.producerProps.get('batch.size')).toBe('200');
    expect(produceSettings([...base, '--timeout', '3', '--producer-property', 'linger.ms=7']).producerProps.get('linger.ms')).toBe('3');
  });

  test('--compression-codec without a value is gzip; a bad codec is a usage error', () => {
    expect(produceSettings([...base, '--compression-codec']).producerProps.get('compression.type')).toBe('gzip');
    expect(produceSettings([...base, '--compression-codec', 'ZSTD']).producerProps.get('compression.type')).toBe('zstd');
    expect(() => produceSettings([...base, '--compression-codec', 'brotli'])).toThrow(/must be one of none, gzip, snappy, lz4, zstd/);
  });

  test('--broker-list stands in for --bootstrap-server; --partition, --sync, --property', () => {
    const s = produceSettings(['--broker-list', 'old:1', '--topic', 't', '--partition', '2', '--sync', '--property', 'parse.key=true', '--property', 'key.separator=:']);
    expect(s.producerProps.get('bootstrap.servers')).toBe('old:1');
    expect(s.partition).toBe(2);
    expect(s.sync).toBe(true);
    expect(Object.fromEntries(s.readerProps)).toEqual({ 'parse.key': 'true', 'key.separator': ':' });
    expect(() => produceSettings([...base, '--partition', '-1'])).toThrow(/at least 0/);
    expect(() => produceSettings([...base, '--property', 'novalue'])).toThrow(/not of the form key=value/);
  });
});

describe('perf settings', () => {
  const base = ['--topic', 't', '--num-records', '100', '--throughput', '-1'];

  test('producer props, client.id, payload choice', () => {
    const s = perfSettings([...base, '--record-size', '10', '--producer-props', 'bootstrap.servers=h:1', 'acks=1', 'sasl.jaas.config=a=b']);
    expect(Object.fromEntries(s.producerProps)).toEqual({ 'bootstrap.servers': 'h:1', acks: '1', 'sasl.jaas.config': 'a=b', 'client.id': 'perf-producer-client' });
    expect(s.recordSize).toBe(10);
    expect(s.transactionDurationMs).toBeNull();
    expect(perfSettings([...base, '--payload-monotonic', '--bootstrap-server', 'h:1']).payloadMonotonic).toBe(true);
    expect(perfSettings([...base, '--payload-file', 'f', '--bootstrap-server', 'h:1']).payloadDelimiter).toBe('\n');
  });

  test('transactions: a transactional id or a duration turns them on, 3000 ms by default', () => {
    const s = perfSettings([...base, '--record-size', '10', '--bootstrap-server', 'h:1', '--transactional-id', 'tx']);
    expect(s.producerProps.get('transactional.id')).toBe('tx');
    expect(s.transactionDurationMs).toBe(3000);
    const d = perfSettings([...base, '--record-size', '10', '--bootstrap-server', 'h:1', '--transaction-duration-ms', '50']);
    expect(d.producerProps.get('transactional.id')).toMatch(/^performance-producer-/);
    expect(d.transactionDurationMs).toBe(50);
  });

  test.each([
    [['--topic', 't', '--num-records', '0', '--throughput', '-1', '--record-size', '1', '--bootstrap-server', 'h:1'], /--num-records must be at least 1/],
    [[...base, '--record-size', '1', '--payload-monotonic', '--bootstrap-server', 'h:1'], /exactly one of/],
    [[...base, '--record-size', '0', '--bootstrap-server', 'h:1'], /--record-size must be at least 1/],
    [[...base, '--record-size', '1'], /Give --producer-props/],
    [[...base, '--record-size', '1', '--bootstrap-server', 'h:1', '--warmup-records', '100'], /--warmup-records must be fewer/],
    [['--topic', 't', '--num-records', '5', '--throughput', '0', '--record-size', '1', '--bootstrap-server', 'h:1'], /--throughput must be positive, or -1/],
    [[...base, '--record-size', '1', '--producer-props', 'novalue'], /not of the form key=value/],
    [['--num-records', '5', '--throughput', '1', '--record-size', '1', '--bootstrap-server', 'h:1'], /Missing required option: --topic/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => perfSettings(argv as string[])).toThrow(message as RegExp);
  });
});
