/**
 * The one backoff of the client: Java's ExponentialBackoff (multiplier 2, jitter 0.2), used for
 * reconnects (reconnect.backoff.ms .. reconnect.backoff.max.ms), batch retries and metadata
 * refreshes (retry.backoff.ms .. retry.backoff.max.ms).
 *
 * `attempts` counts from 0 (the first wait is about `initialMs`); `random` is in [0, 1).
 */
export function exponentialBackoff(initialMs: number, maxMs: number, attempts: number, random: () => number = Math.random): number {
  if (initialMs >= maxMs) return maxMs;
  // Math.log ratio, not Math.log2: the same rounding as Java's, so the cap is reached exactly.
  const exp = Math.min(attempts, Math.log(maxMs / initialMs) / Math.log(2));
  const term = initialMs * 2 ** exp;
  const jitter = 0.8 + random() * 0.4;
  return Math.min(maxMs, Math.floor(term * jitter));
}
