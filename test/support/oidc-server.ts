/**
 * A small OpenID-style token server for tests, in process, plain HTTP on 127.0.0.1:
 *
 *   GET  /jwks   the public key set ({ keys: [jwk] }, one RSA key, RS256, with a kid), which
 *                a broker's OAuthBearerValidatorCallbackHandler fetches (start this server
 *                BEFORE the cluster: the broker reads the JWKS at start).
 *   POST /token  OAuth 2 client credentials (RFC 6749 section 4.4): form body
 *                grant_type=client_credentials[&scope=...]; the client authenticates with HTTP
 *                Basic (RFC 6749 2.3.1: id and secret form-urlencoded, then base64, as Java's
 *                client sends them) or with client_id/client_secret in the body, not both.
 *                Answers { access_token, token_type: 'Bearer', expires_in[, scope] }, the
 *                token an RS256 JWT with iss, aud (when configured), sub (= client id), iat,
 *                exp, scope, jti.
 *
 * Switches a test can flip at run time: failNext(n) and setFailing(true) (HTTP 500),
 * setIssueExpired(true) (tokens whose exp has passed), tokenLifetimeMs. mint() signs a token
 * directly (also with a key the JWKS does not hold); unsecuredJws() makes the alg "none" token
 * the broker's unsecured validator takes. No dependencies beyond node:crypto and node:http.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcServerOptions {
  /** Registered clients, id -> secret. Default { 'kafka-wire': 'kafka-wire-secret' }. */
  clients?: Record<string, string>;
  /** `aud` claim of issued tokens (omitted when unset). */
  audience?: string | string[];
  /** `iss` claim; default the server's base URL, http://127.0.0.1:PORT. */
  issuer?: string;
  /** Lifetime of issued tokens; default 60 s. */
  tokenLifetimeMs?: number;
  /** kid of the signing key; default a random one. */
  kid?: string;
}

export interface MintOptions {
  sub?: string;
  /** exp - iat; default the server's tokenLifetimeMs. */
  lifetimeMs?: number;
  /** Issue time, ms since the epoch; default now. exp = iat + lifetimeMs. */
  issuedAtMs?: number;
  /** Default the server's issuer; null leaves the claim out. */
  iss?: string | null;
  /** Default the server's audience; null leaves the claim out. */
  aud?: string | string[] | null;
  scope?: string;
  /** More claims (override the ones above). */
  claims?: Record<string, unknown>;
  /** Header kid; default the server's kid (so the broker finds a key and checks the signature). */
  kid?: string;
  /** Sign with a key that is not in the JWKS (the signature then fails to verify). */
  untrustedKey?: boolean;
}

