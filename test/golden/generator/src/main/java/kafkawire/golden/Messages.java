package kafkawire.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static kafkawire.golden.RecordBatches.BASE_TS;
import static kafkawire.golden.RecordBatches.PRODUCER_EPOCH;
import static kafkawire.golden.RecordBatches.PRODUCER_ID;
import static kafkawire.golden.RecordBatches.utf8;

/**
 * Section A: message bodies (no request/response header) of the APIs kafka-wire speaks, for
 * every version kafka-clients knows, each fully populated for that version; and the request
 * and response headers.
 *
 * <p>For each body: the bytes Java writes at version v; and the JSON of the object Java reads
 * back from those bytes at v (so a field the version lacks shows its default), rendered by
 * the generated {@code <Name>DataJsonConverter.write(data, v, true)}.
 */
final class Messages {
    private static final JsonNodeFactory NF = JsonNodeFactory.instance;

    // Fixed topic ids (Uuid.toString() renders them as url-safe base64 without padding).
    static final Uuid TOPIC_ID_ORDERS = new Uuid(0x1a2b3c4d5e6f7081L, 0x92a3b4c5d6e7f809L);
    static final Uuid TOPIC_ID_PAYMENTS = new Uuid(0x0fedcba987654321L, 0x0123456789abcdefL);
    static final Uuid TOPIC_ID_UNKNOWN = new Uuid(0x7777777777777777L, 0x1111111111111111L);

    /** A named variant of a message: which versions it exists at, and how to build it. */
    record Variant(String suffix, short minVersion, Function<Short, Message> build) {
    }

    /** One API: directory, key, version range, first flexible version, and its variants. */
    record Api(String dir, ApiKeys key, int flexibleFrom, List<Variant> requests, List<Variant> responses) {
    }

    private Messages() {
    }

    static List<Api> apis() {
        return List.of(
            new Api("api-versions", ApiKeys.API_VERSIONS, 3,
                List.of(new Variant("", (short) 0, v -> apiVersionsRequest(v))),
                List.of(new Variant("", (short) 0, v -> apiVersionsResponse(v)))),
            new Api("metadata", ApiKeys.METADATA, 9,
                List.of(new Variant("", (short) 0, v -> metadataRequest(v, false)),
                        new Variant("-null-topics", (short) 1, v -> metadataRequest(v, true))),
                List.of(new Variant("", (short) 0, v -> metadataResponse(v)))),
            new Api("produce", ApiKeys.PRODUCE, 9,
                List.of(new Variant("", (short) 0, v -> produceRequest(v, "golden-txn")),
                        new Variant("-null-txn", (short) 0, v -> produceRequest(v, null))),
                List.of(new Variant("", (short) 0, v -> produceResponse(v)))),
            new Api("init-producer-id", ApiKeys.INIT_PRODUCER_ID, 2,
                List.of(new Variant("", (short) 0, v -> initProducerIdRequest(v, "golden-txn")),
                        new Variant("-null-txn", (short) 0, v -> initProducerIdRequest(v, null))),
                List.of(new Variant("", (short) 0, v -> initProducerIdResponse(v)))),
            new Api("sasl-handshake", ApiKeys.SASL_HANDSHAKE, Integer.MAX_VALUE,
                List.of(new Variant("", (short) 0, v -> saslHandshakeRequest(v))),
                List.of(new Variant("", (short) 0, v -> saslHandshakeResponse(v)))),
            new Api("sasl-authenticate", ApiKeys.SASL_AUTHENTICATE, 2,
                List.of(new Variant("", (short) 0, v -> saslAuthenticateRequest(v))),
                List.of(new Variant("", (short) 0, v -> saslAuthenticateResponse(v, false)),
                        new Variant("-success", (short) 0, v -> saslAuthenticateResponse(v, true)))),
            new Api("find-coordinator", ApiKeys.FIND_COORDINATOR, 3,
                List.of(new Variant("", (short) 0, v -> findCoordinatorRequest(v))),
                List.of(new Variant("", (short) 0, v -> findCoordinatorResponse(v, false)),
                        new Variant("-success", (short) 0, v -> findCoordinatorResponse(v, true)))),
            new Api("add-partitions-to-txn", ApiKeys.ADD_PARTITIONS_TO_TXN, 3,
                List.of(new Variant("", (short) 0, v -> addPartitionsToTxnRequest(v))),
                List.of(new Variant("", (short) 0, v -> addPartitionsToTxnResponse(v)))),
            new Api("add-offsets-to-txn", ApiKeys.ADD_OFFSETS_TO_TXN, 3,
                List.of(new Variant("", (short) 0, v -> addOffsetsToTxnRequest(v))),
                List.of(new Variant("", (short) 0, v -> addOffsetsToTxnResponse(v)))),
            new Api("end-txn", ApiKeys.END_TXN, 3,
                List.of(new Variant("", (short) 0, v -> endTxnRequest(v, true)),
                        new Variant("-abort", (short) 0, v -> endTxnRequest(v, false))),
                List.of(new Variant("", (short) 0, v -> endTxnResponse(v)))),
            new Api("txn-offset-commit", ApiKeys.TXN_OFFSET_COMMIT, 3,
                List.of(new Variant("", (short) 0, v -> txnOffsetCommitRequest(v, "golden-instance")),
                        new Variant("-null-instance", (short) 3, v -> txnOffsetCommitRequest(v, null))),
                List.of(new Variant("", (short) 0, v -> txnOffsetCommitResponse(v)))));
    }

