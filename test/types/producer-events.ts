// Type-level checks of the producer's public types: compiled by tsc (test/unit/typecheck.test.ts),
// never run. Each `@ts-expect-error` line must fail to compile; if one compiled, tsc would
// report the directive as unused and the check would fail.
import { KafkaProducer } from '../../src';
import type {
  BatchErrorEvent,
  MetricsOptions,
  NodeMetrics,
  ProducerEventName,
  ProducerEvents,
  ProducerMetricGroups,
  RetryEvent,
  TopicMetrics,
} from '../../src';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

export function events(producer: KafkaProducer): void {
  // Each listener's payload has its event's type.
  producer.on('retry', (e) => {
    assertType<Equal<typeof e, RetryEvent>>();
    const topic: string = e.topic;
    const attempt: number = e.attempt;
    const error: string = e.error;
    void [topic, attempt, error];
  });
  producer.once('batchError', (e) => {
    assertType<Equal<typeof e, BatchErrorEvent>>();
    const err: Error = e.error;
    void err;
  });
  producer.on('request', (e) => void (e.node + e.version + e.batches + e.records + e.bytes));
  producer.on('producerId', (e) => void (e.producerId + e.epoch));
  producer.on('epochBump', (e) => void (e.producerId + e.epoch));
  producer.on('coordinator', (e) => {
    const type: 'transaction' | 'group' = e.type;
    void [type, e.key, e.nodeId];
  });
  producer.on('transactionRequest', (e) => void [e.api, e.node, e.version]);
  producer.on('transactionError', (e) => {
    const fatal: true = e.fatal;
    void [fatal, e.error];
  });

  // The other EventEmitter methods take the same names and listeners; on() chains.
  const onRetry = (e: RetryEvent) => void e;
  producer.addListener('retry', onRetry).prependListener('retry', onRetry).prependOnceListener('retry', onRetry);
  producer.off('retry', onRetry).removeListener('retry', onRetry).removeAllListeners('retry').removeAllListeners();
  const n: number = producer.listenerCount('retry');
  void n;

  // A listener written for any payload still fits every event (payloads are plain records).
  const names: ProducerEventName[] = ['request', 'retry', 'batchError', 'producerId', 'epochBump', 'coordinator', 'transactionRequest', 'transactionError'];
  for (const name of names) producer.on(name, (payload: Record<string, unknown>) => void payload);
  const every: Record<ProducerEventName, true> = {
    request: true,
    retry: true,
    batchError: true,
    producerId: true,
    epochBump: true,
    coordinator: true,
    transactionRequest: true,
    transactionError: true,
  };
  assertType<Equal<keyof typeof every, keyof ProducerEvents>>();

  // @ts-expect-error: no such event
  producer.on('retries', () => undefined);
  // @ts-expect-error: no such event
  producer.once('error', () => undefined);
  // @ts-expect-error: no such event
  producer.off('request ', () => undefined);
  // @ts-expect-error: an event name must be one of ProducerEvents', not any string
  producer.on('retry' as string, () => undefined);
  // @ts-expect-error: the retry payload has no `records`
  producer.on('retry', (e) => void e.records);
  // @ts-expect-error: a listener expecting another event's payload
  producer.on('request', (e: RetryEvent) => void e);
  // @ts-expect-error: emit checks the payload against the event
  producer.emit('retry', { topic: 't', partition: 0 });
  producer.emit('retry', { topic: 't', partition: 0, attempt: 1, error: 'NOT_ENOUGH_REPLICAS' });
}

export function metrics(producer: KafkaProducer): void {
  // Without options, or grouped: false, the flat object, as before.
  const flat: Record<string, number> = producer.metrics();
  const flat2: Record<string, number> = producer.metrics({ grouped: false });
  const retries: number = flat['record-retry-total'];
  void [flat2, retries];

  const grouped = producer.metrics({ grouped: true });
  assertType<Equal<typeof grouped, ProducerMetricGroups>>();
  const t: TopicMetrics | undefined = grouped.topics['orders'];
  const perNode: NodeMetrics | undefined = grouped.nodes['1'];
  const sent: number | undefined = t?.['record-send-total'];
  const latency: number | undefined = perNode?.['request-latency-avg'];
  void [sent, latency];
  // @ts-expect-error: not a per-topic figure
  void t?.['request-latency-avg'];

  // A boolean only known at run time gives either shape.
  const opts: MetricsOptions = { grouped: Math.random() > 0.5 };
  const either = producer.metrics(opts);
  assertType<Equal<typeof either, Record<string, number> | ProducerMetricGroups>>();
}