export interface TokenRequestRecord {
  /** How the client authenticated. */
  auth: 'basic' | 'body' | 'none';
  clientId: string | null;
  grantType: string | null;
  scope: string | null;
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface OidcServer {
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  readonly issuer: string;
  readonly audience: string | string[] | undefined;
  readonly kid: string;
  /** The default client (the first of `clients`). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Lifetime of tokens issued from now on (settable). */
  tokenLifetimeMs: number;
  /** POST /token requests received (also failed ones). */
  readonly tokenRequests: number;
  /** Tokens issued by POST /token. */
  readonly tokensIssued: number;
  readonly jwksRequests: number;
  /** Every POST /token request, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  /** The next n token requests get HTTP 500. */
  failNext(n: number): void;
  /** Every token request gets HTTP 500 while on. */
  setFailing(on: boolean): void;
  /** Issued tokens are already expired (exp 10 minutes ago, past any clock skew) while on; expires_in stays the nominal lifetime. */
  setIssueExpired(on: boolean): void;
  /** A signed token, made directly. */
  mint(opts?: MintOptions): string;
  close(): Promise<void>;
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/**
 * An unsecured JWS (RFC 7515 with alg "none": header.payload. and an empty signature), as the
 * broker's OAuthBearerUnsecuredValidatorCallbackHandler takes it. iat and exp in seconds.
 * That validator reads a string `scope` claim as ONE scope: pass several as an array.
 */
export function unsecuredJws(opts: {
  sub: string;
  lifetimeMs?: number;
  issuedAtMs?: number;
  scope?: string | string[];
  claims?: Record<string, unknown>;
}): string {
  const iatMs = opts.issuedAtMs ?? Date.now();
  const payload: Record<string, unknown> = {
    sub: opts.sub,
    iat: Math.floor(iatMs / 1000),
    exp: Math.floor((iatMs + (opts.lifetimeMs ?? 60_000)) / 1000),
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
    ...opts.claims,
  };
  return `${b64url({ alg: 'none' })}.${b64url(payload)}.`;
}

/** application/x-www-form-urlencoded decoding ('+' is a space). */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

export async function startOidcServer(opts: OidcServerOptions = {}): Promise<OidcServer> {
  const clients = opts.clients ?? { 'kafka-wire': 'kafka-wire-secret' };
  const [clientId, clientSecret] = Object.entries(clients)[0] ?? ['', ''];
  const kid = opts.kid ?? `test-${crypto.randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Signs "untrusted" tokens: never published.
  const rogue = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  let failNext = 0;
  let failing = false;
  let issueExpired = false;
  let tokenRequests = 0;
  let tokensIssued = 0;
  let jwksRequests = 0;
  const requests: TokenRequestRecord[] = [];
  let baseUrl = '';
  let issuer = '';

  const state = { tokenLifetimeMs: opts.tokenLifetimeMs ?? 60_000 };

  const mint = (m: MintOptions = {}): string => {
    const iatMs = m.issuedAtMs ?? Date.now();
    const lifetimeMs = m.lifetimeMs ?? state.tokenLifetimeMs;
    const aud = m.aud === undefined ? opts.audience : m.aud;
    const iss = m.iss === undefined ? issuer : m.iss;
    const payload: Record<string, unknown> = {
      ...(iss !== null ? { iss } : {}),
      ...(aud !== null && aud !== undefined ? { aud } : {}),
      sub: m.sub ?? clientId,
      iat: Math.floor(iatMs / 1000),
      exp: Math.floor((iatMs + lifetimeMs) / 1000),
      jti: crypto.randomUUID(),
      ...(m.scope !== undefined ? { scope: m.scope } : {}),
      ...m.claims,
    };
    const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid: m.kid ?? kid })}.${b64url(payload)}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), m.untrustedKey ? rogue : privateKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  };

  const send = (res: http.ServerResponse, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...extra });
    res.end(text);
  };

  const handleToken = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    tokenRequests++;
    const record: TokenRequestRecord = { auth: 'none', clientId: null, grantType: null, scope: null, status: 0, headers: req.headers };
    requests.push(record);
    const reply = (status: number, payload: unknown, extra?: http.OutgoingHttpHeaders) => {
      record.status = status;
      send(res, status, payload, extra);
    };
    if (failing || failNext > 0) {
      if (failNext > 0) failNext--;
      reply(500, { error: 'server_error', error_description: 'failure injected by the test' });
      return;
    }
    const form = new URLSearchParams(body);
    record.grantType = form.get('grant_type');
    record.scope = form.get('scope');
    let id: string | null = null;
    let secret: string | null = null;
    const authz = req.headers.authorization;
    if (authz !== undefined && /^basic /i.test(authz)) {
      record.auth = 'basic';
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      try {
        if (colon >= 0) [id, secret] = [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
      } catch {
        // a malformed %-escape: no credentials
      }
      if (form.has('client_secret')) {
        // RFC 6749 2.3: a client MUST NOT use more than one authentication method per request.
        reply(400, { error: 'invalid_request', error_description: 'client credentials both in Authorization and in the body' });
        return;
      }
    } else if (form.has('client_id')) {
      record.auth = 'body';
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    record.clientId = id;
    if (id === null || secret === null || !Object.prototype.hasOwnProperty.call(clients, id) || clients[id] !== secret) {
      reply(401, { error: 'invalid_client' }, record.auth === 'basic' ? { 'www-authenticate': 'Basic realm="kafka-wire-test"' } : {});
      return;
    }
    if (record.grantType !== 'client_credentials') {
      reply(400, { error: record.grantType === null ? 'invalid_request' : 'unsupported_grant_type' });
      return;
    }
    const lifetimeMs = state.tokenLifetimeMs;
    const scope = record.scope ?? undefined;
    const access_token = issueExpired
      ? mint({ sub: id, scope, lifetimeMs, issuedAtMs: Date.now() - 600_000 - lifetimeMs })
      : mint({ sub: id, scope, lifetimeMs });
    tokensIssued++;
    reply(200, { access_token, token_type: 'Bearer', expires_in: Math.round(lifetimeMs / 1000), ...(scope !== undefined ? { scope } : {}) });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/jwks' && req.method === 'GET') {
        jwksRequests++;
        send(res, 200, { keys: [jwk] }, { 'cache-control': 'no-cache' });
      } else if (url.pathname === '/token' && req.method === 'POST') {
        handleToken(req, res, Buffer.concat(chunks).toString('utf8'));
      } else {
        send(res, 404, { error: 'not_found' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  issuer = opts.issuer ?? baseUrl;
  // The listening socket alone does not keep a process alive; close() also ends open connections.
  server.unref();

  let closed: Promise<void> | null = null;
  return {
    baseUrl,
    jwksUrl: `${baseUrl}/jwks`,
    tokenUrl: `${baseUrl}/token`,
    issuer,
    audience: opts.audience,
    kid,
    clientId,
    clientSecret,
    get tokenLifetimeMs() {
      return state.tokenLifetimeMs;
    },
    set tokenLifetimeMs(ms: number) {
      state.tokenLifetimeMs = ms;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    requests,
    failNext(n: number) {
      failNext = n;
    },
    setFailing(on: boolean) {
      failing = on;
    },
    setIssueExpired(on: boolean) {
      issueExpired = on;
    },
    mint,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
