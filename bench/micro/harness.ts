/**
 * What every bench/micro file shares: the options a bench is run with, the measuring engines
 * (a thin layer over tinybench and mitata, so a bench never touches either directly) and
 * seeded test data. A bench file exports `run(options): Promise<CaseResult[]>`; the runner
 * (scripts/bench-micro.js) and the smoke test call nothing else.
 *
 * Both libraries are ESM-only. They are loaded with Node's own require (require(esm), Node
 * >= 20.19), taken from the real `node:module` even inside a sandboxed module system such as
 * Jest's, which cannot load ESM packages without experimental flags.
 */

import type { CaseResult } from './report';

/** Per-measurement time budget of a full run and of a smoke run, in milliseconds. */
export const FULL_TIME_MS = 100;
export const SMOKE_TIME_MS = 50;
/**
 * A full run measures ours and the baseline this many times each, in short alternating
 * rounds, after one unrecorded warm-up round.
 */
export const FULL_ROUNDS = 10;

/** How a bench is asked to run. */
export interface BenchOptions {
  /** Time budget for each measurement (ours and the baseline are one measurement each). */
  timeMs: number;
  /** Smoke mode: the smallest run that still produces a figure for every case. */
  isSmoke: boolean;
  /** Measurements of each side per case, alternating ours and the baseline. */
  rounds: number;
  /** The engine to measure with; DEFAULT_ENGINE when absent. */
  engine?: Engine;
}

/** The signature every bench/micro/*.bench.ts exports as `run`. */
export type BenchRun = (options: BenchOptions) => Promise<CaseResult[]>;

/** One measured throughput. */
export interface Measurement {
  /** Operations per second at the median time per call. */
  opsPerSec: number;
  /** Relative margin of error of the mean time per call, percent (95%). */
  rmePct: number;
  /** Samples the figure rests on. */
  sampleCount: number;
}

/** The q-quantile (0..1) of ascending `sorted`, interpolating between neighbours. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The q-quantile of unsorted numbers. */
export function quantileOf(values: readonly number[], q: number): number {
  return quantile(Float64Array.from(values).sort(), q);
}

/** A Measurement from per-call times (any unit, `unitsPerSecond` of them make a second). */
export function summarize(timesPerCall: ArrayLike<number>, unitsPerSecond: number, opsPerCall: number): Measurement {
  const sorted = Float64Array.from(timesPerCall).sort();
  if (sorted.length === 0) throw new Error('no samples');
  let sum = 0;
  for (const t of sorted) sum += t;
  const mean = sum / sorted.length;
  let sq = 0;
  for (const t of sorted) sq += (t - mean) ** 2;
  const sem = Math.sqrt(sq / Math.max(1, sorted.length - 1) / sorted.length);
  const median = quantile(sorted, 0.5);
  return {
    opsPerSec: median > 0 ? (opsPerCall * unitsPerSecond) / median : Number.NaN,
    rmePct: mean > 0 ? (100 * 1.96 * sem) / mean : Number.NaN,
    sampleCount: sorted.length,
  };
}

/** Ours and the baseline, round by round (round i of each ran back to back). */
export interface Comparison {
  oursRounds: Measurement[];
  baselineRounds: Measurement[];
}

/** How one function is measured. */
export interface MeasureOptions {
  timeMs: number;
  isSmoke: boolean;
  /** The function has run enough already; skip the engine's own warm-up. */
  isWarm: boolean;
  /** How many operations one call of the function performs (a call loops over many inputs). */
  opsPerCall: number;
}

/** A benchmark library behind one function. */
export interface Engine {
  name: 'tinybench' | 'mitata';
  measure(fn: () => unknown, options: MeasureOptions): Promise<Measurement>;
}

function nodeRequire(id: string): any {
  const proc = process as { getBuiltinModule?: (id: string) => unknown };
  const nodeModule = (proc.getBuiltinModule?.('node:module') ?? require('node:module')) as typeof import('node:module');
  return nodeModule.createRequire(__filename)(id);
}

