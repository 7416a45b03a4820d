package kafkawire.bench;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Record batch encoding with the Java client's MemoryRecordsBuilder, as its producer does it:
 * records go into a batch.size (16 KiB) buffer reused from call to call (the BufferPool's
 * free list), each append preceded by hasRoomFor(); a full batch gets the idempotent
 * producer state and is closed (header and CRC-32C written).
 *
 * One call encodes RECORDS records. The JVM stays up and is driven over stdin, one line per
 * measurement, so its rounds can alternate with the TypeScript side's in the same run:
 *
 *   warmup MS      run calls for MS milliseconds, answer {"ok":true}
 *   measure MS     run calls for at least MS ms (and 3 calls), answer
 *                  {"calls":N,"medianNs":...,"meanNs":...,"batches":B,"bytes":X}
 *   quit
 */
public final class EncodeBench {
    static final int RECORDS = 10_000;
    static final int KEY_SIZE = 16;
    static final int VALUE_SIZE = 100;
    static final int BATCH_SIZE = 16 * 1024;
    static final long BASE_TS = 1_700_000_000_000L;
    static final long PRODUCER_ID = 1000L;
    static final short PRODUCER_EPOCH = 0;
    private static final Header[] NO_HEADERS = new Header[0];

    private final byte[][] keys = BenchData.keys();
    private final byte[][] values = BenchData.values(VALUE_SIZE);
    private final ByteBuffer buffer = ByteBuffer.allocate(BATCH_SIZE);
    private long sink;
    private int batchesPerCall;
    private long bytesPerCall;

    /** Encodes RECORDS records into as many 16 KiB batches as they need. */
    long encodeAll() {
        long acc = 0;
        int batches = 0;
        long bytes = 0;
        int sequence = 0;
        MemoryRecordsBuilder builder = newBuilder();
        for (int i = 0; i < RECORDS; i++) {
            long ts = BASE_TS + (i >> 4);
            byte[] key = keys[i & (BenchData.KEY_COUNT - 1)];
            byte[] value = values[i & (BenchData.VALUE_COUNT - 1)];
            if (!builder.hasRoomFor(ts, key, value, NO_HEADERS)) {
                int n = builder.numRecords();
                builder.setProducerState(PRODUCER_ID, PRODUCER_EPOCH, sequence, false);
                sequence += n;
                MemoryRecords records = builder.build();
                acc += records.buffer().getInt(17); // the CRC
                bytes += records.sizeInBytes();
                batches++;
                builder = newBuilder();
            }
            builder.append(ts, key, value, NO_HEADERS);
        }
        builder.setProducerState(PRODUCER_ID, PRODUCER_EPOCH, sequence, false);
        MemoryRecords records = builder.build();
        acc += records.buffer().getInt(17);
        bytes += records.sizeInBytes();
        batches++;
        batchesPerCall = batches;
        bytesPerCall = bytes;
        return acc;
    }

    private MemoryRecordsBuilder newBuilder() {
        buffer.clear();
        // As RecordAccumulator: magic v2, CREATE_TIME, base offset 0, writeLimit = batch.size.
        return MemoryRecords.builder(buffer, RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, TimestampType.CREATE_TIME, 0L);
    }

    String measure(long ms, boolean answerStats) {
        long[] times = new long[1 << 16];
        int n = 0;
        long start = System.nanoTime();
        long deadline = start + ms * 1_000_000L;
        while (n < times.length && (n < 3 || System.nanoTime() < deadline)) {
            long t0 = System.nanoTime();
            sink += encodeAll();
            times[n++] = System.nanoTime() - t0;
        }
        if (!answerStats) return "{\"ok\":true}";
        long[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        double sum = 0;
        for (long t : sorted) sum += t;
        return String.format(java.util.Locale.ROOT,
            "{\"calls\":%d,\"medianNs\":%.1f,\"meanNs\":%.1f,\"batches\":%d,\"bytes\":%d,\"sink\":%d}",
            n, median, sum / n, batchesPerCall, bytesPerCall, sink & 1);
    }

    public static void main(String[] args) throws Exception {
        EncodeBench bench = new EncodeBench();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"ready\":true,\"java\":\"" + System.getProperty("java.version") + "\"}");
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] parts = line.trim().split("\\s+");
            if (parts[0].equals("quit")) break;
            long ms = parts.length > 1 ? Long.parseLong(parts[1]) : 100;
            System.out.println(bench.measure(ms, parts[0].equals("measure")));
            System.out.flush();
        }
    }
}
