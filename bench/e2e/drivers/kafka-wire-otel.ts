/**
 * kafka-wire traced by its OpenTelemetry entry (src/otel.ts): instrumentKafkaWire() with a
 * BasicTracerProvider of @opentelemetry/sdk-trace-base (always sampled) whose only span
 * processor drops every span it is given. What is measured is the instrumentation's own work
 * (a PRODUCER span per record with its attributes, the traceparent header written into the
 * record, the span ended on acknowledgement), not an exporter's. No context manager is
 * registered, so each span's parent is the root context. The producer and the loop are the
 * plain kafka-wire driver's (drivers/kafka-wire.ts).
 */
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentKafkaWire } from '../../../src/otel';
import type { ClientDriver, DriverContext } from '../driver';
import { createDriver as createKafkaWireDriver } from './kafka-wire';

/** Receives every span, keeps none. */
class DroppingSpanProcessor implements SpanProcessor {
  ended = 0;
  onStart(): void {}
  onEnd(): void {
    this.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function createDriver(ctx: DriverContext): ClientDriver {
  const processor = new DroppingSpanProcessor();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
  const uninstall = instrumentKafkaWire({ tracerProvider });

  const driver = createKafkaWireDriver(ctx);
  // Records handed over (a timed run hands over fewer than spec.records), the warm-up one included.
  let handed = 1;
  const sendOne = driver.sendOne!.bind(driver);
  driver.sendOne = (i) => {
    const ok = sendOne(i);
    if (ok) handed++;
    return ok;
  };
  const close = driver.close;
  driver.close = async () => {
    try {
      await close();
    } finally {
      uninstall();
      await tracerProvider.shutdown();
    }
    // Every record (the warm-up one included) ended its span.
    if (processor.ended < handed) throw new Error(`only ${processor.ended} spans ended for ${handed} records`);
  };
  driver.note = [driver.note, 'OpenTelemetry: one span per record, dropped by the span processor'].filter(Boolean).join('; ');
  return driver;
}
