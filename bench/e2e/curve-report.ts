/**
 * The cost curves' results (bench/e2e/curves.ts): medians per point and client, a Markdown
 * table, and an SVG of line charts (one panel per figure, one line per client) in the style of
 * report.ts's bar charts (its colours, fonts and axes).
 */
import { COLORS, esc, median, niceMax, RunRecord } from './report';

/** One run of a curve point, as curves.ts records it. */
export interface CurveRun extends RunRecord {
  /** The point's x value (partitions, value bytes, producers). */
  x: number;
  /** Value bytes per record. */
  size: number;
}

/** The figures a curve can show, per point and client (medians over the rounds). */
export interface CurvePointSummary {
  x: number;
  client: string;
  label: string;
  rounds: number;
  recordsPerSecond: number;
  minRecordsPerSecond?: number;
  maxRecordsPerSecond?: number;
  /** Value bytes only, 10^6 B per second. */
  mbPerSecond: number;
  /** Client CPU (user + sys, whole process) per record, in microseconds. */
  cpuUsPerRecord: number;
  /** Client CPU per MB of values (10^6 B), in milliseconds. */
  cpuMsPerMb: number;
  /** From the client's own metrics; NaN when it has none here. */
  recordsPerRequest: number;
  /** The largest of the rounds. */
  peakRssMb: number;
  /** Why there is no figure. */
  skipped?: string;
}

export type CurveMetric = 'recordsPerSecond' | 'mbPerSecond' | 'cpuUsPerRecord' | 'cpuMsPerMb' | 'recordsPerRequest' | 'peakRssMb';

export const METRICS: Record<CurveMetric, { column: string; chart: string; unit: string; digits: number; better: 'higher' | 'lower' | null }> = {
  recordsPerSecond: { column: 'records/s', chart: 'Throughput', unit: 'records/s', digits: 0, better: 'higher' },
  mbPerSecond: { column: 'MB/s', chart: 'Throughput in bytes (values, 10^6 B)', unit: 'MB/s', digits: 1, better: 'higher' },
  cpuUsPerRecord: { column: 'CPU µs / record', chart: 'Client CPU per record (user+sys, whole process)', unit: 'µs CPU per record', digits: 2, better: 'lower' },
  cpuMsPerMb: { column: 'CPU ms / MB', chart: 'Client CPU per MB of values (user+sys, whole process)', unit: 'ms CPU per MB', digits: 2, better: 'lower' },
  recordsPerRequest: { column: 'records / request', chart: "Records per Produce request (the client's own metric)", unit: 'records per request', digits: 1, better: 'higher' },
  peakRssMb: { column: 'peak RSS MiB', chart: 'Peak RSS of the client process', unit: 'MiB', digits: 0, better: 'lower' },
};

const ok = (r: RunRecord) => !r.failed && r.errors === 0 && r.acked === r.records && r.records > 0;

/** Medians over the rounds of one point and client (peak RSS: the largest). */
export function summarizePoint(x: number, client: string, label: string, runs: readonly CurveRun[]): CurvePointSummary {
  const good = runs.filter(ok);
  const empty = { x, client, label, rounds: 0, recordsPerSecond: NaN, mbPerSecond: NaN, cpuUsPerRecord: NaN, cpuMsPerMb: NaN, recordsPerRequest: NaN, peakRssMb: NaN };
  if (good.length === 0) {
    const bad = runs.find((r) => r.failed) ?? runs.find((r) => r.note) ?? runs[0];
    const why = bad?.failed ?? (bad ? `${bad.errors} errors, ${bad.acked} of ${bad.records} acknowledged${bad.note ? ` (${bad.note})` : ''}` : 'not run');
    return { ...empty, skipped: bad ? `failed: ${why}` : why };
  }
  const rpr = good.map((r) => r.metrics?.recordsPerRequest).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return {
    ...empty,
    rounds: good.length,
    recordsPerSecond: median(good.map((r) => r.recordsPerSecond)),
    minRecordsPerSecond: Math.min(...good.map((r) => r.recordsPerSecond)),
    maxRecordsPerSecond: Math.max(...good.map((r) => r.recordsPerSecond)),
    mbPerSecond: median(good.map((r) => r.mbPerSecond)),
    cpuUsPerRecord: median(good.map((r) => r.cpuSecondsPerMillion)),
    cpuMsPerMb: median(good.map((r) => (r.cpuSeconds * 1000) / ((r.records * r.size) / 1e6))),
    recordsPerRequest: rpr.length > 0 ? median(rpr) : NaN,
    peakRssMb: Math.max(...good.map((r) => r.peakRssBytes)) / 2 ** 20,
  };
}

