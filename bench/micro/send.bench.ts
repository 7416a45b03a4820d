/**
 * send() cost on the caller: ns per record from send() until the record sits in its batch, no
 * network (a producer whose metadata is known, over an in-process null broker), keyed 100 B
 * records, callback and promise forms. Target <= 250 ns per record (issue 4).
 *
 * The baseline is the floor under send(): encoding the same records into 16 KiB batches,
 * CRC included (record-batch.bench.ts's ours side), so the ratio says how many times that
 * floor send() costs. Samples alternate between the two.
 *
 * Each case also reports allocations per record: JS heap growth over 1M sends (smoke: 20k) in
 * a child process with forced GCs between rounds (send-alloc.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BenchOptions, Comparison, Measurement, sink, summarize } from './harness';
import { makeEncoder, RECORDS } from './record-batch.bench';
import { CaseResult, caseResult } from './report';
import { SendForm, startSendRig } from './send-loop';

const PER_SAMPLE = RECORDS; // 10,000 records per timed loop

/** Heap growth per record of `records` sends in a fresh process. */
export function allocationsPerRecord(form: SendForm, records: number, rounds: number): { bytesPerRecord: number | null; rounds: number; roundsWithGc: number } {
  const compiled = __filename.endsWith('.js');
  const script = path.join(__dirname, compiled ? 'send-alloc.js' : 'send-alloc.ts');
  const loader = compiled ? [] : ['--require', require.resolve('tsx/cjs')];
  const r = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', ...loader, script, form, String(records), String(rounds)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`send-alloc failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function run(options: BenchOptions): Promise<CaseResult[]> {
  const rig = await startSendRig();
  const { encodeAll } = makeEncoder();
  const results: CaseResult[] = [];
  try {
    for (const form of ['callback', 'promise'] as SendForm[]) {
      const timeOne = async (which: 'ours' | 'baseline'): Promise<Measurement> => {
        const times: number[] = [];
        const deadline = Date.now() + options.timeMs;
        while (times.length < 3 || (Date.now() < deadline && times.length < 10_000)) {
          if (which === 'ours') {
            times.push(rig.sendLoop(PER_SAMPLE, form));
            await rig.producer.flush();
          } else {
            const t0 = process.hrtime.bigint();
            sink.value ^= encodeAll();
            times.push(Number(process.hrtime.bigint() - t0));
          }
        }
        return summarize(times, 1e9, PER_SAMPLE);
      };
      if (!options.isSmoke) {
        await timeOne('ours');
        await timeOne('baseline');
      }
      const oursRounds: Measurement[] = [];
      const baselineRounds: Measurement[] = [];
      for (let round = 0; round < Math.max(1, options.rounds); round++) {
        if (round % 2 === 0) {
          oursRounds.push(await timeOne('ours'));
          baselineRounds.push(await timeOne('baseline'));
        } else {
          baselineRounds.push(await timeOne('baseline'));
          oursRounds.push(await timeOne('ours'));
        }
      }
      const cmp: Comparison = { oursRounds, baselineRounds };
      const alloc = options.isSmoke ? allocationsPerRecord(form, 20_000, 2) : allocationsPerRecord(form, 1_000_000, 10);
      const r = caseResult(
        {
          bench: 'send',
          name: `send() ${form} form, keyed 100 B`,
          unit: 'ns/record',
          baselineName: 'encode the same records into batches (CRC incl.)',
          target: 250,
          targetKind: 'max',
        },
        cmp,
      );
      r.detail = `allocates ${alloc.bytesPerRecord === null ? '?' : alloc.bytesPerRecord.toFixed(0)} B/record (JS heap growth, median of ${alloc.rounds} rounds without GC${alloc.roundsWithGc ? `; ${alloc.roundsWithGc} rounds with a GC left out` : ''})`;
      r.bytesPerRecord = alloc.bytesPerRecord ?? Number.NaN;
      results.push(r);
    }
  } finally {
    await rig.close();
  }
  return results;
}
