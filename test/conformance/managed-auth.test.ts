/**
 * Managed-cloud authentication against real brokers of their own: OAUTHBEARER with a token
 * provider (the broker's unsecured validator) and with the built-in OIDC client (tokens from
 * the in-process OIDC server, checked by the broker against its JWKS), re-authentication on
 * live connections (KIP-368, connections.max.reauth.ms = 5 s) for OAUTHBEARER and SCRAM,
 * token failures, mutual TLS, and an authentication failure confined to one broker.
 *
 * Two brokers, so a topic of two partitions has a leader on each. Broker 2's OAUTHBEARER
 * validator requires a scope that broker 1's does not: a token without it authenticates on
 * broker 1 only. Everything written is read back by the Java verifier over PLAINTEXT.
 */
import { KafkaProducer, SaslAuthenticationError } from '../../src';
import type { ProducerOptions } from '../../src/producer/config';
import type { OAuthBearerToken } from '../../src/net/sasl/oauthbearer';
import { startCluster, type ClusterSecurityInfo, type KafkaCluster } from '../support/kafka-cluster';
import { startOidcServer, unsecuredJws, type OidcServer } from '../support/oidc-server';
import { uniqueTopic, Verifier } from '../support/verifier';

const ALICE = { username: 'alice', password: 'alice-secret' };
const AUDIENCE = 'kafka-wire-managed-auth';
const REAUTH_MS = 5_000;
/** Broker 2 (node id 2) requires this scope of unsecured OAUTHBEARER tokens; broker 1 does not. */
const BROKER2_SCOPE = 'broker-two';

let oidc: OidcServer;
let cluster: KafkaCluster;
let security: ClusterSecurityInfo;
let verifier: Verifier;

beforeAll(async () => {
  // The OIDC server first: the broker fetches its JWKS when it starts.
  oidc = await startOidcServer({ audience: AUDIENCE, tokenLifetimeMs: 60_000 });
  cluster = await startCluster({
    local: true,
    brokers: 2,
    security: {
      sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-512', 'OAUTHBEARER'], users: [ALICE] },
      oauthJwks: { jwksUrl: oidc.jwksUrl, issuer: oidc.issuer, audience: AUDIENCE },
      reauthMs: REAUTH_MS,
      mtls: true,
    },
    nodeSecurity: { 2: { oauthbearerRequiredScope: [BROKER2_SCOPE] } },
  });
  security = cluster.security!;
  verifier = await Verifier.start(cluster.bootstrap);
}, 240_000);

afterAll(async () => {
  await verifier?.close();
  await cluster?.stop();
  await oidc?.close();
});

/** A provider of unsecured JWS tokens for the SASL_PLAINTEXT listener, counting its calls. */
function unsecuredProvider(lifetimeMs: number, scope: string[] = [BROKER2_SCOPE, 'produce']) {
  const p = {
    calls: 0,
    mode: 'ok' as 'ok' | 'throw' | 'expired',
    provider: async (): Promise<OAuthBearerToken> => {
      p.calls++;
      if (p.mode === 'throw') throw new Error('identity provider unavailable (test)');
      const issuedAtMs = p.mode === 'expired' ? Date.now() - 10 * lifetimeMs : Date.now();
      const value = unsecuredJws({ sub: 'svc-producer', lifetimeMs, issuedAtMs, scope });
      return { value, lifetimeMs: Math.floor((issuedAtMs + lifetimeMs) / 1000) * 1000, principal: 'svc-producer' };
    },
  };
  return p;
}

/**
 * A topic of two partitions with one replica each, which Kafka places on different brokers:
 * the partition led by broker 1 and the one led by broker 2.
 */
