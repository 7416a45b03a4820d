/**
 * The built-in OIDC client-credentials token provider (KIP-768), as Java's login handler
 * builds it: ClientCredentialsRequestFormatter formats the request, HttpJwtRetriever posts it
 * (retrying as Retry does), JwtResponseParser takes the token out of the answer, and
 * ClientJwtValidator checks its claims (no signature check: that is the broker's job).
 *
 * Errors name the endpoint and the HTTP status and carry the server's error and
 * error_description (RFC 6749 section 5.2), never the client secret.
 */
import { ConfigError, KafkaError } from '../../protocol/errors';
import type { OAuthBearerProvider, OAuthBearerToken } from './oauthbearer';

export interface OidcClientCredentials {
  /** sasl.oauthbearer.token.endpoint.url (http or https). */
  tokenEndpointUrl: string;
  /** clientId (Java: sasl.oauthbearer.client.credentials.client.id). */
  clientId: string;
  /** clientSecret (Java: sasl.oauthbearer.client.credentials.client.secret). */
  clientSecret: string;
  /** sasl.oauthbearer.scope: sent as the form's scope when given. */
  scope?: string;
  /** SASL extensions (KIP-342) sent with the token. */
  extensions?: Readonly<Record<string, string>>;
  /**
   * sasl.oauthbearer.header.urlencode (KIP-1025): URL-encode the client id and secret inside
   * the Basic header, as RFC 6749 section 2.3.1 asks. Off by default, as in Java, where
   * turning it on also sends the scope encoded; here the scope is always form-encoded.
   */
  urlencodeHeader?: boolean;
}

export interface OidcHttpOptions {
  /** sasl.login.connect.timeout.ms (Java: none; the producer option defaults to 10 s). */
  connectTimeoutMs?: number;
  /** sasl.login.read.timeout.ms (Java: none; the producer option defaults to 10 s). */
  readTimeoutMs?: number;
  /** sasl.login.retry.backoff.ms: the first wait between attempts (100). */
  retryBackoffMs?: number;
  /** sasl.login.retry.backoff.max.ms: attempts stop once this long has passed (10000). */
  retryBackoffMaxMs?: number;
  /** The fetch to use (Node's global fetch by default). */
  fetch?: typeof fetch;
}

/** A token request that failed: the endpoint, and the HTTP status when there was an answer. */
export class OidcTokenError extends KafkaError {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'OidcTokenError', writable: true, configurable: true, enumerable: false });
  }
  /** The token endpoint (without query or fragment). */
  readonly endpoint: string;
  /** The HTTP status of the answer, or null when there was none (network error, timeout). */
  readonly status: number | null;

  constructor(message: string, endpoint: string, status: number | null, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, { code: 'ERR_KAFKA_OAUTHBEARER_TOKEN', retriable: options?.retriable ?? false, ...(options && 'cause' in options ? { cause: options.cause } : {}) });
    this.endpoint = endpoint;
    this.status = status;
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_READ_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_BACKOFF_MS = 100;
const DEFAULT_RETRY_BACKOFF_MAX_MS = 10_000;

/** HttpJwtRetriever.UNRETRYABLE_HTTP_CODES: everything else that is not 200/201 is retried (408 and 429 included). */
const UNRETRYABLE_HTTP_CODES: ReadonlySet<number> = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 501, 505]);

/** JwtResponseParser.JSON_PATHS: the access token, else an ID token. */
const TOKEN_FIELDS = ['access_token', 'id_token'] as const;
/** JwtResponseParser.MAX_RESPONSE_BODY_LENGTH. */
const MAX_SNIPPET = 1000;

/** A token endpoint URL as error messages quote it: without user info, query or fragment (which may hold secrets). */
export function urlForMessages(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1').replace(/[?#][\s\S]*$/, '');
}

/**
 * A provider fetching tokens from an OIDC token endpoint with the client-credentials grant.
 * Options are checked here (a ConfigError), not at the first fetch.
 */
