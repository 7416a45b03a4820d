/**
 * createWriteStream() against a real broker: 200,000 records piped from a Readable through
 * stream.pipeline all arrive, read back by the Java verifier, and the stream pushes back
 * (write() returns false, then 'drain') while buffer.memory is full.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KafkaProducer } from '../../src';
import { uniqueTopic, Verifier } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
let verifier: Verifier;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
});

test('200,000 records through stream.pipeline all arrive, with the stream pushing back on buffer.memory', async () => {
  const topic = uniqueTopic('write-stream');
  await verifier.createTopic(topic, 3);
  const n = 200_000;
  const prefix = 'ws';
  const padding = 'x'.repeat(100);
  const bufferMemory = 4 * 1024 * 1024;
  const producer = new KafkaProducer<string, string>({ bootstrapServers: bootstrap, bufferMemory, lingerMs: 5 });
  // Metadata and producer id known before measuring.
  await producer.send({ topic, value: 'warm-up' });
  const rssBefore = process.memoryUsage().rss;

  // Produced lazily: the source only makes a record when the stream asks for one.
  let next = 0;
  const source = new Readable({
    objectMode: true,
    read() {
      while (next < n) {
        const seq = next++;
        const chunk = seq % 2 === 0 ? `${prefix}${seq}:${padding}` : { value: `${prefix}${seq}:${padding}`, key: `k${seq % 1000}` };
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
  const stream = producer.createWriteStream({ topic });
  // 22 MB of records through 4 MiB of buffer.memory: the stream must have pushed back.
  let drains = 0;
  stream.on('drain', () => drains++);
  await pipeline(source, stream);
  const rssAfter = process.memoryUsage().rss;
  expect(stream.recordsSent).toBe(n);
  expect(stream.recordsPending).toBe(0);
  expect(drains).toBeGreaterThan(0);
  await producer.close();

  // Reported, not asserted: in a test worker shared with other suites, 22 MB of data moves RSS
  // by 60-90 MB through heap growth alone, so a bound of buffer.memory + 64 MiB cannot tell
  // bounded memory from everything buffered here. That check needs gigabytes through the
  // stream in a process of its own.
  console.log(`write stream: ${n} records, RSS ${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB higher after the pipeline (buffer.memory ${bufferMemory / 2 ** 20} MiB)`);

  const summary = await verifier.sequenceSummary(topic, prefix, n - 1);
  expect(summary.timedOut).toBe(false);
  expect(summary.records).toBe(n);
  expect(summary.distinct).toBe(n);
  expect(summary.duplicates).toBe(0);
  expect(summary.outOfRange).toBe(0);
}, 300_000);
