// The `logger` option on the scripted network and virtual clock: the warn line for an
// unreachable broker and its rate limit, the info line when it is back, the debug lines for
// metadata changes, producer ids, epoch bumps and retries, and the metadata timeout's cause and
// message. No socket is opened and no real timer is armed.
import { Socket } from 'node:net';

import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { ConnectionError, TimeoutError } from '../../../src/protocol/errors';
import { CaptureLogger } from '../../support/capture-logger';
import { Outcomes } from '../../support/fake-broker';
import { ErrorCode, MockNetwork, MockNetworkOptions, MockTransport, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  log: CaptureLogger;
}

const harnesses: Harness[] = [];

function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, netOpts: MockNetworkOptions & { bootstrap?: number[]; failWith?: () => Error | null } = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 1 }, ...netOpts });
  const log = new CaptureLogger();
  const failWith = netOpts.failWith;
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: net.bootstrap(...(netOpts.bootstrap ?? [])), lingerMs: 0, clientId: 'log-test', logger: log, ...producerOpts },
    {
      clock,
      // failWith: connection attempts fail with that error (a DNS failure, say) while it returns one.
      connect: (target, onConnect) => {
        const err = failWith?.();
        if (!err) return net.connect(target, onConnect);
        const t = new MockTransport(net, -1);
        t.shut(err);
        return t;
      },
      random: () => 0.5,
      jitter: () => 0.5,
    },
  );
  const h = { clock, net, producer, out: new Outcomes(), log };
  harnesses.push(h);
  return h;
}

let spies: jest.SpyInstance[] = [];
beforeEach(() => {
  spies = [jest.spyOn(Socket.prototype, 'connect'), jest.spyOn(global, 'setTimeout')];
});

afterEach(async () => {
  for (const s of spies) expect(s).not.toHaveBeenCalled();
  for (const s of spies) s.mockRestore();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
    h.out.expectExactlyOnce();
  }
});

const sysError = (code: string, text: string) => Object.assign(new Error(text), { code });

test('the producer logs through logger.child({ clientId })', () => {
  const h = start();
  expect(h.log.bindings).toEqual([{ clientId: 'log-test' }]);
});

test('a logger without child() is used as it is, and a logger that throws breaks nothing', async () => {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 1 } });
  const calls: string[] = [];
  const throwing = {
    debug: (_o: object, m?: string) => {
      calls.push(m ?? '');
      throw new Error('logger down');
    },
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const producer = new KafkaProducer<string, string>({ bootstrapServers: net.bootstrap(), lingerMs: 0, logger: throwing }, { clock, connect: net.connect });
  const out = new Outcomes();
  harnesses.push({ clock, net, producer, out, log: new CaptureLogger() });
  producer.send({ topic: 't', value: 'a' }, out.cb('a'));
  await clock.advanceUntil(() => out.allSettled, { what: 'the record' });
  expect(out.all[0].err).toBeNull();
  expect(calls.length).toBeGreaterThan(0);
});

test('an unreachable broker: one warn at the first failure, the next only after 30 s; info when it is back', async () => {
  const h = start({ maxBlockMs: 120_000 });
  h.net.refuseConnections(0);
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  await h.clock.run(10_000);
  const attempts = h.net.connects.filter((c) => c.refused).length;
  expect(attempts).toBeGreaterThan(5); // backoff 50, 100, ... 1000 ms: many attempts
  let warns = h.log.at('warn');
  expect(warns).toHaveLength(1);
  expect(warns[0].obj).toMatchObject({ broker: 'broker-0.mock:9092', nodeId: -1, bootstrap: true, reason: 'ECONNREFUSED', failures: 1 });
  expect(warns[0].msg).toBe('Cannot connect to broker broker-0.mock:9092 (bootstrap server): ECONNREFUSED');
  expect(String(warns[0].obj.error)).toContain('ECONNREFUSED');

  await h.clock.run(21_000); // 31 s after the first warn
  warns = h.log.at('warn');
  expect(warns).toHaveLength(2);
  const attemptsNow = h.net.connects.filter((c) => c.refused).length;
  expect(warns[1].obj.suppressed).toBeGreaterThan(20);
  expect(warns[1].obj.failures).toBe(attemptsNow);

  h.net.refuseConnections(0, false);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  expect(h.out.all[0].err).toBeNull();
  const infos = h.log.at('info');
  expect(infos).toHaveLength(1);
  expect(infos[0].obj).toMatchObject({ broker: 'broker-0.mock:9092', nodeId: -1, failures: attemptsNow });
  expect(infos[0].msg).toMatch(/reachable again/);
  expect(h.log.at('warn')).toHaveLength(2);
});

