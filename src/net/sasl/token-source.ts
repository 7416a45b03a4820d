/**
 * OAuthBearerTokenSource: the one place a producer's OAUTHBEARER token lives. Every connection
 * of a producer asks it for the token (current()), so the provider is called once per token,
 * not once per connection.
 *
 * - A token with an expiry is cached until it expires, and refreshed in the background before
 *   that, at the time Java's ExpiringCredentialRefreshingLogin.refreshMs() picks (see
 *   refreshTimeMs below). A failed refresh is retried with exponential backoff while the old
 *   token, if still valid, stays in use.
 * - A token without an expiry (no lifetimeMs, not a JWT with exp) is not cached: the provider
 *   is asked on every current(), as kafkajs does.
 * - Timers are unref'd: the source never keeps the process alive.
 */
import type { ProducerLog } from '../../logger';
import type { SaslAuthenticationError } from '../../protocol/errors';
import { exponentialBackoff } from '../backoff';
import type { Clock, TimerHandle } from '../clock';
import { saslFailure } from './failure';
import { jwtClaims, jwtExpiryMs, type OAuthBearerProvider } from './oauthbearer';

/** Java's sasl.login.refresh.* and sasl.login.retry.backoff.* settings. */
export interface TokenRefreshOptions {
  /** sasl.login.refresh.window.factor: refresh once this fraction of the lifetime has passed (0.5..1). */
  windowFactor: number;
  /** sasl.login.refresh.window.jitter: up to this fraction of the lifetime added at random (0..0.25). */
  windowJitter: number;
  /** sasl.login.refresh.min.period.seconds: the shortest wait before a refresh (0..900). */
  minPeriodSeconds: number;
  /** sasl.login.refresh.buffer.seconds: refresh at least this long before expiry (0..3600). */
  bufferSeconds: number;
  /** sasl.login.retry.backoff.ms: the first wait after a failed refresh. */
  retryBackoffMs: number;
  /** sasl.login.retry.backoff.max.ms: the longest wait between refresh attempts. */
  retryBackoffMaxMs: number;
}

/** Java's defaults (SaslConfigs). */
export const DEFAULT_TOKEN_REFRESH_OPTIONS: Readonly<TokenRefreshOptions> = Object.freeze({
  windowFactor: 0.8,
  windowJitter: 0.05,
  minPeriodSeconds: 60,
  bufferSeconds: 300,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 10_000,
});

/** A token as the source hands it out. */
export interface ResolvedOAuthBearerToken {
  readonly value: string;
  /** Expiry in ms since the epoch; null when unknown (such a token is not cached). */
  readonly expiresAtMs: number | null;
  /** For logs only. */
  readonly principal?: string;
  readonly extensions?: Readonly<Record<string, string>>;
}

/** The logging the source does (a ProducerLog, which swallows a logger's throw, fits). */
export type TokenSourceLog = Pick<ProducerLog, 'debug' | 'warn'>;

export interface TokenSourceDeps {
  clock: Clock;
  /** In [0, 1): the refresh jitter and the backoff jitter. */
  random?: () => number;
  log?: TokenSourceLog;
}

/** Java: ExpiringCredentialRefreshingLogin.DELAY_SECONDS_BEFORE_NEXT_RETRY_WHEN_RELOGIN_FAILS. */
const PAST_REFRESH_DELAY_MS = 10_000;
/** Node fires a longer timeout at once (TimeoutOverflowWarning): longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * When to refresh a token, as Java's ExpiringCredentialRefreshingLogin.refreshMs(relativeToMs)
 * computes it, plus the Refresher's KAFKA-7945 guard against a time in the past. `startMs` is
 * the token's start (iat), null when unknown; `random` is in [0, 1) (Java's RNG.nextDouble()).
 */
export function refreshTimeMs(
  relativeToMs: number,
  startMs: number | null,
  expireTimeMs: number,
  opts: Pick<TokenRefreshOptions, 'windowFactor' | 'windowJitter' | 'minPeriodSeconds' | 'bufferSeconds'>,
  random: number,
): number {
  // refreshMs(): an already expired credential is retried after a fixed delay (relogin
  // allowed before logout, as OAuthBearerRefreshingLogin configures it).
  if (relativeToMs > expireTimeMs) return relativeToMs + PAST_REFRESH_DELAY_MS;
  const start = startMs ?? relativeToMs;
  const pct = opts.windowFactor + opts.windowJitter * random;
  let at: number;
  if (relativeToMs + 1000 * (opts.minPeriodSeconds + opts.bufferSeconds) > expireTimeMs) {
    // Not enough lifetime left for both buffers: ignore them, and count from now, not from start.
    at = relativeToMs + Math.trunc((expireTimeMs - relativeToMs) * pct);
  } else {
    const proposed = start + Math.trunc((expireTimeMs - start) * pct);
    const beginningOfEndBuffer = expireTimeMs - opts.bufferSeconds * 1000;
    const endOfMinPeriod = relativeToMs + 1000 * opts.minPeriodSeconds;
    // The end buffer is checked first, as in Java: it wins if both are violated.
    if (proposed > beginningOfEndBuffer) at = beginningOfEndBuffer;
    else if (proposed < endOfMinPeriod) at = endOfMinPeriod;
    else at = proposed;
  }
  // Refresher.run(): "should generally never happen except due to a bug" (KAFKA-7945).
  return at < relativeToMs ? relativeToMs + PAST_REFRESH_DELAY_MS : at;
}

