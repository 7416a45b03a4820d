/**
 * Allocations of send(): JS heap growth per record over `records` keyed 100 B sends, in rounds,
 * with flush() and two forced GCs before each round (run with --expose-gc, and a young
 * generation large enough that no scavenge runs during a round:
 * --min-semi-space-size=64 --max-semi-space-size=64). A round during which a GC ran anyway
 * is left out. What is counted is what send() leaves on the heap until its batch is sent:
 * promises and their resolvers, completions, batch bookkeeping.
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 send-alloc.js FORM RECORDS ROUNDS
 *   -> {"form":"callback","bytesPerRecord":N,"rounds":R,"roundsWithGc":G}
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { SendForm, startSendRig } from './send-loop';

async function main(): Promise<void> {
  const [form, recordsArg, roundsArg] = process.argv.slice(2);
  const records = Number(recordsArg ?? 1_000_000);
  const rounds = Number(roundsArg ?? 10);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const rig = await startSendRig();
  const perRound = Math.floor(records / rounds);
  // Warm-up: JIT, pool buffers, batch objects.
  for (let i = 0; i < 5; i++) {
    rig.sendLoop(Math.min(perRound, 20_000), form as SendForm);
    await rig.producer.flush();
  }
  const gcStarts: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcStarts.push(e.startTime);
  });
  obs.observe({ entryTypes: ['gc'] });
  const perRecord: number[] = [];
  let roundsWithGc = 0;
  for (let r = 0; r < rounds; r++) {
    await rig.producer.flush();
    gc();
    gc();
    await new Promise((res) => setImmediate(res));
    const t0 = performance.now();
    const h0 = v8.getHeapStatistics().used_heap_size;
    rig.sendLoop(perRound, form as SendForm);
    const h1 = v8.getHeapStatistics().used_heap_size;
    const t1 = performance.now();
    await new Promise((res) => setTimeout(res, 5)); // the GC entries of the round arrive later
    if (gcStarts.some((t) => t >= t0 && t <= t1)) roundsWithGc++;
    else perRecord.push((h1 - h0) / perRound);
  }
  obs.disconnect();
  await rig.close();
  perRecord.sort((a, b) => a - b);
  const median = perRecord.length > 0 ? perRecord[perRecord.length >> 1] : Number.NaN;
  process.stdout.write(`${JSON.stringify({ form, records: perRound * rounds, bytesPerRecord: median, rounds: perRecord.length, roundsWithGc })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`send-alloc: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
