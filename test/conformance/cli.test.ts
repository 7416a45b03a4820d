/**
 * The kafka-wire command line against a real broker, read back by the Java consumer:
 * `produce` (the console producer's line format, keys, headers, a failed record's exit code
 * and summary) and `perf` (the Java perf tool's final line; the records arrive).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { uniqueTopic, Verifier } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.ts');
let verifier: Verifier;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], stdin = ''): Promise<RunResult> {
  const tsx = require.resolve('tsx/cli');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(stdin);
  });
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
const text = (h: string | null) => (h === null ? null : Buffer.from(h, 'hex').toString('utf8'));

describe('kafka-wire produce', () => {
  test('lines with headers and keys in the console producer default format (tabs, "," and ":")', async () => {
    const topic = uniqueTopic('cli-produce-headers');
    await verifier.createTopic(topic, 1);
    const input = ['trace:abc,kind:order\tcustomer-1\t{"total":12.5}', 'kind:refund\tcustomer-2\tsecond value', 'kind:x,empty:\tcustomer-3\tvalue with\ttab'].join('\n') + '\n';
    const r = await cli(['produce', '--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true', '--property', 'parse.headers=true'], input);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { records } = await verifier.consume(topic, { expected: 3 });
    expect(records.map((x) => [text(x.key), text(x.value)])).toEqual([
      ['customer-1', '{"total":12.5}'],
      ['customer-2', 'second value'],
      ['customer-3', 'value with\ttab'],
    ]);
    expect(records[0].headers).toEqual([
      { key: 'trace', value: hex('abc') },
      { key: 'kind', value: hex('order') },
    ]);
    expect(records[1].headers).toEqual([{ key: 'kind', value: hex('refund') }]);
    expect(records[2].headers).toEqual([
      { key: 'kind', value: hex('x') },
      { key: 'empty', value: '' },
    ]);
  });

  test('key.separator=:, null.marker, --partition, --compression-codec and a producer.config file', async () => {
    const topic = uniqueTopic('cli-produce-keys');
    await verifier.createTopic(topic, 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-cli-'));
    const config = path.join(dir, 'producer.properties');
    fs.writeFileSync(config, '# a Java properties file\nclient.id = cli-test\nlinger.ms=5\nkey.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\n');
    try {
      const lines = ['k1:v1', 'k2:a:b', 'NULL:tombstone-key', 'k4:NULL'].join('\n'); // no final newline
      const r = await cli(
        [
          'produce', '--bootstrap-server', bootstrap, '--topic', topic,
          '--property', 'parse.key=true', '--property', 'key.separator=:', '--property', 'null.marker=NULL',
          '--partition', '2', '--compression-codec', 'lz4', '--producer.config', config, '--request-required-acks', '1',
        ],
        lines,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const { records } = await verifier.consume(topic, { expected: 4 });
    expect(records.map((x) => x.partition)).toEqual([2, 2, 2, 2]);
    expect(records.map((x) => [text(x.key), text(x.value)])).toEqual([
      ['k1', 'v1'],
      ['k2', 'a:b'],
      [null, 'tombstone-key'],
      ['k4', null],
    ]);
  });

  test('a record over max.request.size fails: the others arrive, exit code 1 and a summary on stderr', async () => {
    const topic = uniqueTopic('cli-produce-too-large');
    await verifier.createTopic(topic, 1);
    const input = ['small-1', 'x'.repeat(5000), 'small-2'].join('\n') + '\n';
    const r = await cli(['produce', '--bootstrap-server', bootstrap, '--topic', topic, '--producer-property', 'max.request.size=1000', '--timeout', '10'], input);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/value: 5000 bytes: RecordTooLargeError/);
    expect(r.stderr).toMatch(/2 of 3 records delivered, 1 failed \(first error: RecordTooLargeError/);
    const { records } = await verifier.consume(topic, { expected: 2 });
    expect(records.map((x) => text(x.value))).toEqual(['small-1', 'small-2']);
  });

  test('a malformed line stops the input: what came before is delivered, exit code 1', async () => {
    const topic = uniqueTopic('cli-produce-bad-line');
    await verifier.createTopic(topic, 1);
    const r = await cli(['produce', '--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true'], 'k\tv\nno separator here\nk\tlater\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No key separator found on line number 2/);
    const { records } = await verifier.consume(topic, { expected: 1 });
    expect(records.map((x) => text(x.value))).toEqual(['v']);
  });
});

// The final line of Java's ProducerPerformance.
const FINAL_LINE =
  /^(\d+) records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/m;

describe('kafka-wire perf', () => {
  test('5,000 records unthrottled: the Java tool\'s final line, and every record arrives', async () => {
    const topic = uniqueTopic('cli-perf');
    await verifier.createTopic(topic, 3);
    const r = await cli(['perf', '--topic', topic, '--num-records', '5000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = FINAL_LINE.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe('5000');
    const { records } = await verifier.consume(topic, { expected: 5000 });
    expect(records).toHaveLength(5000);
    expect(records.every((x) => /^[A-Z]{100}$/.test(text(x.value)!))).toBe(true);
  });

  test('--throughput throttles: 1,500 records at 1,000/s take over a second', async () => {
    const topic = uniqueTopic('cli-perf-throttled');
    await verifier.createTopic(topic, 1);
    const r = await cli(['perf', '--topic', topic, '--num-records', '1500', '--payload-monotonic', '--throughput', '1000', '--bootstrap-server', bootstrap]);
    expect(r.code).toBe(0);
    const m = FINAL_LINE.exec(r.stdout);
    expect(m![1]).toBe('1500');
    const perSec = Number(/records sent, (\d+\.\d+) records\/sec/.exec(m![0])![1]);
    expect(perSec).toBeLessThan(1150);
    const { records } = await verifier.consume(topic, { expected: 1500 });
    expect(records.map((x) => Number(text(x.value)))).toEqual([...Array(1500).keys()]);
  });
});

describe('command line', () => {
  test('--help and --version', async () => {
    const help = await cli(['produce', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kafka-wire produce/);
    for (const flag of ['--bootstrap-server', '--topic', '--property', '--producer-property', '--producer.config', '--request-required-acks', '--compression-codec', '--timeout', '--batch-size', '--sync']) {
      expect(help.stdout).toContain(flag);
    }
    const perfHelp = await cli(['perf', '--help']);
    expect(perfHelp.code).toBe(0);
    for (const flag of ['--topic', '--num-records', '--record-size', '--throughput', '--producer-props', '--payload-file', '--producer.config']) {
      expect(perfHelp.stdout).toContain(flag);
    }
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`kafka-wire ${require('../../package.json').version}\n`);
  });

  test.each([
    [['produce', '--bootstrap-server', 'h:1', '--topic', 't', '--no-such-flag'], /Unknown option --no-such-flag/],
    [['produce', '--bootstrap-server', 'h:1'], /Missing required option: --topic/],
    [['produce', '--topic', 't'], /Missing required option: --bootstrap-server/],
    [['produce', '--bootstrap-server', 'h:1', '--topic', 't', '--batch-size', 'big'], /--batch-size: 'big' is not a whole number/],
    [['produce', '--bootstrap-server', 'h:1', '--topic', 't', '--producer-property', 'linger.mss=5'], /Unknown producer option 'linger.mss'/],
    [['perf', '--topic', 't', '--num-records', '10', '--throughput', '-1', '--bootstrap-server', 'h:1'], /exactly one of --record-size/],
    [['perf', '--topic', 't', '--num-records', '10', '--record-size', '10', '--throughput', 'fast', '--bootstrap-server', 'h:1'], /--throughput: 'fast' is not a number/],
    [['nope'], /unknown command 'nope'/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});
