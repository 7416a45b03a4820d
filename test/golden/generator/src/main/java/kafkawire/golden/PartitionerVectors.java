package kafkawire.golden;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Section C: murmur2 of key bytes and the partition the Java producer's built-in partitioner
 * picks for that key, for several partition counts.
 */
final class PartitionerVectors {
    static final int[] PARTITION_COUNTS = {1, 2, 3, 6, 10, 12, 100, 1000};
    static final long SEED = 20261127L;
    static final int RANDOM_ROWS = 10_000;

    private PartitionerVectors() {
    }

    static void generate(Path dir) {
        List<byte[]> keys = new ArrayList<>();
        // The keys of kafka-clients' UtilsTest.testMurmur2 first.
        for (String s : new String[] {"21", "foobar", "a-little-bit-long-string", "a-little-bit-longer-string",
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"}) {
            keys.add(s.getBytes(StandardCharsets.UTF_8));
        }
        keys.add(new byte[] {'a', 'b', 'c'});

        Random rnd = new Random(SEED);
        for (int i = 0; i < RANDOM_ROWS; i++) {
            // Lengths 0..64, with extra weight on the short keys (0..8) where the tail
            // handling of murmur2 matters most.
            int len = rnd.nextInt(10) < 4 ? rnd.nextInt(9) : rnd.nextInt(65);
            byte[] key = new byte[len];
            rnd.nextBytes(key);
            keys.add(key);
        }

        StringBuilder sb = new StringBuilder("key_hex\tmurmur2");
        for (int n : PARTITION_COUNTS) {
            sb.append("\tp").append(n);
        }
        sb.append('\n');
        for (byte[] key : keys) {
            int hash = Utils.murmur2(key);
            sb.append(Out.hex(key)).append('\t').append(hash);
            for (int n : PARTITION_COUNTS) {
                int p = BuiltInPartitioner.partitionForKey(key, n);
                if (p != Utils.toPositive(hash) % n) {
                    throw new IllegalStateException("partitionForKey disagrees with toPositive(murmur2) % n");
                }
                sb.append('\t').append(p);
            }
            sb.append('\n');
        }
        Out.writeText(dir.resolve("murmur2.tsv"), sb.toString());
    }
}
