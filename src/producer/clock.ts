/**
 * The producer's one source of time and timers. Production uses the system clock; unit
 * tests inject a fake one so linger, backoff and timeouts run instantly and deterministically.
 */
export interface TimerHandle {
  /** Lets the process exit while only this timer is pending. */
  unref?(): unknown;
  ref?(): unknown;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Runs fn after the current synchronous work (setImmediate in production). */
  defer(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};