    // ---------------------------------------------------------------- generation

    static void generate(Path root, ArrayNode index) {
        for (Api api : apis()) {
            Path dir = root.resolve(api.dir());
            Message probe = api.requests().get(0).build().apply((short) 0);
            short lo = probe.lowestSupportedVersion();
            short hi = probe.highestSupportedVersion();
            checkRange(api, lo, hi);

            ObjectNode entry = index.addObject();
            entry.put("dir", api.dir());
            entry.put("apiKey", api.key().id);
            entry.put("name", api.key().name);
            entry.put("minVersion", lo);
            entry.put("maxVersion", hi);
            entry.put("flexibleFromVersion", api.flexibleFrom() == Integer.MAX_VALUE ? -1 : api.flexibleFrom());
            entry.put("latestVersionUnstable", api.key().messageType.latestVersionUnstable());
            ArrayNode files = entry.putArray("files");

            StringBuilder schemas = new StringBuilder();
            for (short v = lo; v <= hi; v++) {
                for (Variant var : api.requests()) {
                    if (v < var.minVersion()) {
                        continue;
                    }
                    String base = "v" + v + "-request" + var.suffix();
                    emit(dir, base, var.build().apply(v), v);
                    files.add(base);
                }
                for (Variant var : api.responses()) {
                    if (v < var.minVersion()) {
                        continue;
                    }
                    String base = "v" + v + "-response" + var.suffix();
                    emit(dir, base, var.build().apply(v), v);
                    files.add(base);
                    if (var.suffix().isEmpty() && v >= api.flexibleFrom()) {
                        // Same response with unknown tagged fields at every level that has a
                        // tag section: a decoder must skip them. The JSON equals the plain
                        // response's (converters do not render unknown tags).
                        Message m = var.build().apply(v);
                        addUnknownTags(m);
                        String ubase = base + "-unknown-tags";
                        emit(dir, ubase, m, v);
                        files.add(ubase);
                    }
                }
                schemas.append("v").append(v).append(" request:  ")
                    .append(schemaOf(api.requests().get(0).build().apply(v), v)).append('\n');
                schemas.append("v").append(v).append(" response: ")
                    .append(schemaOf(api.responses().get(0).build().apply(v), v)).append('\n');
            }
            Out.writeText(dir.resolve("schemas.txt"), schemas.toString());
        }
        generateHeaders(root.resolve("header"));
    }

    /** The ranges this generator was written for; a different kafka-clients must be looked at. */
    private static void checkRange(Api api, short lo, short hi) {
        short wantLo = api.key().oldestVersion();
        short wantHi = api.key().latestVersion(true);
        if (lo != wantLo || hi != wantHi) {
            throw new IllegalStateException(api.dir() + ": message range " + lo + "-" + hi
                + " but ApiKeys says " + wantLo + "-" + wantHi);
        }
    }

