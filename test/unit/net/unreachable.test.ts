// Real sockets, no broker: a refused local port, a host name that does not resolve, and a
// local server that refuses SASL credentials. What the logger gets and what a metadata
// timeout says (and carries as cause).
import * as net from 'node:net';

import { systemClock, type Clock } from '../../../src/net/clock';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import { API_VERSIONS_API, SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API } from '../../../src/protocol/api-keys';
import { ConnectionError, KafkaError, SaslAuthenticationError, TimeoutError } from '../../../src/protocol/errors';
import { Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';
import { CaptureLogger } from '../../support/capture-logger';

const producers: KafkaProducer<string, string>[] = [];
const servers: net.Server[] = [];

afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 });
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function producer(opts: Record<string, unknown>, clock?: Clock): KafkaProducer<string, string> {
  const p = new KafkaProducer<string, string>({ lingerMs: 0, ...opts } as never, { clock });
  producers.push(p);
  return p;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

test('a wrong port: one warn naming ECONNREFUSED within 2 s, and a TimeoutError whose cause is that error', async () => {
  const log = new CaptureLogger();
  const p = producer({ bootstrapServers: '127.0.0.1:1', maxBlockMs: 2000, logger: log });
  const t0 = Date.now();
  let warnedAfterMs = -1;
  const warn = log.warn.bind(log);
  log.warn = (obj, msg) => {
    if (warnedAfterMs < 0) warnedAfterMs = Date.now() - t0;
    warn(obj, msg);
  };
  const err = (await rejection(p.send({ topic: 't', value: 'v' }))) as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err.message).toBe('Topic t not present in metadata after 2000 ms; no broker could be reached: 127.0.0.1:1 (ECONNREFUSED)');
  expect(err.cause).toBeInstanceOf(ConnectionError);
  expect(((err.cause as Error).cause as { code: string }).code).toBe('ECONNREFUSED');

  const warns = log.at('warn');
  expect(warns).toHaveLength(1);
  expect(warnedAfterMs).toBeGreaterThanOrEqual(0);
  expect(warnedAfterMs).toBeLessThan(2000);
  expect(warns[0].obj).toMatchObject({ broker: '127.0.0.1:1', nodeId: -1, reason: 'ECONNREFUSED' });
  expect(warns[0].obj.error).toBe((err.cause as Error).message);
  expect(warns[0].msg).toBe('Cannot connect to broker 127.0.0.1:1 (bootstrap server): ECONNREFUSED');
});

test('partitionsFor on a wrong port: the same TimeoutError with its cause', async () => {
  const p = producer({ bootstrapServers: ['127.0.0.1:1'], maxBlockMs: 500 });
  const err = (await rejection(p.partitionsFor('t'))) as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err.message).toBe('Topic t not present in metadata after 500 ms; no broker could be reached: 127.0.0.1:1 (ECONNREFUSED)');
  expect(((err.cause as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
});

// Node fires a timer when its millisecond loop clock reaches the delay, which can be up to a
// millisecond before Date.now() does (more when the wall clock is stepped). A waiter that
// checked the clock again when its timer fired stayed waiting for ever, and so did a kafkajs
// facade connect() to a closed port.
test('metadata waits end at their timeout even when the timer fires before the clock shows it', async () => {
  const early: Clock = { ...systemClock, setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms - 20)) };
  const p = producer({ bootstrapServers: ['127.0.0.1:1'], maxBlockMs: 300 }, early);
  const [cluster, partitions] = await Promise.all([rejection(p.waitForCluster(200)), rejection(p.partitionsFor('t'))]);
  expect(cluster).toBeInstanceOf(TimeoutError);
  expect(cluster.message).toMatch(/^Cluster metadata not received after 200 ms/);
  expect(partitions).toBeInstanceOf(TimeoutError);
  expect(partitions.message).toMatch(/^Topic t not present in metadata after 300 ms/);
});

