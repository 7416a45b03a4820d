package kafkawire.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The independent verifier. Reads one JSON command per line on stdin and writes one JSON line
 * per result on stdout; nothing else goes to stdout (System.out is pointed at stderr).
 * Commands run concurrently, so answers may come back out of order: match them by "id".
 *
 * <pre>
 * {"id":1,"op":"createTopic","topic":"t","partitions":3,"replicationFactor":1,"configs":{"k":"v"}}
 * {"id":2,"op":"deleteTopic","topic":"t"}
 * {"id":3,"op":"consume","topic":"t","expected":1000,"timeoutMs":30000,"isolation":"read_committed"}
 * {"id":4,"op":"describeTopic","topic":"t"}
 * {"id":5,"op":"endOffsets","topic":"t","isolation":"read_committed"}
 * {"id":6,"op":"allowTopic","topic":"t","principal":"User:alice","operations":["WRITE","DESCRIBE"]}
 * {"id":7,"op":"sequenceSummary","topic":"t","prefix":"run1:","maxSeq":999999}
 * {"id":8,"op":"committedOffsets","groupId":"g","requireStable":true}
 * {"id":9,"op":"commitOffsets","groupId":"g","offsets":{"t-0":{"offset":42,"metadata":"m"}}}
 * {"id":10,"op":"describeTransactions","transactionalIds":["tx-1","tx-2"]}
 * </pre>
 *
 * "isolation" is "read_uncommitted" (the default) or "read_committed"; consume,
 * sequenceSummary and endOffsets take it. Partitions in committedOffsets, commitOffsets and
 * describeTransactions are named "topic-partition" (TopicPartition's string form).
 *
 * On start it prints {"ready":true,"kafkaClientsVersion":"..."}; at end of stdin it finishes the
 * commands in flight and exits.
 */
public final class Verifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DEFAULT_TIMEOUT_MS = 30_000;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String bootstrap;
  private final Admin admin;
  private final PrintWriter out;
  private final AtomicInteger consumerSeq = new AtomicInteger();

  private Verifier(String bootstrap, PrintWriter out) {
    this.bootstrap = bootstrap;
    this.out = out;
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-wire-verifier-admin");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    this.admin = Admin.create(props);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Verifier <bootstrap.servers>");
      System.exit(2);
    }
    PrintWriter out =
        new PrintWriter(
            new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8),
            false);
    System.setOut(System.err); // keep any library printing off the JSON channel

    Verifier verifier = new Verifier(args[0], out);
    ObjectNode ready = JSON.createObjectNode();
    ready.put("ready", true);
    ready.put("kafkaClientsVersion", AppInfoParser.getVersion());
    verifier.emit(ready);

    ExecutorService pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "verifier-command");
              t.setDaemon(true);
              return t;
            });
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      final String text = line;
      pool.submit(() -> verifier.handle(text));
    }
    pool.shutdown();
    pool.awaitTermination(120, TimeUnit.SECONDS);
    verifier.admin.close(Duration.ofSeconds(5));
    System.exit(0);
  }

  private void emit(ObjectNode node) {
    String text;
    try {
      text = JSON.writeValueAsString(node);
    } catch (Exception e) {
      text = "{\"ok\":false,\"error\":\"cannot serialize result\"}";
    }
    synchronized (out) {
      out.print(text);
      out.print('\n');
      out.flush();
    }
  }

  private void handle(String line) {
    JsonNode id = null;
    ObjectNode result;
    try {
      JsonNode cmd = JSON.readTree(line);
      id = cmd.get("id");
      String op = cmd.path("op").asText("");
      long timeoutMs = cmd.path("timeoutMs").asLong(DEFAULT_TIMEOUT_MS);
      switch (op) {
        case "createTopic":
          result = createTopic(cmd, timeoutMs);
          break;
        case "deleteTopic":
          result = deleteTopic(text(cmd, "topic"), timeoutMs);
          break;
        case "consume":
          result = consume(cmd, timeoutMs);
          break;
        case "describeTopic":
          result = describeTopic(text(cmd, "topic"), timeoutMs);
          break;
        case "endOffsets":
          result = endOffsets(text(cmd, "topic"), isolation(cmd), timeoutMs);
          break;
        case "allowTopic":
          result = allowTopic(cmd, timeoutMs);
          break;
        case "sequenceSummary":
          result = sequenceSummary(cmd, timeoutMs);
          break;
        case "committedOffsets":
          result = committedOffsets(cmd, timeoutMs);
          break;
        case "commitOffsets":
          result = commitOffsets(cmd, timeoutMs);
          break;
        case "describeTransactions":
          result = describeTransactions(cmd, timeoutMs);
          break;
        default:
          throw new IllegalArgumentException("unknown op \"" + op + "\"");
      }
      result.put("ok", true);
    } catch (Throwable t) {
      Throwable cause = unwrap(t);
      result = JSON.createObjectNode();
      result.put("ok", false);
      result.put("error", cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
    ObjectNode response = JSON.createObjectNode();
    response.set("id", id);
    response.setAll(result);
    emit(response);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String text(JsonNode cmd, String field) {
    JsonNode v = cmd.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException("missing string field \"" + field + "\"");
    }
    return v.asText();
  }

  /** The command's "isolation": read_uncommitted when absent. */
  private static IsolationLevel isolation(JsonNode cmd) {
    JsonNode v = cmd.get("isolation");
    if (v == null || v.isNull()) return IsolationLevel.READ_UNCOMMITTED;
    switch (v.asText()) {
      case "read_uncommitted":
        return IsolationLevel.READ_UNCOMMITTED;
      case "read_committed":
        return IsolationLevel.READ_COMMITTED;
      default:
        throw new IllegalArgumentException("isolation must be read_uncommitted or read_committed, not \"" + v.asText() + "\"");
    }
  }

  /** "topic-partition" (TopicPartition.toString()) back to a TopicPartition: the partition follows the last '-'. */
  private static TopicPartition parseTopicPartition(String name) {
    int dash = name.lastIndexOf('-');
    if (dash <= 0 || dash == name.length() - 1) throw new IllegalArgumentException("not a topic-partition: \"" + name + "\"");
    try {
      return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a topic-partition: \"" + name + "\"");
    }
  }

  // ------------------------------------------------------------------------------------------

  private ObjectNode createTopic(JsonNode cmd, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    String topic = text(cmd, "topic");
    int partitions = cmd.path("partitions").asInt(1);
    Optional<Short> rf =
        cmd.hasNonNull("replicationFactor")
            ? Optional.of((short) cmd.get("replicationFactor").asInt())
            : Optional.empty();
    NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), rf);
    JsonNode configs = cmd.get("configs");
    if (configs != null && configs.isObject()) {
      Map<String, String> map = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        map.put(e.getKey(), e.getValue().asText());
      }
      newTopic.configs(map);
    }
    admin.createTopics(List.of(newTopic)).all().get(remaining(deadline), TimeUnit.MILLISECONDS);

    // Created is not usable: wait until every partition has a leader and an in-sync replica.
    for (; ; ) {
      try {
        TopicDescription d = describe(topic, deadline);
        if (d.partitions().size() == partitions && allHaveLeaders(d)) break;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
      }
      if (System.currentTimeMillis() >= deadline) {
        throw new TimeoutException("topic " + topic + " has no leader for every partition after " + timeoutMs + " ms");
      }
      Thread.sleep(50);
    }
    return JSON.createObjectNode();
  }

  /** ALLOW ACLs for one principal on one topic (literal name), from any host. */
  private ObjectNode allowTopic(JsonNode cmd, long timeoutMs) throws Exception {
    String topic = text(cmd, "topic");
    String principal = text(cmd, "principal");
    List<AclBinding> bindings = new ArrayList<>();
    for (JsonNode op : cmd.path("operations")) {
      bindings.add(
          new AclBinding(
              new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
              new AccessControlEntry(principal, "*", AclOperation.fromString(op.asText()), AclPermissionType.ALLOW)));
    }
    if (bindings.isEmpty()) throw new IllegalArgumentException("no operations");
    admin.createAcls(bindings).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    return JSON.createObjectNode();
  }

  private static boolean allHaveLeaders(TopicDescription d) {
    for (TopicPartitionInfo p : d.partitions()) {
      Node leader = p.leader();
      if (leader == null || leader.isEmpty() || leader.id() < 0 || p.isr().isEmpty()) return false;
    }
    return true;
  }

  private ObjectNode deleteTopic(String topic, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    admin.deleteTopics(List.of(topic)).all().get(remaining(deadline), TimeUnit.MILLISECONDS);
    // Wait until the topic is gone from the metadata, so the name can be reused at once.
    for (; ; ) {
      Set<String> names = admin.listTopics().names().get(remaining(deadline), TimeUnit.MILLISECONDS);
      if (!names.contains(topic)) break;
      if (System.currentTimeMillis() >= deadline) {
        throw new TimeoutException("topic " + topic + " still listed " + timeoutMs + " ms after deletion");
      }
      Thread.sleep(50);
    }
    return JSON.createObjectNode();
  }

  private TopicDescription describe(String topic, long deadline) throws Exception {
    return admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(remaining(deadline), TimeUnit.MILLISECONDS)
        .get(topic);
  }

  private ObjectNode describeTopic(String topic, long timeoutMs) throws Exception {
    TopicDescription d = describe(topic, System.currentTimeMillis() + timeoutMs);
    ObjectNode result = JSON.createObjectNode();
    result.put("topic", d.name());
    result.put("topicId", d.topicId() == null ? null : d.topicId().toString());
    result.put("internal", d.isInternal());
    ArrayNode parts = result.putArray("partitions");
    List<TopicPartitionInfo> infos = new ArrayList<>(d.partitions());
    infos.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
    for (TopicPartitionInfo p : infos) {
      ObjectNode pn = parts.addObject();
      pn.put("partition", p.partition());
      Node leader = p.leader();
      if (leader == null || leader.isEmpty() || leader.id() < 0) pn.putNull("leader");
      else pn.put("leader", leader.id());
      ArrayNode replicas = pn.putArray("replicas");
      for (Node n : p.replicas()) replicas.add(n.id());
      ArrayNode isr = pn.putArray("isr");
      for (Node n : p.isr()) isr.add(n.id());
    }
    return result;
  }

  private List<TopicPartition> partitionsOf(String topic, long deadline) throws Exception {
    TopicDescription d = describe(topic, deadline);
    List<TopicPartition> tps = new ArrayList<>();
    for (TopicPartitionInfo p : d.partitions()) tps.add(new TopicPartition(topic, p.partition()));
    tps.sort(Comparator.comparingInt(TopicPartition::partition));
    return tps;
  }

  /** High watermarks (read_uncommitted) or last stable offsets (read_committed). */
  private ObjectNode endOffsets(String topic, IsolationLevel isolation, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicPartition tp : partitionsOf(topic, deadline)) request.put(tp, OffsetSpec.latest());
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
        admin
            .listOffsets(request, new ListOffsetsOptions(isolation))
            .all()
            .get(remaining(deadline), TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> ends = new HashMap<>();
    offsets.forEach((tp, info) -> ends.put(tp, info.offset()));
    ObjectNode result = JSON.createObjectNode();
    result.set("endOffsets", offsetsJson(ends));
    return result;
  }

  /**
   * Reads the topic from the beginning of every partition (assign + seekToBeginning, no group,
   * read_uncommitted unless "isolation" says otherwise). Without "expected": up to the end
   * offsets seen at the start. With it: until that many records were read, and then on to the
   * end offsets of that moment, so duplicates beyond "expected" show up too. Stops at the
   * timeout with what it has ("timedOut": true). With read_committed the consumer's end offsets
   * are the last stable offsets, so an open transaction ends the read where it begins.
   */
  private ObjectNode consume(JsonNode cmd, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    String topic = text(cmd, "topic");
    Integer expected = cmd.hasNonNull("expected") ? cmd.get("expected").asInt() : null;
    return consumeRecords(topic, expected, consumerProps(isolation(cmd)), partitionsOf(topic, deadline), deadline);
  }

  private Properties consumerProps(IsolationLevel isolation) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "kafka-wire-verifier-" + consumerSeq.incrementAndGet());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        isolation == IsolationLevel.READ_COMMITTED ? "read_committed" : "read_uncommitted");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    props.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    return props;
  }

  /**
   * Reads a topic (from the beginning to the end offsets seen at the start) whose values are
   * "<prefix><seq>[:...]" and answers with counts instead of the records, for runs too long
   * to send every record back: records with the prefix, others ("foreign"), copies beyond the
   * first of a sequence number ("duplicates"), records that follow a higher sequence number in
   * their partition ("reordered"), sequence numbers above maxSeq or unparsable
   * ("outOfRange"), distinct sequence numbers, and "seen": a bitmap (base64, bit i of byte
   * i / 8, least significant first) of the sequence numbers 0..maxSeq present.
   */
  private ObjectNode sequenceSummary(JsonNode cmd, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    String topic = text(cmd, "topic");
    byte[] prefix = text(cmd, "prefix").getBytes(StandardCharsets.UTF_8);
    int maxSeq = cmd.path("maxSeq").asInt(-1);
    if (maxSeq < 0) throw new IllegalArgumentException("missing maxSeq");
    byte[] counts = new byte[maxSeq + 1];
    long ours = 0, foreign = 0, duplicates = 0, reordered = 0, outOfRange = 0, distinct = 0;
    Map<Integer, Integer> lastByPartition = new HashMap<>();
    boolean timedOut = false;
    List<TopicPartition> tps = partitionsOf(topic, deadline);
    Map<TopicPartition, Long> ends;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(isolation(cmd)))) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      ends = consumer.endOffsets(tps, Duration.ofMillis(remaining(deadline)));
      while (!reached(consumer, ends, deadline)) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          timedOut = true;
          break;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(Math.min(left, 200)))) {
          byte[] v = r.value();
          if (v == null || !startsWith(v, prefix)) {
            foreign++;
            continue;
          }
          int seq = parseSeq(v, prefix.length);
          if (seq < 0 || seq > maxSeq) {
            outOfRange++;
            continue;
          }
          ours++;
          if (counts[seq] != 0) {
            duplicates++;
            continue;
          }
          counts[seq] = 1;
          distinct++;
          Integer last = lastByPartition.get(r.partition());
          if (last != null && seq < last) reordered++;
          else lastByPartition.put(r.partition(), seq);
        }
      }
    }
    byte[] bitmap = new byte[(maxSeq + 8) / 8];
    for (int i = 0; i <= maxSeq; i++) if (counts[i] != 0) bitmap[i >>> 3] |= (byte) (1 << (i & 7));
    ObjectNode result = JSON.createObjectNode();
    result.put("records", ours);
    result.put("foreign", foreign);
    result.put("duplicates", duplicates);
    result.put("reordered", reordered);
    result.put("outOfRange", outOfRange);
    result.put("distinct", distinct);
    result.put("seen", java.util.Base64.getEncoder().encodeToString(bitmap));
    result.set("endOffsets", offsetsJson(ends));
    result.put("timedOut", timedOut);
    return result;
  }

  /**
   * The group's committed offsets, "topic-partition" -> {"offset","metadata"}; partitions without
   * one are left out, and a group that does not exist answers with none. "requireStable": wait
   * (the admin client retries) while a transaction holds pending offsets for the group.
   */
  private ObjectNode committedOffsets(JsonNode cmd, long timeoutMs) throws Exception {
    String groupId = text(cmd, "groupId");
    ListConsumerGroupOffsetsOptions options =
        new ListConsumerGroupOffsetsOptions().requireStable(cmd.path("requireStable").asBoolean(false));
    options.timeoutMs((int) Math.min(Integer.MAX_VALUE, timeoutMs));
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(groupId, options)
            .partitionsToOffsetAndMetadata()
            .get(timeoutMs, TimeUnit.MILLISECONDS);
    Map<String, OffsetAndMetadata> sorted = new TreeMap<>();
    offsets.forEach((tp, om) -> {
      if (om != null) sorted.put(tp.toString(), om);
    });
    ObjectNode result = JSON.createObjectNode();
    ObjectNode node = result.putObject("offsets");
    sorted.forEach((name, om) -> {
      ObjectNode o = node.putObject(name);
      o.put("offset", om.offset());
      o.put("metadata", om.metadata() == null ? "" : om.metadata());
    });
    return result;
  }

  /**
   * Sets a group's committed offsets with the admin client (the group must have no active
   * members): "offsets" maps "topic-partition" to a number or to {"offset","metadata"}.
   */
  private ObjectNode commitOffsets(JsonNode cmd, long timeoutMs) throws Exception {
    String groupId = text(cmd, "groupId");
    JsonNode offsets = cmd.get("offsets");
    if (offsets == null || !offsets.isObject() || offsets.size() == 0) throw new IllegalArgumentException("missing offsets");
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = offsets.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      OffsetAndMetadata om =
          v.isObject()
              ? new OffsetAndMetadata(v.path("offset").asLong(), v.path("metadata").asText(""))
              : new OffsetAndMetadata(v.asLong());
      request.put(parseTopicPartition(e.getKey()), om);
    }
    admin.alterConsumerGroupOffsets(groupId, request).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    return JSON.createObjectNode();
  }

  /**
   * The transaction coordinators' view of transactional ids, id -> {"state" (Ongoing,
   * PrepareCommit, CompleteCommit, CompleteAbort, Empty, ...), "coordinatorId", "producerId",
   * "producerEpoch", "transactionTimeoutMs", "transactionStartTimeMs" (null when none is open),
   * "topicPartitions" (sorted)}. An id a coordinator does not know fails the whole command
   * (TransactionalIdNotFoundException).
   */
  private ObjectNode describeTransactions(JsonNode cmd, long timeoutMs) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode id : cmd.path("transactionalIds")) ids.add(id.asText());
    if (ids.isEmpty()) throw new IllegalArgumentException("missing transactionalIds");
    Map<String, TransactionDescription> all =
        admin.describeTransactions(ids).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    ObjectNode result = JSON.createObjectNode();
    ObjectNode node = result.putObject("transactions");
    for (String id : ids) {
      TransactionDescription d = all.get(id);
      if (d == null) continue;
      ObjectNode t = node.putObject(id);
      t.put("state", d.state().toString());
      t.put("coordinatorId", d.coordinatorId());
      t.put("producerId", d.producerId());
      t.put("producerEpoch", d.producerEpoch());
      t.put("transactionTimeoutMs", d.transactionTimeoutMs());
      if (d.transactionStartTimeMs().isPresent()) t.put("transactionStartTimeMs", d.transactionStartTimeMs().getAsLong());
      else t.putNull("transactionStartTimeMs");
      List<String> names = new ArrayList<>();
      for (TopicPartition tp : d.topicPartitions()) names.add(tp.toString());
      names.sort(null);
      ArrayNode parts = t.putArray("topicPartitions");
      names.forEach(parts::add);
    }
    return result;
  }

  private static boolean startsWith(byte[] v, byte[] prefix) {
    if (v.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) if (v[i] != prefix[i]) return false;
    return true;
  }

  /** The decimal number at v[from..] up to ':' or the end; -1 if there is none or it is too long. */
  private static int parseSeq(byte[] v, int from) {
    long n = 0;
    int i = from;
    for (; i < v.length && v[i] != ':'; i++) {
      if (v[i] < '0' || v[i] > '9' || i - from >= 10) return -1;
      n = n * 10 + (v[i] - '0');
    }
    return i == from || n > Integer.MAX_VALUE ? -1 : (int) n;
  }

  private ObjectNode consumeRecords(String topic, Integer expected, Properties props, List<TopicPartition> tps, long deadline) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    boolean timedOut = false;
    Map<TopicPartition, Long> finalEnds;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> target =
          expected == null ? consumer.endOffsets(tps, Duration.ofMillis(remaining(deadline))) : null;
      for (; ; ) {
        if (target == null && records.size() >= expected) {
          target = consumer.endOffsets(tps, Duration.ofMillis(remaining(deadline)));
        }
        if (target != null && reached(consumer, target, deadline)) break;
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          timedOut = true;
          break;
        }
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(Math.min(left, 200)));
        for (ConsumerRecord<byte[], byte[]> r : batch) records.add(r);
      }
      finalEnds = consumer.endOffsets(tps, Duration.ofMillis(Math.max(remaining(deadline), 5_000)));
    }

    records.sort(
        Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
            .thenComparingLong(ConsumerRecord::offset));
    ObjectNode result = JSON.createObjectNode();
    ArrayNode arr = result.putArray("records");
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ObjectNode rn = arr.addObject();
      rn.put("partition", r.partition());
      rn.put("offset", r.offset());
      rn.put("timestamp", r.timestamp());
      rn.put("timestampType", r.timestampType().toString());
      putHex(rn, "key", r.key());
      putHex(rn, "value", r.value());
      ArrayNode headers = rn.putArray("headers");
      for (Header h : r.headers()) {
        ObjectNode hn = headers.addObject();
        hn.put("key", h.key());
        putHex(hn, "value", h.value());
      }
      Optional<Integer> epoch = r.leaderEpoch();
      if (epoch.isPresent()) rn.put("leaderEpoch", epoch.get());
      else rn.putNull("leaderEpoch");
    }
    result.set("endOffsets", offsetsJson(finalEnds));
    result.put("timedOut", timedOut);
    return result;
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> target, long deadline) {
    for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
      if (consumer.position(e.getKey(), Duration.ofMillis(remaining(deadline))) < e.getValue()) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.currentTimeMillis());
  }

  private static ObjectNode offsetsJson(Map<TopicPartition, Long> offsets) {
    ObjectNode node = JSON.createObjectNode();
    List<TopicPartition> tps = new ArrayList<>(offsets.keySet());
    tps.sort(Comparator.comparingInt(TopicPartition::partition));
    for (TopicPartition tp : tps) node.put(Integer.toString(tp.partition()), offsets.get(tp));
    return node;
  }

  private static void putHex(ObjectNode node, String field, byte[] bytes) {
    if (bytes == null) {
      node.putNull(field);
      return;
    }
    char[] chars = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      chars[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      chars[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    node.put(field, new String(chars));
  }
}
