/**
 * OAuthBearerTokenSource on virtual time: caching, one provider call for concurrent callers,
 * the refresh time Java's ExpiringCredentialRefreshingLogin.refreshMs() computes, retries of a
 * failed refresh with backoff while the old token stays in use, what a bad provider gets,
 * and close().
 *
 * The expected refresh times were computed by running Java's refreshMs() logic (copied from
 * Kafka 4.1.1, RNG.nextDouble() replaced by a fixed value) with the default settings.
 */
import { ProducerLog } from '../../../src/logger';
import type { TimerHandle } from '../../../src/net/clock';
import type { OAuthBearerToken } from '../../../src/net/sasl/oauthbearer';
import { DEFAULT_TOKEN_REFRESH_OPTIONS, OAuthBearerTokenSource, refreshTimeMs, type TokenRefreshOptions } from '../../../src/net/sasl/token-source';
import { SaslAuthenticationError } from '../../../src/protocol/errors';
import { CaptureLogger } from '../../support/capture-logger';
import { FakeClock } from '../../support/fake-clock';

const DEFAULTS = DEFAULT_TOKEN_REFRESH_OPTIONS;

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.c2ln`;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

interface Setup {
  clock: FakeClock;
  log: CaptureLogger;
  source: OAuthBearerTokenSource;
}

function setup(provider: () => OAuthBearerToken | Promise<OAuthBearerToken>, opts: Partial<TokenRefreshOptions> = {}, random = 0.5): Setup {
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const source = new OAuthBearerTokenSource(provider, { ...DEFAULTS, ...opts }, { clock, random: () => random, log: ProducerLog.of(log, {}) });
  sources.push(source);
  return { clock, log, source };
}

const sources: OAuthBearerTokenSource[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.close();
});

describe('caching', () => {
  test('a token with lifetimeMs is fetched once and reused until it expires', async () => {
    let n = 0;
    const clock0 = new FakeClock();
    const provider = jest.fn(() => ({ value: `tok${++n}`, lifetimeMs: clock0.now() + 3_600_000, principal: 'alice' }));
    const { source, clock } = setup(provider);
    // the provider reads clock0, which starts where clock does
    expect(clock.now()).toBe(clock0.now());
    const a = await source.current();
    const b = await source.current();
    expect(a).toBe(b);
    expect(a).toEqual({ value: 'tok1', expiresAtMs: clock.now() + 3_600_000, principal: 'alice' });
    expect(source.fetches).toBe(1);
    expect(provider).toHaveBeenCalledTimes(1);
  });

  test('without lifetimeMs, the JWT exp claim is the expiry; lifetimeMs wins when both are given', async () => {
    const clock = new FakeClock();
    const exp = Math.floor(clock.now() / 1000) + 7200;
    const value = jwt({ sub: 'svc', exp });
    const s1 = setup(() => ({ value })).source;
    expect(await s1.current()).toEqual({ value, expiresAtMs: exp * 1000, principal: 'svc' });
    const s2 = setup(() => ({ value, lifetimeMs: clock.now() + 60_000 })).source;
    expect((await s2.current()).expiresAtMs).toBe(clock.now() + 60_000);
  });

  test('a token without an expiry is not cached: the provider is asked on every call, and no timer is left', async () => {
    const provider = jest.fn(() => ({ value: 'opaque-token' }));
    const { source, clock } = setup(provider);
    expect(await source.current()).toEqual({ value: 'opaque-token', expiresAtMs: null });
    await source.current();
    await source.current();
    expect(provider).toHaveBeenCalledTimes(3);
    expect(clock.pendingTimers).toHaveLength(0);
    expect(source.nextRefreshAtMs).toBeNull();
  });

  test('concurrent callers share one provider call', async () => {
    let release!: (t: OAuthBearerToken) => void;
    const provider = jest.fn(() => new Promise<OAuthBearerToken>((r) => (release = r)));
    const { source, clock } = setup(provider);
    const calls = [source.current(), source.current(), source.current()];
    expect(provider).toHaveBeenCalledTimes(1);
    release({ value: 'shared', lifetimeMs: clock.now() + 3_600_000 });
    const tokens = await Promise.all(calls);
    expect(tokens.map((t) => t.value)).toEqual(['shared', 'shared', 'shared']);
    expect(tokens[0]).toBe(tokens[2]);
    expect(source.fetches).toBe(1);
  });

  test('the cached token is handed out until just before its expiry, never at or after it', async () => {
    let n = 0;
    // no min period or buffer, no jitter: refresh at 80% of 1 s; the refresh fails
    const s = setup(
      () => {
        if (++n === 2) throw new Error('down');
        return { value: `tok${n}`, lifetimeMs: s.clock.now() + 1000 };
      },
      { minPeriodSeconds: 0, bufferSeconds: 0, retryBackoffMs: 10_000, retryBackoffMaxMs: 10_000 },
      0,
    );
    await s.source.current();
    await s.clock.advanceAndSettle(999);
    expect(s.source.fetches).toBe(2); // the failed refresh at 800 ms
    expect((await s.source.current()).value).toBe('tok1');
    await s.clock.advanceAndSettle(1);
    expect((await s.source.current()).value).toBe('tok3');
    expect(s.source.fetches).toBe(3);
  });
});

describe('refresh time (ExpiringCredentialRefreshingLogin.refreshMs)', () => {
  // [lifetime ms, iat offset from now in ms (null: unknown start), random, expected delay (from Java)]
  const cases: [string, number, number | null, number, number][] = [
    ['1 h, jitter 0.5: start + 82.5% of the lifetime', 3_600_000, null, 0.5, 2_970_000],
    ['1 h, no jitter: 80%', 3_600_000, null, 0, 2_880_000],
    ['1 h - 1 ms: the product is truncated as Java casts to long', 3_599_999, null, 0.5, 2_969_999],
    ['24 h, jitter near 1', 86_400_000, null, 0.999, 73_435_680],
    ['10 min: 82.5% falls in the 300 s end buffer, so the buffer start', 600_000, null, 0.5, 300_000],
    ['360 s: buffer start, which is also the 60 s minimum', 360_000, null, 0.5, 60_000],
    ['359.999 s: less than min period + buffer left, both ignored', 359_999, null, 0.5, 296_999],
    ['5 min: both buffers ignored, 82.5% of what is left', 300_000, null, 0.5, 247_500],
    ['1 s: both buffers ignored', 1000, null, 0.5, 825],
    ['iat 3500 s ago, 500 s left: proposed is in the past, the min period wins', 500_000, -3_500_000, 0.5, 60_000],
    ['iat 3000 s ago, 1000 s left: counted from iat', 1_000_000, -3_000_000, 0.5, 300_000],
    ['iat 10 min ago, 2 h left, jitter 0.25', 7_200_000, -600_000, 0.25, 5_737_500],
  ];

  test.each(cases)('%s', async (_name, lifetime, iatOffset, random, expected) => {
    const clock = new FakeClock();
    const now = clock.now(); // FakeClock starts on a whole second, so iat * 1000 is exact
    const value = iatOffset === null ? 'opaque' : jwt({ sub: 'svc', iat: (now + iatOffset) / 1000, exp: (now + lifetime) / 1000 });
    const s = setup(() => ({ value, lifetimeMs: now + lifetime }), {}, random);
    expect(s.clock.now()).toBe(now);
    await s.source.current();
    expect(s.source.nextRefreshAtMs).toBe(now + expected);
    expect(refreshTimeMs(now, iatOffset === null ? null : now + iatOffset, now + lifetime, DEFAULTS, random)).toBe(now + expected);
    // the timer is due then, and not before
    expect(s.clock.nextTimerDelayMs()).toBe(expected);
  });

  test('other settings: factor 0.5, jitter 0.25, no min period or buffer (Java: 2,250,000 ms for 1 h)', () => {
    expect(refreshTimeMs(0, null, 3_600_000, { windowFactor: 0.5, windowJitter: 0.25, minPeriodSeconds: 0, bufferSeconds: 0 }, 0.5)).toBe(2_250_000);
  });

  test('a refresh time in the past (clock skew) becomes now + 10 s (Refresher, KAFKA-7945)', () => {
    expect(refreshTimeMs(10_000, null, 5_000, DEFAULTS, 0.5)).toBe(20_000);
  });

  test('a wait longer than a timer holds (40 days) is slept in pieces, and the refresh comes on time', async () => {
    let n = 0;
    const life = 40 * 86_400_000;
    const s = setup(() => ({ value: `tok${++n}`, lifetimeMs: s.clock.now() + life }));
    const now = s.clock.now();
    await s.source.current();
    const expected = 2_851_200_000; // Java, jitter 0.5
    expect(s.source.nextRefreshAtMs).toBe(now + expected);
    expect(s.clock.nextTimerDelayMs()).toBe(2 ** 31 - 1);
    await s.clock.advanceAndSettle(2 ** 31 - 1);
    expect(s.source.fetches).toBe(1);
    await s.clock.advanceAndSettle(expected - (2 ** 31 - 1) - 1);
    expect(s.source.fetches).toBe(1);
    await s.clock.advanceAndSettle(1);
    expect(s.source.fetches).toBe(2);
    expect((await s.source.current()).value).toBe('tok2');
  });

  test('the refresh replaces the token in the background and logs at debug, without the token', async () => {
    let n = 0;
    const s = setup(() => ({ value: `secret-token-${++n}`, lifetimeMs: s.clock.now() + 3_600_000, principal: 'alice' }));
    const t0 = s.clock.now();
    expect((await s.source.current()).value).toBe('secret-token-1');
    await s.clock.advanceAndSettle(2_970_000 - 1);
    expect(s.source.fetches).toBe(1);
    await s.clock.advanceAndSettle(1);
    expect(s.source.fetches).toBe(2);
    expect((await s.source.current()).value).toBe('secret-token-2');
    expect(s.source.fetches).toBe(2);
    // the next one is computed from the new token's fetch time
    expect(s.source.nextRefreshAtMs).toBe(t0 + 2 * 2_970_000);
    const refreshed = s.log.at('debug').filter((l) => l.msg === 'OAUTHBEARER token refreshed');
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0].obj).toMatchObject({ principal: 'alice' });
    expect(s.log.at('warn')).toHaveLength(0);
    expect(JSON.stringify(s.log.lines)).not.toContain('secret-token');
  });
});

describe('failed refresh', () => {
  test('retried with backoff (100, 200, ... ms) while the old token stays in use; warn without the token', async () => {
    const outcomes: (string | Error)[] = ['secret-old', new Error('idp down'), new Error('idp still down'), 'secret-new'];
    const provider = jest.fn(() => {
      const o = outcomes.shift()!;
      if (o instanceof Error) throw o;
      return { value: o, lifetimeMs: s.clock.now() + 3_600_000 };
    });
    const s = setup(provider);
    const old = await s.source.current();
    await s.clock.advanceAndSettle(2_970_000);
    expect(s.source.fetches).toBe(2);
    expect(s.source.failures).toBe(1);
    // random 0.5: the backoff's jitter factor is exactly 1
    expect(s.source.nextRefreshAtMs).toBe(s.clock.now() + 100);
    expect(await s.source.current()).toBe(old);
    expect(s.source.fetches).toBe(2);

    await s.clock.advanceAndSettle(100);
    expect(s.source.fetches).toBe(3);
    expect(s.source.nextRefreshAtMs).toBe(s.clock.now() + 200);
    expect(await s.source.current()).toBe(old);

    await s.clock.advanceAndSettle(200);
    expect(s.source.fetches).toBe(4);
    expect((await s.source.current()).value).toBe('secret-new');
    // success resets the backoff and schedules the next refresh from now
    expect(s.source.nextRefreshAtMs).toBe(s.clock.now() + 2_970_000);

    const warns = s.log.at('warn');
    expect(warns.map((w) => w.obj.retryInMs)).toEqual([100, 200]);
    expect(warns[0].obj.error).toBe('SASL authentication failed: the OAUTHBEARER token provider failed: idp down');
    expect(warns[0].msg).toMatch(/current token stays in use/);
    expect(JSON.stringify(s.log.lines)).not.toContain('secret-');
  });

  test('the backoff doubles up to retryBackoffMaxMs', async () => {
    let first = true;
    const s = setup(
      () => {
        if (!first) throw new Error('down');
        first = false;
        return { value: 'tok', lifetimeMs: s.clock.now() + 3_600_000 };
      },
      { retryBackoffMs: 100, retryBackoffMaxMs: 1000 },
    );
    await s.source.current();
    await s.clock.advanceAndSettle(2_970_000);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wait = s.source.nextRefreshAtMs! - s.clock.now();
      waits.push(wait);
      await s.clock.advanceAndSettle(wait);
    }
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(s.log.at('warn').map((w) => w.obj.retryInMs)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  test('once the old token has expired, current() asks the provider itself; retries go on in the background', async () => {
    let ok = true;
    const s = setup(() => {
      if (!ok) throw new Error('down');
      ok = false;
      return { value: 'tok', lifetimeMs: s.clock.now() + 300_000 };
    });
    await s.source.current();
    // 5 min: both buffers ignored, refresh at 247.5 s; retries with backoff (capped at 10 s)
    // go on past the expiry at 300 s
    await s.clock.advanceAndSettle(320_000);
    const before = s.source.fetches;
    const err = await rejection(s.source.current());
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(s.source.fetches).toBe(before + 1);
    expect(s.source.nextRefreshAtMs).not.toBeNull();
    expect(s.log.at('warn').at(-1)!.msg).toMatch(/no valid token is left/);
  });
});

describe('a bad provider', () => {
  test('throwing: SaslAuthenticationError saying so, with the error as cause; the next call asks again', async () => {
    const boom = new Error('no credentials configured');
    let fail = true;
    const s = setup(() => {
      if (fail) throw boom;
      return { value: 'tok', lifetimeMs: s.clock.now() + 3_600_000 };
    });
    const err = await rejection(s.source.current());
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toBe('SASL authentication failed: the OAUTHBEARER token provider failed: no credentials configured');
    expect(err.cause).toBe(boom);
    expect(s.source.failures).toBe(1);
    expect(s.clock.pendingTimers).toHaveLength(0);
    fail = false;
    expect((await s.source.current()).value).toBe('tok');
    expect(s.source.fetches).toBe(2);
  });

  test('rejecting: the same', async () => {
    const boom = new TypeError('fetch failed');
    const s = setup(() => Promise.reject(boom));
    const err = await rejection(s.source.current());
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toMatch(/token provider failed: fetch failed$/);
    expect(err.cause).toBe(boom);
  });

  test('an expired token (lifetimeMs or JWT exp): refused, naming the expiry and the clocks', async () => {
    const clock = new FakeClock();
    const byLifetime = setup(() => ({ value: 'tok', lifetimeMs: clock.now() - 5000 })).source;
    const e1 = await rejection(byLifetime.current());
    expect(e1).toBeInstanceOf(SaslAuthenticationError);
    expect(e1.message).toBe(
      `SASL authentication failed: the OAUTHBEARER token from the provider expired at ${new Date(clock.now() - 5000).toISOString()}, 5000 ms before this host's clock; check that the clocks are in sync`,
    );
    const byExp = setup(() => ({ value: jwt({ sub: 'x', exp: clock.now() / 1000 - 60 }) })).source;
    const e2 = await rejection(byExp.current());
    expect(e2).toBeInstanceOf(SaslAuthenticationError);
    expect(e2.message).toMatch(/expired at .*60000 ms before/);
    expect(byExp.failures).toBe(1);
  });

  test.each([
    ['null', null, /returned null instead of \{ value: string \}/],
    ['a string', 'tok', /returned a string instead of \{ value: string \}/],
    ['{}', {}, /whose value is undefined, not a non-empty string/],
    ['an empty value', { value: '' }, /whose value is an empty string/],
    ['a numeric value', { value: 42 }, /whose value is a number \(42\)/],
    ['a bad lifetimeMs', { value: 'tok', lifetimeMs: 'soon' }, /lifetimeMs a string, not a time/],
    ['NaN lifetimeMs', { value: 'tok', lifetimeMs: NaN }, /lifetimeMs NaN/],
    ['array extensions', { value: 'tok', extensions: ['a'] }, /extensions an array/],
  ])('junk (%s): SaslAuthenticationError saying what is wrong', async (_name, junk, message) => {
    const s = setup(() => junk as never);
    const err = await rejection(s.source.current());
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toMatch(message);
    expect(s.source.failures).toBe(1);
  });
});

