/**
 * The client's one source of time and timers, shared by net (request and connect timeouts,
 * activity times, reconnect backoff) and producer (linger, backoff, expiry, the sender's
 * loop). It lives in net, the lower layer, so both can use it without producer being
 * imported from net. Production uses the system clock; tests inject a fake one so every
 * timeout, in either layer, runs on virtual time.
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