export function oidcTokenProvider(opts: OidcClientCredentials, http: OidcHttpOptions = {}): OAuthBearerProvider {
  const cfg = checkOptions(opts, http);
  const request = formatRequest(cfg.clientId, cfg.clientSecret, cfg.scope, cfg.urlencodeHeader);
  const secrets = [cfg.clientSecret, javaUrlEncode(cfg.clientSecret), request.headers.Authorization.slice('Basic '.length)].filter((s) => s.length >= 4);
  const scrub = (text: string): string => scrubText(text, secrets);

  return async (context?: { signal: AbortSignal }): Promise<OAuthBearerToken> => {
    const body = await retrieve(cfg, request, scrub, context?.signal);
    const accessToken = parseJwt(body, cfg.endpoint, scrub);
    const claims = validate(accessToken, cfg.endpoint);
    if (claims.expMs <= Date.now()) {
      throw new OidcTokenError(
        `The token from ${cfg.endpoint} expired at ${new Date(claims.expMs).toISOString()}, before this host's time ${new Date().toISOString()}; check that the clocks are in sync`,
        cfg.endpoint,
        null,
      );
    }
    return {
      value: accessToken,
      lifetimeMs: claims.expMs,
      principal: claims.sub,
      ...(cfg.extensions !== undefined ? { extensions: cfg.extensions } : {}),
    };
  };
}

interface CheckedOptions {
  url: URL;
  /** The URL for messages: no user info, query or fragment. */
  endpoint: string;
  clientId: string;
  clientSecret: string;
  scope: string | null;
  urlencodeHeader: boolean;
  extensions: Readonly<Record<string, string>> | undefined;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  fetch: typeof fetch;
}