function fmtMetric(m: CurveMetric, v: number): string {
  if (!Number.isFinite(v)) return '';
  const d = METRICS[m].digits;
  return d === 0 ? Math.round(v).toLocaleString('en-US') : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** The table: one row per point and client, the curve's columns. */
export function curveTable(summaries: readonly CurvePointSummary[], xHeader: string, xLabel: (x: number) => string, metrics: readonly CurveMetric[]): string {
  const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k`;
  const header = `| ${xHeader} | client | ${metrics.map((m) => METRICS[m].column).join(' | ')} | rounds |`;
  const rule = `|---|---|${metrics.map(() => '---:').join('|')}|---:|`;
  const rows = summaries.map((s) => {
    if (s.skipped) return `| ${xLabel(s.x)} | ${s.label} | ${metrics.map(() => '').join(' | ')} | ${s.skipped.replace(/\|/g, '/')} |`;
    const cells = metrics.map((m) => {
      const v = fmtMetric(m, s[m]);
      const range = m === 'recordsPerSecond' && s.rounds > 1 && s.minRecordsPerSecond !== undefined ? ` (${k(s.minRecordsPerSecond)}–${k(s.maxRecordsPerSecond!)})` : '';
      return `${v}${range}`;
    });
    return `| ${xLabel(s.x)} | ${s.label} | ${cells.join(' | ')} | ${s.rounds} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** A log-scale maximum and minimum (powers of 10 around the values). */
function logBounds(vals: number[]): [number, number] {
  const pos = vals.filter((v) => v > 0);
  if (pos.length === 0) return [1, 10];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...pos)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(...pos)));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

const tick = (v: number) => (v >= 1e6 ? `${Number((v / 1e6).toPrecision(3))}M` : v >= 1000 ? `${Number((v / 1000).toPrecision(3)).toLocaleString('en-US')}k` : `${Number(v.toPrecision(3))}`);

/** One panel: x = the points (evenly spaced), y = the metric, one line per client. */
function linePanel(
  summaries: readonly CurvePointSummary[],
  clients: readonly { name: string; label: string }[],
  xs: readonly number[],
  xLabel: (x: number) => string,
  metric: CurveMetric,
  logY: boolean,
  y0: number,
  width: number,
  height: number,
): string {
  const info = METRICS[metric];
  const left = 70;
  const right = 20;
  const top = y0 + 30;
  const plotH = height - 70;
  const plotW = width - left - right;
  const vals = summaries.filter((s) => !s.skipped).map((s) => s[metric]).filter(Number.isFinite);
  const out: string[] = [];
  const better = info.better ? `; ${info.better} is better` : '';
  out.push(`<text x="${left}" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(`${info.chart}${logY ? ' (log scale)' : ''}${better}`)}</text>`);
  let yOf: (v: number) => number;
  if (logY) {
    const [lo, hi] = logBounds(vals);
    const span = Math.log10(hi) - Math.log10(lo);
    yOf = (v) => top + plotH - (plotH * (Math.log10(v) - Math.log10(lo))) / span;
    for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
      const y = yOf(10 ** e);
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
      out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end">${tick(10 ** e)}</text>`);
    }
  } else {
    const max = niceMax(Math.max(0, ...vals));
    yOf = (v) => top + plotH - (plotH * v) / max;
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      const y = yOf(v);
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
      out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end">${tick(v)}</text>`);
    }
  }
  out.push(`<text x="14" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(info.unit)}</text>`);
  const step = xs.length > 1 ? (plotW - 60) / (xs.length - 1) : 0;
  const xOf = (i: number) => left + 30 + (xs.length > 1 ? i * step : (plotW - 60) / 2);
  xs.forEach((x, i) => out.push(`<text x="${xOf(i).toFixed(1)}" y="${top + plotH + 16}" font-size="12" text-anchor="middle">${esc(xLabel(x))}</text>`));
  clients.forEach((c, ci) => {
    const color = COLORS[ci % COLORS.length];
    const pts: string[] = [];
    xs.forEach((x, i) => {
      const s = summaries.find((v) => v.client === c.name && v.x === x);
      const v = s && !s.skipped ? s[metric] : NaN;
      if (!Number.isFinite(v) || (logY && v <= 0)) return;
      const px = xOf(i);
      const py = yOf(v);
      pts.push(`${px.toFixed(1)},${py.toFixed(1)}`);
      out.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${color}"><title>${esc(`${c.label} at ${xLabel(x)}: ${fmtMetric(metric, v)} ${info.unit}`)}</title></circle>`);
    });
    if (pts.length > 1) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
  });
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  return out.join('\n');
}

/** Panels stacked, a legend at the bottom. `logY` lists the metrics drawn on a log scale. */
export function curveSvg(
  summaries: readonly CurvePointSummary[],
  clients: readonly { name: string; label: string }[],
  xs: readonly number[],
  xLabel: (x: number) => string,
  metrics: readonly CurveMetric[],
  logY: readonly CurveMetric[],
  title: string,
  subtitle: string,
): string {
  const width = 980;
  const panelH = 280;
  const legendH = 24 * Math.ceil(clients.length / 4) + 10;
  const height = 50 + metrics.length * panelH + legendH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" font-size="17" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${width / 2}" y="40" font-size="12" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);
  metrics.forEach((m, i) => parts.push(linePanel(summaries, clients, xs, xLabel, m, logY.includes(m), 45 + i * panelH, width, panelH)));
  const ly = 45 + metrics.length * panelH + 10;
  clients.forEach((c, i) => {
    const x = 70 + (i % 4) * 225;
    const y = ly + Math.floor(i / 4) * 24;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 12}" font-size="12">${esc(c.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
