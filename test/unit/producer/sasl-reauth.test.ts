// SASL on the scripted network and virtual time: OAUTHBEARER tokens from a provider, and
// re-authentication (KIP-368) on live connections when the broker limits the session. The
// scripted broker enforces the session as Kafka does: a request other than SASL after the
// session ended makes it hang up, so a client that does not re-authenticate in time loses
// its in-flight requests and retries them (record-retry-total would show it).
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerOptions } from '../../../src/producer/config';
import { Connection } from '../../../src/net/connection';
import { saslExchange } from '../../../src/net/sasl';
import type { OAuthBearerToken } from '../../../src/net/sasl/oauthbearer';
import { METADATA_API } from '../../../src/protocol/api-keys';
import { decodeMetadataResponse, encodeMetadataRequest } from '../../../src/protocol/messages/metadata';
import { SaslAuthenticationError } from '../../../src/protocol/errors';
import { Outcomes } from '../../support/fake-broker';
import { MockNetwork, MockNetworkOptions, VirtualClock } from '../../support/mock-network';

interface Harness {
  clock: VirtualClock;
  net: MockNetwork;
  producer: KafkaProducer<string, string>;
  out: Outcomes;
  send(value: string): void;
}

const harnesses: Harness[] = [];

function seeded(seed = 7): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

/** A producer on a scripted network; pass the clock when a token provider or check needs it first. */
function start(producerOpts: Partial<ProducerOptions<string, string>>, netOpts: MockNetworkOptions, clock = new VirtualClock()): Harness {
  const net = new MockNetwork(clock, { topics: { t: 2 }, nodes: [0, 1], ...netOpts });
  const producer = new KafkaProducer<string, string>(
    { bootstrapServers: net.bootstrap(), lingerMs: 0, ...producerOpts } as ProducerOptions<string, string>,
    { clock, connect: net.connect, random: seeded(), jitter: () => 0.5 },
  );
  const out = new Outcomes();
  const h: Harness = { clock, net, producer, out, send: (value) => producer.send({ topic: 't', key: value, value }, out.cb(value)) };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    const closing = h.producer.close({ timeoutMs: 0 });
    await h.clock.run(0);
    await closing;
  }
});

/** The token in an OAUTHBEARER client message ("n,," 0x01 "auth=Bearer " token ... 0x01 0x01). */
function bearerOf(bytes: Buffer): string | null {
  const m = /^n,,\u0001auth=Bearer ([^\u0001]+)(\u0001[^\u0001]*)*\u0001\u0001$/.exec(bytes.toString('utf8'));
  return m ? m[1] : null;
}

/** A provider of opaque tokens valid for `lifetimeMs` of virtual time; the broker side checks them. */
function tokenAuthority(clock: VirtualClock, lifetimeMs: number) {
  const issued = new Map<string, number>();
  let n = 0;
  const a = {
    calls: 0,
    failing: false,
    provider: async (): Promise<OAuthBearerToken> => {
      a.calls++;
      if (a.failing) throw new Error('identity provider unavailable');
      const value = `tok${++n}`;
      const expiresAt = clock.now() + lifetimeMs;
      issued.set(value, expiresAt);
      return { value, lifetimeMs: expiresAt, principal: 'svc' };
    },
    check: (mechanism: string, bytes: Buffer): string | null => {
      if (mechanism !== 'OAUTHBEARER') return `mechanism ${mechanism}`;
      const token = bearerOf(bytes);
      if (token === null) return 'malformed client message';
      const expiresAt = issued.get(token);
      if (expiresAt === undefined) return 'unknown token';
      return clock.now() < expiresAt ? null : 'token expired';
    },
  };
  return a;
}