function checkOptions(opts: OidcClientCredentials, http: OidcHttpOptions): CheckedOptions {
  if (opts === null || typeof opts !== 'object') throw new ConfigError('The OIDC options must be an object { tokenEndpointUrl, clientId, clientSecret, scope?, extensions? }.', { option: 'oidc' });
  const fail = (field: string, text: string): never => {
    throw new ConfigError(`OIDC option '${field}' ${text}`, { option: `oidc.${field}` });
  };

  // ConfigurationUtils.validateUrl (file: URLs are FileJwtRetriever's, not supported here).
  if (typeof opts.tokenEndpointUrl !== 'string' || javaTrim(opts.tokenEndpointUrl) === '') fail('tokenEndpointUrl', 'must be a non-empty string.');
  let url: URL;
  try {
    url = new URL(javaTrim(opts.tokenEndpointUrl));
  } catch (e) {
    return fail('tokenEndpointUrl', `is not a valid URL: ${JSON.stringify(urlForMessages(opts.tokenEndpointUrl))} (${(e as Error).message}).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('tokenEndpointUrl', `must be an http or https URL; got the protocol ${JSON.stringify(url.protocol.replace(/:$/, ''))}.`);
  // fetch refuses URLs with credentials; the client id and secret go in the Basic header.
  if (url.username !== '' || url.password !== '') fail('tokenEndpointUrl', 'must not contain a user name or password; use clientId and clientSecret.');

  // ClientCredentialsRequestFormatter: blank id or secret is a ConfigException; all are trimmed.
  if (typeof opts.clientId !== 'string' || javaTrim(opts.clientId) === '') fail('clientId', 'must be a non-empty string.');
  if (typeof opts.clientSecret !== 'string' || javaTrim(opts.clientSecret) === '') fail('clientSecret', 'must be a non-empty string.');
  if (opts.scope !== undefined && opts.scope !== null && typeof opts.scope !== 'string') fail('scope', 'must be a string.');
  if (opts.urlencodeHeader !== undefined && typeof opts.urlencodeHeader !== 'boolean') fail('urlencodeHeader', 'must be a boolean.');

  let extensions: Readonly<Record<string, string>> | undefined;
  if (opts.extensions !== undefined && opts.extensions !== null) {
    if (typeof opts.extensions !== 'object' || Array.isArray(opts.extensions)) fail('extensions', 'must be an object of strings.');
    // OAuthBearerClientInitialResponse.validateExtensions: the rules the first message enforces.
    for (const [key, value] of Object.entries(opts.extensions)) {
      if (key === 'auth') fail('extensions', 'must not use the reserved name "auth".');
      if (!/^[A-Za-z]+$/.test(key)) fail('extensions', `has the name ${JSON.stringify(key)}; names are letters only.`);
      if (typeof value !== 'string' || !/^[\x21-\x7E \t\r\n]+$/.test(value)) fail('extensions', `has a value for ${key} that is not a non-empty printable ASCII string.`);
    }
    extensions = Object.freeze({ ...opts.extensions });
  }

  const num = (field: keyof OidcHttpOptions, v: unknown, dflt: number, min: number): number => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new ConfigError(`OIDC HTTP option '${field}' must be a number >= ${min}; got ${String(v)}.`, { option: field });
    }
    return v;
  };
  const connectTimeoutMs = num('connectTimeoutMs', http.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 1);
  const readTimeoutMs = num('readTimeoutMs', http.readTimeoutMs, DEFAULT_READ_TIMEOUT_MS, 1);
  // Retry's constructor: both non-negative, and the max not below the initial wait.
  const retryBackoffMs = num('retryBackoffMs', http.retryBackoffMs, DEFAULT_RETRY_BACKOFF_MS, 0);
  const retryBackoffMaxMs = num('retryBackoffMaxMs', http.retryBackoffMaxMs, DEFAULT_RETRY_BACKOFF_MAX_MS, 0);
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new ConfigError(`OIDC HTTP option 'retryBackoffMaxMs' (${retryBackoffMaxMs}) is less than 'retryBackoffMs' (${retryBackoffMs}).`, { option: 'retryBackoffMaxMs' });
  }
  const fetchFn = http.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof fetchFn !== 'function') throw new ConfigError('The OIDC client needs fetch (Node.js 18 or later, or the fetch option).', { option: 'fetch' });

  const scope = opts.scope === undefined || opts.scope === null || javaTrim(opts.scope) === '' ? null : javaTrim(opts.scope);
  return {
    url,
    endpoint: `${url.origin}${url.pathname}`,
    clientId: javaTrim(opts.clientId),
    clientSecret: javaTrim(opts.clientSecret),
    scope,
    urlencodeHeader: opts.urlencodeHeader === true,
    extensions,
    connectTimeoutMs,
    readTimeoutMs,
    retryBackoffMs,
    retryBackoffMaxMs,
    fetch: fetchFn,
  };
}

interface TokenRequest {
  headers: { Accept: string; Authorization: string; 'Cache-Control': string; 'Content-Type': string };
  body: string;
}

/** ClientCredentialsRequestFormatter.formatHeaders() and formatBody(). */
export function formatRequest(clientId: string, clientSecret: string, scope: string | null, urlencodeHeader: boolean): TokenRequest {
  const id = urlencodeHeader ? javaUrlEncode(clientId) : clientId;
  const secret = urlencodeHeader ? javaUrlEncode(clientSecret) : clientSecret;
  // RFC 7617: the standard base64 alphabet, not the URL-safe one (KAFKA-14496).
  const basic = Buffer.from(`${id}:${secret}`, 'utf8').toString('base64');
  return {
    headers: {
      Accept: 'application/json',
      Authorization: `Basic ${basic}`,
      'Cache-Control': 'no-cache',
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    // Java sends the scope raw unless header.urlencode is on; a raw '+', '&' or '%' would
    // change its meaning, and an encoded scope decodes to the same value on any form parser.
    body: scope === null ? 'grant_type=client_credentials' : `grant_type=client_credentials&scope=${javaUrlEncode(scope)}`,
  };
}

/** java.net.URLEncoder.encode(s, UTF_8): letters, digits and ".-*_" kept, space as '+'. */
export function javaUrlEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Java's String.trim(): only characters up to U+0020. */
function javaTrim(s: string): string {
  return s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

/** An attempt that should not be repeated (Java: UnretryableException). */
class Unretryable {
  constructor(readonly error: OidcTokenError) {}
}

/** HttpJwtRetriever.retrieve() with Retry.execute(): the response body of a 200 or 201. */
async function retrieve(cfg: CheckedOptions, request: TokenRequest, scrub: (s: string) => string, signal?: AbortSignal): Promise<string> {
  const endMs = Date.now() + cfg.retryBackoffMaxMs;
  let attempt = 0;
  let firstError: OidcTokenError | null = null;
  // The first attempt is always made: checking the clock first, as Java's Retry.execute does,
  // makes none when retryBackoffMaxMs is 0 and the millisecond turns between the two reads.
  for (;;) {
    if (signal?.aborted) break;
    attempt++;
    try {
      return await post(cfg, request, scrub, signal);
    } catch (e) {
      if (e instanceof Unretryable) {
        firstError ??= e.error;
        break;
      }
      // Retry keeps the first error: later ones are usually the same, or timeouts.
      firstError ??= e as OidcTokenError;
      const waitMs = Math.min(cfg.retryBackoffMs * 2 ** (attempt - 1), endMs - Date.now());
      if (waitMs <= 0) break;
      await sleep(waitMs, signal);
      if (Date.now() > endMs) break;
    }
  }
  const err = firstError ?? new OidcTokenError(`No attempt to get a token from ${cfg.endpoint} was made`, cfg.endpoint, null);
  if (attempt > 1) err.message += ` (${attempt} attempts)`;
  throw err;
}

/** Waits `ms`, or less when `signal` aborts; never keeps the process alive by itself. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    t.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One POST (HttpJwtRetriever.post: handleInput and handleOutput). */
async function post(cfg: CheckedOptions, request: TokenRequest, scrub: (s: string) => string, signal?: AbortSignal): Promise<string> {
  const ac = new AbortController();
  // The producer closing aborts the request too.
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let phase: 'response' | 'body' = 'response';
  let timedOut = false;
  const arm = (ms: number): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, ms);
    t.unref();
    return t;
  };
  // fetch cannot tell connecting from waiting: the answer's headers get both timeouts, its body the read timeout.
  let timer = arm(cfg.connectTimeoutMs + cfg.readTimeoutMs);
  const timeoutError = (): OidcTokenError =>
    phase === 'response'
      ? new OidcTokenError(`No answer from the token endpoint ${cfg.endpoint} within ${cfg.connectTimeoutMs + cfg.readTimeoutMs} ms (connect + read timeout)`, cfg.endpoint, null, { retriable: true })
      : new OidcTokenError(`The token endpoint ${cfg.endpoint} did not finish its answer within ${cfg.readTimeoutMs} ms (read timeout)`, cfg.endpoint, null, { retriable: true });
  try {
    let res: Response;
    try {
      res = await cfg.fetch(cfg.url, { method: 'POST', headers: request.headers, body: request.body, signal: ac.signal });
    } catch (e) {
      if (timedOut) throw timeoutError();
      throw new OidcTokenError(`Cannot reach the token endpoint ${cfg.endpoint}: ${networkReason(e)}`, cfg.endpoint, null, { cause: e, retriable: true });
    }
    clearTimeout(timer);
    phase = 'body';
    timer = arm(cfg.readTimeoutMs);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      if (timedOut) throw timeoutError();
      throw new OidcTokenError(`Reading the answer of the token endpoint ${cfg.endpoint} failed (HTTP ${res.status}): ${networkReason(e)}`, cfg.endpoint, res.status, { cause: e, retriable: true });
    }
    const status = res.status;
    if (status === 200 || status === 201) {
      if (text.length === 0) {
        throw new OidcTokenError(`The token endpoint ${cfg.endpoint} answered HTTP ${status} with an empty body`, cfg.endpoint, status, { retriable: true });
      }
      return text;
    }
    // Scrubbed before and after: the JSON parse in between undoes escapes a secret may hide behind.
    const detail = scrub(formatErrorMessage(scrub(text)));
    if (UNRETRYABLE_HTTP_CODES.has(status)) {
      // "We know that this is a non-transient error, so let's not keep retrying."
      throw new Unretryable(new OidcTokenError(`The token endpoint ${cfg.endpoint} answered HTTP ${status}${detail}; not retried`, cfg.endpoint, status));
    }
    throw new OidcTokenError(`The token endpoint ${cfg.endpoint} answered HTTP ${status}${detail}`, cfg.endpoint, status, { retriable: true });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** HttpJwtRetriever.formatErrorMessage: RFC 6749 section 5.2's error and error_description (or Okta's errorCode/errorSummary). */
function formatErrorMessage(body: string): string {
  if (body.trim() === '') return '';
  try {
    const json: unknown = JSON.parse(body);
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      const o = json as Record<string, unknown>;
      if ('error' in o) return `: ${field(o.error)}${'error_description' in o ? ` (${field(o.error_description)})` : ''}`;
      if ('errorCode' in o) return `: ${field(o.errorCode)}${'errorSummary' in o ? ` (${field(o.errorSummary)})` : ''}`;
    }
  } catch {
    // not JSON: quoted as it is
  }
  return `: ${snippet(body, 200)}`;
}

function field(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** JwtResponseParser.parseJwt: access_token, else id_token, trimmed. Not retried when it fails. */
function parseJwt(body: string, endpoint: string, scrub: (s: string) => string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Not the parser's message: it quotes the body, before any scrubbing.
    throw new OidcTokenError(`The token endpoint ${endpoint} answered with something that is not JSON: ${snippet(scrub(body), 100)}`, endpoint, null);
  }
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    for (const name of TOKEN_FIELDS) {
      const v = o[name];
      if (typeof v === 'string' && javaTrim(v) !== '') return javaTrim(v);
    }
    // Names only: the values may be credentials.
    const keys = Object.keys(o).slice(0, 20).join(', ');
    throw new OidcTokenError(`The token endpoint ${endpoint} answered without a valid access_token; the answer's fields: ${keys || 'none'}`, endpoint, null);
  }
  throw new OidcTokenError(`The token endpoint ${endpoint} answered with JSON that is not an object: ${snippet(scrub(body), 100)}`, endpoint, null);
}

interface ValidatedClaims {
  expMs: number;
  sub: string;
  iatMs: number | null;
}

/** ClientJwtValidator.validate(): a three-part JWT whose payload has exp and sub (iat optional, scope checked). */
function validate(accessToken: string, endpoint: string): ValidatedClaims {
  const bad = (text: string): never => {
    throw new OidcTokenError(`The access token from ${endpoint} is not valid: ${text}`, endpoint, null);
  };
  // SerializedJwt: three non-blank sections.
  const parts = accessToken.split('.');
  if (parts.length !== 3 || parts.some((p) => javaTrim(p) === '')) bad('malformed JWT; expected three sections (header, payload, and signature)');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(javaTrim(parts[1]), 'base64url').toString('utf8'));
  } catch {
    return bad('its payload is not base64url-encoded JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return bad('its payload is not a JSON object');
  const claims = payload as Record<string, unknown>;

  // ClaimValidationUtils.validateScopes: a string is one scope; a list must hold distinct non-blank strings.
  const scopeRaw = claims.scope;
  const scopes = typeof scopeRaw === 'string' ? [scopeRaw] : Array.isArray(scopeRaw) ? scopeRaw : [];
  const seen = new Set<string>();
  for (const s of scopes) {
    const v = checkString('scope', s, bad);
    if (seen.has(v)) bad(`scope value must not contain duplicates - ${v} already present`);
    seen.add(v);
  }

  // validateExpiration: present and non-negative; Number.longValue() * 1000L.
  const exp = claims.exp;
  if (exp === undefined || exp === null) bad('exp value must be non-null');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return bad('exp value must be a number');
  const expMs = Math.trunc(exp) * 1000;
  if (expMs < 0) bad(`exp value must be non-negative; value given was "${expMs}"`);

  const sub = checkString('sub', claims.sub, bad);

  let iatMs: number | null = null;
  const iat = claims.iat;
  if (iat !== undefined && iat !== null) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) bad('iat value must be a number');
    iatMs = Math.trunc(iat as number) * 1000;
    if (iatMs < 0) bad(`iat value must be null or non-negative; value given was "${iatMs}"`);
  }
  return { expMs, sub, iatMs };
}

/** ClaimValidationUtils.validateString. */
function checkString(name: string, v: unknown, bad: (text: string) => never): string {
  if (v === undefined || v === null) return bad(`${name} value must be non-null`);
  if (typeof v !== 'string') return bad(`${name} value must be a string`);
  if (v.length === 0) return bad(`${name} value must be non-empty`);
  const t = javaTrim(v);
  if (t.length === 0) return bad(`${name} value must not contain only whitespace`);
  return t;
}

function snippet(text: string, max: number): string {
  const n = Math.min(max, MAX_SNIPPET);
  return text.length > n ? `${text.slice(0, n)}... (${text.length} characters)` : text;
}

/** Never quote credentials or tokens back from an answer. */
function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '<JWT>');
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** The system error code of a fetch failure (undici puts it in cause). */
function networkReason(e: unknown): string {
  for (let c = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}${(c as Error).message ? ` (${(c as Error).message})` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}
