/**
 * The shared result shape of bench/micro and its two renderings: a plain-text table for people
 * and JSON for tools. Every case is our code against a baseline measured in the same run, so
 * the ratio (ours / baseline, higher is better) is what a case is judged on, never an
 * absolute figure from another machine. Two exceptions: a case in ns/record (lower is better;
 * its ratio is ours / baseline too, so there it is an overhead factor), and a case whose
 * target is an absolute ceiling (targetKind 'max', e.g. send() <= 250 ns/record).
 */

import { Comparison, Measurement, quantileOf } from './harness';

/**
 * What a figure counts: calls (or records) per second, megabytes (10^6 bytes) per second, or
 * the time one record costs (the one unit where lower is better).
 */
export type Unit = 'ops/s' | 'MB/s' | 'records/s' | 'ns/record';

/** One measured case: ours and the baseline in the same unit, and the ratio between them. */
export interface CaseResult {
  /** The bench file it came from, e.g. "murmur2". */
  bench: string;
  /** The case within that bench, e.g. "16 B key". */
  name: string;
  unit: Unit;
  /** Our throughput: the median over the rounds. */
  value: number;
  /** What the baseline is, e.g. "murmurhash-js murmur2 + toString(latin1)". */
  baselineName: string;
  /** The baseline's throughput: the median over the rounds. */
  baseline: number;
  /** The median over the rounds of ours / baseline within the round. */
  ratio: number;
  /**
   * The ratio this case should reach (targetKind 'ratio', the default), or, with targetKind
   * 'max', the most our figure may be, in the case's unit (e.g. 250 ns/record).
   */
  target: number;
  targetKind?: 'ratio' | 'max';
  isMet: boolean;
  /** The quartiles of the per-round ratios: how much the ratio moved during the run. */
  ratioQ1: number;
  ratioQ3: number;
  /** Every round: ours, the baseline's, and their ratio. */
  valueRounds: number[];
  baselineRounds: number[];
  ratioRounds: number[];
  /** The engine's relative margin of error (percent, 95%) within each round, at the median. */
  valueRmePct: number;
  baselineRmePct: number;
  /** One line more about the case, printed under the table (e.g. allocations per record). */
  detail?: string;
  /** send(): JS heap bytes left per record (see send.bench.ts). */
  bytesPerRecord?: number;
}

/** What a bench says about a case besides the figures. */
export interface CaseInfo {
  bench: string;
  name: string;
  unit: Unit;
  baselineName: string;
  target: number;
  targetKind?: 'ratio' | 'max';
}

/**
 * A CaseResult from a comparison; `scale` turns operations into the unit (1e-6 turns bytes
 * per second into MB/s).
 */
export function caseResult(info: CaseInfo, cmp: Comparison, scale = 1): CaseResult {
  // ns/record is a time per operation: 1e9 / (operations per second).
  const figure = (m: Measurement) => (info.unit === 'ns/record' ? 1e9 / m.opsPerSec : m.opsPerSec * scale);
  const valueRounds = cmp.oursRounds.map(figure);
  const baselineRounds = cmp.baselineRounds.map(figure);
  const ratioRounds = valueRounds.map((v, i) => v / baselineRounds[i]);
  const ratio = quantileOf(ratioRounds, 0.5);
  return {
    ...info,
    value: quantileOf(valueRounds, 0.5),
    baseline: quantileOf(baselineRounds, 0.5),
    ratio,
    isMet: info.targetKind === 'max' ? quantileOf(valueRounds, 0.5) <= info.target : ratio >= info.target,
    ratioQ1: quantileOf(ratioRounds, 0.25),
    ratioQ3: quantileOf(ratioRounds, 0.75),
    valueRounds,
    baselineRounds,
    ratioRounds,
    valueRmePct: quantileOf(cmp.oursRounds.map((m) => m.rmePct), 0.5),
    baselineRmePct: quantileOf(cmp.baselineRounds.map((m) => m.rmePct), 0.5),
  };
}

/** A throughput with three significant digits and a thousands separator. */
export function formatRate(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = n >= 100 ? 0 : n >= 10 ? 1 : 2;
  const rounded = n >= 1000 ? Number(n.toPrecision(3)) : n;
  return rounded.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** The results as a fixed-width table (one row per case), ready to print or paste into Markdown. */
export function formatTable(results: readonly CaseResult[], markdown = false): string {
  const header = ['bench', 'case', 'ours', 'baseline', 'baseline is', 'ratio', 'ratio IQR', 'target', 'met?'];
  const rows = results.map((r) => [
    r.bench,
    r.name,
    `${formatRate(r.value)} ${r.unit}`,
    `${formatRate(r.baseline)} ${r.unit}`,
    r.baselineName,
    `${r.ratio.toFixed(2)}x`,
    r.ratioRounds.length > 1 ? `${r.ratioQ1.toFixed(2)}-${r.ratioQ3.toFixed(2)}` : '',
    r.targetKind === 'max' ? `<= ${r.target} ${r.unit}` : `>= ${r.target}x`,
    r.isMet ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 3, 5, 6, 7]);
  const cell = (s: string, i: number) => (numeric.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (row: string[]) =>
    markdown ? `| ${row.map(cell).join(' | ')} |` : row.map(cell).join('  ').trimEnd();
  const rule = markdown
    ? `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
    : widths.map((w) => '-'.repeat(w)).join('  ');
  const details = results.filter((r) => r.detail).map((r) => `${markdown ? '- ' : '  '}${r.bench} ${r.name}: ${r.detail}`);
  return [line(header), rule, ...rows.map(line), ...(details.length > 0 ? ['', ...details] : [])].join('\n');
}

/** The results as JSON, with the context a reader needs to compare two runs. */
export function formatJson(results: readonly CaseResult[], context: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...context, results }, null, 2);
}
