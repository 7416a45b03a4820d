/**
 * The snappy, lz4 and zstd codecs (src/producer/codecs) on the records region of a batch, as
 * RecordBatchBuilder.close() compresses it, against node:zlib gzip at Java's default level (6),
 * the codec that needs no package. Payloads are record-batch-like: "user-NNNN" keys and JSON
 * values of 150-250 bytes (repeated field names, random ids and amounts), at the default
 * batch.size (16 KiB) and at 1 MiB. Compress and decompress figures are MB/s of uncompressed
 * bytes, MB = 10^6 bytes. docs/codecs.md has the package choice these figures back.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { loadCodecs, lz4Codec, snappyCodec, zstdCodec } from '../../src/producer/codecs';
import type { Codec } from '../../src/protocol/records/compression';
import { RecordBatchBuilder } from '../../src/protocol/records/record-batch-builder';
import { RECORDS_OFFSET } from '../../src/protocol/records/record-batch-layout';
import { BenchOptions, compare, seededRandom, sink } from './harness';
import { CaseResult, caseResult } from './report';

export const SIZES = [16 * 1024, 1024 * 1024] as const;
const GZIP_LEVEL = 6;
const EVENTS = ['page_view', 'add_to_cart', 'checkout', 'login', 'search', 'click', 'purchase', 'logout'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA', 'NL', 'SE'];

/**
 * Targets: each codec's ratio to gzip -6 (or gunzip), set at one half to two thirds of what it
 * measured on a shared 2-core machine (docs/codecs.md), so a miss means a real regression.
 */
const TARGETS: Record<string, { compress: number; decompress: number }> = {
  snappy: { compress: 4, decompress: 1 },
  lz4: { compress: 4, decompress: 0.8 },
  zstd: { compress: 2, decompress: 0.5 },
};

/** The uncompressed records region of a batch of about `size` bytes of record-like data. */
export function recordsRegion(size: number, seed = 0x636f6463): Buffer {
  const next = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[next() % xs.length];
  const builder = new RecordBatchBuilder(size + 1024);
  const baseMs = 1_700_000_000_000;
  for (let i = 0; builder.sizeInBytes - RECORDS_OFFSET < size; i++) {
    const user = `user-${String(next() % 5000).padStart(4, '0')}`;
    const value = JSON.stringify({
      id: next() % 1_000_000_000,
      user,
      event: pick(EVENTS),
      ts: baseMs + i * 7,
      page: `/products/${next() % 100_000}`,
      country: pick(COUNTRIES),
      amount: (next() % 100_000) / 100,
      session: next().toString(16) + next().toString(16),
      ok: next() % 10 !== 0,
    });
    builder.append(baseMs + i * 7, Buffer.from(user), Buffer.from(value), null);
  }
  return Buffer.from(builder.close().subarray(RECORDS_OFFSET, RECORDS_OFFSET + size));
}

function label(size: number): string {
  return size >= 1024 * 1024 ? `${size / (1024 * 1024)} MiB` : `${size / 1024} KiB`;
}

/** Two cases (compress, decompress) per codec and size. */
export async function run(options: BenchOptions): Promise<CaseResult[]> {
  await loadCodecs();
  const codecs: Codec[] = [snappyCodec, lz4Codec, zstdCodec];
  const results: CaseResult[] = [];
  for (const size of SIZES) {
    const data = recordsRegion(size);
    const gzipped = gzipSync(data, { level: GZIP_LEVEL });
    for (const codec of codecs) {
      const compressed = codec.compress(data);
      if (!codec.decompress(compressed).equals(data)) throw new Error(`${codec.name} does not round-trip`);
      const ratio = (data.length / compressed.length).toFixed(2);
      const target = TARGETS[codec.name];
      const compress = await compare(
        () => (sink.value ^= codec.compress(data).length),
        () => (sink.value ^= gzipSync(data, { level: GZIP_LEVEL }).length),
        data.length,
        options,
      );
      results.push(
        caseResult(
          { bench: 'codecs', name: `${codec.name} compress ${label(size)} (ratio ${ratio})`, unit: 'MB/s', baselineName: `gzip -${GZIP_LEVEL} (node:zlib)`, target: target.compress },
          compress,
          1e-6,
        ),
      );
      const decompress = await compare(
        () => (sink.value ^= codec.decompress(compressed).length),
        () => (sink.value ^= gunzipSync(gzipped).length),
        data.length,
        options,
      );
      results.push(
        caseResult(
          { bench: 'codecs', name: `${codec.name} decompress ${label(size)}`, unit: 'MB/s', baselineName: 'gunzip (node:zlib)', target: target.decompress },
          decompress,
          1e-6,
        ),
      );
    }
  }
  return results;
}
