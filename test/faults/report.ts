/**
 * Prints the rows the fault scenarios appended to RELIABILITY_OUT (one JSON object per line,
 * see support.ts) as the Markdown table of RELIABILITY.md, one table per Kafka version.
 *
 *   RELIABILITY_OUT=reliability.jsonl npm test
 *   npx tsx test/faults/report.ts reliability.jsonl
 */
import * as fs from 'node:fs';
import type { Row } from './support';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx test/faults/report.ts <rows.jsonl>');
  process.exit(2);
}
const rows = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row);

const n = (x: number) => x.toLocaleString('en-US');
const counts = (m: Record<string, number> | undefined) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
const cell = (s: string) => s.replace(/\|/g, '\\|');

rows.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
const versions = [...new Set(rows.map((r) => r.kafkaVersion))].sort().reverse();
for (const version of versions) {
  console.log(`\n### Kafka ${version}\n`);
  console.log('| Scenario | sent | acked | failed | in log | duplicates | reordered | lost | notes |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows.filter((x) => x.kafkaVersion === version)) {
    const notes = [
      r.failed > 0 ? `errors: ${counts(r.errors)}` : '',
      r.failedInLog > 0 ? `${n(r.failedInLog)} failed yet in the log` : '',
      Object.keys(r.retries ?? {}).length > 0 ? `retries: ${counts(r.retries)}` : '',
      r.notes ?? '',
    ]
      .filter(Boolean)
      .join('; ');
    const ok = r.noOutcome === 0 && r.repeatedOutcome === 0 && (r.misplaced ?? 0) === 0;
    console.log(
      `| ${cell(r.scenario)} | ${n(r.sent)} | ${n(r.acked)} | ${n(r.failed)} | ${n(r.inLog)} | ${n(r.duplicates)} | ${n(r.reordered)} | ${n(r.lost)} | ${cell(ok ? notes : `NOT exactly one outcome each (${r.noOutcome} none, ${r.repeatedOutcome} repeated, ${r.misplaced} misplaced); ${notes}`)} |`,
    );
  }
}
