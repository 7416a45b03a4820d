package kafkawire.bench;

import java.nio.charset.StandardCharsets;

/**
 * The records every bench sends, made the same way as bench/data.ts makes them, so that the
 * Java and the TypeScript sides encode the same bytes: keys "key-" and 12 digits (16 B),
 * values of letters drawn by a seeded xorshift32 generator (about 2:1 compressible).
 */
final class BenchData {
    private BenchData() {}

    /** Distinct keys and values; record i uses key i % KEY_COUNT and value i % VALUE_COUNT. */
    static final int KEY_COUNT = 1024;
    static final int VALUE_COUNT = 1024;
    static final int SEED = 0x6b77_6272;

    static byte[][] keys() {
        return keys(KEY_COUNT);
    }

    /** `count` keys (bench/data.ts benchKeys(count)). */
    static byte[][] keys(int count) {
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) keys[i] = String.format("key-%012d", i).getBytes(StandardCharsets.US_ASCII);
        return keys;
    }

    /** VALUE_COUNT values of `size` bytes: 'a' + (next() & 15), one generator over all of them. */
    static byte[][] values(int size) {
        return values(size, VALUE_COUNT);
    }

    /** `count` values (bench/data.ts benchValues(size, count)): the first `count` of the larger set. */
    static byte[][] values(int size, int count) {
        int x = SEED;
        byte[][] values = new byte[count][];
        for (int v = 0; v < count; v++) {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) {
                x ^= x << 13;
                x ^= x >>> 17;
                x ^= x << 5;
                b[i] = (byte) ('a' + (x & 15));
            }
            values[v] = b;
        }
        return values;
    }
}
