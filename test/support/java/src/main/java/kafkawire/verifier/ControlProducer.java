package kafkawire.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The Java client as a control group for fault tests: sends a known sequence at a fixed rate
 * with the producer's defaults (acks=all, idempotence on) except what the spec names, and
 * reports every record's outcome, so a test can measure the Java client on the same fault as
 * kafka-wire.
 *
 * <p>One argument, a JSON spec:
 *
 * <pre>
 * {"bootstrap":"127.0.0.1:9092","topic":"t","records":90000,"ratePerSec":3000,
 *  "runId":"abc123","keys":1000,"partitions":6,"padding":32,"drainMs":20000,
 *  "configs":{"linger.ms":"5"}}
 * </pre>
 *
 * Values are "runId:seq" (plus ":" and padding), as test/faults/support.ts writes them. With
 * keys > 0 each record has the key "key-(seq % keys)" and the default partitioner places it;
 * otherwise the partition is seq % partitions.
 *
 * <p>Transactional mode: with "transactionalId" the producer runs initTransactions() before
 * the start, opens a transaction before the first record it sends, and ends it once it is
 * "commitEveryMs" (default 100) old (checked between paced bursts, every few ms), and after
 * the last record. Every "abortEvery"-th transaction (default 0: none) is aborted instead of
 * committed, after a flush(), so its records are in the log ahead of the abort marker (an
 * abort without it fails the records not yet sent). A commit that fails is followed by an
 * abort; a commit or abort that times out is retried (up to 3 times); when even the abort
 * fails (a fatal error such as a fenced producer) sending stops there.
 *
 * <p>Stdout carries exactly two JSON lines: {"event":"started",...} when the first record is
 * about to be sent (its "atMs" lets the caller time a fault against the workload) and
 * {"event":"done",...} with the counts, the largest gap between consecutive acknowledgements
 * of one partition, and per-record arrays: "atMs" (outcome time minus startedAtMs, -1 when
 * none), "partition", "offset" (-1 when failed), "calls" (callbacks per record, only when some
 * record had other than one) and "failures" ([seq, exception class] pairs). "sent" is the
 * number of records handed to send() (all of them unless a transactional run hit a fatal
 * error) and the per-record arrays have that length. "committedTransactions" and
 * "abortedTransactions" count the transactions (both 0 without transactionalId); in
 * transactional mode the summary also has "initTransactionsMs", "maxCommitMs" and
 * "totalCommitMs" (time in commitTransaction), "abortedRanges" ([fromSeq, toSeq) of every
 * transaction that was not committed, whose records a read_committed consumer does not see,
 * even when their callbacks reported success) and "transactionErrors" (exception class of a
 * failed commit/abort -> count).
 *
 * <p>Every wait is bounded: sending takes records / ratePerSec seconds (plus any blocking in
 * send()), then outcomes are awaited for drainMs, then the producer is closed without grace,
 * which fails what is left.
 */
