/**
 * Diagnostics channels (node:diagnostics_channel): what the producer publishes for tracing
 * and monitoring tools, at no measurable cost while nobody subscribes.
 *
 * - `kafka-wire:send`, a TracingChannel, one context per record: `start` when send() is
 *   called and `end` when it returns (send() does not throw: a record it refuses is a failed
 *   record; should it throw anyway, `error` comes first, with context.error),
 *   `asyncStart` / `asyncEnd` around the record's callback or promise settling, with
 *   context.result (its RecordMetadata) or context.error (after `error`).
 *   A `start` subscriber may replace context.headers (a copy with a header added): send()
 *   writes the headers the context holds once `start` returns. The record itself is never
 *   modified.
 * - `kafka-wire:produce:request` and `kafka-wire:produce:response`: one message per Produce
 *   request, and one when it is answered (or fails, or is written, with acks=0).
 * - `kafka-wire:connection`: a broker connection became ready, closed, or could not be made.
 *
 * Every publisher checks `hasSubscribers` first and allocates nothing otherwise.
 */
import * as dc from 'node:diagnostics_channel';
import type { Connection } from './net/connection';
import type { Header, ProducerRecord, RecordMetadata } from './producer/record';

/** The channel names. `send` is a TracingChannel: its channels are `tracing:kafka-wire:send:start` and so on. */
export const channels = Object.freeze({
  send: 'kafka-wire:send',
  produceRequest: 'kafka-wire:produce:request',
  produceResponse: 'kafka-wire:produce:response',
  connection: 'kafka-wire:connection',
} as const);

/** The context of one record on `kafka-wire:send`, the same object for all its events. */
export interface SendContext {
  topic: string;
  /** The record's explicit partition, if it has one (the chosen one is in `result`). */
  partition?: number | null;
  key: unknown;
  value: unknown;
  /** The headers send() writes; a `start` subscriber may replace them. */
  headers: ProducerRecord['headers'];
  /** The record as passed to send() (after interceptors). */
  record: ProducerRecord;
  /** At asyncStart/asyncEnd of a delivered record. */
  result?: RecordMetadata;
  /** At error (then end, for a throw from send(); or asyncStart/asyncEnd, for a failed record). */
  error?: Error;
}

/** `kafka-wire:produce:request`: a Produce request written to a broker. */
export interface ProduceRequestMessage {
  node: number;
  version: number;
  batches: number;
  records: number;
  bytes: number;
}

/** `kafka-wire:produce:response`: its answer (or its failure: connection lost, timed out). */
export interface ProduceResponseMessage {
  node: number;
  latencyMs: number;
  error?: Error;
}

/** `kafka-wire:connection`. */
export interface ConnectionMessage {
  event: 'connect' | 'close' | 'connect-failed';
  node: number;
  host: string;
  port: number;
  error?: Error;
}

export const sendChannel = dc.tracingChannel<unknown, SendContext>(channels.send);
export const produceRequestChannel = dc.channel(channels.produceRequest);
export const produceResponseChannel = dc.channel(channels.produceResponse);
export const connectionChannel = dc.channel(channels.connection);

const { start, end, asyncStart, asyncEnd, error } = sendChannel;

/** Whether anyone listens on `kafka-wire:send` (TracingChannel.hasSubscribers is newer than Node 20.0). */
export function isSendTraced(): boolean {
  return start.hasSubscribers || asyncEnd.hasSubscribers || end.hasSubscribers || error.hasSubscribers || asyncStart.hasSubscribers;
}

/**
 * The context of one record, made only when `kafka-wire:send` has subscribers. `result` and
 * `error` are there from the start (undefined), so the object keeps one shape for its whole life.
 */
export function sendContextOf(record: ProducerRecord): SendContext {
  return {
    topic: record.topic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: record.headers,
    record,
    result: undefined,
    error: undefined,
  };
}

/**
 * Whether `ch` surely has no store bound (bindStore), so that runStores(ctx, fn) would only
 * publish ctx and call fn. runStores makes a closure, an array and an iterator per call even
 * then; once per record, that is most of what a subscribed channel costs. Node keeps the bound
 * stores in a Map on the active channel: when that Map is not where it is expected, the answer
 * is no and runStores is used.
 */
