/**
 * The snappy, lz4 and zstd codecs, registered with the record batch layer (gzip is built into
 * it). Importing this module registers all three; their packages load lazily. Call
 * `await loadCodecs()` once before producing (the producer does it when it starts): it loads the
 * packages, so a broken install fails there rather than when a batch closes, and completes the
 * one asynchronous step, zstd's WASM compilation. After that every codec is synchronous.
 *
 * Who may call: loadCodecs() from producer start-up or tests; codecsReady() from anywhere.
 */
import { registerCodec, type CompressionName } from '../../protocol/records/compression';
import { LZ4_PACKAGE, lz4Blocks, lz4Codec } from './lz4';
import { SNAPPY_PACKAGE, snappyBlocks, snappyCodec } from './snappy';
import { ZSTD_PACKAGE, isZstdReady, loadZstd, zstdCodec } from './zstd';

export { snappyCodec } from './snappy';
export { lz4Codec } from './lz4';
export { zstdCodec, ZSTD_DEFAULT_LEVEL } from './zstd';

/** The codecs this module adds, and the npm package behind each. */
export const CODEC_PACKAGES: Readonly<Record<'snappy' | 'lz4' | 'zstd', string>> = Object.freeze({
  snappy: SNAPPY_PACKAGE,
  lz4: LZ4_PACKAGE,
  zstd: ZSTD_PACKAGE,
});

type ExternalCodecName = keyof typeof CODEC_PACKAGES;
const ALL: readonly ExternalCodecName[] = ['snappy', 'lz4', 'zstd'];

// Registered here as well as in each codec's own module, so that a bundler honouring
// "sideEffects": false, which may drop a bare `import './snappy'`, still keeps them.
registerCodec(snappyCodec);
registerCodec(lz4Codec);
registerCodec(zstdCodec);

const loaded = new Set<ExternalCodecName>();

function selected(names: readonly CompressionName[] | undefined): ExternalCodecName[] {
  return (names ?? ALL).filter((n): n is ExternalCodecName => n in CODEC_PACKAGES);
}

/**
 * Loads the packages of the named codecs (default: snappy, lz4 and zstd; 'none' and 'gzip' need
 * nothing) and finishes their asynchronous set-up. Rejects with ERR_KAFKA_CODEC_UNAVAILABLE
 * naming the package that failed. Safe to call more than once, and concurrently.
 */
export async function loadCodecs(names?: readonly CompressionName[]): Promise<void> {
  for (const name of selected(names)) {
    if (loaded.has(name)) continue;
    if (name === 'snappy') snappyBlocks();
    else if (name === 'lz4') lz4Blocks();
    else await loadZstd();
    loaded.add(name);
  }
}

/**
 * Whether loadCodecs() has finished for the named codecs (default: all three). snappy and lz4
 * also work without it (they load on first use); zstd does not.
 */
export function codecsReady(names?: readonly CompressionName[]): boolean {
  return selected(names).every((name) => (name === 'zstd' ? isZstdReady() : loaded.has(name)));
}