export class OAuthBearerTokenSource {
  /** Provider calls made (initial fetches, refreshes and retries). */
  fetches = 0;
  /** Provider calls that failed (threw, returned junk or an expired token). */
  failures = 0;

  private readonly opts: Readonly<TokenRefreshOptions>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: TokenSourceLog | undefined;
  private token: ResolvedOAuthBearerToken | null = null;
  private inflight: Promise<ResolvedOAuthBearerToken> | null = null;
  private timer: TimerHandle | null = null;
  private timerAtMs: number | null = null;
  /** Consecutive failed background refreshes: the backoff's attempt count. */
  private refreshFailures = 0;
  private closed = false;
  /** Aborted by close(): handed to the provider. */
  private readonly aborter = new AbortController();

  constructor(
    private readonly provider: OAuthBearerProvider,
    opts: Partial<TokenRefreshOptions>,
    deps: TokenSourceDeps,
  ) {
    this.opts = Object.freeze({ ...DEFAULT_TOKEN_REFRESH_OPTIONS, ...definedOnly(opts) });
    this.clock = deps.clock;
    this.random = deps.random ?? Math.random;
    this.log = deps.log;
  }

  /** When the next background refresh (or retry) is due, in ms since the epoch; null if none. */
  get nextRefreshAtMs(): number | null {
    return this.timerAtMs;
  }

  /** The cached token while it is valid; otherwise a fresh one from the provider. */
  current(): Promise<ResolvedOAuthBearerToken> {
    if (this.closed) return Promise.reject(closedError());
    const t = this.token;
    if (t !== null && t.expiresAtMs !== null && this.clock.now() < t.expiresAtMs) return Promise.resolve(t);
    return this.fetch();
  }

  /** Cancels the refresh; current() rejects from now on. */
  close(): void {
    this.closed = true;
    this.token = null;
    this.cancelTimer();
    // A provider still fetching (the OIDC client's HTTP request, its retry waits) stops.
    this.aborter.abort();
  }

  /** One provider call at a time: callers that come while one is running share it. */
  private fetch(): Promise<ResolvedOAuthBearerToken> {
    if (this.inflight !== null) return this.inflight;
    const p = this.callProvider();
    this.inflight = p;
    const done = (): void => {
      if (this.inflight === p) this.inflight = null;
    };
    p.then(done, done);
    return p;
  }

  private async callProvider(): Promise<ResolvedOAuthBearerToken> {
    this.fetches++;
    let raw: unknown;
    try {
      raw = await this.provider({ signal: this.aborter.signal });
    } catch (err) {
      throw this.failed(`the OAUTHBEARER token provider failed: ${messageOf(err)}`, err);
    }
    if (this.closed) throw closedError();
    const now = this.clock.now();
    const token = this.resolve(raw, now);
    this.token = token.expiresAtMs === null ? null : token;
    this.refreshFailures = 0;
    if (token.expiresAtMs === null) {
      this.cancelTimer();
      this.logSafely('debug', { principal: token.principal }, 'OAUTHBEARER token fetched; it has no expiry, so it is not cached');
      return token;
    }
    const at = refreshTimeMs(now, startTimeMs(token.value), token.expiresAtMs, this.opts, this.random());
    this.arm(at);
    this.logSafely(
      'debug',
      { principal: token.principal, expiresAt: iso(token.expiresAtMs), refreshAt: iso(at) },
      'OAUTHBEARER token fetched',
    );
    return token;
  }

