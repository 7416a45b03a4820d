/**
 * bench/e2e results: one record per run, their medians per client and workload, the issue-4
 * targets, and three renderings: JSON (bench/results/<date>-<host>.json), a Markdown table
 * (for BENCHMARKS.md) and an SVG chart drawn here (throughput and CPU per record by client).
 */
import * as fs from 'node:fs';
import type { RunResult } from './types';

/** One run as the orchestrator recorded it. */
export interface RunRecord extends RunResult {
  workload: string;
  round: number;
  /** CPU of the whole child process, start to exit (from the parent's cutime/cstime). */
  processCpuSeconds?: number;
  /** Records per second and MB/s (values only, 10^6 bytes) over `seconds`. */
  recordsPerSecond: number;
  mbPerSecond: number;
  /** Client CPU seconds per million records. */
  cpuSecondsPerMillion: number;
  failed?: string;
}

export interface Summary {
  client: string;
  label: string;
  workload: string;
  rounds: number;
  recordsPerSecond: number;
  /** The slowest and fastest round. */
  minRecordsPerSecond?: number;
  maxRecordsPerSecond?: number;
  mbPerSecond: number;
  cpuSecondsPerMillion: number;
  peakRssMb: number;
  latencyMs?: { p50: number; p99: number; p999: number };
  /** Why it did not run, or failed. */
  skipped?: string;
  note?: string;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Medians over the rounds of one client and workload (peak RSS: the largest). */
export function summarize(client: string, label: string, workload: string, runs: readonly RunRecord[]): Summary {
  const ok = runs.filter((r) => !r.failed && r.errors === 0 && r.acked === r.records);
  if (ok.length === 0) {
    const why = runs.find((r) => r.failed)?.failed ?? runs.find((r) => r.note)?.note ?? 'no successful run';
    return { client, label, workload, rounds: 0, recordsPerSecond: NaN, mbPerSecond: NaN, cpuSecondsPerMillion: NaN, peakRssMb: NaN, skipped: `failed: ${why}` };
  }
  const s: Summary = {
    client,
    label,
    workload,
    rounds: ok.length,
    recordsPerSecond: median(ok.map((r) => r.recordsPerSecond)),
    minRecordsPerSecond: Math.min(...ok.map((r) => r.recordsPerSecond)),
    maxRecordsPerSecond: Math.max(...ok.map((r) => r.recordsPerSecond)),
    mbPerSecond: median(ok.map((r) => r.mbPerSecond)),
    cpuSecondsPerMillion: median(ok.map((r) => r.cpuSecondsPerMillion)),
    peakRssMb: Math.max(...ok.map((r) => r.peakRssBytes)) / (1024 * 1024),
  };
  const lat = ok.filter((r) => r.latencyMs);
  if (lat.length > 0) {
    s.latencyMs = {
      p50: median(lat.map((r) => r.latencyMs!.p50)),
      p99: median(lat.map((r) => r.latencyMs!.p99)),
      p999: median(lat.map((r) => r.latencyMs!.p999)),
    };
  }
  const notes = [...new Set(ok.map((r) => r.note).filter(Boolean))];
  if (notes.length > 0) s.note = notes.join('; ');
  return s;
}

const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** The table of medians, one row per workload and client. */
export function markdownTable(summaries: readonly Summary[]): string {
  const header = '| workload | client | records/s | (range) | MB/s | CPU s / 1M records | peak RSS MiB | p50 ms | p99 ms | p99.9 ms | rounds |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const k = (n: number) => (Number.isFinite(n) ? `${Math.round(n / 1000).toLocaleString('en-US')}k` : '-');
  const rows = summaries.map((s) => {
    if (s.skipped) return `| ${s.workload} | ${s.label} | n/a | | | | | | | | ${s.skipped} |`;
    const l = s.latencyMs;
    const range = s.minRecordsPerSecond !== undefined && s.rounds > 1 ? `${k(s.minRecordsPerSecond)}–${k(s.maxRecordsPerSecond!)}` : '';
    return `| ${s.workload} | ${s.label} | ${fmtInt(s.recordsPerSecond)} | ${range} | ${fmt(s.mbPerSecond, 1)} | ${fmt(s.cpuSecondsPerMillion, 2)} | ${fmtInt(s.peakRssMb)} | ${l ? fmt(l.p50, 1) : ''} | ${l ? fmt(l.p99, 1) : ''} | ${l ? fmt(l.p999, 1) : ''} | ${s.rounds} |`;
  });
  return [header, rule, ...rows].join('\n');
}

export interface TargetResult {
  target: string;
  measured: string;
  isMet: boolean | null;
}

/**
 * Issue 4's targets that bench/e2e can judge. `encodeRecordsPerSecond` is kafka-wire's own
 * record-batch encode rate (the client's ceiling), measured in the same run.
 */
export function judgeTargets(
  summaries: readonly Summary[],
  opts: { nullBroker: boolean; encodeRecordsPerSecond?: number; bufferMemoryBytes: number; runs?: readonly RunRecord[] },
): TargetResult[] {
  const get = (client: string, w: string) => summaries.find((s) => s.client === client && s.workload === w && !s.skipped);
  const out: TargetResult[] = [];
  const ours = get('kafka-wire', 'W1');
  const ratio = (a: number, b: number) => a / b;
  // Each round's ratio (the two ran minutes apart in the same round, so the machine's drift
  // mostly cancels), then the median of those, as bench/micro pairs its rounds.
  const roundRatios = (peer: string, field: 'recordsPerSecond' | 'cpuSecondsPerMillion'): number[] => {
    const ok = (r: RunRecord) => !r.failed && r.errors === 0 && r.acked === r.records;
    const mine = (opts.runs ?? []).filter((r) => r.client === 'kafka-wire' && r.workload === 'W1' && ok(r));
    const theirs = (opts.runs ?? []).filter((r) => r.client === peer && r.workload === 'W1' && ok(r));
    return mine.flatMap((m) => theirs.filter((t) => t.round === m.round).map((t) => m[field] / t[field]));
  };
  const spread = (xs: number[]) => (xs.length > 1 ? `; per round ${xs.map((x) => x.toFixed(2)).join(', ')}` : '');
  if (!opts.nullBroker) {
    for (const [peer, min] of [['kafkajs', 3], ['platformatic', 1.5], ['node-rdkafka', 1.0], ['java', 1.0]] as const) {
      const p = get(peer, 'W1');
      if (!ours || !p) {
        out.push({ target: `W1 throughput >= ${min}x ${peer}`, measured: 'not measured', isMet: null });
        continue;
      }
      const rr = roundRatios(peer, 'recordsPerSecond');
      const r = rr.length > 0 ? median(rr) : ratio(ours.recordsPerSecond, p.recordsPerSecond);
      out.push({
        target: `W1 throughput >= ${min}x ${peer}`,
        measured: `${r.toFixed(2)}x (medians ${fmtInt(ours.recordsPerSecond)} vs ${fmtInt(p.recordsPerSecond)} records/s${spread(rr)})`,
        isMet: r >= min,
      });
    }
    for (const [peer, max] of [['java', 1.0], ['kafkajs', 0.3]] as const) {
      const p = get(peer, 'W1');
      if (!ours || !p) {
        out.push({ target: `W1 CPU per record <= ${max}x ${peer}'s`, measured: 'not measured', isMet: null });
        continue;
      }
      const rr = roundRatios(peer, 'cpuSecondsPerMillion');
      const r = rr.length > 0 ? median(rr) : ratio(ours.cpuSecondsPerMillion, p.cpuSecondsPerMillion);
      out.push({
        target: `W1 CPU per record <= ${max}x ${peer}'s`,
        measured: `${r.toFixed(2)}x (medians ${fmt(ours.cpuSecondsPerMillion, 2)} vs ${fmt(p.cpuSecondsPerMillion, 2)} s per 1M${spread(rr)})`,
        isMet: r <= max,
      });
    }
    const w4 = get('kafka-wire', 'W4');
    if (w4?.latencyMs) {
      // Per peer: the median over the rounds of (our p99 / its p99) in the same round.
      const okW4 = (r: RunRecord) => r.workload === 'W4' && !r.failed && r.latencyMs !== undefined;
      const mine = (opts.runs ?? []).filter((r) => r.client === 'kafka-wire' && okW4(r));
      const peers = ['kafkajs', 'platformatic', 'node-rdkafka', 'confluent'].map((c) => get(c, 'W4')).filter((s): s is Summary => !!s?.latencyMs);
      const judged = peers.map((p) => {
        const rr = mine.flatMap((m) => (opts.runs ?? []).filter((t) => t.client === p.client && okW4(t) && t.round === m.round).map((t) => m.latencyMs!.p99 / t.latencyMs!.p99));
        const r = rr.length > 0 ? median(rr) : w4.latencyMs!.p99 / p.latencyMs!.p99;
        return { p, r, rr };
      });
      out.push({
        target: "W4 p99 latency <= every Node peer's",
        measured:
          `median ${fmt(w4.latencyMs.p99, 1)} ms; ratio to each (median of per-round ratios): ` +
          judged.map(({ p, r, rr }) => `${p.client} ${r.toFixed(2)}x (p99 ${fmt(p.latencyMs!.p99, 1)} ms${rr.length > 1 ? `; ${rr.map((x) => x.toFixed(2)).join(', ')}` : ''})`).join(', '),
        isMet: judged.length > 0 ? judged.every(({ r }) => r <= 1) : null,
      });
    }
  } else if (ours && opts.encodeRecordsPerSecond) {
    const r = ours.recordsPerSecond / opts.encodeRecordsPerSecond;
    out.push({
      target: 'null broker: W1 >= 50% of the batch-encode microbenchmark rate',
      measured: `${(100 * r).toFixed(0)}% (${fmtInt(ours.recordsPerSecond)} vs ${fmtInt(opts.encodeRecordsPerSecond)} records/s)`,
      isMet: r >= 0.5,
    });
  }
  const limitMb = opts.bufferMemoryBytes / (1024 * 1024) + 64;
  const rss = summaries.filter((s) => s.client === 'kafka-wire' && !s.skipped);
  if (rss.length > 0) {
    const worst = rss.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a));
    out.push({ target: `kafka-wire peak RSS < buffer.memory + 64 MiB (${limitMb} MiB) in every workload`, measured: `largest ${fmtInt(worst.peakRssMb)} MiB (${worst.workload})`, isMet: worst.peakRssMb < limitMb });
  }
  return out;
}