describe('OAUTHBEARER with re-authentication (KIP-368)', () => {
  test('5 s sessions, 10 s tokens, a record every 50 ms for 60 s: every record once, no retry, no new connection, tokens refreshed', async () => {
    const clock = new VirtualClock();
    const authority = tokenAuthority(clock, 10_000);
    const { net, producer, out, send } = start(
      { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: authority.provider } },
      { sasl: { mechanisms: ['OAUTHBEARER'], sessionLifetimeMs: 5000, check: authority.check } },
      clock,
    );
    for (let i = 0; i < 1200; i++) {
      send(`v${i}`);
      await clock.run(50);
    }
    await clock.advanceUntil(() => out.allSettled, { what: 'every record' });
    expect(out.all.filter((o) => o.err)).toEqual([]);
    const written = [...net.records('t', 0), ...net.records('t', 1)];
    expect(written).toHaveLength(1200);

    const m = producer.metrics();
    expect(m['record-retry-total']).toBe(0);
    expect(m['failed-reauthentication-total']).toBe(0);
    // One connection per broker (and the bootstrap one), none opened again.
    expect(net.connects.filter((c) => !c.refused).length).toBe(m['connection-creation-total']);
    expect(m['connection-creation-total']).toBeLessThanOrEqual(3);
    // Sessions of 5 s over 60 s: each connection that carried records re-authenticated about
    // 11 times (re-authentication waits for a request, so the idle bootstrap connection did not).
    const producing = new Set(net.requestsOf('Produce').map((r) => r.connectionId));
    expect(producing.size).toBe(2);
    for (const c of net.authentications().filter((a) => producing.has(a.connectionId))) expect(c.authentications).toBeGreaterThanOrEqual(10);
    expect(m['successful-reauthentication-total']).toBeGreaterThanOrEqual(20);
    // 10 s tokens over 60 s: refreshed before they expired, at least 6 times.
    expect(authority.calls).toBeGreaterThanOrEqual(6);
  });

  test('a client that ignores the session lifetime is hung up on at the session end (the checks above mean something)', async () => {
    const clock = new VirtualClock();
    const net = new MockNetwork(clock, { topics: { t: 1 }, sasl: { mechanisms: ['PLAIN'], sessionLifetimeMs: 5000 } });
    const conn = new Connection({ host: 'broker-0.mock', port: 9092, clock, connect: net.connect });
    await conn.connect();
    // An authentication step that does not report the lifetime: no re-authentication is planned.
    await conn.authenticate(async (t) => {
      await saslExchange(t, { mechanism: 'PLAIN', username: 'u', password: 'p' });
    });
    const metadata = () => conn.request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, { topics: [{ name: 't' }], allowAutoTopicCreation: false }), decodeMetadataResponse);
    await metadata();
    await clock.run(5000);
    const late = metadata().then(
      () => null,
      (err: Error) => err,
    );
    await clock.settle();
    expect((await late)?.message).toMatch(/closed by the broker/);
    expect(conn.state).toBe('closed');
    expect(conn.reauthentications).toBe(0);
  });

  test('requests held during a re-authentication fail at once when the connection closes, and go out in order when it succeeds', async () => {
    const clock = new VirtualClock();
    const net = new MockNetwork(clock, { topics: { t: 1 }, sasl: { mechanisms: ['PLAIN'], sessionLifetimeMs: 1000 } });
    const metadataOn = (conn: Connection) => conn.request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, { topics: [{ name: 't' }], allowAutoTopicCreation: false }), decodeMetadataResponse);
    // The second authentication waits for the test: the re-authentication is held open.
    let release: (() => void) | null = null;
    let runs = 0;
    const step = async (t: Parameters<Parameters<Connection['authenticate']>[0]>[0]) => {
      if (++runs === 2) await new Promise<void>((r) => (release = r));
      return saslExchange(t, { mechanism: 'PLAIN', username: 'u', password: 'p' });
    };

    const conn = new Connection({ host: 'broker-0.mock', port: 9092, clock, connect: net.connect, random: () => 0 });
    await conn.connect();
    await conn.authenticate(step);
    await clock.run(1000);
    const held = [metadataOn(conn), metadataOn(conn)].map((p) => p.then(() => 'answered', (e: Error) => e.message));
    await clock.settle();
    expect(conn.state).toBe('authenticating');
    conn.close(new Error('gone'));
    expect(await Promise.all(held)).toEqual(['gone', 'gone']);
    release!();
    await clock.settle();

    const conn2 = new Connection({ host: 'broker-0.mock', port: 9092, clock, connect: net.connect, random: () => 0 });
    runs = 0;
    await conn2.connect();
    await conn2.authenticate(step);
    await clock.run(1000);
    const order: number[] = [];
    const sent = [0, 1, 2].map((i) => metadataOn(conn2).then(() => order.push(i)));
    await clock.settle();
    release!();
    await Promise.all(sent);
    expect(order).toEqual([0, 1, 2]);
    expect(conn2.reauthentications).toBe(1);
    const onConn2 = net.requests.filter((r) => r.connectionId === net.requests[net.requests.length - 1].connectionId).map((r) => r.api);
    expect(onConn2.slice(-5)).toEqual(['SaslHandshake', 'SaslAuthenticate', 'Metadata', 'Metadata', 'Metadata']);
    conn2.close();
  });

  test('PLAIN sessions are renewed the same way', async () => {
    const h = start({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } }, { sasl: { mechanisms: ['PLAIN'], sessionLifetimeMs: 2000 } });
    for (let i = 0; i < 200; i++) {
      h.send(`v${i}`);
      await h.clock.run(50);
    }
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'every record' });
    expect(h.out.all.filter((o) => o.err)).toEqual([]);
    const m = h.producer.metrics();
    expect(m['record-retry-total']).toBe(0);
    expect(m['successful-reauthentication-total']).toBeGreaterThanOrEqual(8);
    expect(h.net.connects.filter((c) => !c.refused).length).toBe(m['connection-creation-total']);
  });

  test('a refused re-authentication closes that connection only; its requests are retried on a new one', async () => {
    let refuseFrom = Infinity;
    let auths = 0;
    const h = start(
      { sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } },
      {
        sasl: {
          mechanisms: ['PLAIN'],
          sessionLifetimeMs: 2000,
          // The third authentication is refused once; later ones pass again.
          check: () => (++auths === refuseFrom ? 'credentials revoked for a moment' : null),
        },
      },
    );
    h.send('a');
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'a' });
    refuseFrom = auths + 1;
    await h.clock.run(2000);
    for (let i = 0; i < 5; i++) h.send(`b${i}`);
    await h.clock.advanceUntil(() => h.out.allSettled, { what: 'b' });
    expect(h.out.all.filter((o) => o.err)).toEqual([]);
    const m = h.producer.metrics();
    expect(m['failed-reauthentication-total']).toBe(1);
    expect(m['connection-creation-total']).toBeGreaterThanOrEqual(3);
  });
});

