/**
 * A 3-broker KRaft cluster of its own (every node broker and controller), a topic with
 * replication factor 3 and min.insync.replicas 2, acks=all: under load, the leader of a busy
 * partition is stopped (controlled shutdown), then a second broker is killed (SIGKILL), which
 * leaves one broker, fewer in-sync replicas than min.insync.replicas and no controller quorum;
 * then both come back. Records may fail meanwhile (delivery.timeout.ms); what was
 * acknowledged must be in the log once, in order.
 */
import { KafkaError, KafkaProducer } from '../../src';
import { KafkaCluster, startCluster } from '../support/kafka-cluster';
import { uniqueTopic, Verifier } from '../support/verifier';
import { expectReliable, QUICK_RESTART_CONFIG, SequenceProducer } from './support';

let cluster: KafkaCluster;
let verifier: Verifier;
let producer: KafkaProducer | undefined;

beforeAll(async () => {
  cluster = await startCluster({ local: true, brokers: 3, brokerConfig: { ...QUICK_RESTART_CONFIG, 'replica.lag.time.max.ms': '5000' } });
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
}, 180_000);

afterAll(async () => {
  await producer?.close({ timeoutMs: 0 });
  await verifier?.close();
  await cluster?.stop();
});

test('leader stopped under load, then a second broker killed, then both back: acknowledged records are in the log once, in order', async () => {
  const topic = uniqueTopic('cluster');
  await verifier.createTopic(topic, 3, { replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap, acks: 'all', lingerMs: 5, requestTimeoutMs: 4000, deliveryTimeoutMs: 10_000 });
  const run = new SequenceProducer(producer, topic, { partitions: 3, padding: 40 });
  const events: string[] = [];
  const t0 = Date.now();
  const note = (what: string) => events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
  let first = cluster.brokers[0];
  let second = cluster.brokers[1];
  await run.paced({
    ratePerSec: 2000,
    durationMs: 24_000,
    at: [
      {
        ms: 3000,
        run: async () => {
          const d = await verifier.describeTopic(topic);
          const leader = d.partitions.find((p) => p.partition === 0)!.leader!;
          first = cluster.brokers.find((b) => b.nodeId === leader)!;
          second = cluster.brokers.find((b) => b !== first)!;
          note(`stop leader of partition 0 (node ${first.nodeId})`);
          await first.stop();
          note(`node ${first.nodeId} stopped`);
        },
      },
      {
        ms: 8000,
        run: async () => {
          note(`kill node ${second.nodeId}`);
          await second.kill();
        },
      },
      {
        ms: 13_000,
        run: async () => {
          note(`start nodes ${first.nodeId}, ${second.nodeId}`);
          await Promise.all([first.start(), second.start()]);
          note('both answer again');
        },
      },
    ],
  });
  await producer.flush();
  await run.settle(1000);
  const row = await run.tally(verifier, '2. 3 brokers, RF 3, min.insync 2: leader stopped, 2nd broker killed, both restarted', cluster.version, `2,000 records/s for 24 s, acks=all, delivery.timeout.ms 10 s: ${events.join('; ')}`);
  expectReliable(row);
  // Every failure is a typed, retriable error that ran out of delivery.timeout.ms: TimeoutError,
  // or (as in Java) the last retriable broker error of a batch whose time ran out.
  const unexpected = run.outcomes.filter((o) => o.err && !(o.err instanceof KafkaError && o.err.retriable)).map((o) => `${o.seq}: ${o.err!.name}`);
  expect(unexpected).toEqual([]);
  expect(row.acked).toBeGreaterThan(0);
}, 240_000);
