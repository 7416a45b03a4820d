/**
 * What the broker refuses, on one broker of its own with an authorizer (StandardAuthorizer;
 * the verifier's PLAINTEXT principal is a super user, the producer authenticates as "alice"
 * over SASL PLAIN) and topic auto-creation off:
 * - a record larger than the topic's max.message.bytes: its batch is split, the other records
 *   are written, the record alone fails with RecordTooLargeError;
 * - a topic alice may describe but not write (Produce refused), and one she may not even
 *   describe (Metadata refused): TopicAuthorizationError, while her records to a topic she
 *   may write, sent in between, all succeed;
 * - a topic that does not exist: the send waits for metadata up to max.block.ms, then
 *   TimeoutError naming the topic; records before it are unaffected.
 */
import { KafkaProducer } from '../../src';
import type { ProducerOptions } from '../../src';
import { KafkaCluster, startCluster } from '../support/kafka-cluster';
import { uniqueTopic, Verifier } from '../support/verifier';
import { computeRow, expectReliable, SequenceProducer } from './support';

const ALICE = { username: 'alice', password: 'alice-secret' };

let cluster: KafkaCluster;
let verifier: Verifier;
const producers: KafkaProducer[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    local: true,
    security: { sasl: { mechanisms: ['PLAIN'], users: [ALICE] } },
    brokerConfig: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // PLAINTEXT and CONTROLLER connections (the broker itself, the verifier) are ANONYMOUS.
      'super.users': 'User:ANONYMOUS',
      'auto.create.topics.enable': 'false',
    },
  });
  verifier = await Verifier.start(cluster.bootstrap, cluster.version);
});

afterAll(async () => {
  for (const p of producers) await p.close({ timeoutMs: 0 });
  await verifier?.close();
  await cluster?.stop();
});

function aliceProducer(opts: Partial<ProducerOptions> = {}): KafkaProducer {
  const p = new KafkaProducer({ bootstrapServers: cluster.security!.saslPlaintext!, sasl: { mechanism: 'PLAIN', ...ALICE }, ...opts });
  producers.push(p);
  return p;
}

async function writableTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<string> {
  const topic = uniqueTopic(name);
  await verifier.createTopic(topic, partitions, { configs });
  await verifier.allowTopic(topic, 'User:alice', ['WRITE', 'DESCRIBE']);
  return topic;
}

test("a record larger than the topic's max.message.bytes fails alone with RecordTooLargeError; its batch's other records are written", async () => {
  const topic = await writableTopic('too-large', 1, { 'max.message.bytes': '3000' });
  // batch.size (16 KiB) is above the topic's limit: batches of small records get refused too, and split.
  const producer = aliceProducer({ lingerMs: 100 });
  const run = new SequenceProducer(producer, topic, { partitions: 1, padding: 300 });
  // One record first, so the broker knows this producer on the partition. (Otherwise Kafka
  // takes the first batch it sees at any sequence: a small batch sent while the first, big
  // one is being refused would be written first, and the big one's pieces could then never
  // be written in order; they would end in TimeoutError. A unit test covers that case.)
  run.send();
  await producer.flush();
  run.sendMany(19);
  run.send(4000); // seq 20: over max.message.bytes on its own
  run.sendMany(20);
  await producer.flush();
  await run.settle(1000);
  const row = await run.tally(verifier, "5a. record > topic's max.message.bytes (3000) among 40 that fit", cluster.version, 'batch.size 16 KiB, linger 100 ms: refused batches split until they fit');
  expectReliable(row);
  expect(run.outcomes.filter((o) => o.err).map((o) => `${o.seq}: ${o.err!.name}`)).toEqual(['20: RecordTooLargeError']);
  expect(row.inLog).toBe(40);
});

test('topics alice may not write: TopicAuthorizationError; her records to a writable topic, in between, all succeed', async () => {
  const writable = await writableTopic('acl-write', 3);
  const describeOnly = uniqueTopic('acl-describe-only');
  await verifier.createTopic(describeOnly, 3);
  await verifier.allowTopic(describeOnly, 'User:alice', ['DESCRIBE']);
  const hidden = uniqueTopic('acl-none');
  await verifier.createTopic(hidden, 3);
  const producer = aliceProducer({ lingerMs: 5 });
  const ok = new SequenceProducer(producer, writable, { partitions: 3, padding: 40 });
  const noWrite = new SequenceProducer(producer, describeOnly, { partitions: 3, padding: 40 });
  const noDescribe = new SequenceProducer(producer, hidden, { partitions: 3, padding: 40 });
  for (let i = 0; i < 300; i++) {
    ok.send();
    if (i % 3 === 0) noWrite.send();
    if (i % 3 === 1) noDescribe.send();
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
  await producer.flush();
  for (const r of [ok, noWrite, noDescribe]) await r.settle(1000);
  const okRow = await ok.tally(verifier, '5b. ACL: topic with WRITE, sent interleaved with the two below', cluster.version, 'StandardAuthorizer, SASL PLAIN user alice');
  const noWriteRow = await noWrite.tally(verifier, '5b. ACL: DESCRIBE only (Produce refused)', cluster.version, 'TOPIC_AUTHORIZATION_FAILED in the Produce response');
  const noDescribeRow = await noDescribe.tally(verifier, '5b. ACL: no ACL (Metadata refused)', cluster.version, 'TOPIC_AUTHORIZATION_FAILED in the Metadata response');
  for (const row of [okRow, noWriteRow, noDescribeRow]) expectReliable(row);
  expect(okRow.acked).toBe(300);
  expect(noWriteRow.errors).toEqual({ TopicAuthorizationError: noWriteRow.sent });
  expect(noDescribeRow.errors).toEqual({ TopicAuthorizationError: noDescribeRow.sent });
  expect(noWriteRow.inLog + noDescribeRow.inLog).toBe(0);
});

test('an unknown topic with auto-creation off: TimeoutError naming it after max.block.ms; records around it are delivered', async () => {
  // As the super user (PLAINTEXT), so that the broker answers UNKNOWN_TOPIC_OR_PARTITION, not an authorization error.
  const good = uniqueTopic('known');
  await verifier.createTopic(good, 1);
  const missing = uniqueTopic('missing');
  const producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap, lingerMs: 5, maxBlockMs: 2000 });
  producers.push(producer);
  const before = new SequenceProducer(producer, good, { partitions: 1 });
  const lost = new SequenceProducer(producer, missing, { partitions: 1 });
  before.sendMany(100);
  await producer.flush();
  const t0 = Date.now();
  lost.sendMany(10);
  before.sendMany(100); // queued behind the waiting sends, as behind a blocked Java send()
  await producer.flush();
  const waitedMs = Date.now() - t0;
  await before.settle(1000);
  await lost.settle(1000);
  // Nothing created it (so there is nothing to read back).
  await expect(verifier.describeTopic(missing)).rejects.toThrow(/UnknownTopicOrPartition/);
  const row = computeRow(lost, [], '4c/5c. unknown topic, auto-creation off: max.block.ms (2 s) on metadata', cluster.version, `failed after ${waitedMs} ms`);
  const goodRow = await before.tally(verifier, '4c/5c. records to a known topic around it', cluster.version, 'the 100 sent after the unknown-topic sends waited behind them');
  expectReliable(row);
  expectReliable(goodRow);
  expect(row.errors).toEqual({ TimeoutError: 10 });
  expect(lost.outcomes[0].err!.message).toContain(`Topic ${missing} not present in metadata after 2000 ms`);
  expect(waitedMs).toBeGreaterThanOrEqual(1900);
  expect(goodRow.acked).toBe(200);
});
