/**
 * kafka-wire with every one of its diagnostics channels subscribed, by handlers that do
 * nothing: the `kafka-wire:send` TracingChannel (start, end, asyncStart, asyncEnd, error) and
 * the produce request, produce response and connection channels. What the producer pays for
 * publishing (a context per record, its events, the per-request messages) when someone
 * listens, and nothing else. The subscriptions are made before the producer is created; the
 * producer and the loop are the plain kafka-wire driver's (drivers/kafka-wire.ts).
 */
import * as dc from 'node:diagnostics_channel';
import { channels } from '../../../src';
import type { ClientDriver, DriverContext } from '../driver';
import { createDriver as createKafkaWireDriver } from './kafka-wire';

const noop = (): void => {};

export function createDriver(ctx: DriverContext): ClientDriver {
  const send = dc.tracingChannel(channels.send);
  const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
  send.subscribe(handlers);
  const plain = [channels.produceRequest, channels.produceResponse, channels.connection];
  for (const name of plain) dc.subscribe(name, noop);

  const driver = createKafkaWireDriver(ctx);
  const close = driver.close;
  driver.close = async () => {
    try {
      await close();
    } finally {
      send.unsubscribe(handlers);
      for (const name of plain) dc.unsubscribe(name, noop);
    }
  };
  driver.note = [driver.note, 'no-op subscribers on every kafka-wire diagnostics channel'].filter(Boolean).join('; ');
  return driver;
}