test('a change of reason is warned at once (ENOTFOUND, then ECONNREFUSED)', async () => {
  let dns = true;
  const h = start({ maxBlockMs: 120_000 }, { failWith: () => (dns ? sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND broker-0.mock') : null) });
  h.net.refuseConnections(0);
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  await h.clock.run(3_000);
  dns = false;
  await h.clock.run(3_000);
  const warns = h.log.at('warn');
  expect(warns.map((w) => w.obj.reason)).toEqual(['ENOTFOUND', 'ECONNREFUSED']);
  h.net.refuseConnections(0, false);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
});

test("a metadata timeout names the brokers tried and has the last connection error as cause", async () => {
  const h = start({ maxBlockMs: 2000 }, { nodes: [0, 1] });
  h.net.refuseConnections(0);
  h.net.refuseConnections(1);
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  const pf = h.producer.partitionsFor('t').catch((e: Error) => e);
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the record' });
  const err = h.out.all[0].err as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err.message).toMatch(/^Topic t not present in metadata after 2000 ms; no broker could be reached: broker-[01]\.mock:9092 \(ECONNREFUSED\), broker-[01]\.mock:9092 \(ECONNREFUSED\)$/);
  expect(err.cause).toBeInstanceOf(ConnectionError);
  expect(((err.cause as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
  expect(err.code).toBe('ERR_KAFKA_TIMEOUT');
  await h.clock.run(100);
  const pfErr = (await pf) as TimeoutError;
  expect(pfErr).toBeInstanceOf(TimeoutError);
  expect(pfErr.message).toMatch(/no broker could be reached: .*\(ECONNREFUSED\)/);
  expect(pfErr.cause).toBeInstanceOf(ConnectionError);
  // One warn per broker, not one per attempt.
  expect(h.log.at('warn').map((w) => w.obj.broker).sort()).toEqual(['broker-0.mock:9092', 'broker-1.mock:9092']);
});

test("a topic's metadata error stays the cause; the unreachable broker is still named", async () => {
  const h = start({ maxBlockMs: 3000 }, { nodes: [0, 1], bootstrap: [0], topics: { t: { partitions: 1, leaders: [1] } } });
  // Node 1 (the leader of t) is down; node 0 answers that topic 'missing' does not exist.
  h.net.refuseConnections(1);
  h.producer.send({ topic: 't', value: 'waits' }, h.out.cb('waits'));
  h.producer.send({ topic: 'missing', value: 'a' }, h.out.cb('a'));
  await h.clock.advanceUntil(() => h.out.all.some((o) => o.label === 'a' && o.calls > 0), { what: 'the record' });
  const err = h.out.all.find((o) => o.label === 'a')!.err as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err.message).toMatch(/^Topic missing not present in metadata after 3000 ms; could not reach broker-1\.mock:9092 \(ECONNREFUSED\)$/);
  expect((err.cause as { errorName?: string }).errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  expect(h.log.lines.some((l) => l.level === 'debug' && l.obj.topic === 'missing' && l.obj.error === 'UNKNOWN_TOPIC_OR_PARTITION')).toBe(true);
});

test('debug lines: brokers and topics learned, producer id, a retry, a leader move', async () => {
  const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 1, leaders: [0] } } });
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the first record' });
  const msgs = () => h.log.at('debug').map((l) => l.msg);
  expect(msgs()).toEqual(expect.arrayContaining(['Metadata: brokers changed', 'Metadata: topics added', 'Producer id obtained: producer id 1000, epoch 0']));
  const brokers = h.log.lines.find((l) => l.msg === 'Metadata: brokers changed')!;
  expect(brokers.obj).toEqual({ added: ['0@broker-0.mock:9092', '1@broker-1.mock:9092'], removed: [], brokers: 2 });

  // The leader moves to node 1; node 0 answers NOT_LEADER_OR_FOLLOWER, the batch is retried there.
  h.net.setLeader('t', 0, 1);
  h.producer.send({ topic: 't', value: 'b' }, h.out.cb('b'));
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the second record' });
  expect(h.out.all[1].err).toBeNull();
  const retry = h.log.lines.find((l) => l.msg.startsWith('Retrying'))!;
  expect(retry.level).toBe('debug');
  expect(retry.obj).toMatchObject({ topic: 't', partition: 0, attempt: 1, error: 'NOT_LEADER_OR_FOLLOWER' });
  const moved = h.log.lines.find((l) => /moved/.test(l.msg))!;
  expect(moved.level).toBe('debug');
  expect(JSON.stringify(moved.obj)).toMatch(/"partition":0,"leader":1,"previousLeader":0/);
  // Nothing at warn or above, and no record contents anywhere.
  expect(h.log.lines.filter((l) => l.level !== 'debug')).toEqual([]);
});

test('an epoch bump is a debug line', async () => {
  const h = start({ requestTimeoutMs: 1000, deliveryTimeoutMs: 1000, retryBackoffMs: 100 });
  h.producer.send({ topic: 't', value: 'first' }, h.out.cb('first'));
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the first record' });
  for (let i = 0; i < 20; i++) h.net.prepare(0, 'Produce', { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  await h.clock.advanceUntil(() => h.out.all.length === 2 && h.out.allSettled, { what: 'the expiry' });
  expect(h.out.all[1].err).toBeInstanceOf(TimeoutError);
  h.producer.send({ topic: 't', value: 'b' }, h.out.cb('b'));
  await h.clock.advanceUntil(() => h.log.lines.some((l) => l.msg.startsWith('Producer epoch bumped')), { what: 'the epoch bump', maxMs: 10_000 });
  const bump = h.log.lines.find((l) => l.msg.startsWith('Producer epoch bumped'))!;
  expect(bump).toMatchObject({ level: 'debug', obj: { producerId: 1000, epoch: 1 } });
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the last record' });
});

test('the delivery timeout of a batch whose leader cannot be reached has that connection error as cause', async () => {
  const h = start({ requestTimeoutMs: 1000, deliveryTimeoutMs: 3000, lingerMs: 0 });
  h.producer.send({ topic: 't', value: 'first' }, h.out.cb('first'));
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the first record' });
  h.net.refuseConnections(0);
  h.net.disconnect(0);
  await h.clock.run(10);
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  await h.clock.advanceUntil(() => h.out.all.length === 2 && h.out.allSettled, { what: 'the expiry' });
  const err = h.out.all[1].err as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err.message).toMatch(/delivery\.timeout\.ms/);
  expect(err.cause).toBeInstanceOf(ConnectionError);
  expect(((err.cause as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
  // The lost connection is a debug line; the failed reconnects one warn.
  expect(h.log.lines.some((l) => l.level === 'debug' && l.msg === 'Connection to broker closed' && l.obj.nodeId === 0)).toBe(true);
  expect(h.log.at('warn').map((w) => w.obj.nodeId)).toEqual([0]);
});

test('a fatal idempotence error is one error line with the error', async () => {
  const h = start();
  h.net.prepare(0, 'InitProducerId', { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED });
  h.producer.send({ topic: 't', value: 'a' }, h.out.cb('a'));
  h.producer.send({ topic: 't', value: 'b' }, h.out.cb('b'));
  await h.clock.advanceUntil(() => h.out.allSettled, { what: 'the records' });
  const errors = h.log.at('error');
  expect(errors).toHaveLength(1);
  expect(errors[0].obj).toMatchObject({ code: 'CLUSTER_AUTHORIZATION_FAILED' });
  expect((errors[0].obj.err as { errorName: string }).errorName).toBe('CLUSTER_AUTHORIZATION_FAILED');
  expect(errors[0].msg).toMatch(/^Producer failed fatally/);
  expect(h.out.all.map((o) => (o.err as { errorName?: string })?.errorName)).toEqual(['CLUSTER_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);
});
