/**
 * Producer metrics, named after the Java producer's where one exists (record-send-total,
 * batch-size-avg, request-latency-avg, ...). Counters are plain fields updated by the sender;
 * snapshot() adds gauges read at call time. Cheap enough to stay always on: the per-topic
 * figures move once per batch (when it completes, fails or goes back for a retry), the
 * per-node ones once per Produce request, never per record.
 *
 * Three groups, as in the Java client: producer-wide (Java's producer-metrics), per topic
 * (producer-topic-metrics, tag topic) and per broker (producer-node-metrics, tag node-id).
 * Java's windowed rates (record-send-rate, byte-rate, ...) are left out: a monitoring system
 * derives them from the totals.
 */
import type { ProducerBatch } from './producer-batch';

export interface MetricsGauges {
  bufferTotalBytes: number;
  bufferAvailableBytes: number;
  waitingSends: number;
  bufferPoolWaiters: number;
  requestsInFlight: number;
  /** Connection figures from the broker pool (Java's selector metrics). */
  connectionCount: number;
  connectionsCreated: number;
  reauthentications: number;
  failedReauthentications: number;
  batchesInFlight: number;
  recordsQueued: number;
  incompleteBatches: number;
}

/** One topic's figures (Java's producer-topic-metrics group). */
export interface TopicMetrics {
  /** Records acknowledged (written to the socket with acks 0). */
  'record-send-total': number;
  /** Bytes of the acknowledged record batches, as sent (compressed). */
  'byte-total': number;
  /** Records that failed, each counted once, when its batch failed. */
  'record-error-total': number;
  /** Records sent again: a batch's records each time the batch is retried. */
  'record-retry-total': number;
  /** Mean over acknowledged batches of (bytes sent / bytes uncompressed); 1 without a codec. */
  'compression-rate': number;
}

/** One broker's figures (Java's producer-node-metrics group), for Produce requests. */
export interface NodeMetrics {
  /** Produce requests sent to the broker. */
  'request-total': number;
  /** Mean time in ms from sending a Produce request to its answer (or, with acks 0, its write). */
  'request-latency-avg': number;
  'request-latency-max': number;
  /** Record batch bytes sent to the broker in Produce requests. */
  'outgoing-byte-total': number;
  /** Requests of any kind awaiting an answer on the connection to the broker now (a gauge). */
  'requests-in-flight': number;
}

/** metrics({ grouped: true }): the flat figures plus the per-topic and per-node groups. */
export interface ProducerMetricGroups {
  /** The same figures metrics() returns. */
  producer: Record<string, number>;
  /** By topic name: every topic the producer has completed, failed or retried a batch of. */
  topics: Record<string, TopicMetrics>;
  /** By broker node id (as a string: "1"): every broker sent a Produce request. */
  nodes: Record<string, NodeMetrics>;
}

export interface MetricsOptions {
  /** true: return the flat figures with the per-topic and per-node groups. */
  grouped?: boolean;
}

class TopicStats {
  recordsSent = 0;
  bytes = 0;
  errors = 0;
  retries = 0;
  compressionRatioTotal = 0;
  compressionRatioCount = 0;
}

class NodeStats {
  requests = 0;
  bytes = 0;
  latencyTotalMs = 0;
  latencyCount = 0;
  latencyMaxMs = 0;
}

export class ProducerMetrics {
  recordsSent = 0;
  recordErrors = 0;
  retries = 0;
  batchSplits = 0;
  metadataUpdates = 0;
  requests = 0;
  batches = 0;
  bytesSent = 0;
  batchSizeMax = 0;
  private latencyTotalMs = 0;
  private latencyCount = 0;
  latencyMaxMs = 0;
  private throttleTotalMs = 0;
  private throttleCount = 0;
  private recordsInRequests = 0;
  private compressionRatioTotal = 0;
  private compressionRatioCount = 0;
  private readonly topics = new Map<string, TopicStats>();
  private readonly nodes = new Map<number, NodeStats>();

  private topic(name: string): TopicStats {
    let t = this.topics.get(name);
    if (!t) {
      t = new TopicStats();
      this.topics.set(name, t);
    }
    return t;
  }

  private node(id: number): NodeStats {
    let n = this.nodes.get(id);
    if (!n) {
      n = new NodeStats();
      this.nodes.set(id, n);
    }
    return n;
  }

  /** A Produce request to `node` carrying `batches` (`bytes`: their record batch bytes). */
  recordRequest(node: number, batches: readonly ProducerBatch[], bytes: number): void {
    this.requests++;
    this.batches += batches.length;
    this.bytesSent += bytes;
    for (const b of batches) {
      this.recordsInRequests += b.recordCount;
      const size = b.closedBytes.length;
      if (size > this.batchSizeMax) this.batchSizeMax = size;
    }
    const n = this.node(node);
    n.requests++;
    n.bytes += bytes;
  }

