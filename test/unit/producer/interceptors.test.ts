// Producer interceptors (Java's ProducerInterceptor) on the scripted network: onSend before
// serialization (replacing the record, in chain), onAcknowledgement for every outcome before
// the record's callback, in order per partition; an interceptor that throws is skipped and
// reported, and never fails a send.
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { resolveConfig } from '../../../src/producer/config';
import type { ProducerInterceptor } from '../../../src/producer/interceptors';
import type { ProducerRecord, RecordMetadata } from '../../../src/producer/record';
import { ConfigError, InvalidArgumentError, TopicAuthorizationError } from '../../../src/protocol/errors';
import { SendContext, sendChannel } from '../../../src/tracing';
import { ErrorCode, MockNetwork, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
}
const harnesses: Harness[] = [];

function start(interceptors: ProducerInterceptor[], opts: Partial<ProducerOptions<string, string>> = {}, topics: Record<string, number> = { t: 2 }): Harness {
  const clock = new VirtualClock();
  const net = new MockNetwork(clock, { topics });
  const producer = new KafkaProducer<string, string>({ bootstrapServers: net.bootstrap(), lingerMs: 0, interceptors, ...opts }, { clock, connect: net.connect, jitter: () => 0.5 });
  const h = { clock, net, producer };
  harnesses.push(h);
  return h;
}

let warnings: jest.SpyInstance;
beforeEach(() => {
  warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
});

afterEach(async () => {
  warnings.mockRestore();
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
  }
});

const written = (h: Harness) => h.net.requestsOf('Produce').flatMap((r) => r.partitions!.flatMap((p) => p.values.map((v, i) => ({ value: v, headers: p.headers[i] }))));

test('onSend runs in order, each on the record the one before returned; returning nothing keeps the record', async () => {
  const seen: string[] = [];
  const h = start([
    {
      onSend: (r) => {
        seen.push(`first ${r.value}`);
        return { ...r, value: `${r.value}+1`, headers: [{ key: 'by', value: 'first' }] };
      },
    },
    {
      onSend: (r) => {
        seen.push(`second ${r.value}`);
      },
    },
    { onSend: (r) => ({ ...r, value: `${r.value}+3` }) },
  ]);
  const original: ProducerRecord<string, string> = { topic: 't', value: 'a', partition: 0 };
  const md = await h.producer.send(original);
  expect(seen).toEqual(['first a', 'second a+1']);
  expect(written(h)).toEqual([{ value: 'a+1+3', headers: [{ key: 'by', value: 'first' }] }]);
  expect(md).toMatchObject({ topic: 't', partition: 0, offset: 0n });
  expect(original).toEqual({ topic: 't', value: 'a', partition: 0 });
});

test('onSend may change the topic and partition; the record goes where the returned one says', async () => {
  const h = start([{ onSend: (r) => ({ ...r, topic: 'u', partition: 1 }) }], {}, { t: 1, u: 2 });
  const md = await h.producer.send({ topic: 't', value: 'a' });
  expect(md).toMatchObject({ topic: 'u', partition: 1 });
  expect(h.net.records('u', 1).map((r) => r.value)).toEqual(['a']);
});

test('an onSend that throws is skipped (the record as it was goes on) and reported as a process warning', async () => {
  const h = start([
    { onSend: (r) => ({ ...r, value: `${r.value}+1` }) },
    {
      onSend: () => {
        throw new Error('boom');
      },
    },
    { onSend: (r) => ({ ...r, value: `${r.value}+3` }) },
  ]);
  await h.producer.send({ topic: 't', value: 'a', partition: 0 });
  expect(written(h).map((w) => w.value)).toEqual(['a+1+3']);
  expect(warnings).toHaveBeenCalledTimes(1);
  const warning = warnings.mock.calls[0][0] as Error;
  expect(warning.message).toContain('interceptor 1 threw in onSend');
  expect((warning as Error & { cause?: Error }).cause?.message).toBe('boom');
});

test('with a logger, a throwing interceptor is reported to it as warn, not as a process warning', async () => {
  const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const h = start(
    [
      {
        onAcknowledgement: () => {
          throw new Error('ack boom');
        },
      },
    ],
    { logger },
  );
  await h.producer.send({ topic: 't', value: 'a', partition: 0 });
  const mine = logger.warn.mock.calls.filter((c) => String(c[1]).includes('interceptor'));
  expect(mine).toHaveLength(1);
  expect(mine[0][0]).toMatchObject({ interceptor: 0, method: 'onAcknowledgement' });
  expect(mine[0][1]).toContain('interceptor 0 threw in onAcknowledgement');
  expect(warnings).not.toHaveBeenCalled();
});

