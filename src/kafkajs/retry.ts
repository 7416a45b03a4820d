/**
 * kafkajs's retry budget: how long kafkajs keeps trying before it gives up with
 * KafkaJSNumberOfRetriesExceeded. The facade bounds the waits kafka-wire otherwise bounds by
 * max.block.ms (connect() waiting for a broker, a send waiting for a missing topic with
 * allowAutoTopicCreation: false) by it, so they fail about when kafkajs's would.
 */
import type { RetryOptions } from './types';

/** kafkajs's retry defaults (its src/retry/defaults.js). */
export const KAFKAJS_RETRY_DEFAULTS = Object.freeze({
  maxRetryTime: 30_000,
  initialRetryTime: 300,
  factor: 0.2,
  multiplier: 2,
  retries: 5,
});

/** kafkajs's connectionTimeout default. */
export const KAFKAJS_CONNECTION_TIMEOUT = 1000;

/** Beyond a day the sum stops growing (max.block.ms caps every wait anyway). */
const MAX_SUM_MS = 86_400_000;

const numberOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);

/**
 * The sum of the waits between kafkajs's attempts, for `retries` retries: the first wait is
 * initialRetryTime, each next one `multiplier` times the last, at most maxRetryTime (kafkajs's
 * src/retry/index.js, without its ±factor jitter). kafkajs's defaults where `retry` says
 * nothing: 300 + 600 + 1200 + 2400 + 4800 = 9300 ms.
 */
export function retryWaitsMs(retry: RetryOptions | undefined): number {
  const r = retry ?? {};
  const retries = numberOr(r.retries, KAFKAJS_RETRY_DEFAULTS.retries);
  const max = numberOr(r.maxRetryTime, KAFKAJS_RETRY_DEFAULTS.maxRetryTime);
  const multiplier = numberOr(r.multiplier, KAFKAJS_RETRY_DEFAULTS.multiplier);
  let wait = numberOr(r.initialRetryTime, KAFKAJS_RETRY_DEFAULTS.initialRetryTime);
  let total = 0;
  for (let i = 0; i < retries && total < MAX_SUM_MS; i++) {
    total += wait;
    wait = Math.min(wait * multiplier, max);
  }
  return Math.min(total, MAX_SUM_MS);
}

/**
 * How long the facade waits before giving up where kafkajs would retry: the retry waits, plus
 * one connectionTimeout (kafkajs's 1000 ms when not given) for the attempts themselves.
 * With kafkajs's defaults: 10300 ms. kafka-wire caps it at max.block.ms (60 s).
 */
export function retryBudgetMs(retry: RetryOptions | undefined, connectionTimeout: number | undefined): number {
  return retryWaitsMs(retry) + numberOr(connectionTimeout, KAFKAJS_CONNECTION_TIMEOUT);
}
