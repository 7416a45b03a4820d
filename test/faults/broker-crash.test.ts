/**
 * One broker of its own, killed with SIGKILL and restarted while records stream in; and the
 * broker closing an idle connection (connections.max.idle.ms set low on the broker), after
 * which the next send still works. The Java consumer reads every topic back.
 */
import { KafkaProducer } from '../../src';
import type { Connection } from '../../src/net/connection';
import { KafkaCluster, startCluster } from '../support/kafka-cluster';
import { uniqueTopic, Verifier } from '../support/verifier';
import { expectReliable, QUICK_RESTART_CONFIG, SequenceProducer, waitUntil } from './support';

const BROKER_IDLE_MS = 2000;

let cluster: KafkaCluster;
let verifier: Verifier;
const producers: KafkaProducer[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    local: true,
    brokerConfig: { ...QUICK_RESTART_CONFIG, 'connections.max.idle.ms': String(BROKER_IDLE_MS) },
  });
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
});

afterAll(async () => {
  for (const p of producers) await p.close({ timeoutMs: 0 });
  await verifier?.close();
  await cluster?.stop();
});

test('SIGKILL and restart mid-stream: nothing acknowledged is lost, nothing is written twice or out of order', async () => {
  const topic = uniqueTopic('crash');
  await verifier.createTopic(topic, 3);
  const producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap, lingerMs: 5, requestTimeoutMs: 10_000, deliveryTimeoutMs: 90_000 });
  producers.push(producer);
  const run = new SequenceProducer(producer, topic, { partitions: 3, padding: 40 });
  const broker = cluster.brokers[0];
  let downMs = 0;
  // 3,000 records/s for 12 s; the broker dies at 3 s and is started again at once.
  await run.paced({
    ratePerSec: 3000,
    durationMs: 12_000,
    at: [
      {
        ms: 3000,
        run: async () => {
          const t = Date.now();
          await broker.kill();
          await broker.start();
          downMs = Date.now() - t;
        },
      },
    ],
  });
  await producer.flush();
  await run.settle(1000);
  const row = await run.tally(verifier, '1. broker SIGKILL + restart mid-stream (1 broker)', cluster.version, `3,000 records/s for 12 s; broker down ${downMs} ms`);
  expectReliable(row);
  expect(row.failed).toBe(0); // delivery.timeout.ms (90 s) outlasts the outage
  expect(row.inLog).toBe(row.sent);
});

test('an idle connection closed by the broker: the next send reconnects and succeeds', async () => {
  const topic = uniqueTopic('idle');
  await verifier.createTopic(topic, 1);
  const producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap, lingerMs: 0 });
  producers.push(producer);
  const run = new SequenceProducer(producer, topic, { partitions: 1 });
  run.sendMany(10);
  await producer.flush();
  // The producer's connection to the partition leader (internal: the test needs to see it close).
  const pool = (producer as unknown as { brokers: { connectionFor(id: number): Connection | null } }).brokers;
  const conn = pool.connectionFor(cluster.brokers[0].nodeId);
  expect(conn?.state).toBe('ready');
  let reason = '';
  conn!.once('close', (err: Error) => (reason = err.message));
  // The producer's own connections.max.idle.ms is 9 minutes: a close now is the broker's.
  await waitUntil(() => conn!.state === 'closed', BROKER_IDLE_MS + 8000, 'the broker to close the idle connection');
  expect(reason).toMatch(/closed by the broker/);
  run.sendMany(10);
  await producer.flush();
  await run.settle(1000);
  const row = await run.tally(verifier, '6. idle connection closed by the broker, then send', cluster.version, `broker connections.max.idle.ms=${BROKER_IDLE_MS}`);
  expectReliable(row);
  expect(row.acked).toBe(20);
});
