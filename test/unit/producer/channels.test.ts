// The diagnostics channels on the scripted network: what each publishes and when, that a start
// subscriber's headers are the ones written, and that nothing is published (and no context
// made) while nobody subscribes.
import * as dc from 'node:diagnostics_channel';

import { channels } from '../../../src';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import type { RecordMetadata } from '../../../src/producer/record';
import { InvalidArgumentError, TopicAuthorizationError } from '../../../src/protocol/errors';
import {
  connectionChannel,
  ConnectionMessage,
  produceRequestChannel,
  ProduceRequestMessage,
  produceResponseChannel,
  ProduceResponseMessage,
  SendContext,
  sendChannel,
} from '../../../src/tracing';
import { ErrorCode, MockNetwork, MockNetworkOptions, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
}

const harnesses: Harness[] = [];
const unsubscribers: (() => void)[] = [];

function start(producerOpts: Partial<ProducerOptions<string, string>> = {}, netOpts: MockNetworkOptions = {}): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics: { t: 1 }, ...netOpts });
  const producer = new KafkaProducer<string, string>({ bootstrapServers: net.bootstrap(), lingerMs: 0, ...producerOpts }, { clock, connect: net.connect, jitter: () => 0.5 });
  const h = { clock, net, producer };
  harnesses.push(h);
  return h;
}

type SendEvent = [name: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error', ctx: SendContext, snapshot: { result?: RecordMetadata; error?: Error }];

/** Subscribes to every channel of kafka-wire:send, recording each event with what the context held then. */
function recordSendEvents(onStart?: (ctx: SendContext) => void): SendEvent[] {
  const events: SendEvent[] = [];
  const snap = (ctx: SendContext) => ({ result: ctx.result, error: ctx.error });
  const handlers = {
    start: (m: unknown) => {
      const ctx = m as SendContext;
      events.push(['start', ctx, snap(ctx)]);
      onStart?.(ctx);
    },
    end: (m: unknown) => events.push(['end', m as SendContext, snap(m as SendContext)]),
    asyncStart: (m: unknown) => events.push(['asyncStart', m as SendContext, snap(m as SendContext)]),
    asyncEnd: (m: unknown) => events.push(['asyncEnd', m as SendContext, snap(m as SendContext)]),
    error: (m: unknown) => events.push(['error', m as SendContext, snap(m as SendContext)]),
  };
  sendChannel.subscribe(handlers);
  unsubscribers.push(() => sendChannel.unsubscribe(handlers));
  return events;
}

function recordMessages<T>(name: string): T[] {
  const out: T[] = [];
  const fn = (m: unknown) => out.push(m as T);
  dc.subscribe(name, fn);
  unsubscribers.push(() => dc.unsubscribe(name, fn));
  return out;
}

afterEach(async () => {
  for (const u of unsubscribers.splice(0)) u();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
  }
});

test('the channel names are exported', () => {
  expect(channels).toEqual({
    send: 'kafka-wire:send',
    produceRequest: 'kafka-wire:produce:request',
    produceResponse: 'kafka-wire:produce:response',
    connection: 'kafka-wire:connection',
  });
  // The TracingChannel's own channels carry Node's standard names.
  expect(dc.hasSubscribers('tracing:kafka-wire:send:start')).toBe(false);
});

test('send: start and end around send(), asyncStart and asyncEnd with the RecordMetadata when it is delivered, one context per record', async () => {
  const h = start();
  const events = recordSendEvents();
  const order: string[] = [];
  const record = { topic: 't', key: 'k1', value: 'v1', headers: { h: 'x' } };
  h.producer.send(record, (err, md) => {
    order.push(`callback ${err ? err.message : md.offset}`);
    order.push(...events.map((e) => e[0]));
  });
  order.push('returned', ...events.map((e) => e[0]));
  const promise = h.producer.send({ topic: 't', value: 'v2' });
  await h.clock.advanceUntil(() => events.filter((e) => e[0] === 'asyncEnd').length === 2, { what: 'both records' });
  const md = await promise;

  // The synchronous part is between start and end; the callback between asyncStart and asyncEnd.
  expect(order).toEqual(['returned', 'start', 'end', 'callback 0', 'start', 'end', 'start', 'end', 'asyncStart']);
  const first = events.filter((e) => e[1].record === record);
  expect(first.map((e) => e[0])).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
  const ctx = first[0][1];
  expect(first.every((e) => e[1] === ctx)).toBe(true);
  expect(ctx).toMatchObject({ topic: 't', key: 'k1', value: 'v1', headers: { h: 'x' }, record });
  expect(first[0][2]).toEqual({ result: undefined, error: undefined });
  expect(first[2][2].result).toMatchObject({ topic: 't', partition: 0, offset: 0n });
  expect(first[2][2].error).toBeUndefined();

  const second = events.filter((e) => e[1].record !== record);
  expect(second.map((e) => e[0])).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
  expect(second[3][1].result).toBe(md);
  expect(md.offset).toBe(1n);
});

