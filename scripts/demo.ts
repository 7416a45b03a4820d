/**
 * The main demo: the producer-buffer lesson, done right. 1000 JSON records {"number": i} go to
 * topic `buffer-example` through kafka-wire's accumulator (batch.size, linger.ms,
 * buffer.memory), then flush() and close(); the independent Java consumer reads the topic back
 * and we print how many of the 1000 arrived, and what the producer did to get them there.
 *
 * Uses the broker named by KAFKA_BOOTSTRAP, else starts a local Apache Kafka broker (the test
 * harness: Java 17 + Maven fetch the real broker on first use).
 */
import { randomUUID } from 'node:crypto';
import { KafkaProducer, jsonSerializer, RecordMetadata } from '../src';
import { startCluster } from '../test/support/kafka-cluster';
import { Verifier } from '../test/support/verifier';

const TOPIC = 'buffer-example';
const COUNT = 1000;

async function main(): Promise<void> {
  const started = Date.now();
  const cluster = await startCluster({ log: (line) => console.log(`[broker] ${line}`) });
  const verifier = await Verifier.start(cluster.bootstrap, cluster.version);
  try {
    console.log(`Kafka ${cluster.version} at ${cluster.bootstrap} (${Date.now() - started} ms to start)`);
    try {
      await verifier.createTopic(TOPIC, 1);
    } catch (err) {
      if (!/TopicExists/.test(String(err))) throw err;
    }
    // Earlier runs against the same broker left records in the topic: tag this run's.
    const runId = randomUUID();
    const producer = new KafkaProducer<never, { number: number }>({
      bootstrapServers: cluster.bootstrap,
      valueSerializer: jsonSerializer(),
      clientId: 'kafka-wire-demo',
    });
    let requests = 0;
    producer.on('request', (r: { batches: number; records: number; bytes: number }) => {
      requests++;
      console.log(`  Produce request #${requests}: ${r.batches} batch(es), ${r.records} record(s), ${r.bytes} bytes`);
    });
    const t0 = Date.now();
    const acks: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < COUNT; i++) {
      acks.push(producer.send({ topic: TOPIC, value: { number: i }, headers: { run: runId } }));
    }
    const sendReturnedMs = Date.now() - t0;
    await producer.flush();
    const metadata = await Promise.all(acks);
    await producer.close();
    const m = producer.metrics();

    const { records } = await verifier.consume(TOPIC);
    const ours = records.filter((r) => r.headers.some((h) => h.key === 'run' && h.value === Buffer.from(runId).toString('hex')));
    const numbers = ours.map((r) => JSON.parse(Buffer.from(r.value!, 'hex').toString('utf8')).number as number);
    const inOrder = numbers.every((n, i) => n === i);

    console.log('');
    console.log(`send() x ${COUNT} returned in ${sendReturnedMs} ms; flush() + close() finished ${Date.now() - t0} ms after the first send.`);
    console.log(`Producer: ${m['request-total']} Produce request(s), ${m['batch-total']} batch(es), ${m['records-per-request-avg'].toFixed(0)} records per request,`);
    console.log(`          batch size avg ${m['batch-size-avg'].toFixed(0)} B / max ${m['batch-size-max']} B, request latency avg ${m['request-latency-avg'].toFixed(1)} ms,`);
    console.log(`          ${m['record-retry-total']} retries, ${m['record-error-total']} errors.`);
    console.log(`Offsets acknowledged: ${metadata[0].offset}..${metadata[metadata.length - 1].offset} in partition ${metadata[0].partition}.`);
    console.log(`Read back by the Java consumer: ${ours.length} of ${COUNT} records arrived${inOrder ? ', in order' : ', NOT in order'}.`);
    if (ours.length !== COUNT || !inOrder) process.exitCode = 1;
  } finally {
    await verifier.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