export function targetsTable(targets: readonly TargetResult[]): string {
  return ['| target | measured | met? |', '|---|---|---|', ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.isMet === null ? 'n/a' : t.isMet ? 'yes' : 'NO'} |`)].join('\n');
}

// --- SVG ---

export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(
  summaries: readonly Summary[],
  clients: readonly { name: string; label: string }[],
  workloads: readonly string[],
  value: (s: Summary) => number,
  title: string,
  unitLabel: string,
  y0: number,
  width: number,
  height: number,
): string {
  const left = 70;
  const right = 20;
  const top = y0 + 30;
  const plotH = height - 70;
  const plotW = width - left - right;
  const vals = summaries.filter((s) => !s.skipped).map(value).filter(Number.isFinite);
  const max = niceMax(Math.max(0, ...vals));
  const out: string[] = [];
  out.push(`<text x="${left}" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    const label = v >= 1000 ? `${(v / 1000).toLocaleString('en-US')}k` : `${Number(v.toPrecision(3))}`;
    out.push(`<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${label}</text>`);
  }
  out.push(`<text x="14" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(unitLabel)}</text>`);
  const groupW = plotW / workloads.length;
  const barW = Math.max(3, (groupW - 14) / clients.length);
  workloads.forEach((w, wi) => {
    const gx = left + wi * groupW + 7;
    clients.forEach((c, ci) => {
      const s = summaries.find((x) => x.client === c.name && x.workload === w);
      const v = s && !s.skipped ? value(s) : NaN;
      const x = gx + ci * barW;
      if (Number.isFinite(v)) {
        const h = (plotH * v) / max;
        out.push(`<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[ci % COLORS.length]}"><title>${esc(`${c.label} ${w}: ${Number(v.toPrecision(4)).toLocaleString('en-US')} ${unitLabel}`)}</title></rect>`);
      } else {
        out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH - 3}" font-size="8" text-anchor="middle" fill="#999">n/a</text>`);
      }
    });
    out.push(`<text x="${(gx + (groupW - 14) / 2).toFixed(1)}" y="${top + plotH + 16}" font-size="12" text-anchor="middle">${esc(w)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  return out.join('\n');
}

/** Two panels (records/s, and client CPU microseconds per record) grouped by workload, bars by client. */
export function svgChart(summaries: readonly Summary[], clients: readonly { name: string; label: string }[], workloads: readonly string[], subtitle: string): string {
  const width = 980;
  const panelH = 300;
  const legendH = 24 * Math.ceil(clients.length / 4) + 10;
  const height = 50 + 2 * panelH + legendH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" font-size="17" text-anchor="middle" font-weight="bold">kafka-wire and peers: producer throughput and client CPU</text>`);
  parts.push(`<text x="${width / 2}" y="40" font-size="12" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);
  parts.push(panel(summaries, clients, workloads, (s) => s.recordsPerSecond, 'Throughput (median of rounds; higher is better)', 'records/s', 45, width, panelH));
  // ProducerPerformance's CPU is its whole process (JVM start included), not the timed window
  // the others report: left out of the CPU panel.
  const cpuClients = clients.filter((c) => c.name !== 'java-perf');
  parts.push(panel(summaries, cpuClients, workloads, (s) => s.cpuSecondsPerMillion, 'Client CPU per record (user+sys of the client process while sending; lower is better)', 'µs CPU per record', 45 + panelH, width, panelH));
  const ly = 45 + 2 * panelH + 10;
  clients.forEach((c, i) => {
    const x = 70 + (i % 4) * 225;
    const y = ly + Math.floor(i / 4) * 24;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 12}" font-size="12">${esc(c.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** What run.ts writes to bench/results/<date>-<host>.json (the fields the renderings read). */
export interface ResultsFile {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  broker: string;
  kafkaVersion: string | null;
  versions: Record<string, string>;
  workloads: { id: string }[];
  settings: { rounds: number };
  summaries: Summary[];
  targets: TargetResult[];
  runs: RunRecord[];
}

/** Writes <base>.md (table and targets) and <base>.svg (chart); returns the Markdown. */
export function writeRenderings(base: string, json: ResultsFile): string {
  const clients: { name: string; label: string }[] = [];
  for (const s of json.summaries) if (!clients.some((c) => c.name === s.client)) clients.push({ name: s.client, label: s.label });
  const chartClients = clients.filter((c) => json.summaries.some((s) => s.client === c.name && !s.skipped));
  const m = json.machine;
  const isNull = json.kafkaVersion === null;
  const subtitle = `${isNull ? 'null broker' : `Kafka ${json.kafkaVersion}, 1 local broker`}; ${m.nproc} CPUs ${m.cpu}; node ${String(m.node).replace(/^v/, '')}; median of ${json.settings.rounds} round(s); ${json.date.slice(0, 10)}`;
  fs.writeFileSync(`${base}.svg`, svgChart(json.summaries, chartClients, json.workloads.map((w) => w.id), subtitle));
  const md = [
    `Command: \`${json.command}\` (${json.date.slice(0, 16).replace('T', ' ')} UTC). Broker: ${json.broker}.`,
    '',
    `Clients: ${Object.entries(json.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    markdownTable(json.summaries),
    '',
    targetsTable(json.targets),
    '',
  ].join('\n');
  fs.writeFileSync(`${base}.md`, md);
  return md;
}
