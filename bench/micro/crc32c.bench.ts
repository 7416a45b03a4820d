/**
 * CRC-32C over whole buffers, as the record batch builder runs it over each closed batch,
 * against crc-32's `crc32c.buf`. Sizes: a small batch (1 KiB), the default batch.size
 * (16 KiB) and the default max.request.size (1 MiB). Figures are MB/s, MB = 10^6 bytes.
 */

import { crc32c } from '../../src/protocol/crc32c';
import { BenchOptions, compare, randomBytes, sink } from './harness';
import { CaseResult, caseResult } from './report';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const crc32cBaseline: { buf(data: Uint8Array, seed?: number): number } = require('crc-32/crc32c');

export const SIZES = [1024, 16 * 1024, 1024 * 1024] as const;
/** Each timed call covers at least this many bytes, spread over distinct buffers. */
const BYTES_PER_CALL = 64 * 1024;
const TARGET_RATIO = 1.5;

/** Distinct seeded buffers of `size` bytes, enough of them to make up BYTES_PER_CALL. */
export function makeBuffers(size: number): Buffer[] {
  const count = Math.max(1, Math.ceil(BYTES_PER_CALL / size));
  return Array.from({ length: count }, (_, i) => randomBytes(size, 0x63726333 + size + i));
}

function crcAllOurs(bufs: readonly Buffer[]): number {
  let c = 0;
  for (let i = 0; i < bufs.length; i++) c ^= crc32c(bufs[i]);
  return (sink.value ^= c);
}

function crcAllBaseline(bufs: readonly Buffer[]): number {
  let c = 0;
  for (let i = 0; i < bufs.length; i++) c ^= crc32cBaseline.buf(bufs[i]);
  return (sink.value ^= c);
}

function label(size: number): string {
  return size >= 1024 * 1024 ? `${size / (1024 * 1024)} MiB` : `${size / 1024} KiB`;
}

/** One case per size: MB/s, ours and the baseline's. */
export async function run(options: BenchOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const size of SIZES) {
    const bufs = makeBuffers(size);
    const bytesPerCall = size * bufs.length;
    const cmp = await compare(() => crcAllOurs(bufs), () => crcAllBaseline(bufs), bytesPerCall, options);
    const info = {
      bench: 'crc32c',
      name: label(size),
      unit: 'MB/s' as const,
      baselineName: 'crc-32 crc32c.buf',
      target: TARGET_RATIO,
    };
    results.push(caseResult(info, cmp, 1e-6));
  }
  return results;
}
