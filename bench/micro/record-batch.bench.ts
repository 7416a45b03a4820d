/**
 * Record batch encoding: 10,000 records (16 B keys, 100 B values) into 16 KiB batches, CRC
 * included, as the producer does it, against the Java client's MemoryRecordsBuilder doing the
 * same in a warmed-up JVM (bench/java EncodeBench), measured in the same run, rounds
 * alternating. Both sides reuse one batch.size buffer (the buffer pool's free list), check room
 * with the record's exact size before each append, set the idempotent producer state and close
 * each full batch (header and CRC-32C). Same bytes on both sides (bench/data.ts).
 *
 * Figures are records/s; the ratio is ours / Java. Target >= 1.0x (issue 4).
 */
import { RecordBatchBuilder } from '../../src/protocol/records/record-batch-builder';
import { CRC_OFFSET } from '../../src/protocol/records/record-batch-layout';
import { exactRecordSize } from '../../src/producer/producer-batch';
import { benchKeys, benchValues, KEY_COUNT, VALUE_COUNT } from '../data';
import { BenchOptions, Comparison, measure, Measurement, sink } from './harness';
import { JavaEncoder } from './java-encoder';
import { CaseResult, caseResult } from './report';

export const RECORDS = 10_000;
export const BATCH_SIZE = 16 * 1024;
const BASE_TS = 1_700_000_000_000;
const PRODUCER_ID = 1000;

/** One call: every record into 16 KiB batches; returns a fold of the batch CRCs. */
export function makeEncoder(): { encodeAll: () => number; batchesPerCall: () => number } {
  const keys = benchKeys();
  const values = benchValues(100);
  const buffer = Buffer.allocUnsafe(BATCH_SIZE);
  let batches = 0;
  const encodeAll = (): number => {
    let acc = 0;
    let sequence = 0;
    batches = 0;
    let builder = new RecordBatchBuilder(buffer);
    let firstTs = BASE_TS;
    for (let i = 0; i < RECORDS; i++) {
      const ts = BASE_TS + (i >> 4);
      const key = keys[i & (KEY_COUNT - 1)];
      const value = values[i & (VALUE_COUNT - 1)];
      const n = builder.recordCount;
      if (n > 0 && builder.sizeInBytes + exactRecordSize(n, ts - firstTs, key, value, 1) > BATCH_SIZE) {
        builder.setProducerState(PRODUCER_ID, 0, sequence);
        sequence += n;
        acc ^= builder.close().readInt32BE(CRC_OFFSET);
        batches++;
        builder = new RecordBatchBuilder(buffer);
      }
      if (builder.recordCount === 0) firstTs = ts;
      builder.append(ts, key, value, null, 1);
    }
    builder.setProducerState(PRODUCER_ID, 0, sequence);
    acc ^= builder.close().readInt32BE(CRC_OFFSET);
    batches++;
    return acc;
  };
  return { encodeAll, batchesPerCall: () => batches };
}

export async function run(options: BenchOptions): Promise<CaseResult[]> {
  const { encodeAll, batchesPerCall } = makeEncoder();
  const ours = () => (sink.value ^= encodeAll());
  const java = await JavaEncoder.start();
  try {
    // C2 needs a few seconds of the loop; ours gets the same warm-up budget.
    const warmMs = options.isSmoke ? 100 : 3000;
    await java.warmup(warmMs);
    await measure(ours, RECORDS, { ...options, timeMs: warmMs });
    const oursRounds: Measurement[] = [];
    const baselineRounds: Measurement[] = [];
    let javaBatches = 0;
    for (let round = 0; round < Math.max(1, options.rounds); round++) {
      const javaRound = async () => {
        const m = await java.measure(options.timeMs, RECORDS);
        javaBatches = m.batches;
        baselineRounds.push(m);
      };
      if (round % 2 === 0) {
        oursRounds.push(await measure(ours, RECORDS, options, true));
        await javaRound();
      } else {
        await javaRound();
        oursRounds.push(await measure(ours, RECORDS, options, true));
      }
    }
    encodeAll();
    if (javaBatches !== batchesPerCall()) {
      throw new Error(`the two sides made different batches: ours ${batchesPerCall()}, Java ${javaBatches}`);
    }
    const cmp: Comparison = { oursRounds, baselineRounds };
    return [
      caseResult(
        {
          bench: 'record-batch',
          name: `encode 10k x 100 B into 16 KiB batches (${batchesPerCall()} batches)`,
          unit: 'records/s',
          baselineName: 'Java MemoryRecordsBuilder (kafka-clients 4.1.1, warm JVM)',
          target: 1.0,
        },
        cmp,
      ),
    ];
  } finally {
    await java.close();
  }
}