test('send: a record that fails publishes error with context.error, then asyncStart and asyncEnd', async () => {
  const h = start();
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  const events = recordSendEvents();
  const failed = h.producer.send({ topic: 't', value: 'v' }).catch((e: Error) => e);
  await h.clock.advanceUntil(() => events.some((e) => e[0] === 'asyncEnd'), { what: 'the record' });
  const err = await failed;
  expect(err).toBeInstanceOf(TopicAuthorizationError);
  expect(events.map((e) => e[0])).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  expect(events[2][2].error).toBe(err);
  expect(events[2][1].result).toBeUndefined();
});

test('send: a record send() refuses (it does not throw) is a failed record: start, end, then error, asyncStart, the callback, asyncEnd', async () => {
  const h = start();
  const events = recordSendEvents();
  const callback = jest.fn(() => events.push(['callback'] as never));
  expect(h.producer.send({ topic: 't', value: 'v', partition: -1 }, callback)).toBeUndefined();
  expect(events.map((e) => e[0])).toEqual(['start', 'end']);
  await h.clock.run(10);
  expect(events.map((e) => e[0])).toEqual(['start', 'end', 'error', 'asyncStart', 'callback', 'asyncEnd']);
  expect(events[2][2].error).toBeInstanceOf(InvalidArgumentError);
  expect(events[2][2].error).toBe((callback.mock.calls[0] as unknown[])[0]);
  expect(events[2][1].partition).toBe(-1);
  expect(callback).toHaveBeenCalledTimes(1);

  // The promise form: the same events, and the promise rejects.
  events.length = 0;
  const refused = h.producer.send({ topic: 't', value: 'v', partition: -1 }).catch((e: Error) => e);
  await h.clock.run(10);
  const err = await refused;
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(events.map((e) => e[0])).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  expect(events[2][2].error).toBe(err);
});

test('send: headers set on the context by a start subscriber are written; the record is left as it was', async () => {
  const h = start();
  recordSendEvents((ctx) => {
    ctx.headers = [...((ctx.headers as { key: string; value: string }[]) ?? []), { key: 'added', value: `for-${String(ctx.value)}` }];
  });
  const withHeaders = { topic: 't', value: 'a', headers: [{ key: 'own', value: '1' }] };
  const without = { topic: 't', value: 'b' };
  const sent = [h.producer.send(withHeaders), h.producer.send(without)];
  await h.clock.advanceUntil(() => h.net.requestsOf('Produce').length > 0, { what: 'a Produce request' });
  await h.clock.run(0);
  await Promise.all(sent);
  const written = h.net.requestsOf('Produce').flatMap((r) => r.partitions!.flatMap((p) => p.headers));
  expect(written).toEqual([
    [
      { key: 'own', value: '1' },
      { key: 'added', value: 'for-a' },
    ],
    [{ key: 'added', value: 'for-b' }],
  ]);
  expect(withHeaders.headers).toEqual([{ key: 'own', value: '1' }]);
  expect(without).toEqual({ topic: 't', value: 'b' });
});

test('produce:request and produce:response: node, version, batches, records, bytes; latency on the virtual clock; a failed request carries its error', async () => {
  const h = start({ lingerMs: 5 }, { topics: { t: 2 } });
  const requests = recordMessages<ProduceRequestMessage>(channels.produceRequest);
  const responses = recordMessages<ProduceResponseMessage>(channels.produceResponse);
  h.net.prepare(0, 'Produce', { delayMs: 30 });
  const sent = ['a', 'b', 'c'].map((v, i) => h.producer.send({ topic: 't', value: v, partition: i % 2 }));
  await h.clock.advanceUntil(() => responses.length === 1, { what: 'the answer' });
  await Promise.all(sent);
  const [produce] = h.net.requestsOf('Produce');
  expect(requests).toHaveLength(1);
  expect(requests[0]).toMatchObject({ node: 0, version: produce.version, batches: 2, records: 3 });
  expect(requests[0].bytes).toBeGreaterThan(3 * 10);
  expect(responses).toEqual([{ node: 0, latencyMs: 30 }]);

  // A request whose connection is lost: the response message carries the error.
  h.net.prepare(0, 'Produce', { disconnect: true, delayMs: 7 });
  const retried = h.producer.send({ topic: 't', value: 'd', partition: 0 });
  await h.clock.advanceUntil(() => responses.length === 2, { what: 'the failed request' });
  expect(responses[1]).toMatchObject({ node: 0, latencyMs: 7 });
  expect(responses[1].error).toBeInstanceOf(Error);
  // The record is retried on a new connection and delivered.
  await h.clock.advanceUntil(() => responses.length === 3, { what: 'the retry' });
  await expect(retried).resolves.toMatchObject({ partition: 0 });
  expect(requests).toHaveLength(3);
});