describe('OAUTHBEARER token failures', () => {
  test('a provider that throws: pending sends fail with SaslAuthenticationError within request.timeout.ms; sending recovers once tokens come again', async () => {
    const clock = new VirtualClock();
    const authority = tokenAuthority(clock, 60_000);
    authority.failing = true;
    const { producer, out, send } = start(
      { requestTimeoutMs: 5000, sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: authority.provider } },
      { sasl: { mechanisms: ['OAUTHBEARER'], check: authority.check } },
      clock,
    );
    const t0 = clock.now();
    send('a');
    await clock.advanceUntil(() => out.allSettled, { what: 'a', maxMs: 5000 });
    expect(clock.now() - t0).toBeLessThanOrEqual(5000);
    expect(out.all[0].err).toBeInstanceOf(SaslAuthenticationError);
    expect(out.all[0].err!.message).toMatch(/token/i);

    authority.failing = false;
    send('b');
    await clock.advanceUntil(() => out.allSettled, { what: 'b', maxMs: 60_000 });
    expect(out.all.find((o) => o.label === 'b')!.err).toBeNull();
  });

  test('an expired token is refused before it is sent', async () => {
    const clock = new VirtualClock();
    const { net, out, send } = start(
      { requestTimeoutMs: 5000, sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: () => ({ value: 'old', lifetimeMs: clock.now() - 1 }) } },
      { sasl: { mechanisms: ['OAUTHBEARER'] } },
      clock,
    );
    send('a');
    await clock.advanceUntil(() => out.allSettled, { what: 'a', maxMs: 5000 });
    expect(out.all[0].err).toBeInstanceOf(SaslAuthenticationError);
    expect(out.all[0].err!.message).toMatch(/expired/);
    expect(net.requestsOf('SaslAuthenticate')).toHaveLength(0);
  });

  test("the broker refusing the token: SaslAuthenticationError with the broker's message", async () => {
    const { clock, out, send } = start(
      { requestTimeoutMs: 5000, sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: () => ({ value: 'abc' }) } },
      { sasl: { mechanisms: ['OAUTHBEARER'], check: () => 'invalid token' } },
    );
    send('a');
    await clock.advanceUntil(() => out.allSettled, { what: 'a', maxMs: 5000 });
    expect(out.all[0].err).toBeInstanceOf(SaslAuthenticationError);
    expect(out.all[0].err!.message).toContain('invalid token');
  });
});
