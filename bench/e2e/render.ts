/**
 * Renders a bench/e2e results file again: the medians, targets, Markdown and SVG from its
 * runs, with the current report code (after a change to the report, without running again).
 *
 *   npx tsx bench/e2e/render.ts bench/results/<date>-<host>.json
 */
import * as fs from 'node:fs';
import { judgeTargets, ResultsFile, summarize, writeRenderings } from './report';

const file = process.argv[2];
if (!file) throw new Error('usage: render.ts RESULTS.json');
const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile & { encodeRecordsPerSecond?: number };
json.summaries = json.summaries.map((s) => (s.skipped && s.rounds === 0 && !s.skipped.startsWith('failed') ? s : summarize(s.client, s.label, s.workload, json.runs.filter((r) => r.client === s.client && r.workload === s.workload))));
json.targets = judgeTargets(json.summaries, { nullBroker: json.kafkaVersion === null, encodeRecordsPerSecond: json.encodeRecordsPerSecond, bufferMemoryBytes: 32 * 1024 * 1024, runs: json.runs });
fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
process.stdout.write(writeRenderings(file.replace(/\.json$/, ''), json));
