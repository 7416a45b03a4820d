/**
 * The OIDC client-credentials provider against a small HTTP token endpoint on 127.0.0.1:
 * the exact request (Java's ClientCredentialsRequestFormatter), success, which statuses are
 * retried (HttpJwtRetriever.UNRETRYABLE_HTTP_CODES), timeouts, bad answers and the claims
 * ClientJwtValidator requires. Expected encodings were produced by Java's URLEncoder and
 * Base64.getEncoder().
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ProducerLog } from '../../../src/logger';
import { formatRequest, javaUrlEncode, oidcTokenProvider, OidcTokenError, type OidcClientCredentials } from '../../../src/net/sasl/oidc';
import { DEFAULT_TOKEN_REFRESH_OPTIONS, OAuthBearerTokenSource } from '../../../src/net/sasl/token-source';
import { ConfigError, SaslAuthenticationError } from '../../../src/protocol/errors';
import { CaptureLogger } from '../../support/capture-logger';
import { FakeClock } from '../../support/fake-clock';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: Seen, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A token endpoint answering with `handlers` in turn (the last one repeats). */
async function endpoint(...handlers: Handler[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      handlers[Math.min(seen.length - 1, handlers.length - 1)](s, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`, seen };
}

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const nowS = () => Math.floor(Date.now() / 1000);
const goodToken = (claims: Record<string, unknown> = {}) => jwt({ sub: 'service-account', iat: nowS(), exp: nowS() + 3600, ...claims });

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

const SECRET = "p@ss w+rd:~é*._-!'()/%&=";
const fast = { retryBackoffMs: 10, retryBackoffMaxMs: 200 };

async function rejection(p: unknown): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function creds(url: string, more: Partial<OidcClientCredentials> = {}): OidcClientCredentials {
  return { tokenEndpointUrl: url, clientId: 'my-client', clientSecret: SECRET, ...more };
}

describe('the request (ClientCredentialsRequestFormatter)', () => {
  test('POST, form body with the scope encoded, Basic header with id and secret as given (header.urlencode off, as Java)', async () => {
    const token = goodToken();
    const ep = await endpoint(json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 }));
    await oidcTokenProvider(creds(ep.url, { scope: 'kafka:write openid' }))();
    expect(ep.seen).toHaveLength(1);
    const req = ep.seen[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/oauth2/token');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['cache-control']).toBe('no-cache');
    // Java: Base64.getEncoder().encodeToString("my-client:" + secret)
    expect(req.headers.authorization).toBe('Basic bXktY2xpZW50OnBAc3MgdytyZDp+w6kqLl8tIScoKS8lJj0=');
    expect(req.body).toBe('grant_type=client_credentials&scope=kafka%3Awrite+openid');
  });

  test('urlencodeHeader: id and secret URL-encoded as URLEncoder does; no scope, no scope parameter', async () => {
    const ep = await endpoint(json(200, { access_token: goodToken() }));
    await oidcTokenProvider(creds(ep.url, { urlencodeHeader: true }))();
    expect(ep.seen[0].headers.authorization).toBe('Basic bXktY2xpZW50OnAlNDBzcyt3JTJCcmQlM0ElN0UlQzMlQTkqLl8tJTIxJTI3JTI4JTI5JTJGJTI1JTI2JTNE');
    expect(ep.seen[0].body).toBe('grant_type=client_credentials');
  });

  test('java URLEncoder rules; id, secret and scope trimmed as Java trims; a blank scope is left out', () => {
    expect(javaUrlEncode(SECRET)).toBe('p%40ss+w%2Brd%3A%7E%C3%A9*._-%21%27%28%29%2F%25%26%3D');
    expect(formatRequest('id', 'secret', null, false).body).toBe('grant_type=client_credentials');
    const f = oidcTokenProvider({ tokenEndpointUrl: ' http://127.0.0.1:1/t ', clientId: ' id ', clientSecret: '\tsecret\n', scope: '   ' });
    expect(typeof f).toBe('function');
  });
});

describe('answers', () => {
  test('success: the token, its exp as lifetimeMs, sub as principal, and the extensions', async () => {
    const exp = nowS() + 1800;
    const token = goodToken({ exp, scope: ['kafka', 'openid'] });
    const ep = await endpoint(json(200, { access_token: `  ${token} `, expires_in: 1800 }));
    const t = await oidcTokenProvider(creds(ep.url, { extensions: { logicalCluster: 'lkc-1' } }))();
    expect(t).toEqual({ value: token, lifetimeMs: exp * 1000, principal: 'service-account', extensions: { logicalCluster: 'lkc-1' } });
  });

  test('201 is success too, and id_token is taken when there is no access_token (JwtResponseParser)', async () => {
    const token = goodToken();
    const ep = await endpoint(json(201, { id_token: token }));
    expect((await oidcTokenProvider(creds(ep.url))()).value).toBe(token);
  });

  test('401: not retried; the error names the endpoint, the status and the server error, never the secret', async () => {
    const ep = await endpoint(json(401, { error: 'invalid_client', error_description: `Bad secret ${SECRET}` }));
    const err = (await rejection(oidcTokenProvider(creds(ep.url), fast)())) as OidcTokenError;
    expect(ep.seen).toHaveLength(1);
    expect(err).toBeInstanceOf(OidcTokenError);
    expect(err.status).toBe(401);
    expect(err.endpoint).toBe(ep.url);
    expect(err.message).toBe(`The token endpoint ${ep.url} answered HTTP 401: invalid_client (Bad secret ***); not retried`);
    expect(err.message).not.toContain(SECRET);
  });

  test.each([400, 403, 404, 501])('%i: not retried', async (status) => {
    const ep = await endpoint(json(status, { errorCode: 'E0000011', errorSummary: 'nope' }));
    const err = (await rejection(oidcTokenProvider(creds(ep.url), fast)())) as OidcTokenError;
    expect(ep.seen).toHaveLength(1);
    expect(err.status).toBe(status);
    expect(err.message).toContain(`HTTP ${status}: E0000011 (nope)`);
  });

  test.each([500, 503, 429, 408])('%i, then success: retried', async (status) => {
    const token = goodToken();
    const ep = await endpoint(json(status, 'Service Unavailable'), json(200, { access_token: token }));
    const t = await oidcTokenProvider(creds(ep.url), fast)();
    expect(t.value).toBe(token);
    expect(ep.seen).toHaveLength(2);
  });

  test('500 every time: retried with doubling waits until retryBackoffMaxMs has passed; the first error is reported', async () => {
    const ep = await endpoint(json(500, { error: 'server_error' }));
    const t0 = Date.now();
    const err = (await rejection(oidcTokenProvider(creds(ep.url), { retryBackoffMs: 20, retryBackoffMaxMs: 300 })())) as OidcTokenError;
    const took = Date.now() - t0;
    // attempts at about 0, 20, 60, 140 and 300 ms (the last wait cut to what is left of 300 ms)
    expect(ep.seen.length).toBeGreaterThanOrEqual(2);
    expect(ep.seen.length).toBeLessThanOrEqual(6);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    expect(err.status).toBe(500);
    expect(err.message).toBe(`The token endpoint ${ep.url} answered HTTP 500: server_error (${ep.seen.length} attempts)`);
  });

  test('an empty 200 is retried (HttpJwtRetriever.handleOutput)', async () => {
    const token = goodToken();
    const ep = await endpoint(json(200, ''), json(200, { access_token: token }));
    expect((await oidcTokenProvider(creds(ep.url), fast)()).value).toBe(token);
    expect(ep.seen).toHaveLength(2);
  });

  test('no answer: a timeout naming the endpoint, no status', async () => {
    const ep = await endpoint(() => {
      // never answers
    });
    const t0 = Date.now();
    const err = (await rejection(oidcTokenProvider(creds(ep.url), { connectTimeoutMs: 50, readTimeoutMs: 50, retryBackoffMs: 0, retryBackoffMaxMs: 0 })())) as OidcTokenError;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(OidcTokenError);
    expect(err.status).toBeNull();
    expect(err.message).toBe(`No answer from the token endpoint ${ep.url} within 100 ms (connect + read timeout)`);
  });

  test('a body that stalls: the read timeout', async () => {
    const ep = await endpoint((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"access_token": "');
    });
    const err = (await rejection(oidcTokenProvider(creds(ep.url), { connectTimeoutMs: 50, readTimeoutMs: 50, retryBackoffMs: 0, retryBackoffMaxMs: 0 })())) as OidcTokenError;
    expect(err.message).toBe(`The token endpoint ${ep.url} did not finish its answer within 50 ms (read timeout)`);
  });

  // With retryBackoffMaxMs 0 the retry window ends where it starts: when the millisecond
  // turned between reading the window's end and checking it, no attempt was made at all.
  test('retryBackoffMaxMs 0: one attempt, even when the clock moves on at once', async () => {
    const token = goodToken();
    const ep = await endpoint(json(200, { access_token: token, token_type: 'bearer' }));
    const realNow = Date.now.bind(Date);
    let ticks = 0;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ticks++);
    try {
      const got = await oidcTokenProvider(creds(ep.url), { retryBackoffMs: 0, retryBackoffMaxMs: 0 })();
      expect(got.value).toBe(token);
    } finally {
      now.mockRestore();
    }
    expect(ep.seen).toHaveLength(1);
  });

  test('a port nobody listens on: the network error, retried', async () => {
    const ep = await endpoint(json(200, {}));
    const url = ep.url;
    const s = servers.pop()!;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
    const err = (await rejection(oidcTokenProvider(creds(url), { retryBackoffMs: 10, retryBackoffMaxMs: 50 })())) as OidcTokenError;
    expect(err.message).toMatch(new RegExp(`^Cannot reach the token endpoint ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ECONNREFUSED.* \\(\\d+ attempts\\)$`));
    expect(err.cause).toBeDefined();
  });

  test('malformed JSON: refused, not retried, and a token in the answer is not quoted', async () => {
    const token = goodToken();
    const ep = await endpoint(json(200, `access_token=${token}&token_type=bearer`));
    const err = await rejection(oidcTokenProvider(creds(ep.url), fast)());
    expect(ep.seen).toHaveLength(1);
    expect(err.message).toMatch(/^The token endpoint .* answered with something that is not JSON: access_token=<JWT>&token_type=bearer$/);
    expect(err.message).not.toContain(token);
  });

  test('JSON without a token: refused, naming the fields only', async () => {
    const ep = await endpoint(json(200, { token_type: 'Bearer', access_token: '  ', refresh_token: 'secret-refresh' }));
    const err = await rejection(oidcTokenProvider(creds(ep.url), fast)());
    expect(err.message).toBe(`The token endpoint ${ep.url} answered without a valid access_token; the answer's fields: token_type, access_token, refresh_token`);
  });
});

