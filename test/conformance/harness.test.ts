/**
 * The harness itself: the broker the global setup started answers, and the Java verifier can
 * create, describe, read and delete topics. Everything else in conformance/ builds on these.
 */
import { probeApiVersions } from '../support/kafka-cluster';
import { Verifier, uniqueTopic } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP;
if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run with `jest --selectProjects broker`');

let verifier: Verifier;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
});

afterAll(async () => {
  await verifier?.close();
});

test('every bootstrap broker answers ApiVersions', async () => {
  for (const hostPort of bootstrap.split(',')) {
    const i = hostPort.lastIndexOf(':');
    expect(await probeApiVersions(hostPort.slice(0, i), Number(hostPort.slice(i + 1)), 10_000)).toBe(true);
  }
});

test('the verifier runs the Java client of the broker version', () => {
  const expected = process.env.KAFKA_VERSION_RUNNING;
  if (expected) expect(verifier.kafkaClientsVersion).toBe(expected);
  else expect(verifier.kafkaClientsVersion).not.toBe('');
});

test('create, describe, consume (empty), end offsets, delete', async () => {
  const topic = uniqueTopic('harness');
  await verifier.createTopic(topic, 3, { replicationFactor: 1, configs: { 'retention.ms': '3600000' } });

  const d = await verifier.describeTopic(topic);
  expect(d.topic).toBe(topic);
  expect(d.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
  for (const p of d.partitions) {
    expect(p.leader).not.toBeNull();
    expect(p.replicas).toHaveLength(1);
    expect(p.isr).toContain(p.leader);
  }

  const t0 = Date.now();
  const empty = await verifier.consume(topic);
  expect(empty.records).toEqual([]);
  expect(empty.endOffsets).toEqual({ '0': 0, '1': 0, '2': 0 });
  expect(empty.timedOut).toBe(false);
  expect(Date.now() - t0).toBeLessThan(10_000);

  expect(await verifier.endOffsets(topic)).toEqual({ '0': 0, '1': 0, '2': 0 });

  await verifier.deleteTopic(topic);
  await expect(verifier.describeTopic(topic)).rejects.toThrow(/UnknownTopicOrPartition/);
});

test('an error comes back as a rejected promise, and the verifier keeps working', async () => {
  await expect(verifier.deleteTopic(uniqueTopic('missing'))).rejects.toThrow(/UnknownTopicOrPartition/);
  const topic = uniqueTopic('harness-after-error');
  await verifier.createTopic(topic, 1);
  expect((await verifier.describeTopic(topic)).partitions).toHaveLength(1);
  await verifier.deleteTopic(topic);
});