  /** A Produce request to `node` was answered (with acks 0: written) after `ms`. */
  recordLatency(node: number, ms: number): void {
    this.latencyTotalMs += ms;
    this.latencyCount++;
    if (ms > this.latencyMaxMs) this.latencyMaxMs = ms;
    const n = this.node(node);
    n.latencyTotalMs += ms;
    n.latencyCount++;
    if (ms > n.latencyMaxMs) n.latencyMaxMs = ms;
  }

  recordThrottle(ms: number): void {
    this.throttleTotalMs += ms;
    this.throttleCount++;
  }

  /** The batch was acknowledged (before its buffer is released: its bytes are read here). */
  recordCompleted(batch: ProducerBatch): void {
    const records = batch.recordCount;
    this.recordsSent += records;
    const t = this.topic(batch.topic);
    t.recordsSent += records;
    const sent = batch.estimatedSizeInBytes; // the closed bytes: the batch was sent
    t.bytes += sent;
    const raw = batch.builder.sizeInBytes;
    const ratio = raw > 0 ? sent / raw : 1;
    t.compressionRatioTotal += ratio;
    t.compressionRatioCount++;
    this.compressionRatioTotal += ratio;
    this.compressionRatioCount++;
  }

  /** The batch goes back to its queue to be sent again. */
  recordRetried(batch: ProducerBatch): void {
    const records = batch.recordCount;
    this.retries += records;
    this.topic(batch.topic).retries += records;
  }

  /** The batch failed: its records have their error. */
  recordFailed(batch: ProducerBatch): void {
    const records = batch.recordCount;
    this.recordErrors += records;
    this.topic(batch.topic).errors += records;
  }

  /** Java-named metrics, as a plain object. */
  snapshot(g: MetricsGauges): Record<string, number> {
    return {
      'record-send-total': this.recordsSent,
      'record-error-total': this.recordErrors,
      'record-retry-total': this.retries,
      'batch-split-total': this.batchSplits,
      'request-total': this.requests,
      'batch-total': this.batches,
      'outgoing-byte-total': this.bytesSent,
      'batch-size-avg': this.batches ? this.bytesSent / this.batches : 0,
      'batch-size-max': this.batchSizeMax,
      'compression-rate-avg': this.compressionRatioCount ? this.compressionRatioTotal / this.compressionRatioCount : 0,
      'records-per-request-avg': this.requests ? this.recordsInRequests / this.requests : 0,
      'request-latency-avg': this.latencyCount ? this.latencyTotalMs / this.latencyCount : 0,
      'request-latency-max': this.latencyMaxMs,
      'produce-throttle-time-avg': this.throttleCount ? this.throttleTotalMs / this.throttleCount : 0,
      'metadata-update-total': this.metadataUpdates,
      'buffer-total-bytes': g.bufferTotalBytes,
      'buffer-available-bytes': g.bufferAvailableBytes,
      'waiting-threads': g.bufferPoolWaiters,
      'waiting-sends': g.waitingSends,
      'requests-in-flight': g.requestsInFlight,
      'batches-in-flight': g.batchesInFlight,
      'records-queued': g.recordsQueued,
      'incomplete-batches': g.incompleteBatches,
      'connection-count': g.connectionCount,
      'connection-creation-total': g.connectionsCreated,
      'successful-reauthentication-total': g.reauthentications,
      'failed-reauthentication-total': g.failedReauthentications,
    };
  }

  /** The flat figures with the per-topic and per-node groups; `inFlight` reads a node's gauge. */
  groupedSnapshot(g: MetricsGauges, inFlight: (node: number) => number): ProducerMetricGroups {
    // No prototype: a topic may be called "__proto__" or "constructor".
    const topics: Record<string, TopicMetrics> = Object.create(null);
    for (const [name, t] of this.topics) {
      topics[name] = {
        'record-send-total': t.recordsSent,
        'byte-total': t.bytes,
        'record-error-total': t.errors,
        'record-retry-total': t.retries,
        'compression-rate': t.compressionRatioCount ? t.compressionRatioTotal / t.compressionRatioCount : 0,
      };
    }
    const nodes: Record<string, NodeMetrics> = Object.create(null);
    for (const [id, n] of this.nodes) {
      nodes[String(id)] = {
        'request-total': n.requests,
        'request-latency-avg': n.latencyCount ? n.latencyTotalMs / n.latencyCount : 0,
        'request-latency-max': n.latencyMaxMs,
        'outgoing-byte-total': n.bytes,
        'requests-in-flight': inFlight(id),
      };
    }
    return { producer: this.snapshot(g), topics, nodes };
  }
}
