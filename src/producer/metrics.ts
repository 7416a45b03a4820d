/**
 * Producer metrics, named after the Java producer's where one exists (record-send-total,
 * batch-size-avg, request-latency-avg, ...). Counters are plain fields updated by the sender;
 * snapshot() adds gauges read at call time. Cheap enough to stay always on.
 */
import type { ProducerBatch } from './producer-batch';

export interface MetricsGauges {
  bufferTotalBytes: number;
  bufferAvailableBytes: number;
  waitingSends: number;
  bufferPoolWaiters: number;
  requestsInFlight: number;
  batchesInFlight: number;
  recordsQueued: number;
  incompleteBatches: number;
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

  recordRequest(batches: readonly ProducerBatch[], bytes: number): void {
    this.requests++;
    this.batches += batches.length;
    this.bytesSent += bytes;
    for (const b of batches) {
      this.recordsInRequests += b.recordCount;
      const size = b.closedBytes.length;
      if (size > this.batchSizeMax) this.batchSizeMax = size;
    }
  }

  recordLatency(ms: number): void {
    this.latencyTotalMs += ms;
    this.latencyCount++;
    if (ms > this.latencyMaxMs) this.latencyMaxMs = ms;
  }

  recordThrottle(ms: number): void {
    this.throttleTotalMs += ms;
    this.throttleCount++;
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
    };
  }
}