async function twoLeaderTopic(prefix: string): Promise<{ topic: string; onBroker1: number; onBroker2: number }> {
  const topic = uniqueTopic(prefix);
  await verifier.createTopic(topic, 2, { replicationFactor: 1 });
  // The broker the verifier asks may not know the new topic for a moment: ask again.
  let partitions: { partition: number; leader: number | null }[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    partitions = await verifier.describeTopic(topic).then(
      (d) => d.partitions,
      () => [],
    );
    if (partitions.length === 2 && partitions.every((p) => p.leader !== null)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const led = (node: number) => partitions.find((p) => p.leader === node)?.partition;
  const onBroker1 = led(1);
  const onBroker2 = led(2);
  if (onBroker1 === undefined || onBroker2 === undefined) throw new Error(`${topic}: leaders ${JSON.stringify(partitions)}, expected one partition on each broker`);
  return { topic, onBroker1, onBroker2 };
}

/** Reads the topic back: per partition, the values in offset order. */
async function readBack(topic: string, expected: number): Promise<Map<number, string[]>> {
  const { records } = await verifier.consume(topic, { expected });
  const byPartition = new Map<number, string[]>();
  for (const r of records) {
    const list = byPartition.get(r.partition) ?? [];
    list.push(Buffer.from(r.value!, 'hex').toString());
    byPartition.set(r.partition, list);
  }
  return byPartition;
}

const common = (): Partial<ProducerOptions> => ({ lingerMs: 0, maxBlockMs: 20_000, requestTimeoutMs: 10_000, deliveryTimeoutMs: 30_000 });

describe('re-authentication on live connections (connections.max.reauth.ms 5 s)', () => {
  test('OAUTHBEARER with 10 s tokens and SCRAM-SHA-512, side by side: a record every 50 ms for 60 s each; no retry, no new connection, every record once and in order', async () => {
    const tokens = unsecuredProvider(10_000);
    const runs = [
      { label: 'oauth', opts: { sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: tokens.provider } } as Partial<ProducerOptions> },
      { label: 'scram', opts: { sasl: { mechanism: 'scram-sha-512', ...ALICE } } as Partial<ProducerOptions> },
    ];
    const results = await Promise.all(
      runs.map(async ({ label, opts }) => {
        const { topic } = await twoLeaderTopic(`reauth-${label}`);
        const producer = new KafkaProducer<string, string>({ bootstrapServers: security.saslPlaintext!, ...common(), ...opts } as ProducerOptions<string, string>);
        const sends: Promise<unknown>[] = [];
        let connectionsAfterStart = -1;
        try {
          const t0 = Date.now();
          for (let i = 0; i < 1200; i++) {
            sends.push(producer.send({ topic, partition: i % 2, key: `k${i}`, value: `${label}-${i}` }));
            if (i === 40) {
              await sends[0];
              connectionsAfterStart = producer.metrics()['connection-creation-total'];
            }
            // Paced on the wall clock: a record every 50 ms from t0, whatever the loop costs.
            const wait = t0 + (i + 1) * 50 - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
          await Promise.all(sends);
          return { label, topic, metrics: producer.metrics(), connectionsAfterStart };
        } finally {
          await producer.close({ timeoutMs: 10_000 });
        }
      }),
    );
    for (const { label, topic, metrics, connectionsAfterStart } of results) {
      const summary = {
        label,
        reauthentications: metrics['successful-reauthentication-total'],
        failedReauthentications: metrics['failed-reauthentication-total'],
        connectionsCreated: metrics['connection-creation-total'],
        connectionsAfterStart,
        retries: metrics['record-retry-total'],
        providerCalls: label === 'oauth' ? tokens.calls : undefined,
      };
      console.log(`re-authentication run: ${JSON.stringify(summary)}`);
      expect(metrics['record-retry-total']).toBe(0);
      expect(metrics['record-error-total']).toBe(0);
      expect(metrics['failed-reauthentication-total']).toBe(0);
      // The connections of the first second are all there ever were.
      expect(metrics['connection-creation-total']).toBe(connectionsAfterStart);
      // Two broker connections over 60 s of 5 s sessions: about 11 renewals each.
      expect(metrics['successful-reauthentication-total']).toBeGreaterThanOrEqual(16);
      const back = await readBack(topic, 1200);
      for (const p of [0, 1]) {
        expect(back.get(p)).toEqual(Array.from({ length: 600 }, (_, j) => `${label}-${2 * j + p}`));
      }
    }
    expect(tokens.calls).toBeGreaterThanOrEqual(6);
  }, 150_000);
});

describe('OAUTHBEARER', () => {
  test('the built-in OIDC client: client-credentials tokens from the token endpoint, checked by the broker against the JWKS', async () => {
    const topic = uniqueTopic('oidc');
    await verifier.createTopic(topic, 1);
    const before = oidc.tokenRequests;
    const producer = new KafkaProducer<string, string>({
      bootstrapServers: security.oauthJwt!,
      ...common(),
      sasl: { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: oidc.tokenUrl, clientId: oidc.clientId, clientSecret: oidc.clientSecret, scope: 'produce' } },
    });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `oidc-${i}` })));
    } finally {
      await producer.close({ timeoutMs: 10_000 });
    }
    // One token for every connection of the producer.
    expect(oidc.tokenRequests - before).toBe(1);
    expect(oidc.requests[oidc.requests.length - 1]).toMatchObject({ auth: 'basic', grantType: 'client_credentials', scope: 'produce', status: 200 });
    const back = await readBack(topic, 10);
    expect(back.get(0)).toEqual(Array.from({ length: 10 }, (_, i) => `oidc-${i}`));
  }, 60_000);

  test('a wrong client secret: sends fail with SaslAuthenticationError naming the token endpoint, within request.timeout.ms', async () => {
    const producer = new KafkaProducer<string, string>({
      bootstrapServers: security.oauthJwt!,
      ...common(),
      requestTimeoutMs: 5_000,
      sasl: { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: oidc.tokenUrl, clientId: oidc.clientId, clientSecret: 'not-the-secret' } },
    });
    try {
      const t0 = Date.now();
      const err = await producer.send({ topic: uniqueTopic('oidc-bad'), value: 'x' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(SaslAuthenticationError);
      expect(err!.message).toContain(oidc.tokenUrl);
      expect(err!.message).toContain('401');
      expect(err!.message).not.toContain('not-the-secret');
      expect(Date.now() - t0).toBeLessThan(5_000 + 2_000);
    } finally {
      await producer.close({ timeoutMs: 5_000 });
    }
  }, 30_000);

  test.each(['throw', 'expired'] as const)(
    'a provider that %s: pending sends fail with SaslAuthenticationError within request.timeout.ms; sending recovers once tokens are valid again',
    async (mode) => {
      const topic = uniqueTopic(`oauth-${mode}`);
      await verifier.createTopic(topic, 1);
      const tokens = unsecuredProvider(60_000);
      tokens.mode = mode;
      const producer = new KafkaProducer<string, string>({
        bootstrapServers: security.saslPlaintext!,
        ...common(),
        requestTimeoutMs: 5_000,
        sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: tokens.provider },
      });
      try {
        const t0 = Date.now();
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `bad-${i}` })));
        expect(Date.now() - t0).toBeLessThan(5_000 + 2_000);
        for (const o of outcomes) {
          expect(o.status).toBe('rejected');
          expect((o as PromiseRejectedResult).reason).toBeInstanceOf(SaslAuthenticationError);
        }
        expect((outcomes[0] as PromiseRejectedResult).reason.message).toMatch(mode === 'throw' ? /identity provider unavailable/ : /expired/);

        tokens.mode = 'ok';
        // The producer backs off its failed broker for reconnect.backoff.ms; then it authenticates.
        const mds = await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `good-${i}` })));
        expect(mds.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
      } finally {
        await producer.close({ timeoutMs: 5_000 });
      }
      const back = await readBack(topic, 5);
      expect(back.get(0)).toEqual(['good-0', 'good-1', 'good-2', 'good-3', 'good-4']);
    },
    60_000,
  );

  test("an authentication failure on one broker fails only that broker's batches", async () => {
    const { topic, onBroker1, onBroker2 } = await twoLeaderTopic('oauth-one-broker');
    // Tokens without broker 2's scope: broker 1 accepts them, broker 2 refuses them.
    const tokens = unsecuredProvider(60_000, ['produce']);
    const producer = new KafkaProducer<string, string>({
      bootstrapServers: security.saslPlaintext!.split(',')[0],
      ...common(),
      requestTimeoutMs: 5_000,
      sasl: { mechanism: 'OAUTHBEARER', oauthBearerProvider: tokens.provider },
    });
    try {
      const partitionOf = (i: number) => (i % 2 === 0 ? onBroker1 : onBroker2);
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: partitionOf(i), value: `b${i % 2 === 0 ? 1 : 2}-${i}` })));
      for (let i = 0; i < 10; i++) {
        const o = outcomes[i];
        if (i % 2 === 0) expect(o.status).toBe('fulfilled');
        else {
          expect(o.status).toBe('rejected');
          expect((o as PromiseRejectedResult).reason).toBeInstanceOf(SaslAuthenticationError);
        }
      }
    } finally {
      await producer.close({ timeoutMs: 5_000 });
    }
    const back = await readBack(topic, 5);
    expect(back.get(onBroker1)).toEqual(['b1-0', 'b1-2', 'b1-4', 'b1-6', 'b1-8']);
    expect(back.get(onBroker2)).toBeUndefined();
  }, 60_000);
});