function hasNoStores(ch: dc.Channel): boolean {
  const stores = (ch as unknown as { _stores?: { size?: unknown } | null })._stores;
  return typeof stores === 'object' && stores !== null && stores.size === 0;
}

/**
 * Runs the synchronous part of send(), fn(ctx, a, b) with `self` as this, between `start` and
 * `end` (Node's traceSync convention, stores bound for `start` subscribers), publishing
 * `error` on a throw. Its arguments are passed along rather than captured, so that a traced
 * send makes no closure.
 */
export function traceSendSync<S, A, B, T>(ctx: SendContext, fn: (this: S, ctx: SendContext, a: A, b: B) => T, self: S, a: A, b: B): T {
  if (!hasNoStores(start)) return start.runStores(ctx, runTraced, undefined, ctx, fn, self, a, b) as T;
  start.publish(ctx);
  return runTraced(ctx, fn, self, a, b);
}

function runTraced<S, A, B, T>(ctx: SendContext, fn: (this: S, ctx: SendContext, a: A, b: B) => T, self: S, a: A, b: B): T {
  try {
    return fn.call(self, ctx, a, b);
  } catch (err) {
    ctx.error = err as Error;
    error.publish(ctx);
    throw err;
  } finally {
    end.publish(ctx);
  }
}

/**
 * A record settled: `error` on failure, then `asyncStart`, deliver(completion, err, md) (its
 * callback or promise), `asyncEnd`.
 */
export function traceSendSettled<C>(ctx: SendContext, err: Error | null, md: RecordMetadata, deliver: (c: C, err: Error | null, md: RecordMetadata) => void, completion: C): void {
  if (err) {
    ctx.error = err;
    error.publish(ctx);
  } else ctx.result = md;
  if (!hasNoStores(asyncStart)) {
    asyncStart.runStores(ctx, deliverTraced, undefined, ctx, err, md, deliver, completion);
    return;
  }
  asyncStart.publish(ctx);
  deliverTraced(ctx, err, md, deliver, completion);
}

function deliverTraced<C>(ctx: SendContext, err: Error | null, md: RecordMetadata, deliver: (c: C, err: Error | null, md: RecordMetadata) => void, completion: C): void {
  try {
    deliver(completion, err, md);
  } finally {
    asyncEnd.publish(ctx);
  }
}

/** Adds a header to a record's headers (either form) without touching the original. */
export function withHeader(headers: ProducerRecord['headers'], key: string, value: string): NonNullable<ProducerRecord['headers']> {
  if (headers == null) return [{ key, value }];
  if (Array.isArray(headers)) return [...(headers as Header[]), { key, value }];
  return { ...(headers as Record<string, Uint8Array | string | null>), [key]: value };
}

/** Whether a record's headers (either form) have `key`. */
export function hasHeader(headers: ProducerRecord['headers'], key: string): boolean {
  if (headers == null) return false;
  if (Array.isArray(headers)) return (headers as Header[]).some((h) => h?.key === key);
  return Object.prototype.hasOwnProperty.call(headers, key);
}

// --- connections ------------------------------------------------------------------------------

/** Connections already reported as connected (each is reported once, and its close once). */
const reported = new WeakSet<Connection>();

/**
 * Reports the ready connections not reported yet as `connect`, and each one's close later.
 * Called on every pool change while `kafka-wire:connection` has subscribers; a connection
 * already open when the first subscriber arrives is reported at the next change.
 */
export function reportConnections(ready: Iterable<Connection>): void {
  for (const conn of ready) {
    if (reported.has(conn)) continue;
    reported.add(conn);
    connectionChannel.publish({ event: 'connect', node: conn.nodeId, host: conn.host, port: conn.port } satisfies ConnectionMessage);
    conn.once('close', (reason?: Error) => {
      if (!connectionChannel.hasSubscribers) return;
      const msg: ConnectionMessage = { event: 'close', node: conn.nodeId, host: conn.host, port: conn.port };
      if (reason) msg.error = reason;
      connectionChannel.publish(msg);
    });
  }
}

/** A connection attempt failed (TCP, TLS, ApiVersions or authentication). */
export function reportConnectFailed(node: number, host: string, port: number, err: Error): void {
  connectionChannel.publish({ event: 'connect-failed', node, host, port, error: err } satisfies ConnectionMessage);
}
