/**
 * kafka-wire's record-batch encode rate alone (bench/micro/record-batch.bench.ts's "ours"
 * side, no Java): the ceiling bench/e2e's null-broker target compares W1 with. Run compiled,
 * as a child process: prints {"recordsPerSecond": N}.
 */
import { makeEncoder, RECORDS } from './record-batch.bench';
import { sink } from './harness';

const { encodeAll } = makeEncoder();
const deadline = Date.now() + 1500;
while (Date.now() < deadline) sink.value ^= encodeAll();
const times: number[] = [];
const end = Date.now() + 3000;
while (Date.now() < end) {
  const t0 = process.hrtime.bigint();
  sink.value ^= encodeAll();
  times.push(Number(process.hrtime.bigint() - t0));
}
times.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ recordsPerSecond: (RECORDS * 1e9) / times[times.length >> 1], calls: times.length })}\n`);
