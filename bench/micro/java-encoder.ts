/**
 * The Java side of the record-batch bench: one JVM running kafkawire.bench.EncodeBench
 * (bench/java), kept warm for the whole bench and driven one measurement at a time over
 * stdin, so its rounds alternate with ours exactly as compare() alternates two functions.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { ensureJavaBench } from '../java-build';
import type { Measurement } from './harness';

export interface JavaEncodeAnswer {
  calls: number;
  medianNs: number;
  meanNs: number;
  batches: number;
  bytes: number;
}

export class JavaEncoder {
  private readonly lines: AsyncIterableIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
  }

  /** Builds bench/java if needed and starts the JVM (C2 on, the JVM's defaults otherwise). */
  static async start(): Promise<JavaEncoder> {
    const classpath = await ensureJavaBench();
    const child = spawn('java', ['-cp', classpath, 'kafkawire.bench.EncodeBench'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const enc = new JavaEncoder(child);
    const first = await enc.next();
    if (!JSON.parse(first).ready) throw new Error(`EncodeBench did not start: ${first}`);
    return enc;
  }

  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`EncodeBench exited: ${this.stderr}`);
    return r.value;
  }

  /** Runs the encode loop unmeasured for `ms` (JIT warm-up). */
  async warmup(ms: number): Promise<void> {
    this.child.stdin.write(`warmup ${Math.round(ms)}\n`);
    await this.next();
  }

  /** One measurement of at least `ms`: records per second at the median call. */
  async measure(ms: number, recordsPerCall: number): Promise<Measurement & JavaEncodeAnswer> {
    this.child.stdin.write(`measure ${Math.round(ms)}\n`);
    const a = JSON.parse(await this.next()) as JavaEncodeAnswer;
    return { ...a, opsPerSec: (recordsPerCall * 1e9) / a.medianNs, rmePct: Number.NaN, sampleCount: a.calls };
  }

  async close(): Promise<void> {
    this.child.stdin.end('quit\n');
    await new Promise((r) => this.child.once('exit', r));
  }
}