describe('close()', () => {
  test('cancels the refresh; current() rejects afterwards', async () => {
    const s = setup(() => ({ value: 'tok', lifetimeMs: s.clock.now() + 3_600_000 }));
    await s.source.current();
    expect(s.clock.pendingTimers).toHaveLength(1);
    s.source.close();
    expect(s.clock.pendingTimers).toHaveLength(0);
    expect(s.source.nextRefreshAtMs).toBeNull();
    const err = await rejection(s.source.current());
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toMatch(/token source is closed/);
    await s.clock.advanceAndSettle(10_000_000);
    expect(s.source.fetches).toBe(1);
  });

  test('a fetch that completes after close() arms nothing, and its callers get the closed error', async () => {
    let release!: (t: OAuthBearerToken) => void;
    const s = setup(() => new Promise<OAuthBearerToken>((r) => (release = r)));
    const pending = s.source.current();
    s.source.close();
    release({ value: 'tok', lifetimeMs: s.clock.now() + 3_600_000 });
    const err = await rejection(pending);
    expect(err.message).toMatch(/closed/);
    expect(s.clock.pendingTimers).toHaveLength(0);
  });

  test('close() aborts the signal the provider was given (an OIDC request in progress stops)', async () => {
    let signal: AbortSignal | undefined;
    const s = setup(((ctx?: { signal: AbortSignal }) => {
      signal = ctx?.signal;
      return new Promise<OAuthBearerToken>(() => {});
    }) as () => Promise<OAuthBearerToken>);
    void s.source.current().catch(() => {});
    expect(signal?.aborted).toBe(false);
    s.source.close();
    expect(signal?.aborted).toBe(true);
  });

  test('close() during a failing refresh leaves no retry timer', async () => {
    let first = true;
    let release!: () => void;
    const s = setup(() => {
      if (first) {
        first = false;
        return { value: 'tok', lifetimeMs: s.clock.now() + 3_600_000 };
      }
      return new Promise<OAuthBearerToken>((_r, reject) => (release = () => reject(new Error('down'))));
    });
    await s.source.current();
    await s.clock.advanceAndSettle(2_970_000);
    expect(s.source.fetches).toBe(2);
    s.source.close();
    release();
    await s.clock.tick();
    expect(s.clock.pendingTimers).toHaveLength(0);
    expect(s.log.at('warn')).toHaveLength(0);
  });

  test('every timer is unref\'d (it never keeps the process alive)', async () => {
    const clock = new FakeClock();
    const unrefd: TimerHandle[] = [];
    const made: TimerHandle[] = [];
    const spyClock = {
      now: () => clock.now(),
      clearTimeout: (h: TimerHandle) => clock.clearTimeout(h),
      defer: (fn: () => void) => clock.defer(fn),
      setTimeout: (fn: () => void, ms: number) => {
        const h = clock.setTimeout(fn, ms);
        made.push(h);
        const unref = h.unref!.bind(h);
        h.unref = () => (unrefd.push(h), unref());
        return h;
      },
    };
    let first = true;
    const source = new OAuthBearerTokenSource(
      () => {
        if (!first) throw new Error('down');
        first = false;
        return { value: 'tok', lifetimeMs: clock.now() + 3_600_000 };
      },
      DEFAULTS,
      { clock: spyClock, random: () => 0.5 },
    );
    sources.push(source);
    await source.current();
    await clock.advanceAndSettle(2_970_000 + 100 + 200);
    expect(made.length).toBeGreaterThanOrEqual(3);
    expect(unrefd).toEqual(made);
  });
});
