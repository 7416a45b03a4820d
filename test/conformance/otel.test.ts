/**
 * kafka-wire/otel against a real broker: one PRODUCER span per record with the messaging
 * semantic conventions' attributes and the offset the broker gave, and the span's context in
 * the record's `traceparent` header as the Java consumer reads it back.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { KafkaProducer, RecordMetadata, TimeoutError } from '../../src';
import { instrumentKafkaWire } from '../../src/otel';
import { uniqueTopic, VerifiedRecord, Verifier } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
let verifier: Verifier;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
  context.disable();
});

function tracing(): { exporter: InMemorySpanExporter; provider: BasicTracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

const fromHex = (h: string | null) => (h === null ? null : Buffer.from(h, 'hex').toString('utf8'));
const headerOf = (r: VerifiedRecord, key: string) => fromHex(r.headers.find((h) => h.key === key)?.value ?? null);
const traceparentOf = (s: ReadableSpan) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`;

test('1,000 sends give 1,000 PRODUCER spans with the right attributes and offsets, and the Java consumer reads each span in its record\'s traceparent', async () => {
  const topic = uniqueTopic('otel');
  await verifier.createTopic(topic, 3);
  const { exporter, provider } = tracing();
  const uninstall = instrumentKafkaWire({ tracerProvider: provider });
  const producer = new KafkaProducer<string, string>({ bootstrapServers: bootstrap, lingerMs: 5 });
  const parent = provider.getTracer('test').startSpan('batch job');
  let mds: RecordMetadata[];
  try {
    mds = await context.with(trace.setSpan(ROOT_CONTEXT, parent), async () => {
      const sent: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < 1000; i++) {
        // Every tenth record has headers of its own (both forms), which are kept.
        const headers = i % 20 === 0 ? { app: `a${i}` } : i % 20 === 10 ? [{ key: 'app', value: `a${i}` }] : undefined;
        sent.push(producer.send({ topic, key: `k${i}`, value: `v${i}`, headers }));
      }
      return Promise.all(sent);
    });
    await producer.flush();
  } finally {
    parent.end();
    await producer.close();
    uninstall();
  }

  const spans = exporter.getFinishedSpans().filter((s) => s.name !== 'batch job');
  expect(spans).toHaveLength(1000);
  const byKey = new Map(spans.map((s) => [s.attributes['messaging.kafka.message.key'] as string, s]));
  expect(byKey.size).toBe(1000);
  for (let i = 0; i < 1000; i++) {
    const s = byKey.get(`k${i}`)!;
    const md = mds[i];
    expect(s.name).toBe(`send ${topic}`);
    expect(s.kind).toBe(SpanKind.PRODUCER);
    expect(s.status.code).toBe(SpanStatusCode.UNSET);
    expect(s.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(s.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(s.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.operation': 'publish',
      'messaging.kafka.message.key': `k${i}`,
      'messaging.destination.partition.id': String(md.partition),
      'messaging.kafka.offset': Number(md.offset),
    });
  }

  const { records } = await verifier.consume(topic, { expected: 1000 });
  expect(records).toHaveLength(1000);
  const spanAt = new Map(spans.map((s) => [`${s.attributes['messaging.destination.partition.id']}@${s.attributes['messaging.kafka.offset']}`, s]));
  for (const r of records) {
    const s = spanAt.get(`${r.partition}@${r.offset}`)!;
    expect(s).toBeDefined();
    expect(fromHex(r.key)).toBe(s.attributes['messaging.kafka.message.key']);
    expect(headerOf(r, 'traceparent')).toBe(traceparentOf(s));
    const i = Number(fromHex(r.key)!.slice(1));
    expect(r.headers.map((h) => h.key)).toEqual(i % 10 === 0 ? ['app', 'traceparent'] : ['traceparent']);
    if (i % 10 === 0) expect(headerOf(r, 'app')).toBe(`a${i}`);
  }
});

test('a record with its own traceparent keeps it; a failed record ends its span with an error; after uninstall nothing is traced', async () => {
  const topic = uniqueTopic('otel-edges');
  await verifier.createTopic(topic, 1);
  const { exporter, provider } = tracing();
  const uninstall = instrumentKafkaWire({ tracerProvider: provider });
  const producer = new KafkaProducer<string, string>({ bootstrapServers: bootstrap, maxBlockMs: 1000 });
  const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  try {
    await producer.send({ topic, key: 'own', value: 'x', headers: { traceparent: own } });
    // Partition 5 of a one-partition topic: metadata never has it, max.block.ms passes.
    await expect(producer.send({ topic, key: 'lost', value: 'y', partition: 5 })).rejects.toBeInstanceOf(TimeoutError);
    uninstall();
    await producer.send({ topic, key: 'untraced', value: 'z' });
  } finally {
    await producer.close();
    uninstall();
  }
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => s.attributes['messaging.kafka.message.key'])).toEqual(['own', 'lost']);
  const failed = spans[1];
  expect(failed.status).toMatchObject({ code: SpanStatusCode.ERROR });
  expect(failed.attributes['error.type']).toBe(new TimeoutError('').code);
  expect(failed.attributes['messaging.destination.partition.id']).toBe('5');
  expect(failed.attributes['messaging.kafka.offset']).toBeUndefined();
  expect(failed.events.map((e) => e.name)).toEqual(['exception']);

  const { records } = await verifier.consume(topic, { expected: 2 });
  expect(records.map((r) => [fromHex(r.key), r.headers.map((h) => [h.key, fromHex(h.value)])])).toEqual([
    ['own', [['traceparent', own]]],
    ['untraced', []],
  ]);
});