describe('the token (ClientJwtValidator)', () => {
  test.each([
    ['no exp', jwt({ sub: 'svc' }), 'exp value must be non-null'],
    ['a string exp', jwt({ sub: 'svc', exp: String(nowS() + 60) }), 'exp value must be a number'],
    ['no sub', jwt({ exp: nowS() + 60 }), 'sub value must be non-null'],
    ['a blank sub', jwt({ sub: '  ', exp: nowS() + 60 }), 'sub value must not contain only whitespace'],
    ['a negative iat', jwt({ sub: 'svc', exp: nowS() + 60, iat: -1 }), 'iat value must be null or non-negative; value given was "-1000"'],
    ['duplicate scopes', jwt({ sub: 'svc', exp: nowS() + 60, scope: ['a', 'a'] }), 'scope value must not contain duplicates - a already present'],
    ['an empty scope', jwt({ sub: 'svc', exp: nowS() + 60, scope: '' }), 'scope value must be non-empty'],
    ['not a JWT', 'opaque-access-token', 'malformed JWT; expected three sections (header, payload, and signature)'],
    ['an empty signature', jwt({ sub: 'svc', exp: nowS() + 60 }).replace(/[^.]+$/, ''), 'malformed JWT'],
    ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90LWpzb24.c2ln', 'its payload is not base64url-encoded JSON'],
  ])('%s: refused', async (_name, token, reason) => {
    const ep = await endpoint(json(200, { access_token: token }));
    const err = await rejection(oidcTokenProvider(creds(ep.url), fast)());
    expect(err).toBeInstanceOf(OidcTokenError);
    expect(err.message).toContain(`The access token from ${ep.url} is not valid: ${reason}`);
    expect(ep.seen).toHaveLength(1);
  });

  test('an expired token: refused, naming the expiry', async () => {
    const ep = await endpoint(json(200, { access_token: goodToken({ exp: nowS() - 10, iat: nowS() - 3610 }) }));
    const err = await rejection(oidcTokenProvider(creds(ep.url), fast)());
    expect(err.message).toMatch(/^The token from .* expired at .*, before this host's time .*; check that the clocks are in sync$/);
  });
});

describe('options, checked up front', () => {
  test.each([
    ['a URL that does not parse', { tokenEndpointUrl: 'not a url' }, 'oidc.tokenEndpointUrl', /is not a valid URL/],
    ['an ftp URL', { tokenEndpointUrl: 'ftp://idp.example.com/token' }, 'oidc.tokenEndpointUrl', /must be an http or https URL; got the protocol "ftp"/],
    ['a file URL', { tokenEndpointUrl: 'file:///tmp/token.jwt' }, 'oidc.tokenEndpointUrl', /http or https/],
    ['a URL with a password', { tokenEndpointUrl: 'https://u:p@idp.example.com/token' }, 'oidc.tokenEndpointUrl', /user name or password/],
    ['an empty client id', { clientId: '' }, 'oidc.clientId', /non-empty string/],
    ['a blank secret', { clientSecret: '  ' }, 'oidc.clientSecret', /non-empty string/],
    ['a scope that is not a string', { scope: 5 }, 'oidc.scope', /must be a string/],
    ['an extension named auth', { extensions: { auth: 'x' } }, 'oidc.extensions', /reserved/],
    ['an extension name with digits', { extensions: { ab1: 'x' } }, 'oidc.extensions', /letters only/],
  ])('%s: ConfigError', (_name, over, option, message) => {
    const build = () => oidcTokenProvider({ tokenEndpointUrl: 'https://idp.example.com/token', clientId: 'id', clientSecret: 'secret', ...(over as object) });
    expect(build).toThrow(ConfigError);
    try {
      build();
    } catch (e) {
      expect((e as ConfigError).option).toBe(option);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('secret"');
    }
  });

  test('backoff bounds as Java\'s Retry checks them', () => {
    const c = { tokenEndpointUrl: 'https://idp.example.com/token', clientId: 'id', clientSecret: 'secret' };
    expect(() => oidcTokenProvider(c, { retryBackoffMs: -1 })).toThrow(/retryBackoffMs' must be a number >= 0/);
    expect(() => oidcTokenProvider(c, { retryBackoffMs: 500, retryBackoffMaxMs: 100 })).toThrow(/'retryBackoffMaxMs' \(100\) is less than 'retryBackoffMs' \(500\)/);
    expect(() => oidcTokenProvider(c, { readTimeoutMs: 0 })).toThrow(ConfigError);
  });
});

describe('with the token source', () => {
  test('the token\'s iat is its start: the refresh comes at iat + 82.5% of iat..exp', async () => {
    const clock = new FakeClock(Date.now() - (Date.now() % 1000));
    const iat = Math.floor(clock.now() / 1000) - 600;
    const exp = iat + 7800;
    const ep = await endpoint(json(200, { access_token: jwt({ sub: 'svc', iat, exp }) }));
    const log = new CaptureLogger();
    const source = new OAuthBearerTokenSource(oidcTokenProvider(creds(ep.url)), DEFAULT_TOKEN_REFRESH_OPTIONS, {
      clock,
      random: () => 0.25,
      log: ProducerLog.of(log, {}),
    });
    try {
      const t = await source.current();
      expect(t.expiresAtMs).toBe(exp * 1000);
      expect(t.principal).toBe('svc');
      // Java, iat 10 min ago, 2 h left, jitter 0.25: 5,737,500 ms from now
      expect(source.nextRefreshAtMs).toBe(clock.now() + 5_737_500);
    } finally {
      source.close();
    }
  });

  test('a refused secret reaches the caller as a SaslAuthenticationError whose cause is the OIDC error', async () => {
    const ep = await endpoint(json(401, { error: 'invalid_client' }));
    const source = new OAuthBearerTokenSource(oidcTokenProvider(creds(ep.url), fast), DEFAULT_TOKEN_REFRESH_OPTIONS, { clock: new FakeClock() });
    const err = await rejection(source.current());
    source.close();
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toBe(`SASL authentication failed: the OAUTHBEARER token provider failed: The token endpoint ${ep.url} answered HTTP 401: invalid_client; not retried`);
    expect((err.cause as OidcTokenError).status).toBe(401);
  });
});