  /** Checks what the provider returned (never logging or quoting the token value). */
  private resolve(raw: unknown, now: number): ResolvedOAuthBearerToken {
    if (raw === null || typeof raw !== 'object') {
      throw this.failed(`the OAUTHBEARER token provider returned ${describe(raw)} instead of { value: string }`);
    }
    const r = raw as Record<string, unknown>;
    if (typeof r.value !== 'string' || r.value.length === 0) {
      throw this.failed(`the OAUTHBEARER token provider returned an object whose value is ${describe(r.value)}, not a non-empty string`);
    }
    if (r.lifetimeMs !== undefined && r.lifetimeMs !== null && !(typeof r.lifetimeMs === 'number' && Number.isFinite(r.lifetimeMs))) {
      throw this.failed(`the OAUTHBEARER token provider returned lifetimeMs ${describe(r.lifetimeMs)}, not a time in ms since the epoch`);
    }
    if (r.extensions !== undefined && (r.extensions === null || typeof r.extensions !== 'object' || Array.isArray(r.extensions))) {
      throw this.failed(`the OAUTHBEARER token provider returned extensions ${describe(r.extensions)}, not an object of strings`);
    }
    const value = r.value;
    const expiresAtMs = typeof r.lifetimeMs === 'number' ? r.lifetimeMs : jwtExpiryMs(value);
    // Java's login() only logs this ("clock skew problem"); a token the broker will refuse is
    // better reported here, with the reason.
    if (expiresAtMs !== null && expiresAtMs <= now) {
      throw this.failed(
        `the OAUTHBEARER token from the provider expired at ${iso(expiresAtMs)}, ${now - expiresAtMs} ms before this host's clock; check that the clocks are in sync`,
      );
    }
    let principal = typeof r.principal === 'string' ? r.principal : undefined;
    if (principal === undefined) {
      const sub = jwtClaims(value)?.sub;
      if (typeof sub === 'string') principal = sub;
    }
    const extensions = r.extensions as Readonly<Record<string, string>> | undefined;
    return Object.freeze({
      value,
      expiresAtMs,
      ...(principal !== undefined ? { principal } : {}),
      ...(extensions !== undefined ? { extensions: Object.freeze({ ...extensions }) } : {}),
    });
  }

  private failed(text: string, cause?: unknown): SaslAuthenticationError {
    this.failures++;
    const err = saslFailure(text);
    if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
    return err;
  }

  /** Background refresh (or retry), as the Refresher thread's loop body. */
  private refresh(): void {
    if (this.closed) return;
    this.fetch().then(
      (token) => {
        if (!this.closed) {
          this.logSafely('debug', { principal: token.principal, expiresAt: iso(token.expiresAtMs) }, 'OAUTHBEARER token refreshed');
        }
      },
      (err: unknown) => {
        if (this.closed) return;
        // Java's Refresher waits a fixed 10 s after a failed re-login; here the wait is the
        // jittered exponential backoff of sasl.login.retry.backoff.ms .. .max.ms, so a
        // transient failure is retried sooner, and a lasting one about as often (10 s by default).
        const waitMs = exponentialBackoff(this.opts.retryBackoffMs, this.opts.retryBackoffMaxMs, this.refreshFailures++, this.random);
        const t = this.token;
        const now = this.clock.now();
        const stillValid = t !== null && t.expiresAtMs !== null && now < t.expiresAtMs;
        this.arm(now + waitMs);
        this.logSafely(
          'warn',
          {
            error: messageOf(err),
            attempt: this.refreshFailures,
            retryInMs: waitMs,
            tokenExpiresAt: stillValid ? iso(t.expiresAtMs) : null,
          },
          stillValid
            ? `OAUTHBEARER token refresh failed; the current token stays in use until it expires, retrying in ${waitMs} ms`
            : `OAUTHBEARER token refresh failed and no valid token is left; retrying in ${waitMs} ms`,
        );
      },
    );
  }

  /** A logger that throws must not break a fetch or leave a rejection unhandled. */
  private logSafely(level: 'debug' | 'warn', obj: object, msg: string): void {
    try {
      this.log?.[level](obj, msg);
    } catch {
      // ignored, as ProducerLog does
    }
  }

  private arm(atMs: number): void {
    this.cancelTimer();
    if (this.closed) return;
    this.timerAtMs = atMs;
    const delay = Math.min(Math.max(0, atMs - this.clock.now()), MAX_TIMER_MS);
    const handle = this.clock.setTimeout(() => {
      if (this.timer !== handle) return;
      this.timer = null;
      // A wait longer than a timer can hold: sleep the rest.
      if (this.clock.now() < atMs) this.arm(atMs);
      else {
        this.timerAtMs = null;
        this.refresh();
      }
    }, delay);
    handle.unref?.();
    this.timer = handle;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAtMs = null;
  }
}

/** The token's start (Java: OAuthBearerToken.startTimeMs(), the iat claim for OIDC tokens). */
function startTimeMs(value: string): number | null {
  const iat = jwtClaims(value)?.iat;
  // ClientJwtValidator: issuedAtRaw.longValue() * 1000L, and negative values are refused.
  return typeof iat === 'number' && Number.isFinite(iat) && iat >= 0 ? Math.trunc(iat) * 1000 : null;
}

function closedError(): SaslAuthenticationError {
  return saslFailure('the OAUTHBEARER token source is closed');
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : describe(err);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : 'a string';
  if (typeof v === 'number') return Number.isFinite(v) ? `a number (${v})` : String(v);
  return `a value of type ${typeof v}`;
}

function iso(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
