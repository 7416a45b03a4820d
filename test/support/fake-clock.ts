/**
 * FakeClock: virtual time for unit tests of the producer (linger, backoff, max.block.ms,
 * delivery.timeout.ms) and of its connections (request and connect timeouts), as the Clock
 * interface in src/net/clock.ts asks.
 *
 * - now() is virtual ms; it only moves when a test calls advance()/advanceAndSettle().
 * - setTimeout/clearTimeout register virtual timers; advance(ms) fires every timer due in
 *   the window in due order (ties: creation order), moving now() to each one's due time as
 *   it fires, so timers scheduled by timers within the window fire too.
 * - defer(fn) is the real setImmediate, so real socket I/O (the fake broker) interleaves
 *   with sender passes exactly as in production.
 * - tick() lets real I/O and deferred passes run (a few macrotask turns); waitFor() ticks
 *   until a condition holds, bounded in real time, so tests never sleep blindly.
 */
import type { Clock, TimerHandle } from '../../src/net/clock';

export interface FakeTimer extends TimerHandle {
  readonly id: number;
  readonly dueMs: number;
  readonly delayMs: number;
}

interface TimerEntry extends FakeTimer {
  fn: () => void;
  cancelled: boolean;
}

/** Default start: a fixed epoch-ms value, safely below the real time (see the note in the report). */
export const FAKE_CLOCK_START_MS = 1_600_000_000_000;

export class FakeClock implements Clock {
  private nowMs: number;
  private nextId = 0;
  private timers: TimerEntry[] = [];
  /** How many times defer() was called (a sender pass each, in production). */
  deferCount = 0;
  /** How many virtual timers have fired. */
  firedCount = 0;

  constructor(startMs: number = FAKE_CLOCK_START_MS) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): FakeTimer {
    const delayMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const entry: TimerEntry = {
      id: ++this.nextId,
      dueMs: this.nowMs + delayMs,
      delayMs,
      fn,
      cancelled: false,
      ref() {
        return entry;
      },
      unref() {
        return entry;
      },
    };
    this.timers.push(entry);
    return entry;
  }

  clearTimeout(handle: TimerHandle): void {
    const entry = handle as TimerEntry;
    if (!entry || entry.cancelled) return;
    entry.cancelled = true;
    const i = this.timers.indexOf(entry);
    if (i >= 0) this.timers.splice(i, 1);
  }

  defer(fn: () => void): void {
    this.deferCount++;
    setImmediate(fn);
  }

  /** Virtual timers not yet fired or cleared. */
  get pendingTimers(): readonly FakeTimer[] {
    return this.timers.slice().sort(byDue);
  }

  /** ms until the next virtual timer is due (0 if overdue), or null when none is pending. */
  nextTimerDelayMs(): number | null {
    const next = this.earliest(Infinity);
    return next ? Math.max(0, next.dueMs - this.nowMs) : null;
  }

  private earliest(limitMs: number): TimerEntry | null {
    let best: TimerEntry | null = null;
    for (const t of this.timers) {
      if (t.dueMs > limitMs) continue;
      if (!best || byDue(t, best) < 0) best = t;
    }
    return best;
  }

  private fire(t: TimerEntry): void {
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
    if (t.dueMs > this.nowMs) this.nowMs = t.dueMs;
    this.firedCount++;
    t.fn();
  }

  /**
   * Moves time forward by `ms`, firing due timers in order (synchronously; no real I/O runs
   * in between). Timers that timers schedule inside the window fire too.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): ms must be >= 0`);
    const target = this.nowMs + ms;
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) throw new Error('FakeClock.advance: timers keep rescheduling themselves at the same instant');
      const next = this.earliest(target);
      if (!next) break;
      this.fire(next);
    }
    this.nowMs = target;
  }

  /** Lets real I/O and deferred work run: `turns` macrotask turns (setImmediate). */
  async tick(turns = 8): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Moves time forward by `ms`, one due timer at a time, letting real I/O run after each
   * (so a response that arrives between two timers is seen before the second fires).
   */
  async advanceAndSettle(ms: number, turns = 8): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advanceAndSettle(${ms}): ms must be >= 0`);
    const target = this.nowMs + ms;
    await this.tick(turns);
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) throw new Error('FakeClock.advanceAndSettle: timers keep rescheduling themselves at the same instant');
      const next = this.earliest(target);
      if (!next) break;
      this.fire(next);
      await this.tick(turns);
    }
    this.nowMs = target;
    await this.tick(turns);
  }

  /**
   * Ticks (real I/O only, virtual time stands still) until `cond()` holds; throws after
   * `timeoutMs` of real time. For waits on socket round trips, not on virtual deadlines.
   */
  async waitFor(cond: () => boolean, opts: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 3000);
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`FakeClock.waitFor: timed out waiting for ${opts.what ?? 'a condition'}`);
      await this.tick(2);
      // Give the OS a moment when a turn did not suffice (loopback I/O is usually instant).
      if (!cond()) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Runs real I/O and moves virtual time forward in steps of `stepMs` (firing timers) until
   * `cond()` holds; throws when `maxVirtualMs` of virtual time or `timeoutMs` of real time
   * have passed. For waits on virtual deadlines whose exact timing the test does not check.
   */
  async runUntil(cond: () => boolean, opts: { stepMs?: number; maxVirtualMs?: number; timeoutMs?: number; what?: string } = {}): Promise<void> {
    const step = opts.stepMs ?? 10;
    const start = this.nowMs;
    const limit = start + (opts.maxVirtualMs ?? 600_000);
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    await this.tick();
    while (!cond()) {
      if (this.nowMs >= limit || Date.now() > deadline) {
        throw new Error(`FakeClock.runUntil: ${opts.what ?? 'condition'} not reached after ${this.nowMs - start} virtual ms`);
      }
      await this.advanceAndSettle(step, 4);
    }
  }
}

function byDue(a: FakeTimer, b: FakeTimer): number {
  return a.dueMs - b.dueMs || a.id - b.id;
}
