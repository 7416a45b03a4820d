/**
 * kafka-wire/otel: OpenTelemetry tracing for the producer, opt-in, built on the
 * `kafka-wire:send` diagnostics channel (tracing.ts). Nothing here is loaded by the main
 * entry; `@opentelemetry/api` is an optional peer dependency needed only by this one.
 *
 * One PRODUCER span per record, after the OpenTelemetry messaging semantic conventions for
 * Kafka: named `send <topic>`, started when send() is called (the caller's active context is
 * its parent) and ended when the record is acknowledged or fails. The span's context goes into
 * the record's headers (W3C `traceparent`, and whatever else the propagator writes) before the
 * record is serialized, unless the record already carries a `traceparent`.
 */
import {
  type Attributes,
  type Context,
  context as otelContext,
  isSpanContextValid,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import * as dc from 'node:diagnostics_channel';

import type { ProducerRecord, RecordMetadata } from './producer/record';
import { channels, hasHeader, type SendContext } from './tracing';

export interface KafkaWireInstrumentationOptions {
  /** Where spans are made; default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /**
   * What writes the span's context into the headers; default: the global propagator. When it
   * writes no `traceparent` (no propagator registered), the W3C one is written anyway.
   */
  propagator?: TextMapPropagator;
}

/** The instrumentation's name, as the tracer's name. */
export const INSTRUMENTATION_NAME = 'kafka-wire';

const TRACEPARENT = 'traceparent';

type HeaderList = Extract<ProducerRecord['headers'], unknown[]>;

/** Sets a string carrier entry (the propagators' setter). */
const carrierSetter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

/**
 * Subscribes to the producer's send channel and traces every record of every KafkaProducer in
 * the process from now on. Returns a function that unsubscribes (records already sent keep
 * their spans, which end when they settle only while subscribed: call it after flush()).
 */
export function instrumentKafkaWire(options: KafkaWireInstrumentationOptions = {}): () => void {
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const propagator = options.propagator;
  // Each record's span rides on its context (the same object from start to asyncEnd) under a
  // key of this instrumentation's own. A WeakMap would do too, but every record in flight would
  // then be an entry the garbage collector has to trace as an ephemeron, on every collection.
  const SPAN = Symbol('kafka-wire span');
  type Traced = SendContext & { [SPAN]?: Span };
  // Strings every span keeps until it ends, made once rather than per record.
  const spanNames = new Map<string, string>();
  const spanName = (topic: string): string => {
    let name = spanNames.get(topic);
    if (name === undefined) {
      name = `send ${topic}`;
      if (spanNames.size < 10_000) spanNames.set(topic, name);
    }
    return name;
  };

  const handlers = {
    start(message: unknown): void {
      const ctx = message as SendContext;
      const parent = otelContext.active();
      const attributes: Attributes = {
        'messaging.system': 'kafka',
        'messaging.destination.name': ctx.topic,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        // The older conventions' name and value, for backends that still read them.
        'messaging.operation': 'publish',
      };
      if (typeof ctx.partition === 'number') attributes['messaging.destination.partition.id'] = partitionId(ctx.partition);
      if (typeof ctx.key === 'string') attributes['messaging.kafka.message.key'] = ctx.key;
      if (ctx.value === null || ctx.value === undefined) attributes['messaging.kafka.message.tombstone'] = true;
      const span = tracer.startSpan(spanName(ctx.topic), { kind: SpanKind.PRODUCER, attributes }, parent);
      (ctx as Traced)[SPAN] = span;
      if (!hasHeader(ctx.headers, TRACEPARENT)) ctx.headers = injected(ctx.headers, trace.setSpan(parent, span), span, propagator);
    },
    end(message: unknown): void {
      // send() threw: no asyncEnd follows.
      const ctx = message as SendContext;
      if (ctx.error !== undefined) finish(ctx, null, ctx.error);
    },
    asyncStart(): void {},
    asyncEnd(message: unknown): void {
      const ctx = message as SendContext;
      finish(ctx, ctx.result ?? null, ctx.error);
    },
    error(): void {},
  };

  function finish(ctx: SendContext, md: RecordMetadata | null, err: Error | undefined): void {
    const span = (ctx as Traced)[SPAN];
    if (span === undefined) return;
    (ctx as Traced)[SPAN] = undefined;
    if (md !== null && md.partition >= 0) span.setAttribute('messaging.destination.partition.id', partitionId(md.partition));
    if (err !== undefined) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.setAttribute('error.type', errorType(err));
    } else if (md !== null && md.offset >= 0n) span.setAttribute('messaging.kafka.offset', Number(md.offset));
    span.end();
  }

  const channel = dc.tracingChannel(channels.send);
  channel.subscribe(handlers);
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    channel.unsubscribe(handlers);
  };
}

/** Partition ids as strings (an attribute of every span), the common ones made once. */
const PARTITION_IDS: string[] = Array.from({ length: 1024 }, (_, i) => String(i));
function partitionId(partition: number): string {
  return PARTITION_IDS[partition] ?? String(partition);
}

/** The headers with the span's context added (a copy; the record's own are not changed). */
function injected(headers: ProducerRecord['headers'], ctx: Context, span: Span, propagator: TextMapPropagator | undefined): ProducerRecord['headers'] {
  const carrier: Record<string, string> = {};
  if (propagator) propagator.inject(ctx, carrier, carrierSetter);
  else propagation.inject(ctx, carrier, carrierSetter);
  if (carrier[TRACEPARENT] === undefined) {
    const sc = span.spanContext();
    if (isSpanContextValid(sc)) carrier[TRACEPARENT] = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  }
  const keys = Object.keys(carrier);
  if (keys.length === 0) return headers;
  if (headers == null || Array.isArray(headers)) {
    const out: HeaderList = headers == null ? [] : headers.slice();
    for (const k of keys) if (!hasHeader(headers, k)) out.push({ key: k, value: carrier[k] });
    return out;
  }
  const out = { ...headers };
  for (const k of keys) if (!hasHeader(headers, k)) out[k] = carrier[k];
  return out;
}

/** error.type: the error's stable code when it has one (KafkaError), else its class name. */
function errorType(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : err.name || 'Error';
}