test('connection: connect with node, host and port; close; connect-failed with its error', async () => {
  const h = start({}, { nodes: [0, 1], topics: { t: { partitions: 1, leaders: [1] } } });
  const events = recordMessages<ConnectionMessage>(channels.connection);
  h.net.refuseConnections(1);
  const sent = h.producer.send({ topic: 't', value: 'a' });
  await h.clock.advanceUntil(() => events.some((e) => e.event === 'connect-failed' && e.node === 1), { what: 'a refused connection' });
  const [host1, port1] = h.net.address(1).split(':');
  const failed = events.find((e) => e.event === 'connect-failed')!;
  expect(failed).toMatchObject({ node: 1, host: host1, port: Number(port1) });
  expect(failed.error).toBeInstanceOf(Error);
  const connected = events.filter((e) => e.event === 'connect');
  expect(connected.length).toBeGreaterThan(0);
  for (const c of connected) {
    const [host, port] = h.net.address(c.node < 0 ? -c.node - 1 : c.node).split(':');
    expect(c).toEqual({ event: 'connect', node: c.node, host, port: Number(port) });
  }

  h.net.refuseConnections(1, false);
  await h.clock.advanceUntil(() => events.some((e) => e.event === 'connect' && e.node === 1), { maxMs: 5000, what: 'node 1 connected' });
  await h.clock.settle();
  await sent;
  h.net.disconnect(1);
  await h.clock.settle();
  const closed = events.filter((e) => e.event === 'close' && e.node === 1);
  expect(closed).toHaveLength(1);
  expect(closed[0]).toMatchObject({ host: host1, port: Number(port1) });
  // Each connection is reported connected once.
  const connects = events.filter((e) => e.event === 'connect').map((e) => e.node);
  expect(new Set(connects).size).toBe(connects.length);
});

/** Spies on every publishing method of every channel (spies must go before anyone subscribes: a channel changes its prototype then). */
function spyOnPublishers(): jest.SpyInstance[] {
  return [
    jest.spyOn(sendChannel.start, 'runStores'),
    jest.spyOn(sendChannel.start, 'publish'),
    jest.spyOn(sendChannel.end, 'publish'),
    jest.spyOn(sendChannel.asyncStart, 'runStores'),
    jest.spyOn(sendChannel.asyncEnd, 'publish'),
    jest.spyOn(sendChannel.error, 'publish'),
    jest.spyOn(produceRequestChannel, 'publish'),
    jest.spyOn(produceResponseChannel, 'publish'),
    jest.spyOn(connectionChannel, 'publish'),
  ];
}

test('with no subscribers nothing is published, no context is made, and the callback is the one given', async () => {
  const h = start();
  let spies = spyOnPublishers();
  try {
    await h.producer.send({ topic: 't', value: 'a' });
    const callback = jest.fn();
    h.producer.send({ topic: 't', value: 'b' }, callback);
    // Metadata known, the record went straight into a batch, which holds the caller's own
    // callback: no wrapper stands between them.
    const batch = [...(h.producer as unknown as { accumulator: { incomplete: Set<{ soleCompletion: unknown; completions: unknown[] | null }> } }).accumulator.incomplete][0];
    expect(batch.soleCompletion).toBe(callback);
    expect(batch.completions).toBeNull();
    await expect(h.producer.send({ topic: 't', value: 'c', partition: -1 })).rejects.toThrow(InvalidArgumentError);
    h.net.disconnect(0);
    await h.clock.run(1000);
    expect(callback).toHaveBeenCalledTimes(1);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    for (const s of spies) s.mockRestore();

    // A subscriber that leaves leaves nothing behind.
    const events = recordSendEvents();
    await h.producer.send({ topic: 't', value: 'd' });
    expect(events.map((e) => e[0])).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    for (const u of unsubscribers.splice(0)) u();
    spies = spyOnPublishers();
    await h.producer.send({ topic: 't', value: 'e' });
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  } finally {
    for (const s of spies) s.mockRestore();
  }
});
