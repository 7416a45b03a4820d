/**
 * The harness's managed-cloud authentication listeners, checked with raw protocol against one
 * local broker that has them all: OAUTHBEARER with the unsecured validator (and PLAIN,
 * SCRAM-SHA-512) on SASL_PLAINTEXT, OAUTHBEARER validated against the in-process OIDC server's
 * JWKS (OAUTH_JWT), re-authentication at 5 s (KIP-368), and mutual TLS (MTLS). Suites that
 * test kafka-wire's own OAuth and mTLS support build on these; this one only shows that the
 * broker side is what they assume.
 */
import { Connection, type ConnectionOptions } from '../../src/net/connection';
import { oauthBearerInitialResponse } from '../../src/net/sasl/oauthbearer';
import { METADATA_API, SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API } from '../../src/protocol/api-keys';
import { decodeMetadataResponse, encodeMetadataRequest } from '../../src/protocol/messages/metadata';
import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateRequest, type SaslAuthenticateResponse } from '../../src/protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse, encodeSaslHandshakeRequest } from '../../src/protocol/messages/sasl-handshake';
import { startCluster, type ClusterSecurityInfo, type KafkaCluster } from '../support/kafka-cluster';
import { startOidcServer, unsecuredJws, type OidcServer } from '../support/oidc-server';

const ALICE = { username: 'alice', password: 'alice-secret' };
const AUDIENCE = 'kafka-wire-test-cluster';
const REAUTH_MS = 5_000;
const SASL_AUTHENTICATION_FAILED = 58;

let oidc: OidcServer;
let cluster: KafkaCluster;
let security: ClusterSecurityInfo;

beforeAll(async () => {
  // The OIDC server first: the broker fetches its JWKS when it starts.
  oidc = await startOidcServer({ audience: AUDIENCE });
  cluster = await startCluster({
    local: true,
    security: {
      sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-512', 'OAUTHBEARER'], users: [ALICE] },
      oauthJwks: { jwksUrl: oidc.jwksUrl, issuer: oidc.issuer, audience: AUDIENCE },
      reauthMs: REAUTH_MS,
      mtls: true,
    },
  });
  security = cluster.security!;
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  await oidc?.close();
});

const hostPort = (list: string) => {
  const [host, port] = list.split(',')[0].split(':');
  return { host, port: Number(port) };
};

async function withConnection<T>(address: string, tls: ConnectionOptions['tls'], f: (c: Connection) => Promise<T>): Promise<T> {
  const conn = new Connection({ ...hostPort(address), tls, requestTimeoutMs: 10_000 });
  try {
    await conn.connect();
    return await f(conn);
  } finally {
    conn.close();
  }
}

/** SaslHandshake(mechanism), then one SaslAuthenticate per message, stopping at an error. */
async function sasl(conn: Connection, mechanism: string, ...messages: Buffer[]): Promise<SaslAuthenticateResponse[]> {
  const hs = await conn.request(SASL_HANDSHAKE_API, (w, v) => encodeSaslHandshakeRequest(w, v, { mechanism }), decodeSaslHandshakeResponse);
  expect(hs.errorCode).toBe(0);
  const answers: SaslAuthenticateResponse[] = [];
  for (const authBytes of messages) {
    const res = await conn.request(SASL_AUTHENTICATE_API, (w, v) => encodeSaslAuthenticateRequest(w, v, { authBytes }), decodeSaslAuthenticateResponse);
    answers.push(res);
    if (res.errorCode !== 0) break;
  }
  return answers;
}

/** One OAUTHBEARER exchange on a fresh connection: the broker's answer to the token. */
async function oauth(address: string, token: string): Promise<SaslAuthenticateResponse> {
  return withConnection(address, undefined, async (conn) => (await sasl(conn, 'OAUTHBEARER', oauthBearerInitialResponse(token)))[0]);
}

/**
 * A refused token: the broker answers with its JSON error (RFC 7628 3.2.2, error code 0),
 * the client acknowledges with 0x01, and then the exchange fails with SASL_AUTHENTICATION_FAILED.
 */
async function expectRefused(address: string, token: string): Promise<void> {
  await withConnection(address, undefined, async (conn) => {
    const [first, second] = await sasl(conn, 'OAUTHBEARER', oauthBearerInitialResponse(token), Buffer.from([0x01]));
    expect(first.errorCode).toBe(0);
    expect(JSON.parse(first.authBytes.toString('utf8'))).toMatchObject({ status: 'invalid_token' });
    expect(second.errorCode).toBe(SASL_AUTHENTICATION_FAILED);
  });
}

const metadataBrokerPorts = async (conn: Connection) => {
  const res = await conn.request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, { topics: [], allowAutoTopicCreation: false }), decodeMetadataResponse);
  return res.brokers.map((b) => b.port);
};

