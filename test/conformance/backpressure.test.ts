/**
 * Backpressure against a real broker made silent: with a small buffer.memory, send() waits
 * for memory, fails with BufferExhaustedError after max.block.ms, and memory stays bounded;
 * once the broker answers again, every record accepted before is delivered.
 *
 * This suite starts its own broker, advertised through a FaultProxy, so that pausing the
 * proxy silences the broker for this producer only.
 */
import { KafkaProducer, RecordMetadata } from '../../src';
import { FaultProxy } from '../support/fault-proxy';
import { KafkaCluster, startCluster } from '../support/kafka-cluster';
import { uniqueTopic, Verifier } from '../support/verifier';

let proxy: FaultProxy;
let cluster: KafkaCluster;
let verifier: Verifier;

beforeAll(async () => {
  proxy = await FaultProxy.start();
  cluster = await startCluster({ local: true, brokerConfig: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  const b = cluster.brokers[0];
  proxy.setTarget(b.host, b.port);
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
});

afterAll(async () => {
  await verifier?.close();
  await cluster?.stop();
  await proxy?.close();
});

test('send() waits for buffer.memory, then BufferExhaustedError after max.block.ms; memory stays bounded', async () => {
  const topic = uniqueTopic('backpressure');
  await verifier.createTopic(topic, 1);
  const bufferMemory = 64 * 1024;
  const producer = new KafkaProducer({
    bootstrapServers: `127.0.0.1:${proxy.port}`,
    bufferMemory,
    batchSize: 16 * 1024,
    maxBlockMs: 1500,
    lingerMs: 0,
  });
  // Warm up: metadata and producer id known, so the pause below only blocks Produce.
  await producer.send({ topic, value: 'warm-up' });

  proxy.pause();
  const value = Buffer.alloc(1000, 0x61);
  const accepted: Promise<RecordMetadata>[] = [];
  // 64 KiB of memory holds about 64 records of 1 KB: offer many more.
  const outcomes: ('ok' | 'exhausted' | 'other')[] = [];
  const started = Date.now();
  for (let i = 0; i < 200; i++) {
    const p = producer.send({ topic, value });
    accepted.push(p);
    p.then(
      () => outcomes.push('ok'),
      (err) => outcomes.push(err?.name === 'BufferExhaustedError' ? 'exhausted' : 'other'),
    );
  }
  // While the broker is silent, memory is all in use and sends wait.
  await new Promise((r) => setTimeout(r, 300));
  const m = producer.metrics();
  expect(m['buffer-available-bytes']).toBeLessThan(16 * 1024);
  expect(m['waiting-sends']).toBeGreaterThan(0);
  expect(m['buffer-total-bytes']).toBe(bufferMemory);

  // After max.block.ms the waiting sends fail with BufferExhaustedError.
  await new Promise((r) => setTimeout(r, 1700));
  expect(outcomes.filter((o) => o === 'exhausted').length).toBeGreaterThan(0);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

  proxy.resume();
  await producer.flush();
  await producer.close();
  expect(outcomes).toHaveLength(200);
  expect(outcomes.filter((o) => o === 'other')).toHaveLength(0);
  const ok = outcomes.filter((o) => o === 'ok').length;
  expect(ok).toBeGreaterThan(0);
  // Everything accepted arrived: warm-up + ok records, none lost, none extra.
  const { records } = await verifier.consume(topic, { expected: ok + 1 });
  expect(records).toHaveLength(ok + 1);
});