test('a host that does not resolve: ENOTFOUND (or EAI_AGAIN without DNS) as cause, warned once', async () => {
  const log = new CaptureLogger();
  const p = producer({ bootstrapServers: 'no-such-host.invalid:9092', maxBlockMs: 2000, logger: log });
  const err = (await rejection(p.send({ topic: 't', value: 'v' }))) as TimeoutError;
  expect(err).toBeInstanceOf(TimeoutError);
  const code = ((err.cause as Error).cause as { code: string }).code;
  expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(code);
  expect(err.message).toBe(`Topic t not present in metadata after 2000 ms; no broker could be reached: no-such-host.invalid:9092 (${code})`);
  expect(log.at('warn').map((w) => [w.obj.broker, w.obj.reason])).toEqual([['no-such-host.invalid:9092', code]]);
});

test('refused SASL credentials: a warn naming the failure, and the password in no log line', async () => {
  const password = 'pa55-very-secret-word';
  const port = await refusingSaslServer();
  const log = new CaptureLogger();
  const p = producer({
    bootstrapServers: `127.0.0.1:${port}`,
    maxBlockMs: 2000,
    logger: log,
    sasl: { mechanism: 'PLAIN', username: 'alice', password },
  });
  const err = await rejection(p.send({ topic: 't', value: 'v' }));
  expect(err).toBeInstanceOf(SaslAuthenticationError);
  expect((err as KafkaError).code).toBe('SASL_AUTHENTICATION_FAILED');
  const warns = log.at('warn');
  expect(warns).toHaveLength(1);
  expect(warns[0].obj).toMatchObject({ broker: `127.0.0.1:${port}`, reason: 'SASL_AUTHENTICATION_FAILED' });
  expect(warns[0].msg).toMatch(/SASL_AUTHENTICATION_FAILED/);
  // Every line, errors included with their messages, stacks and causes.
  const serialize = (v: unknown): string =>
    JSON.stringify(v, (_k, x) => (x instanceof Error ? { ...x, name: x.name, message: x.message, stack: x.stack, cause: x.cause } : x));
  expect(log.lines.length).toBeGreaterThan(0);
  for (const line of log.lines) expect(serialize(line)).not.toContain(password);
  expect(serialize(err)).not.toContain(password);
});

/** A broker that speaks ApiVersions and SaslHandshake and refuses every SaslAuthenticate. */
async function refusingSaslServer(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        answer(socket, frame);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function answer(socket: net.Socket, frame: Buffer): void {
  const r = new Reader(frame);
  const apiKey = r.readInt16('apiKey');
  const version = r.readInt16('apiVersion');
  const correlationId = r.readInt32('correlationId');
  const w = new Writer(64);
  const at = w.reserveInt32();
  w.writeInt32(correlationId);
  if (apiKey === API_VERSIONS_API.apiKey) {
    w.writeInt16(0);
    const apis = [API_VERSIONS_API, SASL_HANDSHAKE_API, SASL_AUTHENTICATE_API];
    w.writeCompactArrayLength(apis.length);
    for (const a of apis) w.writeInt16(a.apiKey).writeInt16(a.minVersion).writeInt16(a.maxVersion).writeEmptyTaggedFields();
    w.writeInt32(0);
    w.writeEmptyTaggedFields();
  } else if (apiKey === SASL_HANDSHAKE_API.apiKey) {
    w.writeInt16(0);
    w.writeArrayLength(1);
    w.writeString('PLAIN');
  } else if (apiKey === SASL_AUTHENTICATE_API.apiKey) {
    const flexible = version >= 2;
    if (flexible) w.writeEmptyTaggedFields(); // response header v1
    w.writeInt16(58); // SASL_AUTHENTICATION_FAILED
    const message = 'Authentication failed: Invalid username or password';
    if (flexible) {
      w.writeCompactNullableString(message);
      w.writeCompactBytes(Buffer.alloc(0));
    } else {
      w.writeNullableString(message);
      w.writeBytes(Buffer.alloc(0));
    }
    if (version >= 1) w.writeInt64(0);
    if (flexible) w.writeEmptyTaggedFields();
  } else {
    socket.destroy();
    return;
  }
  w.patchInt32(at, w.offset - 4);
  socket.write(Buffer.from(w.view()));
}
