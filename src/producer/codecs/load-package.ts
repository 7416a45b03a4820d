/**
 * Loading the third-party codec packages (snappy-wasm, lz4-wasm-nodejs, @foxglove/wasm-zstd).
 *
 * Each package is required lazily, on first use or from loadCodecs(), never at import: a
 * producer that only uses gzip (or none) never loads them, and a broken install fails with a
 * message naming the package instead of breaking `import 'kafka-wire'`. The packages are typed
 * here with only the functions we call, so this project type-checks without their own typings.
 */
import { KafkaError } from '../../protocol/errors';

/** Thrown when a codec's package cannot be loaded or has not finished its asynchronous setup. */
export function codecUnavailable(codec: string, detail: string, cause?: unknown): KafkaError {
  return new KafkaError(`The ${codec} codec is not available: ${detail}`, {
    code: 'ERR_KAFKA_CODEC_UNAVAILABLE',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** `require(packageName)`, turning a failure into a KafkaError that names the codec and package. */
export function requireCodecPackage<T>(codec: string, packageName: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(packageName) as T;
  } catch (err) {
    throw codecUnavailable(codec, `cannot load the package "${packageName}" (${(err as Error).message})`, err);
  }
}

/** A Buffer over the same memory as `u` (no copy). */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