test('onAcknowledgement: every outcome (delivered, failed by the broker, refused by send()), once, before the callback, in order per partition', async () => {
  const log: string[] = [];
  const acks: [RecordMetadata, Error | null][] = [];
  const h = start([
    {
      onAcknowledgement: (md, err) => {
        acks.push([md, err]);
        log.push(`ack ${md.partition}/${md.offset} ${err ? err.constructor.name : 'ok'}`);
      },
    },
  ]);
  const cb = (label: string) => (err: Error | null, md: RecordMetadata) => log.push(`callback ${label} ${md.offset} ${err ? 'failed' : 'ok'}`);
  await h.producer.send({ topic: 't', value: 'warm-up', partition: 1 });
  log.length = 0;
  acks.length = 0;
  for (let i = 0; i < 3; i++) h.producer.send({ topic: 't', value: `p0-${i}`, partition: 0 }, cb(`p0-${i}`));
  await h.clock.advanceUntil(() => log.length === 6, { what: 'three records' });
  expect(log).toEqual(['ack 0/0 ok', 'callback p0-0 0 ok', 'ack 0/1 ok', 'callback p0-1 1 ok', 'ack 0/2 ok', 'callback p0-2 2 ok']);
  expect(acks[0][0]).toMatchObject({ topic: 't', partition: 0, offset: 0n });

  // Refused by the broker: the error, and metadata naming the topic and partition.
  log.length = 0;
  h.net.prepare(0, 'Produce', { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  const refused = h.producer.send({ topic: 't', value: 'x', partition: 0 }).catch((e: Error) => e);
  const err = await refused;
  expect(err).toBeInstanceOf(TopicAuthorizationError);
  expect(acks[3][1]).toBe(err);
  expect(acks[3][0]).toMatchObject({ topic: 't', partition: 0, offset: -1n });

  // Refused by send() (which does not throw; Java throws and calls onSendError): the
  // interceptor hears of it once, before the promise rejects or the callback runs.
  log.length = 0;
  const invalid = h.producer.send({ topic: 't', value: 'x', partition: -1 }).catch((e: Error) => {
    log.push('rejected');
    return e;
  });
  expect(acks).toHaveLength(4);
  const invalidErr = await invalid;
  expect(invalidErr).toBeInstanceOf(InvalidArgumentError);
  expect(acks).toHaveLength(5);
  expect(acks[4][1]).toBe(invalidErr);
  expect(acks[4][0]).toMatchObject({ topic: 't', partition: -1, offset: -1n });
  h.producer.send({ topic: 't', value: 'x', partition: -1 }, cb('invalid'));
  await h.clock.advanceUntil(() => log.length === 4, { what: 'the callback of the refused record' });
  expect(log).toEqual(['ack -1/-1 InvalidArgumentError', 'rejected', 'ack -1/-1 InvalidArgumentError', 'callback invalid -1 failed']);
  expect(acks).toHaveLength(6);
});

test('an onAcknowledgement that throws is skipped: the next interceptors and the callback still run', async () => {
  const after = jest.fn();
  const h = start([
    {
      onAcknowledgement: () => {
        throw new Error('nope');
      },
    },
    { onAcknowledgement: after },
  ]);
  const md = await h.producer.send({ topic: 't', value: 'a', partition: 0 });
  expect(md.offset).toBe(0n);
  expect(after).toHaveBeenCalledWith(md, null);
  expect(warnings).toHaveBeenCalledTimes(1);
});

test('with interceptors and a send channel subscriber: the context holds the intercepted record', async () => {
  const h = start([{ onSend: (r) => ({ ...r, value: 'changed' }) }]);
  const contexts: SendContext[] = [];
  const handlers = { start: (m: unknown) => contexts.push(m as SendContext), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  sendChannel.subscribe(handlers);
  try {
    await h.producer.send({ topic: 't', value: 'a', partition: 0 });
  } finally {
    sendChannel.unsubscribe(handlers);
  }
  expect(contexts).toHaveLength(1);
  expect(contexts[0]).toMatchObject({ value: 'changed', record: { value: 'changed' } });
  expect(contexts[0].result).toMatchObject({ offset: 0n });
});

test('the option: an array of objects whose methods are functions; an empty list is none', () => {
  expect(resolveConfig({ bootstrapServers: 'h:1', interceptors: [] }).interceptors).toBeNull();
  expect(resolveConfig({ bootstrapServers: 'h:1' }).interceptors).toBeNull();
  const list = [{ onSend: (r: ProducerRecord) => r }, {}];
  const resolved = resolveConfig({ bootstrapServers: 'h:1', interceptors: list }).interceptors!;
  expect(resolved).toEqual(list);
  expect(Object.isFrozen(resolved)).toBe(true);
  expect(() => resolveConfig({ bootstrapServers: 'h:1', interceptors: {} as never })).toThrow(ConfigError);
  expect(() => resolveConfig({ bootstrapServers: 'h:1', interceptors: [{ onSend: 'x' }] as never })).toThrow(/'interceptors' must be .*\(element 0 is not\)/);
  expect(() => resolveConfig({ bootstrapServers: 'h:1', interceptors: [null] as never })).toThrow(ConfigError);
});