    private static String schemaOf(Message m, short v) {
        try {
            Schema[] schemas = (Schema[]) m.getClass().getField("SCHEMAS").get(null);
            return render(schemas[v]);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Like Schema.toString(), but tagged fields are spelled out (TaggedFields.toString()
     * prints Field@identityHash, which differs from run to run).
     */
    static String render(Type t) {
        if (t instanceof Schema schema) {
            StringBuilder sb = new StringBuilder("{");
            BoundField[] fields = schema.fields();
            for (int i = 0; i < fields.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(fields[i].def.name).append(':').append(render(fields[i].def.type));
            }
            return sb.append('}').toString();
        }
        if (t instanceof TaggedFields tagged) {
            StringBuilder sb = new StringBuilder("TAGGED_FIELDS(");
            boolean first = true;
            for (Map.Entry<Integer, Field> e : new TreeMap<>(tagged.fields()).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(e.getKey()).append('=').append(e.getValue().name).append(':')
                    .append(render(e.getValue().type));
            }
            return sb.append(')').toString();
        }
        if (t.isArray()) {
            String kind = (t instanceof CompactArrayOf ? "COMPACT_" : "") + (t.isNullable() ? "NULLABLE_" : "") + "ARRAY";
            return kind + "(" + render(t.arrayElementType().orElseThrow()) + ")";
        }
        return t.toString();
    }

    static void generateHeaders(Path dir) {
        for (short v = 1; v <= 2; v++) {
            emit(dir, "request-v" + v, new RequestHeaderData()
                .setRequestApiKey(ApiKeys.PRODUCE.id)
                .setRequestApiVersion((short) 9)
                .setCorrelationId(12345)
                .setClientId("kafka-wire-golden"), v);
            emit(dir, "request-v" + v + "-null-client", new RequestHeaderData()
                .setRequestApiKey(ApiKeys.PRODUCE.id)
                .setRequestApiVersion((short) 9)
                .setCorrelationId(12345)
                .setClientId(null), v);
        }
        for (short v = 0; v <= 1; v++) {
            emit(dir, "response-v" + v, new ResponseHeaderData().setCorrelationId(12345), v);
        }
        ResponseHeaderData tagged = new ResponseHeaderData().setCorrelationId(12345);
        addUnknownTags(tagged);
        emit(dir, "response-v1-unknown-tags", tagged, (short) 1);
    }

    /**
     * Writes {@code <base>.hex} and {@code <base>.json}. Checks on the way: Java reads back
     * every byte, writes the read-back object to the same bytes, and the JSON converts back
     * (via the converter's read) to an object that again writes the same bytes.
     */
    static void emit(Path dir, String base, Message msg, short v) {
        byte[] bytes = serialize(msg, v);
        Message back = readBack(msg.getClass(), bytes, v);
        byte[] again = serialize(back, v);
        if (!Arrays.equals(bytes, again)) {
            throw new IllegalStateException(dir.getFileName() + "/" + base + ": read-back writes other bytes");
        }
        JsonNode json = toJson(back, v);
        fillRecords(back, json);
        Message fromJson = fromJson(back.getClass(), json, v);
        // Unknown tagged fields are not in the JSON; put them back before comparing bytes.
        copyUnknownTags(back, fromJson);
        if (!Arrays.equals(bytes, serialize(fromJson, v))) {
            throw new IllegalStateException(dir.getFileName() + "/" + base + ": JSON does not round-trip");
        }
        Out.writeHex(dir.resolve(base + ".hex"), bytes);
        Out.writeJson(dir.resolve(base + ".json"), json);
    }

    static byte[] serialize(Message m, short v) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, v);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, v);
        if (buf.hasRemaining()) {
            throw new IllegalStateException(m.getClass().getSimpleName() + " v" + v + ": size "
                + size + " but wrote " + buf.position());
        }
        return buf.array();
    }

    private static Message readBack(Class<? extends Message> type, byte[] bytes, short v) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            Message m = type.getConstructor(Readable.class, short.class)
                .newInstance(new ByteBufferAccessor(buf), v);
            if (buf.hasRemaining()) {
                throw new IllegalStateException(type.getSimpleName() + " v" + v + ": "
                    + buf.remaining() + " bytes left after reading");
            }
            return m;
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(type.getSimpleName() + " v" + v, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode toJson(Message m, short v) {
        try {
            Class<?> conv = Class.forName(m.getClass().getName() + "JsonConverter");
            return (JsonNode) conv.getMethod("write", m.getClass(), short.class, boolean.class)
                .invoke(null, m, v, true);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(m.getClass().getSimpleName() + " v" + v, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The generated converters do not render records: with serializeRecords=true they write
     * an EMPTY binary node ("records": ""), with false only "recordsSizeInBytes". So put the
     * real bytes in, as base64 like every other binary node, walking the object and its JSON
     * side by side (JSON keys are the getter names).
     */
    static void fillRecords(Message m, JsonNode json) {
        if (!(json instanceof ObjectNode node)) {
            return;
        }
        for (Method method : m.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || !node.has(method.getName())
                || method.getName().equals("unknownTaggedFields")) {
                continue;
            }
            try {
                Class<?> rt = method.getReturnType();
                if (BaseRecords.class.isAssignableFrom(rt)) {
                    Object records = method.invoke(m);
                    if (records != null) {
                        ByteBuffer buf = ((MemoryRecords) records).buffer().duplicate();
                        byte[] bytes = new byte[buf.remaining()];
                        buf.get(bytes);
                        node.set(method.getName(), NF.binaryNode(bytes));
                    }
                } else if (Message.class.isAssignableFrom(rt)) {
                    Object child = method.invoke(m);
                    if (child != null) {
                        fillRecords((Message) child, node.get(method.getName()));
                    }
                } else if (Iterable.class.isAssignableFrom(rt)) {
                    Object value = method.invoke(m);
                    JsonNode array = node.get(method.getName());
                    if (value == null || !array.isArray()) {
                        continue;
                    }
                    int i = 0;
                    for (Object element : (Iterable<?>) value) {
                        if (element instanceof Message child) {
                            fillRecords(child, array.get(i));
                        }
                        i++;
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Message fromJson(Class<? extends Message> type, JsonNode json, short v) {
        try {
            Class<?> conv = Class.forName(type.getName() + "JsonConverter");
            return (Message) conv.getMethod("read", JsonNode.class, short.class).invoke(null, json, v);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(type.getSimpleName() + " v" + v, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------- unknown tagged fields

    /**
     * Adds two unknown tagged fields (tag 9 with 3 bytes; tag 300, whose tag number needs a
     * 2-byte varint, with none) to {@code m} and to every element of every array of structs
     * below it. Single nested structs are left alone: a tagged struct that is absent at a
     * version must stay at its default.
     */
    static void addUnknownTags(Message m) {
        m.unknownTaggedFields().add(new RawTaggedField(9, new byte[] {(byte) 0xde, (byte) 0xad, 0x01}));
        m.unknownTaggedFields().add(new RawTaggedField(300, new byte[0]));
        for (Method method : m.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || !Iterable.class.isAssignableFrom(method.getReturnType())
                || method.getName().equals("unknownTaggedFields")) {
                continue;
            }
            try {
                Object value = method.invoke(m);
                if (value == null) {
                    continue;
                }
                for (Object element : (Iterable<?>) value) {
                    if (element instanceof Message child) {
                        addUnknownTags(child);
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Copies unknown tags from {@code from} to {@code to} along the same walk as addUnknownTags. */
    private static void copyUnknownTags(Message from, Message to) {
        to.unknownTaggedFields().addAll(from.unknownTaggedFields());
        for (Method method : from.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || !Iterable.class.isAssignableFrom(method.getReturnType())
                || method.getName().equals("unknownTaggedFields")) {
                continue;
            }
            try {
                Object a = method.invoke(from);
                Object b = method.invoke(to);
                if (a == null || b == null) {
                    continue;
                }
                List<Object> bs = new ArrayList<>();
                ((Iterable<?>) b).forEach(bs::add);
                int i = 0;
                for (Object element : (Iterable<?>) a) {
                    if (element instanceof Message child) {
                        copyUnknownTags(child, (Message) bs.get(i));
                    }
                    i++;
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---------------------------------------------------------------- ApiVersions

    static ApiVersionsRequestData apiVersionsRequest(short v) {
        ApiVersionsRequestData d = new ApiVersionsRequestData();
        if (v >= 3) {
            d.setClientSoftwareName("kafka-wire").setClientSoftwareVersion("0.1.0-golden");
        }
        return d;
    }

    static ApiVersionsResponseData apiVersionsResponse(short v) {
        ApiVersionsResponseData d = new ApiVersionsResponseData().setErrorCode((short) 35);
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        keys.add(new ApiVersionsResponseData.ApiVersion()
            .setApiKey((short) 0).setMinVersion((short) 3).setMaxVersion((short) 13));
        keys.add(new ApiVersionsResponseData.ApiVersion()
            .setApiKey((short) 18).setMinVersion((short) 0).setMaxVersion((short) 4));
        d.setApiKeys(keys);
        if (v >= 1) {
            d.setThrottleTimeMs(250);
        }
        if (v >= 3) {
            ApiVersionsResponseData.SupportedFeatureKeyCollection supported =
                new ApiVersionsResponseData.SupportedFeatureKeyCollection();
            supported.add(new ApiVersionsResponseData.SupportedFeatureKey()
                .setName("metadata.version").setMinVersion((short) 7).setMaxVersion((short) 27));
            supported.add(new ApiVersionsResponseData.SupportedFeatureKey()
                .setName("kraft.version").setMinVersion((short) 0).setMaxVersion((short) 1));
            ApiVersionsResponseData.FinalizedFeatureKeyCollection finalized =
                new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
            finalized.add(new ApiVersionsResponseData.FinalizedFeatureKey()
                .setName("metadata.version").setMaxVersionLevel((short) 27).setMinVersionLevel((short) 27));
            finalized.add(new ApiVersionsResponseData.FinalizedFeatureKey()
                .setName("kraft.version").setMaxVersionLevel((short) 1).setMinVersionLevel((short) 1));
            d.setSupportedFeatures(supported)
                .setFinalizedFeaturesEpoch(1_234_567_890_123L)
                .setFinalizedFeatures(finalized)
                .setZkMigrationReady(true);
        }
        return d;
    }

    // ---------------------------------------------------------------- Metadata

    static MetadataRequestData metadataRequest(short v, boolean nullTopics) {
        MetadataRequestData d = new MetadataRequestData();
        if (nullTopics) {
            d.setTopics(null);
        } else {
            List<MetadataRequestData.MetadataRequestTopic> topics = new ArrayList<>();
            MetadataRequestData.MetadataRequestTopic orders = new MetadataRequestData.MetadataRequestTopic().setName("orders");
            MetadataRequestData.MetadataRequestTopic second = new MetadataRequestData.MetadataRequestTopic().setName("payments");
            if (v >= 10) {
                orders.setTopicId(TOPIC_ID_ORDERS);
                // Name is nullable from v10: a topic asked for by id only.
                second.setTopicId(TOPIC_ID_PAYMENTS).setName(null);
            }
            topics.add(orders);
            topics.add(second);
            d.setTopics(topics);
        }
        if (v >= 4) {
            d.setAllowAutoTopicCreation(false);
        }
        if (v >= 8 && v <= 10) {
            d.setIncludeClusterAuthorizedOperations(true);
        }
        if (v >= 8) {
            d.setIncludeTopicAuthorizedOperations(true);
        }
        return d;
    }

    static MetadataResponseData metadataResponse(short v) {
        MetadataResponseData d = new MetadataResponseData();
        if (v >= 3) {
            d.setThrottleTimeMs(100);
        }
        MetadataResponseData.MetadataResponseBrokerCollection brokers =
            new MetadataResponseData.MetadataResponseBrokerCollection();
        MetadataResponseData.MetadataResponseBroker b1 = new MetadataResponseData.MetadataResponseBroker()
            .setNodeId(1).setHost("broker-1.example").setPort(9092);
        MetadataResponseData.MetadataResponseBroker b2 = new MetadataResponseData.MetadataResponseBroker()
            .setNodeId(2).setHost("broker-2.example").setPort(19093);
        if (v >= 1) {
            b1.setRack("rack-a");
            b2.setRack(null);
        }
        brokers.add(b1);
        brokers.add(b2);
        d.setBrokers(brokers);
        if (v >= 2) {
            d.setClusterId("golden-cluster-id");
        }
        if (v >= 1) {
            d.setControllerId(2);
        }

        MetadataResponseData.MetadataResponseTopicCollection topics =
            new MetadataResponseData.MetadataResponseTopicCollection();
        MetadataResponseData.MetadataResponseTopic orders = new MetadataResponseData.MetadataResponseTopic()
            .setErrorCode((short) 0).setName("orders");
        orders.setPartitions(List.of(
            metadataPartition(v, (short) 0, 0, 1, 5, List.of(1, 2), List.of(1), List.of(2)),
            metadataPartition(v, (short) 9, 1, 2, 6, List.of(2, 1), List.of(2, 1), List.of())));
        MetadataResponseData.MetadataResponseTopic internal = new MetadataResponseData.MetadataResponseTopic()
            .setErrorCode((short) 5).setName("__consumer_offsets");
        internal.setPartitions(List.of(
            metadataPartition(v, (short) 5, 0, -1, 11, List.of(1, 2), List.of(), List.of(1, 2)),
            metadataPartition(v, (short) 0, 1, 1, 12, List.of(1, 2), List.of(1, 2), List.of())));
        if (v >= 1) {
            internal.setIsInternal(true);
        }
        if (v >= 10) {
            orders.setTopicId(TOPIC_ID_ORDERS);
            internal.setTopicId(TOPIC_ID_PAYMENTS);
        }
        if (v >= 8) {
            orders.setTopicAuthorizedOperations(0b0000_1111_1111_1000);
            internal.setTopicAuthorizedOperations(0b0000_0000_0100_1000);
        }
        topics.add(orders);
        topics.add(internal);
        if (v >= 12) {
            // Name is nullable from v12: a topic asked for by an id the broker does not know.
            topics.add(new MetadataResponseData.MetadataResponseTopic()
                .setErrorCode((short) 100).setName(null).setTopicId(TOPIC_ID_UNKNOWN)
                .setTopicAuthorizedOperations(Integer.MIN_VALUE));
        }
        d.setTopics(topics);
        if (v >= 8 && v <= 10) {
            d.setClusterAuthorizedOperations(0b0001_1011_1000);
        }
        if (v >= 13) {
            d.setErrorCode((short) 129);
        }
        return d;
    }

    private static MetadataResponseData.MetadataResponsePartition metadataPartition(
            short v, short error, int index, int leader, int leaderEpoch,
            List<Integer> replicas, List<Integer> isr, List<Integer> offline) {
        MetadataResponseData.MetadataResponsePartition p = new MetadataResponseData.MetadataResponsePartition()
            .setErrorCode(error).setPartitionIndex(index).setLeaderId(leader)
            .setReplicaNodes(replicas).setIsrNodes(isr);
        if (v >= 7) {
            p.setLeaderEpoch(leaderEpoch);
        }
        if (v >= 5) {
            p.setOfflineReplicas(offline);
        }
        return p;
    }

    // ---------------------------------------------------------------- Produce

    /** The batch in partition {@code partition} of topic {@code topic}: the same at every version. */
    static MemoryRecords produceBatch(int topic, int partition) {
        String tp = topic + "-" + partition;
        return RecordBatches.buildRecords(new RecordBatches.Case("produce-" + tp, CompressionType.NONE,
            PRODUCER_ID, PRODUCER_EPOCH, 10 * partition, true, List.of(
                new RecordBatches.Rec(BASE_TS, utf8("key-" + tp + "-a"), utf8("value " + tp + " a"),
                    new Header[] {new RecordHeader("h", utf8(tp))}),
                new RecordBatches.Rec(BASE_TS + 3, null, utf8("value " + tp + " b")))));
    }

    static ProduceRequestData produceRequest(short v, String transactionalId) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        String[] names = {"orders", "payments"};
        Uuid[] ids = {TOPIC_ID_ORDERS, TOPIC_ID_PAYMENTS};
        for (int t = 0; t < 2; t++) {
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData();
            if (v >= 13) {
                td.setTopicId(ids[t]);
            } else {
                td.setName(names[t]);
            }
            List<ProduceRequestData.PartitionProduceData> parts = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                parts.add(new ProduceRequestData.PartitionProduceData()
                    .setIndex(p == 0 ? 0 : 7)
                    .setRecords(produceBatch(t, p)));
            }
            td.setPartitionData(parts);
            topics.add(td);
        }
        return new ProduceRequestData()
            .setTransactionalId(transactionalId)
            .setAcks((short) -1)
            .setTimeoutMs(30_000)
            .setTopicData(topics);
    }

    static ProduceResponseData produceResponse(short v) {
        ProduceResponseData.TopicProduceResponseCollection responses =
            new ProduceResponseData.TopicProduceResponseCollection();
        String[] names = {"orders", "payments"};
        Uuid[] ids = {TOPIC_ID_ORDERS, TOPIC_ID_PAYMENTS};
        for (int t = 0; t < 2; t++) {
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse();
            if (v >= 13) {
                tr.setTopicId(ids[t]);
            } else {
                tr.setName(names[t]);
            }
            List<ProduceResponseData.PartitionProduceResponse> parts = new ArrayList<>();
            // Partition 0: success. Partition 7: an error with record errors and a new leader.
            ProduceResponseData.PartitionProduceResponse ok = new ProduceResponseData.PartitionProduceResponse()
                .setIndex(0).setErrorCode((short) 0).setBaseOffset(1_234_567_890_123L + t);
            ProduceResponseData.PartitionProduceResponse bad = new ProduceResponseData.PartitionProduceResponse()
                .setIndex(7).setErrorCode((short) 6).setBaseOffset(-1L);
            ok.setLogAppendTimeMs(BASE_TS + 123);
            bad.setLogAppendTimeMs(-1L);
            if (v >= 5) {
                ok.setLogStartOffset(42L);
                bad.setLogStartOffset(4_000_000_000L);
            }
            if (v >= 8) {
                ok.setRecordErrors(List.of(
                    new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(0).setBatchIndexErrorMessage("bad record"),
                    new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(3).setBatchIndexErrorMessage(null)));
                ok.setErrorMessage("batch dropped: invalid records");
                bad.setErrorMessage(null);
            }
            if (v >= 10) {
                bad.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(9));
            }
            parts.add(ok);
            parts.add(bad);
            tr.setPartitionResponses(parts);
            responses.add(tr);
        }
        ProduceResponseData d = new ProduceResponseData().setResponses(responses).setThrottleTimeMs(10);
        if (v >= 10) {
            ProduceResponseData.NodeEndpointCollection endpoints = new ProduceResponseData.NodeEndpointCollection();
            endpoints.add(new ProduceResponseData.NodeEndpoint()
                .setNodeId(2).setHost("broker-2.example").setPort(19093).setRack("rack-b"));
            endpoints.add(new ProduceResponseData.NodeEndpoint()
                .setNodeId(3).setHost("broker-3.example").setPort(9094).setRack(null));
            d.setNodeEndpoints(endpoints);
        }
        return d;
    }

    // ---------------------------------------------------------------- InitProducerId

    static InitProducerIdRequestData initProducerIdRequest(short v, String transactionalId) {
        InitProducerIdRequestData d = new InitProducerIdRequestData()
            .setTransactionalId(transactionalId)
            .setTransactionTimeoutMs(60_000);
        if (v >= 3) {
            d.setProducerId(PRODUCER_ID).setProducerEpoch(PRODUCER_EPOCH);
        }
        if (v >= 6) {
            d.setEnable2Pc(true).setKeepPreparedTxn(true);
        }
        return d;
    }

    static InitProducerIdResponseData initProducerIdResponse(short v) {
        InitProducerIdResponseData d = new InitProducerIdResponseData()
            .setThrottleTimeMs(20)
            .setErrorCode((short) 51)
            .setProducerId(PRODUCER_ID)
            .setProducerEpoch(PRODUCER_EPOCH);
        if (v >= 6) {
            d.setOngoingTxnProducerId(123_456_789_000L).setOngoingTxnProducerEpoch((short) 3);
        }
        return d;
    }

    // ---------------------------------------------------------------- SASL

    static SaslHandshakeRequestData saslHandshakeRequest(short v) {
        return new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256");
    }

    static SaslHandshakeResponseData saslHandshakeResponse(short v) {
        return new SaslHandshakeResponseData()
            .setErrorCode((short) 33)
            .setMechanisms(List.of("PLAIN", "SCRAM-SHA-512"));
    }

    static SaslAuthenticateRequestData saslAuthenticateRequest(short v) {
        return new SaslAuthenticateRequestData().setAuthBytes(utf8("\u0000golden-user\u0000golden-pässword"));
    }

    static SaslAuthenticateResponseData saslAuthenticateResponse(short v, boolean success) {
        SaslAuthenticateResponseData d = new SaslAuthenticateResponseData();
        if (success) {
            d.setErrorCode((short) 0).setErrorMessage(null)
                .setAuthBytes(utf8("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
        } else {
            d.setErrorCode((short) 58)
                .setErrorMessage("Authentication failed: Invalid username or password")
                .setAuthBytes(new byte[] {0x00, 0x01, (byte) 0xfe, (byte) 0xff});
        }
        if (v >= 1) {
            d.setSessionLifetimeMs(3_600_000L);
        }
        return d;
    }

    // ---------------------------------------------------------------- Transactions

    static FindCoordinatorRequestData findCoordinatorRequest(short v) {
        FindCoordinatorRequestData d = new FindCoordinatorRequestData();
        if (v >= 1) {
            d.setKeyType((byte) 1);
        }
        if (v >= 4) {
            d.setCoordinatorKeys(List.of("golden-txn", "golden-txn-2"));
        } else {
            d.setKey("golden-txn");
        }
        return d;
    }

    /** Up to v3 one coordinator (an error with a message, or success); from v4 a list. */
    static FindCoordinatorResponseData findCoordinatorResponse(short v, boolean success) {
        FindCoordinatorResponseData d = new FindCoordinatorResponseData();
        if (v >= 1) {
            d.setThrottleTimeMs(30);
        }
        if (v >= 4) {
            List<FindCoordinatorResponseData.Coordinator> cs = new ArrayList<>();
            cs.add(new FindCoordinatorResponseData.Coordinator()
                .setKey("golden-txn").setNodeId(2).setHost("broker-2.example").setPort(19093)
                .setErrorCode((short) 0).setErrorMessage(null));
            cs.add(success
                ? new FindCoordinatorResponseData.Coordinator()
                    .setKey("golden-txn-2").setNodeId(3).setHost("broker-3.example").setPort(9094)
                    .setErrorCode((short) 0).setErrorMessage(null)
                : new FindCoordinatorResponseData.Coordinator()
                    .setKey("golden-txn-2").setNodeId(-1).setHost("").setPort(-1)
                    .setErrorCode((short) 15).setErrorMessage("The coordinator is not available."));
            return d.setCoordinators(cs);
        }
        if (success) {
            d.setErrorCode((short) 0).setNodeId(2).setHost("broker-2.example").setPort(19093);
        } else {
            d.setErrorCode((short) 15).setNodeId(-1).setHost("").setPort(-1);
        }
        if (v >= 1) {
            d.setErrorMessage(success ? null : "The coordinator is not available.");
        }
        return d;
    }

    private static AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection addPartitionsTopics(boolean second) {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
            new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        if (second) {
            topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
                .setName("orders").setPartitions(List.of(1)));
            return topics;
        }
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
            .setName("orders").setPartitions(List.of(0, 7)));
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
            .setName("payments").setPartitions(List.of(3)));
        return topics;
    }

    /** v0-v3: one transaction (the client form); v4+: a batch of two (the brokers' form). */
    static AddPartitionsToTxnRequestData addPartitionsToTxnRequest(short v) {
        AddPartitionsToTxnRequestData d = new AddPartitionsToTxnRequestData();
        if (v >= 4) {
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection txns =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
            txns.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                .setTransactionalId("golden-txn").setProducerId(PRODUCER_ID).setProducerEpoch(PRODUCER_EPOCH)
                .setVerifyOnly(true).setTopics(addPartitionsTopics(false)));
            txns.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                .setTransactionalId("golden-txn-2").setProducerId(PRODUCER_ID + 1).setProducerEpoch((short) 0)
                .setVerifyOnly(false).setTopics(addPartitionsTopics(true)));
            return d.setTransactions(txns);
        }
        return d.setV3AndBelowTransactionalId("golden-txn")
            .setV3AndBelowProducerId(PRODUCER_ID)
            .setV3AndBelowProducerEpoch(PRODUCER_EPOCH)
            .setV3AndBelowTopics(addPartitionsTopics(false));
    }

    private static AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection addPartitionsResults() {
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection topics =
            new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
        AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection orders =
            new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection();
        orders.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
            .setPartitionIndex(0).setPartitionErrorCode((short) 55));
        orders.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
            .setPartitionIndex(7).setPartitionErrorCode((short) 29));
        AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection payments =
            new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection();
        payments.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
            .setPartitionIndex(3).setPartitionErrorCode((short) 0));
        topics.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult()
            .setName("orders").setResultsByPartition(orders));
        topics.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult()
            .setName("payments").setResultsByPartition(payments));
        return topics;
    }

    static AddPartitionsToTxnResponseData addPartitionsToTxnResponse(short v) {
        AddPartitionsToTxnResponseData d = new AddPartitionsToTxnResponseData().setThrottleTimeMs(40);
        if (v >= 4) {
            AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection results =
                new AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection();
            results.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnResult()
                .setTransactionalId("golden-txn").setTopicResults(addPartitionsResults()));
            return d.setErrorCode((short) 0).setResultsByTransaction(results);
        }
        return d.setResultsByTopicV3AndBelow(addPartitionsResults());
    }

    static AddOffsetsToTxnRequestData addOffsetsToTxnRequest(short v) {
        return new AddOffsetsToTxnRequestData()
            .setTransactionalId("golden-txn")
            .setProducerId(PRODUCER_ID)
            .setProducerEpoch(PRODUCER_EPOCH)
            .setGroupId("golden-group");
    }

    static AddOffsetsToTxnResponseData addOffsetsToTxnResponse(short v) {
        return new AddOffsetsToTxnResponseData().setThrottleTimeMs(50).setErrorCode((short) 47);
    }

    static EndTxnRequestData endTxnRequest(short v, boolean committed) {
        return new EndTxnRequestData()
            .setTransactionalId("golden-txn")
            .setProducerId(PRODUCER_ID)
            .setProducerEpoch(PRODUCER_EPOCH)
            .setCommitted(committed);
    }

    static EndTxnResponseData endTxnResponse(short v) {
        EndTxnResponseData d = new EndTxnResponseData().setThrottleTimeMs(60).setErrorCode((short) 51);
        if (v >= 5) {
            d.setProducerId(PRODUCER_ID + 1).setProducerEpoch((short) (PRODUCER_EPOCH + 1));
        }
        return d;
    }

    static TxnOffsetCommitRequestData txnOffsetCommitRequest(short v, String groupInstanceId) {
        TxnOffsetCommitRequestData d = new TxnOffsetCommitRequestData()
            .setTransactionalId("golden-txn")
            .setGroupId("golden-group")
            .setProducerId(PRODUCER_ID)
            .setProducerEpoch(PRODUCER_EPOCH);
        if (v >= 3) {
            d.setGenerationId(17).setMemberId("consumer-golden-1").setGroupInstanceId(groupInstanceId);
        }
        TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p0 =
            new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                .setPartitionIndex(0).setCommittedOffset(1_234_567_890_123L).setCommittedMetadata("checkpoint a");
        TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p7 =
            new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                .setPartitionIndex(7).setCommittedOffset(42L).setCommittedMetadata(null);
        TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p3 =
            new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                .setPartitionIndex(3).setCommittedOffset(0L).setCommittedMetadata("");
        if (v >= 2) {
            p0.setCommittedLeaderEpoch(5);
            p7.setCommittedLeaderEpoch(-1);
            p3.setCommittedLeaderEpoch(12);
        }
        return d.setTopics(List.of(
            new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("orders").setPartitions(List.of(p0, p7)),
            new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("payments").setPartitions(List.of(p3))));
    }

    static TxnOffsetCommitResponseData txnOffsetCommitResponse(short v) {
        return new TxnOffsetCommitResponseData().setThrottleTimeMs(70).setTopics(List.of(
            new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName("orders").setPartitions(List.of(
                new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(0).setErrorCode((short) 0),
                new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(7).setErrorCode((short) 22))),
            new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName("payments").setPartitions(List.of(
                new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(3).setErrorCode((short) 25)))));
    }
}
