package kafkawire.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One bench/e2e workload through the Java client's KafkaProducer, driven the way
 * ProducerPerformance drives it (send() with a callback, never waiting on a future, flush at
 * the end; with a rate, sends paced as its throttler does), plus keys, which
 * ProducerPerformance cannot send. Prints one JSON line with the same fields as the Node
 * drivers (bench/e2e/driver.ts).
 *
 *   java -cp ... kafkawire.bench.E2eProducer bootstrap=H:P topic=T records=N size=B
 *        keyed=true|false compression=none|lz4|zstd rate=R(records/s, 0 = as fast as possible)
 *        latency=true|false  [transactionalId=ID commitEveryMs=M]  [prop.X=Y ...]
 *
 * With transactionalId, the records go in transactions: initTransactions() and a first
 * transaction around the warm-up record, then a commitTransaction() (which blocks the sending
 * thread until the commit is done) whenever commitEveryMs have passed since the open
 * transaction began, checked before each send(); the last transaction is committed at the end
 * (in place of flush()). The commits of the timed part and how long each took are reported.
 *
 * CPU is the whole JVM's (every thread: sender, JIT, GC) from the first timed send() to the
 * end of flush(), as OperatingSystemMXBean reports it; peak RSS is VmHWM.
 */
public final class E2eProducer {
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : argv) {
            int eq = s.indexOf('=');
            a.put(s.substring(0, eq), s.substring(eq + 1));
        }
        String topic = a.get("topic");
        int records = Integer.parseInt(a.get("records"));
        int size = Integer.parseInt(a.get("size"));
        boolean keyed = Boolean.parseBoolean(a.getOrDefault("keyed", "true"));
        double rate = Double.parseDouble(a.getOrDefault("rate", "0"));
        boolean latency = Boolean.parseBoolean(a.getOrDefault("latency", "false"));
        String transactionalId = a.get("transactionalId");
        long commitEveryNs = Long.parseLong(a.getOrDefault("commitEveryMs", "100")) * 1_000_000L;

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "16384");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, a.getOrDefault("compression", "none"));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        if (transactionalId != null) props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        for (Map.Entry<String, String> e : a.entrySet()) {
            if (e.getKey().startsWith("prop.")) props.put(e.getKey().substring(5), e.getValue());
        }

        byte[][] keys = BenchData.keys();
        byte[][] values = BenchData.values(size);
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong errors = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        int[] latencyUs = latency ? new int[records] : null;

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            // Connection, metadata and producer id first, as every driver does.
            if (transactionalId != null) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            producer.send(new ProducerRecord<>(topic, keyed ? keys[0] : null, values[0])).get();
            long[] commitNs = transactionalId != null ? new long[records / 16 + 64] : null;
            int commits = 0;
            long txnBegan = 0;
            if (transactionalId != null) {
                producer.commitTransaction();
                producer.beginTransaction();
                txnBegan = System.nanoTime();
            }
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            org.apache.kafka.clients.producer.Callback shared = (md, err) -> {
                if (err != null) errors.incrementAndGet();
                else acked.incrementAndGet();
            };
            for (int i = 0; i < records; i++) {
                if (commitNs != null) {
                    long now = System.nanoTime();
                    if (now - txnBegan >= commitEveryNs) {
                        producer.commitTransaction();
                        long end = System.nanoTime();
                        if (commits < commitNs.length) commitNs[commits] = end - now;
                        commits++;
                        producer.beginTransaction();
                        txnBegan = end;
                    }
                }
                if (rate > 0) {
                    long due = t0 + (long) (i * 1e9 / rate);
                    long now;
                    while ((now = System.nanoTime()) < due) LockSupport.parkNanos(Math.min(due - now, 1_000_000L));
                }
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, keyed ? keys[i & (BenchData.KEY_COUNT - 1)] : null, values[i & (BenchData.VALUE_COUNT - 1)]);
                if (latencyUs != null) {
                    final int index = i;
                    final long sentAt = System.nanoTime();
                    producer.send(r, (md, err) -> {
                        if (err != null) errors.incrementAndGet();
                        else acked.incrementAndGet();
                        latencyUs[index] = (int) ((System.nanoTime() - sentAt) / 1000);
                    });
                } else {
                    producer.send(r, shared);
                }
            }
            if (commitNs != null) {
                long now = System.nanoTime();
                producer.commitTransaction();
                if (commits < commitNs.length) commitNs[commits] = System.nanoTime() - now;
                commits++;
            } else {
                producer.flush();
            }
            long t1 = System.nanoTime();
            long cpu1 = os.getProcessCpuTime();
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "{\"records\":%d,\"acked\":%d,\"errors\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"peakRssBytes\":%d",
                records, acked.get(), errors.get(), (t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, vmHwmBytes()));
            out.append(",\"client\":\"java\",\"version\":\"").append(org.apache.kafka.common.utils.AppInfoParser.getVersion()).append('"');
            out.append(",\"runtime\":\"java ").append(System.getProperty("java.version")).append('"');
            if (latencyUs != null) {
                int[] sorted = latencyUs.clone();
                Arrays.sort(sorted);
                out.append(String.format(Locale.ROOT, ",\"latencyMs\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
                    pct(sorted, 0.5) / 1000.0, pct(sorted, 0.99) / 1000.0, pct(sorted, 0.999) / 1000.0, sorted[sorted.length - 1] / 1000.0));
            }
            if (commitNs != null) {
                long[] sorted = Arrays.copyOf(commitNs, Math.min(commits, commitNs.length));
                Arrays.sort(sorted);
                out.append(String.format(Locale.ROOT, ",\"commits\":{\"count\":%d,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f}",
                    commits, pct(sorted, 0.5) / 1e6, pct(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6));
            }
            out.append('}');
            System.out.println(out);
        }
    }

    /** Nearest-rank percentile of ascending values. */
    static double pct(int[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double pct(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static long vmHwmBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
            }
        } catch (Exception e) {
            // not Linux: no figure
        }
        return -1;
    }
}