/** tinybench: one timed call per sample. */
export const tinybenchEngine: Engine = {
  name: 'tinybench',
  async measure(fn, { timeMs, isSmoke, isWarm, opsPerCall }) {
    const { Bench } = nodeRequire('tinybench');
    const bench = new Bench({
      time: timeMs,
      iterations: isSmoke ? 3 : 16,
      warmup: !isWarm,
      warmupTime: isSmoke ? 5 : Math.max(50, timeMs / 2),
      warmupIterations: isSmoke ? 2 : 16,
      retainSamples: true,
      throws: true,
    });
    bench.add('case', fn);
    await bench.run();
    const result = bench.tasks[0].result;
    if (result.state !== 'completed') throw new Error(`tinybench task ended as ${result.state}`);
    return summarize(result.latency.samples, 1e3, opsPerCall);
  },
};

/** mitata: batches fast calls into one sample (and drops the two extremes at each end). */
export const mitataEngine: Engine = {
  name: 'mitata',
  async measure(fn, { timeMs, isSmoke, isWarm, opsPerCall }) {
    const { measure } = nodeRequire('mitata');
    // mitata checks `fn instanceof Function` against its own realm; a function made in
    // another realm (Jest's sandbox) fails that check, so wrap it in one made in mitata's.
    const inRealm = nodeRequire('node:vm').runInThisContext('(f) => () => f()')(fn);
    const stats = await measure(inRealm, {
      min_cpu_time: timeMs * 1e6,
      min_samples: isSmoke ? 2 : 12,
      warmup_samples: isSmoke || isWarm ? 1 : 2,
      batch_samples: isSmoke ? 16 : 4096,
    });
    return summarize(stats.samples, 1e9, opsPerCall);
  },
};

/** The engine bench/micro uses; chosen by measurement, see BENCHMARKS.md. */
export const DEFAULT_ENGINE: Engine = tinybenchEngine;

/** Options for a full or a smoke run; smoke runs use SMOKE_TIME_MS and one round. */
export function benchOptions(isSmoke: boolean, overrides: Partial<Omit<BenchOptions, 'isSmoke'>> = {}): BenchOptions {
  return {
    isSmoke,
    timeMs: overrides.timeMs ?? (isSmoke ? SMOKE_TIME_MS : FULL_TIME_MS),
    rounds: overrides.rounds ?? (isSmoke ? 1 : FULL_ROUNDS),
    engine: overrides.engine,
  };
}

/** Measures `fn` once with the options' engine. */
export function measure(fn: () => unknown, opsPerCall: number, options: BenchOptions, isWarm = false): Promise<Measurement> {
  const engine = options.engine ?? DEFAULT_ENGINE;
  return engine.measure(fn, { timeMs: options.timeMs, isSmoke: options.isSmoke, isWarm, opsPerCall });
}

/**
 * Measures ours and the baseline in `options.rounds` short rounds, ours first in even rounds
 * and the baseline first in odd ones, after one unrecorded warm-up round (full runs only).
 * On a shared machine the speed of both drifts with what else runs (by up to 2x on a busy
 * 2-vCPU VM, in spells of a few hundred ms); the two halves of a round run back to back, so
 * their ratio is far steadier than either figure.
 */
export async function compare(
  ours: () => unknown,
  baseline: () => unknown,
  opsPerCall: number,
  options: BenchOptions,
): Promise<Comparison> {
  if (!options.isSmoke) {
    await measure(ours, opsPerCall, options);
    await measure(baseline, opsPerCall, options);
  }
  const isWarm = !options.isSmoke;
  const oursRounds: Measurement[] = [];
  const baselineRounds: Measurement[] = [];
  for (let round = 0; round < Math.max(1, options.rounds); round++) {
    if (round % 2 === 0) {
      oursRounds.push(await measure(ours, opsPerCall, options, isWarm));
      baselineRounds.push(await measure(baseline, opsPerCall, options, isWarm));
    } else {
      baselineRounds.push(await measure(baseline, opsPerCall, options, isWarm));
      oursRounds.push(await measure(ours, opsPerCall, options, isWarm));
    }
  }
  return { oursRounds, baselineRounds };
}

/** A seeded xorshift32 generator of uint32s, so every run hashes the same data. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

/** `length` seeded random bytes. */
export function randomBytes(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = next() & 0xff;
  return buf;
}

/**
 * A value the optimizer cannot prove unused: benches fold every result into it so no hash
 * call is eliminated as dead code.
 */
export const sink = { value: 0 };
