/**
 * Diagnostics for broker-backed tests: a timeline of a producer's events and of the test's
 * own phases, so a test that overruns fails with what happened instead of a bare jest timeout.
 *
 *   const trace = new Trace();
 *   trace.watch(producer);
 *   await trace.phase('flush', producer.flush(), 60_000);
 */
import type { KafkaProducer } from '../../src';

const EVENTS = ['producerId', 'epochBump', 'request', 'retry', 'batchError'] as const;
const KEEP_FIRST = 40;
const KEEP_LAST = 150;

export class Trace {
  private readonly started = Date.now();
  private readonly lines: string[] = [];
  /** Lines dropped from the middle: a long run (a soak) keeps its start and its latest lines only. */
  private dropped = 0;
  private readonly producers: KafkaProducer<never, never>[] = [];

  note(line: string): void {
    this.lines.push(`${String(Date.now() - this.started).padStart(6)} ms  ${line}`);
    if (this.lines.length > KEEP_FIRST + 2 * KEEP_LAST) {
      this.dropped += this.lines.length - KEEP_FIRST - KEEP_LAST;
      this.lines.splice(KEEP_FIRST, this.lines.length - KEEP_FIRST - KEEP_LAST);
    }
  }

  watch(producer: KafkaProducer<any, any>): void {
    this.producers.push(producer);
    for (const event of EVENTS) {
      producer.on(event, (payload: Record<string, unknown>) => {
        const shown = { ...payload };
        if (shown.error instanceof Error) shown.error = `${shown.error.name}: ${shown.error.message}`;
        this.note(`${event} ${JSON.stringify(shown)}`);
      });
    }
  }

  /** Awaits `work`; past `timeoutMs` throws an error carrying the timeline and producer gauges. */
  async phase<T>(name: string, work: Promise<T>, timeoutMs: number): Promise<T> {
    this.note(`phase ${name}: start`);
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${name} did not finish within ${timeoutMs} ms\n${this.report()}`));
        // The test fails; let its producers go rather than hold the worker open.
        for (const p of this.producers) void p.close({ timeoutMs: 0 }).catch(() => {});
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([work, overrun]);
      this.note(`phase ${name}: done`);
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  report(): string {
    const gauges = this.producers.map((p, i) => {
      const m = p.metrics();
      const keys = ['waiting-sends', 'records-queued', 'incomplete-batches', 'batches-in-flight', 'requests-in-flight', 'record-retry-total', 'record-error-total', 'metadata-update-total'];
      return `producer ${i}: ${keys.map((k) => `${k}=${m[k]}`).join(' ')}`;
    });
    // Long timelines keep their start and their end, where a stall shows.
    const lines = this.lines.length > KEEP_FIRST + KEEP_LAST ? [...this.lines.slice(0, KEEP_FIRST), `... ${this.dropped + this.lines.length - KEEP_FIRST - KEEP_LAST} lines ...`, ...this.lines.slice(-KEEP_LAST)] : this.lines;
    return [...lines, ...gauges].join('\n');
  }
}