describe('mutual TLS (ssl.client.auth=required)', () => {
  async function produceTen(label: string, ssl: ProducerOptions['ssl']): Promise<void> {
    const topic = uniqueTopic(`mtls-${label}`);
    await verifier.createTopic(topic, 1);
    const producer = new KafkaProducer<string, string>({ bootstrapServers: security.mtls!, ...common(), ssl });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `${label}-${i}` })));
    } finally {
      await producer.close({ timeoutMs: 10_000 });
    }
    const back = await readBack(topic, 10);
    expect(back.get(0)).toEqual(Array.from({ length: 10 }, (_, i) => `${label}-${i}`));
  }

  test('a client certificate and key in PEM', async () => {
    await produceTen('pem', { ca: security.caPem!, cert: security.clientCertPem!, key: security.clientKeyPem! });
  }, 60_000);

  test('the same in PKCS#12 with a passphrase', async () => {
    await produceTen('pfx', { ca: security.caPem!, pfx: security.clientPfx!, passphrase: security.clientPfxPassphrase! });
  }, 60_000);

  test.each([
    ['no client certificate', () => ({ ca: security.caPem! })],
    ['a certificate from a CA the broker does not trust', () => ({ ca: security.caPem!, cert: security.untrustedCertPem!, key: security.untrustedKeyPem! })],
  ] as const)('%s: refused with an error naming the broker and the TLS reason', async (_label, ssl) => {
    const producer = new KafkaProducer<string, string>({ bootstrapServers: security.mtls!, ...common(), maxBlockMs: 8_000, ssl: ssl() });
    try {
      const err = await producer.send({ topic: uniqueTopic('mtls-refused'), value: 'x' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).not.toBeNull();
      const text = `${err!.message} ${String((err as { cause?: Error }).cause?.message ?? '')}`;
      console.log(`mTLS refusal as reported: ${err!.name}: ${text}`);
      expect(text).toContain(security.mtls!.split(',')[0]);
      expect(text).toMatch(/TLS|SSL|certificate/i);
    } finally {
      await producer.close({ timeoutMs: 5_000 });
    }
  }, 30_000);
});