describe('OAUTHBEARER, unsecured validator, on SASL_PLAINTEXT', () => {
  test('an unsecured JWS is accepted; the session lifetime is within connections.max.reauth.ms', async () => {
    const res = await oauth(security.saslPlaintext!, unsecuredJws({ sub: 'alice', lifetimeMs: 60_000 }));
    expect(res.errorCode).toBe(0);
    expect(res.authBytes.length).toBe(0);
    expect(res.sessionLifetimeMs).toBeGreaterThan(0);
    expect(res.sessionLifetimeMs).toBeLessThanOrEqual(REAUTH_MS);
  });

  test('a token expiring before the re-authentication bound sets the session lifetime', async () => {
    const res = await oauth(security.saslPlaintext!, unsecuredJws({ sub: 'alice', lifetimeMs: 3_000 }));
    expect(res.errorCode).toBe(0);
    expect(res.sessionLifetimeMs).toBeGreaterThan(0);
    expect(res.sessionLifetimeMs).toBeLessThanOrEqual(3_000);
  });

  test('an expired unsecured JWS is refused', async () => {
    await expectRefused(security.saslPlaintext!, unsecuredJws({ sub: 'alice', issuedAtMs: Date.now() - 120_000, lifetimeMs: 60_000 }));
  });

  test('PLAIN on the same listener gets the same re-authentication bound', async () => {
    const plain = Buffer.from(`\0${ALICE.username}\0${ALICE.password}`, 'utf8');
    const [res] = await withConnection(security.saslPlaintext!, undefined, (conn) => sasl(conn, 'PLAIN', plain));
    expect(res.errorCode).toBe(0);
    expect(res.sessionLifetimeMs).toBeGreaterThan(0);
    expect(res.sessionLifetimeMs).toBeLessThanOrEqual(REAUTH_MS);
  });
});

describe('OAUTHBEARER validated against the JWKS (OAUTH_JWT listener)', () => {
  test('a token minted by the OIDC server is accepted, and metadata names this listener', async () => {
    const { port } = hostPort(security.oauthJwt!);
    await withConnection(security.oauthJwt!, undefined, async (conn) => {
      const [res] = await sasl(conn, 'OAUTHBEARER', oauthBearerInitialResponse(oidc.mint({ sub: 'svc-a', lifetimeMs: 60_000 })));
      expect(res.errorCode).toBe(0);
      expect(res.authBytes.length).toBe(0);
      expect(res.sessionLifetimeMs).toBeGreaterThan(0);
      expect(res.sessionLifetimeMs).toBeLessThanOrEqual(REAUTH_MS);
      expect(await metadataBrokerPorts(conn)).toEqual([port]);
    });
  });

  test('a token from POST /token (client credentials, HTTP Basic) is accepted', async () => {
    const basic = Buffer.from(`${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`).toString('base64');
    const before = oidc.tokenRequests;
    const http = await fetch(oidc.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=kafka',
    });
    expect(http.status).toBe(200);
    const body = (await http.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect(oidc.tokenRequests).toBe(before + 1);
    expect((await oauth(security.oauthJwt!, body.access_token)).errorCode).toBe(0);
  });

  test.each([
    ['signed by a key not in the JWKS', () => oidc.mint({ sub: 'svc-a', untrustedKey: true })],
    ['expired (past the 30 s clock skew)', () => oidc.mint({ sub: 'svc-a', issuedAtMs: Date.now() - 600_000, lifetimeMs: 60_000 })],
    ['for another audience', () => oidc.mint({ sub: 'svc-a', aud: 'another-cluster' })],
    ['from another issuer', () => oidc.mint({ sub: 'svc-a', iss: 'https://issuer.example.com' })],
    ['unsecured (alg none)', () => unsecuredJws({ sub: 'svc-a' })],
  ])('a token %s is refused', async (_label, token) => {
    await expectRefused(security.oauthJwt!, token());
  });

  test('the listener offers OAUTHBEARER only', async () => {
    await withConnection(security.oauthJwt!, undefined, async (conn) => {
      const hs = await conn.request(SASL_HANDSHAKE_API, (w, v) => encodeSaslHandshakeRequest(w, v, { mechanism: 'PLAIN' }), decodeSaslHandshakeResponse);
      expect(hs.errorCode).toBe(33);
      expect(hs.mechanisms).toEqual(['OAUTHBEARER']);
    });
  });
});

describe('mutual TLS (MTLS listener)', () => {
  test('a client certificate as PEM: ApiVersions completes, metadata names this listener', async () => {
    const { port } = hostPort(security.mtls!);
    const tls = { ca: security.caPem!, cert: security.clientCertPem!, key: security.clientKeyPem! };
    await withConnection(security.mtls!, tls, async (conn) => {
      expect(conn.apiVersionsResponse?.errorCode).toBe(0);
      expect(await metadataBrokerPorts(conn)).toEqual([port]);
    });
  });

  test('the same certificate as PKCS#12 with its passphrase', async () => {
    const tls = { ca: security.caPem!, pfx: security.clientPfx!, passphrase: security.clientPfxPassphrase! };
    await withConnection(security.mtls!, tls, async (conn) => {
      expect(conn.apiVersionsResponse?.errorCode).toBe(0);
    });
  });

  test.each([
    ['no client certificate', () => ({ ca: security.caPem! })],
    ['a certificate from an untrusted CA', () => ({ ca: security.caPem!, cert: security.untrustedCertPem!, key: security.untrustedKeyPem! })],
  ])('%s: the connection fails', async (_label, tls) => {
    await expect(withConnection(security.mtls!, tls(), async () => undefined)).rejects.toThrow();
  });
});

describe('the OIDC server', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(oidc.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  test('credentials in the body; a wrong secret is 401 invalid_client; failNext gives 500', async () => {
    const good = `grant_type=client_credentials&client_id=${oidc.clientId}&client_secret=${oidc.clientSecret}`;
    expect((await post(good)).status).toBe(200);
    expect(oidc.requests.at(-1)).toMatchObject({ auth: 'body', clientId: oidc.clientId, status: 200 });
    const bad = await post(`grant_type=client_credentials&client_id=${oidc.clientId}&client_secret=nope`);
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid_client' });
    oidc.failNext(1);
    expect((await post(good)).status).toBe(500);
    expect((await post(good)).status).toBe(200);
  });
});
