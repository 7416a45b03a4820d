/**
 * Decoders fed seeded random mutations of real responses (the Java-made golden vectors) must
 * either decode or throw MalformedResponseError: never another error, a hang, or a huge
 * allocation. `FUZZ_CASES` sets the mutations per vector (npm run fuzz uses many more).
 */
import { MalformedResponseError } from '../../../src/protocol/errors';
import { decodeApiVersionsResponse } from '../../../src/protocol/messages/api-versions';
import { decodeInitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse } from '../../../src/protocol/messages/metadata';
import { decodeProduceResponse } from '../../../src/protocol/messages/produce';
import { decodeSaslAuthenticateResponse } from '../../../src/protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse } from '../../../src/protocol/messages/sasl-handshake';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { Reader } from '../../../src/protocol/reader';
import { listVectors, readHex } from '../../golden/golden-support';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CASES = Number(process.env.FUZZ_CASES ?? 150);

const decoders: [string, (r: Reader, v: number) => unknown][] = [
  ['api-versions', decodeApiVersionsResponse],
  ['metadata', decodeMetadataResponse],
  ['produce', decodeProduceResponse],
  ['init-producer-id', decodeInitProducerIdResponse],
  ['sasl-handshake', decodeSaslHandshakeResponse],
  ['sasl-authenticate', decodeSaslAuthenticateResponse],
];

/** xorshift32: deterministic, so a failure names a reproducible case. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function mutate(src: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    switch (Math.floor(rand() * 6)) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1: // random byte
        if (b.length) b[at] = Math.floor(rand() * 256);
        break;
      case 2: // extreme byte (lengths and counts: -1, 0x7f, 0x80, 0xff)
        if (b.length) b[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(rand() * 4)];
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256), Math.floor(rand() * 256)]), b.subarray(at)]);
        break;
      case 5: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 8)))]);
        break;
    }
  }
  return b;
}

function expectDecodesOrMalformed(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof MalformedResponseError)) {
      throw new Error(`${label}: threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
  }
}

describe.each(decoders)('%s decoder under mutation', (dir, decode) => {
  const vectors = listVectors(dir).filter((v) => v.kind === 'response');
  test(`${CASES} seeded mutations per response vector`, () => {
    let seed = 1;
    for (const vec of vectors) {
      const bytes = readHex(vec.hexPath);
      const rand = rng(seed++ * 2654435761);
      for (let i = 0; i < CASES; i++) {
        const m = mutate(bytes, rand);
        expectDecodesOrMalformed(() => decode(new Reader(m), vec.version), `${vec.name} case ${i}`);
      }
    }
  });
});

test('record batch reader under mutation', () => {
  const dir = path.join(__dirname, '../../golden/records');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.hex') && !/snappy|lz4|zstd/.test(f));
  const rand = rng(99);
  for (const f of files) {
    const bytes = readHex(path.join(dir, f));
    for (let i = 0; i < CASES; i++) {
      const m = mutate(bytes, rand);
      expectDecodesOrMalformed(() => decodeRecordBatches(m), `${f} case ${i}`);
    }
  }
});
