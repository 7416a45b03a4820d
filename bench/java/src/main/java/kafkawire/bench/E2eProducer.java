package kafkawire.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
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
 *        [lingerMs=5] [durationMs=D] [topics=T1,T2,...] [keyCount=1024] [valueCount=1024]
 *        [producers=1] [appThreads=one|per-producer]
 *
 * With durationMs (unpaced runs without latency), records are handed over for that long from
 * the first timed send() (the clock is read every 16 records), then flushed; `records` is a
 * cap and the result counts the records handed over. Record i goes to topics[i % T] (default
 * [topic]) with key i % keyCount and value i % valueCount (bench/data.ts makes the same bytes).
 *
 * With producers=N, N KafkaProducers live in this JVM, each with its own buffer.memory and
 * sender thread; record i goes through producer i % N. appThreads=one (the default): one
 * application thread calls send() on each in turn, as the single Node thread does;
 * per-producer: thread t sends records t, t + N, ... through producer t. Transactions and
 * latency take one producer.
 *
 * The result also carries the producers' own figures: records per Produce request (the
 * records-per-request-avg metric; over N producers, their records over their requests, each
 * producer's requests being record-send-total / records-per-request-avg) and batch-size-avg
 * (the mean of the producers'). metrics.sample.window.ms is raised to 10 minutes so that
 * these windowed averages cover the whole run (the default two 30 s samples would drop the
 * start of a run longer than a minute).
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
        long durationNs = rate > 0 ? 0 : Long.parseLong(a.getOrDefault("durationMs", "0")) * 1_000_000L;
        String[] topics = a.containsKey("topics") ? a.get("topics").split(",") : new String[] {topic};
        int keyCount = Integer.parseInt(a.getOrDefault("keyCount", String.valueOf(BenchData.KEY_COUNT)));
        int valueCount = Integer.parseInt(a.getOrDefault("valueCount", String.valueOf(BenchData.VALUE_COUNT)));
        int producerCount = Integer.parseInt(a.getOrDefault("producers", "1"));
        boolean threadPerProducer = "per-producer".equals(a.getOrDefault("appThreads", "one"));
        if (Integer.bitCount(keyCount) != 1 || Integer.bitCount(valueCount) != 1) throw new IllegalArgumentException("keyCount and valueCount must be powers of 2");
        if (producerCount < 1) throw new IllegalArgumentException("producers must be >= 1");
        if (producerCount > 1 && (transactionalId != null || latency)) throw new IllegalArgumentException("transactions and latency take one producer");
        if (durationNs > 0 && latency) throw new IllegalArgumentException("durationMs applies to runs without latency");

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, a.getOrDefault("lingerMs", "5"));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "16384");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, a.getOrDefault("compression", "none"));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.METRICS_SAMPLE_WINDOW_MS_CONFIG, "600000");
        if (transactionalId != null) props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        for (Map.Entry<String, String> e : a.entrySet()) {
            if (e.getKey().startsWith("prop.")) props.put(e.getKey().substring(5), e.getValue());
        }

        byte[][] keys = BenchData.keys(keyCount);
        byte[][] values = BenchData.values(size, valueCount);
        int keyMask = keyCount - 1;
        int valueMask = valueCount - 1;
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong errors = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        int[] latencyUs = latency ? new int[records] : null;

        List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
        try {
            for (int n = 0; n < producerCount; n++) {
                Properties p = (Properties) props.clone();
                if (producerCount > 1) p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-java-" + n);
                producers.add(new KafkaProducer<>(p));
            }
            KafkaProducer<byte[], byte[]> producer = producers.get(0);
            // Connection, metadata and producer id first, as every driver does: one record
            // through every producer to every topic.
            if (transactionalId != null) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            List<Future<?>> warm = new ArrayList<>();
            for (KafkaProducer<byte[], byte[]> p : producers) {
                for (String t : topics) warm.add(p.send(new ProducerRecord<>(t, keyed ? keys[0] : null, values[0])));
            }
            for (Future<?> f : warm) f.get();
            long[] commitNs = transactionalId != null ? new long[256] : null; // grows
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
            long sent;
            if (threadPerProducer && producerCount > 1) {
                // Thread t: records t, t + N, ... through producer t, until the cap or the deadline.
                long[] counts = new long[producerCount];
                Thread[] threads = new Thread[producerCount];
                for (int n = 0; n < producerCount; n++) {
                    final int id = n;
                    threads[n] = new Thread(() -> {
                        KafkaProducer<byte[], byte[]> p = producers.get(id);
                        long c = 0;
                        for (int i = id; i < records; i += producerCount) {
                            if (durationNs > 0 && (c & 15) == 0 && System.nanoTime() - t0 >= durationNs) break;
                            p.send(new ProducerRecord<>(topics[i % topics.length], keyed ? keys[i & keyMask] : null, values[i & valueMask]), shared);
                            c++;
                        }
                        counts[id] = c;
                    }, "bench-app-" + n);
                    threads[n].start();
                }
                sent = 0;
                for (int n = 0; n < producerCount; n++) {
                    threads[n].join();
                    sent += counts[n];
                }
            } else {
                int i = 0;
                for (; i < records; i++) {
                    if (durationNs > 0 && (i & 15) == 0 && System.nanoTime() - t0 >= durationNs) break;
                    if (commitNs != null) {
                        long now = System.nanoTime();
                        if (now - txnBegan >= commitEveryNs) {
                            producer.commitTransaction();
                            long end = System.nanoTime();
                            if (commits == commitNs.length) commitNs = Arrays.copyOf(commitNs, commits * 2);
                            commitNs[commits++] = end - now;
                            producer.beginTransaction();
                            txnBegan = end;
                        }
                    }
                    if (rate > 0) {
                        long due = t0 + (long) (i * 1e9 / rate);
                        long now;
                        while ((now = System.nanoTime()) < due) LockSupport.parkNanos(Math.min(due - now, 1_000_000L));
                    }
                    KafkaProducer<byte[], byte[]> p = producerCount == 1 ? producer : producers.get(i % producerCount);
                    String t = topics.length == 1 ? topic : topics[i % topics.length];
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(t, keyed ? keys[i & keyMask] : null, values[i & valueMask]);
                    if (latencyUs != null) {
                        final int index = i;
                        final long sentAt = System.nanoTime();
                        p.send(r, (md, err) -> {
                            if (err != null) errors.incrementAndGet();
                            else acked.incrementAndGet();
                            latencyUs[index] = (int) ((System.nanoTime() - sentAt) / 1000);
                        });
                    } else {
                        p.send(r, shared);
                    }
                }
                sent = i;
            }
            if (commitNs != null) {
                long now = System.nanoTime();
                producer.commitTransaction();
                if (commits == commitNs.length) commitNs = Arrays.copyOf(commitNs, commits * 2);
                commitNs[commits++] = System.nanoTime() - now;
            } else {
                for (KafkaProducer<byte[], byte[]> p : producers) p.flush();
            }
            long t1 = System.nanoTime();
            long cpu1 = os.getProcessCpuTime();
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "{\"records\":%d,\"acked\":%d,\"errors\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"peakRssBytes\":%d",
                sent, acked.get(), errors.get(), (t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, vmHwmBytes()));
            out.append(",\"client\":\"java\",\"version\":\"").append(org.apache.kafka.common.utils.AppInfoParser.getVersion()).append('"');
            out.append(",\"runtime\":\"java ").append(System.getProperty("java.version")).append('"');
            if (latencyUs != null) {
                int[] sorted = latencyUs.clone();
                Arrays.sort(sorted);
                out.append(String.format(Locale.ROOT, ",\"latencyMs\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
                    pct(sorted, 0.5) / 1000.0, pct(sorted, 0.99) / 1000.0, pct(sorted, 0.999) / 1000.0, sorted[sorted.length - 1] / 1000.0));
            }
            if (commitNs != null) {
                long[] sorted = Arrays.copyOf(commitNs, commits);
                Arrays.sort(sorted);
                out.append(String.format(Locale.ROOT, ",\"commits\":{\"count\":%d,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f}",
                    commits, pct(sorted, 0.5) / 1e6, pct(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6));
            }
            out.append(metricsJson(producers));
            out.append('}');
            System.out.println(out);
        } finally {
            for (KafkaProducer<byte[], byte[]> p : producers) p.close();
        }
    }

    /** ",\"metrics\":{...}": records per Produce request and mean batch size, over the producers. */
    static String metricsJson(List<KafkaProducer<byte[], byte[]>> producers) {
        double records = 0;
        double requests = 0;
        double batchSizeSum = 0;
        int batchSizeCount = 0;
        for (KafkaProducer<byte[], byte[]> p : producers) {
            double perRequest = metric(p, "records-per-request-avg");
            double sendTotal = metric(p, "record-send-total");
            double batchSize = metric(p, "batch-size-avg");
            if (perRequest > 0 && sendTotal > 0) {
                records += sendTotal;
                requests += sendTotal / perRequest;
            }
            if (batchSize > 0) {
                batchSizeSum += batchSize;
                batchSizeCount++;
            }
        }
        StringBuilder out = new StringBuilder(",\"metrics\":{");
        boolean first = true;
        if (requests > 0) {
            out.append(String.format(Locale.ROOT, "\"recordsPerRequest\":%.3f,\"produceRequests\":%.0f", records / requests, requests));
            first = false;
        }
        if (batchSizeCount > 0) {
            if (!first) out.append(',');
            out.append(String.format(Locale.ROOT, "\"batchSizeAvg\":%.1f", batchSizeSum / batchSizeCount));
        }
        return out.append('}').toString();
    }

    /** A producer-metrics figure, NaN when absent or not a number. */
    static double metric(KafkaProducer<byte[], byte[]> p, String name) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> e : p.metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
                Object v = e.getValue().metricValue();
                return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
            }
        }
        return Double.NaN;
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
