/**
 * Exporting a producer's metrics to Prometheus with prom-client.
 *
 * kafka-wire does not depend on prom-client: registerProducerMetrics() below takes the
 * prom-client module as an argument and is typed against the few members it uses, so it
 * works with the prom-client your application installs. Copy it into your code.
 *
 * What it exports, read from producer.metrics({ grouped: true }) at each scrape:
 * - the flat figures as kafka_producer_<name>: record-send-total becomes
 *   kafka_producer_record_send_total (a counter; names without "-total" are gauges);
 * - per topic, kafka_producer_topic_<name> with a `topic` label (Java's producer-topic-metrics);
 * - per broker, kafka_producer_node_<name> with a `node_id` label (Java's producer-node-metrics).
 * Every series also has a `client_id` label. Rates are left to PromQL: rate(kafka_producer_topic_record_send_total[1m]).
 *
 * To run it against a broker: `npm install prom-client`, then
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/prometheus-metrics.ts
 * and read http://127.0.0.1:9464/metrics while it sends a record every 100 ms.
 */
import { createServer } from 'node:http';
// In an application: from 'kafka-wire'.
import { KafkaProducer } from '../src';
import type { NodeMetrics, ProducerMetricGroups, TopicMetrics } from '../src';

// --- the part of prom-client used here -------------------------------------------------

type Labels = Record<string, string>;

/** A metric's options, as prom-client's Counter and Gauge take them. */
export interface PromMetricConfig<R, M> {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: R[];
  /** Called at each scrape, before the metric's values are read. */
  collect(this: M): void;
}

export interface PromCounter {
  inc(labels: Labels, value?: number): void;
  reset(): void;
}

export interface PromGauge {
  set(labels: Labels, value: number): void;
  reset(): void;
}

/** The prom-client module (`import * as prom from 'prom-client'`), or any with these members. */
export interface PromClient<R> {
  Counter: new (config: PromMetricConfig<R, PromCounter>) => PromCounter;
  Gauge: new (config: PromMetricConfig<R, PromGauge>) => PromGauge;
  register: R;
}

// --- the exporter ------------------------------------------------------------------------

const TOPIC_HELP: Record<keyof TopicMetrics, string> = {
  'record-send-total': 'Records acknowledged, by topic.',
  'byte-total': 'Bytes of acknowledged record batches as sent (compressed), by topic.',
  'record-error-total': 'Records whose batch failed, by topic.',
  'record-retry-total': 'Records sent again, by topic (each retry of a batch counts its records).',
  'compression-rate': 'Mean ratio of sent to uncompressed batch bytes, by topic.',
};

const NODE_HELP: Record<keyof NodeMetrics, string> = {
  'request-total': 'Produce requests sent, by broker.',
  'request-latency-avg': 'Mean Produce request latency in ms, by broker.',
  'request-latency-max': 'Highest Produce request latency in ms, by broker.',
  'outgoing-byte-total': 'Record batch bytes sent in Produce requests, by broker.',
  'requests-in-flight': 'Requests awaiting an answer on the connection, by broker.',
};

const promName = (prefix: string, name: string) => `${prefix}${name.replace(/-/g, '_')}`;

/**
 * Registers the producer's metrics in `registry` (prom-client's default one unless given).
 * Returns a function that removes them again (call it after producer.close()). For several
 * producers in one process, give each its own registry, or merge the registries.
 */
export function registerProducerMetrics<R extends { removeSingleMetric(name: string): void }, K, V>(
  producer: KafkaProducer<K, V>,
  prom: PromClient<R>,
  registry: R = prom.register,
): () => void {
  const clientId = producer.config.clientId;

  // One snapshot per scrape: every metric's collect() runs in the same turn of the event loop.
  let snapshot: ProducerMetricGroups | null = null;
  const read = (): ProducerMetricGroups => {
    if (!snapshot) {
      snapshot = producer.metrics({ grouped: true });
      setImmediate(() => (snapshot = null));
    }
    return snapshot;
  };

  const names: string[] = [];
  /** A counter for totals, a gauge for the rest; `values` lists (labels, value) for a scrape. */
  const define = (name: string, key: string, help: string, labelNames: string[], values: () => Iterable<[Labels, number]>) => {
    names.push(name);
    const base = { name, help, labelNames, registers: [registry] };
    if (key.endsWith('-total')) {
      new prom.Counter({
        ...base,
        collect() {
          this.reset();
          for (const [labels, v] of values()) this.inc(labels, v);
        },
      });
    } else {
      new prom.Gauge({
        ...base,
        collect() {
          this.reset();
          for (const [labels, v] of values()) this.set(labels, v);
        },
      });
    }
  };

  for (const key of Object.keys(producer.metrics())) {
    define(promName('kafka_producer_', key), key, `kafka-wire producer ${key} (Java producer-metrics).`, ['client_id'], function* () {
      yield [{ client_id: clientId }, read().producer[key] ?? 0];
    });
  }
  for (const key of Object.keys(TOPIC_HELP) as (keyof TopicMetrics)[]) {
    define(promName('kafka_producer_topic_', key), key, TOPIC_HELP[key], ['client_id', 'topic'], function* () {
      for (const [topic, m] of Object.entries(read().topics)) yield [{ client_id: clientId, topic }, m[key]];
    });
  }
  for (const key of Object.keys(NODE_HELP) as (keyof NodeMetrics)[]) {
    define(promName('kafka_producer_node_', key), key, NODE_HELP[key], ['client_id', 'node_id'], function* () {
      for (const [nodeId, m] of Object.entries(read().nodes)) yield [{ client_id: clientId, node_id: nodeId }, m[key]];
    });
  }

  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}

// --- a runnable demonstration ------------------------------------------------------------

interface PromRegistry {
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
  contentType: string;
}

async function main(): Promise<void> {
  // Loaded at run time, so that type-checking this file does not need prom-client installed.
  const prom = require('prom-client') as PromClient<PromRegistry>;
  const producer = new KafkaProducer({ bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092' });
  const unregister = registerProducerMetrics(producer, prom);

  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    prom.register.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': prom.register.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  server.listen(9464, '127.0.0.1', () => console.log('metrics on http://127.0.0.1:9464/metrics (Ctrl-C to stop)'));

  let n = 0;
  const timer = setInterval(() => {
    producer.send({ topic: 'metrics-example', key: `k${n % 10}`, value: `record ${n++}` }, (err) => {
      if (err) console.error(err.message);
    });
  }, 100);

  process.once('SIGINT', () => {
    clearInterval(timer);
    server.close();
    producer.close({ timeoutMs: 10_000 }).then(unregister, unregister);
  });
}

if (require.main === module) void main();
