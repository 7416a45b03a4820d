/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as record batch v2 uses.
 * Slicing-by-8 over eight 256-entry tables: about twice the speed of a byte-at-a-time loop.
 */

const POLY = 0x82f63b78;
const T = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let t = 1; t < 8; t++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/**
 * CRC-32C of `buf[start, end)`, continuing from `crc` (0 to start). Returns an unsigned 32-bit
 * value. Taking offsets avoids a subarray() view per call.
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc;
  let i = start;
  const stop8 = end - ((end - start) & 7);
  while (i < stop8) {
    const lo = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      T[1792 + (lo & 0xff)] ^
      T[1536 + ((lo >>> 8) & 0xff)] ^
      T[1280 + ((lo >>> 16) & 0xff)] ^
      T[1024 + (lo >>> 24)] ^
      T[768 + buf[i + 4]] ^
      T[512 + buf[i + 5]] ^
      T[256 + buf[i + 6]] ^
      T[buf[i + 7]];
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
