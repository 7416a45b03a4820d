/**
 * The main demo: the producer-buffer lesson, done right. 1000 JSON records {"number": i} go to
 * topic `buffer-example` through kafka-wire's accumulator (batch.size, linger.ms,
 * buffer.memory), then flush() and close(); the independent Java consumer reads the topic back
 * and we print how many of the 1000 arrived, and what the producer did to get them there.
 *
 * Then the lesson itself: three child processes each send 1000 records to a fresh topic and end
 * in a different way (process.exit() without flush, flush() then exit, or simply returning), and
 * the Java consumer counts what arrived from each.
 *
 * Uses the broker named by KAFKA_BOOTSTRAP, else starts a local Apache Kafka broker (the test
 * harness: Java 17 + Maven fetch the real broker on first use).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { KafkaProducer, jsonSerializer, RecordMetadata } from '../src';
import { startCluster } from '../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../test/support/verifier';

const TOPIC = 'buffer-example';
const COUNT = 1000;

/** The three endings, each a small script in demo-children/ that sends COUNT records and stops. */
const ENDINGS = [
  {
    script: 'exit-without-flush.ts',
    title: 'send() x 1000, then process.exit()',
    why: 'exiting drops whatever the accumulator and the sender had not delivered yet',
  },
  {
    script: 'flush-then-exit.ts',
    title: 'send() x 1000, await flush(), then process.exit()',
    why: 'flush() waits until every record is acknowledged, so the exit loses nothing',
  },
  {
    script: 'return-without-flush.ts',
    title: 'send() x 1000, then return (no flush, no close)',
    why: 'the producer keeps the process alive while records are pending, so Node exits only after delivery',
  },
];

/** Runs a demo child under the same TypeScript runner as this script; resolves with its exit code and time. */
function runChild(script: string, bootstrap: string, topic: string): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'demo-children', script), bootstrap, topic], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
  });
}

/** The lesson: how a process ends decides whether the records still in memory reach the broker. */
async function lesson(bootstrap: string, verifier: Verifier): Promise<boolean> {
  console.log('');
  console.log('How the process ends matters. send() only appends the record to a batch in memory (the');
  console.log('accumulator); a background loop (the sender) delivers the batches. Three child processes,');
  console.log(`each sending ${COUNT} records to a fresh topic:`);
  const topics = ENDINGS.map((e) => uniqueTopic(`demo-${path.basename(e.script, '.ts')}`));
  await Promise.all(topics.map((t) => verifier.createTopic(t, 1)));
  try {
    const runs = await Promise.all(ENDINGS.map((e, i) => runChild(e.script, bootstrap, topics[i])));
    // A request written just before process.exit() may still be on its way into the log.
    await new Promise((r) => setTimeout(r, 500));
    let ok = true;
    for (const [i, e] of ENDINGS.entries()) {
      const { records } = await verifier.consume(topics[i]);
      const exit = runs[i].code === 0 ? '' : `, exit code ${runs[i].code}`;
      console.log(`  (${i + 1}) ${e.title}: ${records.length} of ${COUNT} arrived (child ran ${runs[i].ms} ms${exit})`);
      console.log(`      ${e.why}.`);
      // Endings (2) and (3) must deliver everything; ending (1) loses a varying number.
      if (i > 0 && (records.length !== COUNT || runs[i].code !== 0)) ok = false;
    }
    return ok;
  } finally {
    await Promise.all(topics.map((t) => verifier.deleteTopic(t).catch(() => {})));
  }
}

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

    if (!(await lesson(cluster.bootstrap, verifier))) process.exitCode = 1;
  } finally {
    await verifier.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