public final class ControlProducer {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ControlProducer <json spec>");
      System.exit(2);
    }
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), false);
    System.setOut(System.err); // keep library printing off the JSON channel

    JsonNode spec = JSON.readTree(args[0]);
    String topic = spec.path("topic").asText();
    int n = spec.path("records").asInt();
    double rate = spec.path("ratePerSec").asDouble();
    String runId = spec.path("runId").asText();
    int keys = spec.path("keys").asInt(0);
    int partitions = spec.path("partitions").asInt(1);
    int padding = spec.path("padding").asInt(0);
    long drainMs = spec.path("drainMs").asLong(20_000);
    String transactionalId = spec.path("transactionalId").asText("");
    boolean transactional = !transactionalId.isEmpty();
    long commitEveryMs = spec.path("commitEveryMs").asLong(100);
    int abortEvery = spec.path("abortEvery").asInt(0);
    if (topic.isEmpty() || n <= 0 || rate <= 0 || runId.isEmpty()) {
      throw new IllegalArgumentException("spec needs topic, records > 0, ratePerSec > 0 and runId");
    }
    if (commitEveryMs < 0 || abortEvery < 0) throw new IllegalArgumentException("commitEveryMs and abortEvery must be >= 0");

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, spec.path("bootstrap").asText());
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "kafka-wire-control-" + runId);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    JsonNode configs = spec.get("configs");
    if (configs != null) configs.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
    if (transactional) props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);

    String pad = padding > 0 ? ":" + "x".repeat(padding) : "";
    long[] atMs = new long[n];
    int[] partitionOf = new int[n];
    long[] offsetOf = new long[n];
    String[] errorOf = new String[n];
    Arrays.fill(atMs, -1);
    Arrays.fill(partitionOf, -1);
    Arrays.fill(offsetOf, -1);
    AtomicIntegerArray calls = new AtomicIntegerArray(n);
    AtomicInteger settled = new AtomicInteger();
    int sent = 0;

    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
    Transactions txns = transactional ? new Transactions(producer, abortEvery) : null;
    if (txns != null) {
      long t0 = System.currentTimeMillis();
      producer.initTransactions();
      txns.initMs = System.currentTimeMillis() - t0;
    }
    long start = System.currentTimeMillis();
    ObjectNode started = JSON.createObjectNode();
    started.put("event", "started");
    started.put("atMs", start);
    started.put("kafkaClientsVersion", AppInfoParser.getVersion());
    emit(out, started);

    try {
      // Paced like SequenceProducer.paced(): whatever is due by now, then a short sleep.
      while (sent < n) {
        long due = Math.min(n, (long) (rate * (System.currentTimeMillis() - start) / 1000.0));
        while (sent < due) {
          if (txns != null && !txns.open) txns.begin(sent);
          final int seq = sent++;
          byte[] key = keys > 0 ? ("key-" + (seq % keys)).getBytes(StandardCharsets.UTF_8) : null;
          byte[] value = (runId + ":" + seq + pad).getBytes(StandardCharsets.UTF_8);
          ProducerRecord<byte[], byte[]> record =
              keys > 0 ? new ProducerRecord<>(topic, key, value) : new ProducerRecord<>(topic, seq % partitions, null, value);
          try {
            producer.send(
                record,
                (md, err) -> {
                  if (calls.incrementAndGet(seq) != 1) return;
                  atMs[seq] = System.currentTimeMillis() - start;
                  if (md != null) partitionOf[seq] = md.partition();
                  if (err == null) offsetOf[seq] = md.offset();
                  else errorOf[seq] = err.getClass().getSimpleName();
                  settled.incrementAndGet(); // publishes the writes above to the main thread
                });
          } catch (Exception e) {
            // send() threw: that is this record's one outcome.
            calls.incrementAndGet(seq);
            atMs[seq] = System.currentTimeMillis() - start;
            errorOf[seq] = e.getClass().getSimpleName();
            settled.incrementAndGet();
          }
        }
        if (txns != null && txns.open && (sent == n || System.currentTimeMillis() - txns.beganAt >= commitEveryMs)) {
          if (!txns.end(sent)) break; // fatal: the producer can do nothing more
        }
        if (sent < n) Thread.sleep(5);
      }
      long deadline = System.currentTimeMillis() + drainMs;
      while (settled.get() < sent && System.currentTimeMillis() < deadline) Thread.sleep(20);
    } finally {
      // Without grace: records still pending fail now instead of at delivery.timeout.ms.
      producer.close(Duration.ZERO);
    }
    // A forced close completes the rest from its own thread; give those callbacks a moment.
    long closeDeadline = System.currentTimeMillis() + 5_000;
    while (settled.get() < sent && System.currentTimeMillis() < closeDeadline) Thread.sleep(20);

    ObjectNode summary = summary(start, sent, atMs, partitionOf, offsetOf, errorOf, calls);
    summary.put("committedTransactions", txns == null ? 0 : txns.committed);
    summary.put("abortedTransactions", txns == null ? 0 : txns.aborted);
    if (txns != null) txns.report(summary);
    emit(out, summary);
    out.flush();
    System.exit(0);
  }

  private static ObjectNode summary(
      long start, int n, long[] atMs, int[] partitionOf, long[] offsetOf, String[] errorOf, AtomicIntegerArray calls) {
    int acked = 0, failed = 0, noOutcome = 0, repeated = 0;
    Map<String, Integer> errors = new TreeMap<>();
    long firstAck = -1, lastAck = -1;
    // Per partition, the acknowledgement times in order: the longest pause is per partition,
    // since the partitions a dead leader did not lead resume without it and would hide a gap.
    Map<Integer, List<Long>> ackTimes = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      int c = calls.get(i);
      if (c == 0) noOutcome++;
      if (c > 1) repeated++;
      if (c == 0) continue;
      if (errorOf[i] != null) {
        failed++;
        errors.merge(errorOf[i], 1, Integer::sum);
        continue;
      }
      acked++;
      if (firstAck < 0 || atMs[i] < firstAck) firstAck = atMs[i];
      if (atMs[i] > lastAck) lastAck = atMs[i];
      ackTimes.computeIfAbsent(partitionOf[i], p -> new ArrayList<>()).add(atMs[i]);
    }
    long maxGap = 0;
    int maxGapPartition = -1;
    long maxGapFrom = -1;
    for (Map.Entry<Integer, List<Long>> e : ackTimes.entrySet()) {
      List<Long> times = e.getValue();
      Collections.sort(times);
      for (int i = 1; i < times.size(); i++) {
        long gap = times.get(i) - times.get(i - 1);
        if (gap > maxGap) {
          maxGap = gap;
          maxGapPartition = e.getKey();
          maxGapFrom = times.get(i - 1);
        }
      }
    }

    ObjectNode s = JSON.createObjectNode();
    s.put("event", "done");
    s.put("startedAtMs", start);
    s.put("sent", n);
    s.put("acked", acked);
    s.put("failed", failed);
    s.put("noOutcome", noOutcome);
    s.put("repeatedOutcome", repeated);
    ObjectNode errs = s.putObject("errors");
    errors.forEach(errs::put);
    s.put("firstAckMs", firstAck);
    s.put("lastAckMs", lastAck);
    s.put("maxAckGapMs", maxGap);
    s.put("maxAckGapPartition", maxGapPartition);
    s.put("maxAckGapFromMs", maxGapFrom);
    ArrayNode at = s.putArray("atMs");
    ArrayNode part = s.putArray("partition");
    ArrayNode off = s.putArray("offset");
    for (int i = 0; i < n; i++) {
      at.add(atMs[i]);
      part.add(partitionOf[i]);
      off.add(offsetOf[i]);
    }
    if (noOutcome > 0 || repeated > 0) {
      ArrayNode c = s.putArray("calls");
      for (int i = 0; i < n; i++) c.add(calls.get(i));
    }
    ArrayNode failures = s.putArray("failures");
    for (int i = 0; i < n; i++) {
      if (errorOf[i] != null) failures.addArray().add(i).add(errorOf[i]);
    }
    return s;
  }

  /** The transaction bookkeeping of a transactional run. */
  private static final class Transactions {
    private static final int TIMEOUT_RETRIES = 3;
    final KafkaProducer<byte[], byte[]> producer;
    final int abortEvery;
    boolean open;
    long beganAt;
    int firstSeq;
    int index;
    int committed;
    int aborted;
    long initMs;
    long maxCommitMs;
    long totalCommitMs;
    final List<int[]> abortedRanges = new ArrayList<>();
    final Map<String, Integer> errors = new TreeMap<>();

    Transactions(KafkaProducer<byte[], byte[]> producer, int abortEvery) {
      this.producer = producer;
      this.abortEvery = abortEvery;
    }

    void begin(int seq) {
      producer.beginTransaction();
      open = true;
      beganAt = System.currentTimeMillis();
      firstSeq = seq;
    }

    /**
     * Commits (or, every abortEvery-th time, aborts) the open transaction, which holds the
     * records [firstSeq, endSeq). False when the producer is left unusable.
     */
    boolean end(int endSeq) {
      open = false;
      index++;
      boolean abort = abortEvery > 0 && index % abortEvery == 0;
      if (!abort) {
        long t0 = System.currentTimeMillis();
        Boolean done = attempt(false);
        long took = System.currentTimeMillis() - t0;
        totalCommitMs += took;
        maxCommitMs = Math.max(maxCommitMs, took);
        if (done == Boolean.TRUE) {
          committed++;
          return true;
        }
        if (done == null) {
          abortedRanges.add(new int[] {firstSeq, endSeq});
          return false;
        }
      }
      // Planned (records flushed first, so they are written and then aborted), or after a failed commit.
      abortedRanges.add(new int[] {firstSeq, endSeq});
      if (abort) {
        try {
          producer.flush();
        } catch (Exception e) {
          errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        }
      }
      if (attempt(true) == Boolean.TRUE) {
        aborted++;
        return true;
      }
      return false;
    }

    /** TRUE: done. FALSE: failed (an abort may follow). null: timed out every time. */
    private Boolean attempt(boolean abort) {
      for (int i = 0; ; i++) {
        try {
          if (abort) producer.abortTransaction();
          else producer.commitTransaction();
          return Boolean.TRUE;
        } catch (TimeoutException e) {
          errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
          if (i + 1 >= TIMEOUT_RETRIES) return abort ? Boolean.FALSE : null;
        } catch (Exception e) {
          errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
          return Boolean.FALSE;
        }
      }
    }

    void report(ObjectNode s) {
      s.put("initTransactionsMs", initMs);
      s.put("maxCommitMs", maxCommitMs);
      s.put("totalCommitMs", totalCommitMs);
      ArrayNode ranges = s.putArray("abortedRanges");
      for (int[] r : abortedRanges) ranges.addArray().add(r[0]).add(r[1]);
      ObjectNode errs = s.putObject("transactionErrors");
      errors.forEach(errs::put);
    }
  }

  private static void emit(PrintWriter out, ObjectNode node) throws Exception {
    out.print(JSON.writeValueAsString(node));
    out.print('\n');
    out.flush();
  }
}
