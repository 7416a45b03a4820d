package kafkawire.golden;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Section B: record batches (magic v2, CREATE_TIME, base offset 0, no partition leader
 * epoch) built with the Java client's MemoryRecordsBuilder, plus a JSON description of the
 * inputs from which a TypeScript test can build the same batch.
 */
final class RecordBatches {
    static final long BASE_TS = 1_700_000_000_000L;
    static final long PRODUCER_ID = 123_456_789_012L;
    static final short PRODUCER_EPOCH = 7;

    private static final JsonNodeFactory NF = JsonNodeFactory.instance;

    record Rec(long timestamp, byte[] key, byte[] value, Header[] headers) {
        Rec(long timestamp, byte[] key, byte[] value) {
            this(timestamp, key, value, new Header[0]);
        }
    }

    record Case(String name, CompressionType compression, long producerId, short producerEpoch,
                int baseSequence, boolean isTransactional, List<Rec> records) {
        static Case plain(String name, List<Rec> records) {
            return new Case(name, CompressionType.NONE, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, records);
        }

        Case withCompression(String newName, CompressionType type) {
            return new Case(newName, type, producerId, producerEpoch, baseSequence, isTransactional, records);
        }
    }

    private RecordBatches() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Compression compressionOf(CompressionType type) {
        return Compression.of(type).build();
    }

    /** Builds one batch; the bytes are exactly what MemoryRecordsBuilder wrote. */
    static byte[] build(Case c) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
            ByteBuffer.allocate(1024),
            RecordBatch.MAGIC_VALUE_V2,
            compressionOf(c.compression()),
            TimestampType.CREATE_TIME,
            0L,                               // baseOffset
            RecordBatch.NO_TIMESTAMP,         // logAppendTime (unused for CREATE_TIME)
            c.producerId(),
            c.producerEpoch(),
            c.baseSequence(),
            c.isTransactional(),
            RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (Rec r : c.records()) {
            builder.append(r.timestamp(), r.key(), r.value(), r.headers());
        }
        MemoryRecords records = builder.build();
        ByteBuffer buf = records.buffer().duplicate();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return bytes;
    }

    static MemoryRecords buildRecords(Case c) {
        return MemoryRecords.readableRecords(ByteBuffer.wrap(build(c)));
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();

        List<Rec> basic = List.of(
            new Rec(BASE_TS, utf8("key-0"), utf8("value-0")),
            new Rec(BASE_TS + 1, utf8("key-1"), utf8("value-1")),
            new Rec(BASE_TS + 2, utf8("key-2"), utf8("value-2")));
        Case basicCase = Case.plain("basic", basic);
        cases.add(basicCase);

        cases.add(Case.plain("null-key", List.of(
            new Rec(BASE_TS, null, utf8("value without a key")),
            new Rec(BASE_TS, null, utf8("another")))));

        cases.add(Case.plain("null-value", List.of(
            new Rec(BASE_TS, utf8("deleted-key"), null))));

        cases.add(Case.plain("empty-value", List.of(
            new Rec(BASE_TS, utf8("k"), new byte[0]),
            new Rec(BASE_TS + 1, new byte[0], new byte[0]))));

        cases.add(Case.plain("headers", List.of(
            new Rec(BASE_TS, utf8("with-headers"), utf8("payload"), new Header[] {
                new RecordHeader("trace-id", hexBytes("0af7651916cd43dd8448eb211c80319c")),
                new RecordHeader("empty", new byte[0]),
                new RecordHeader("null-value", (byte[]) null),
                new RecordHeader("ключ-ü-日本", utf8("värde")),
                new RecordHeader("dup", utf8("1")),
                new RecordHeader("dup", utf8("2")),
            }),
            new Rec(BASE_TS + 5, null, utf8("second"), new Header[] {
                new RecordHeader("only", utf8("x")),
            }))));

        List<Rec> idem = List.of(
            new Rec(BASE_TS, utf8("id-0"), utf8("first")),
            new Rec(BASE_TS + 10, utf8("id-1"), utf8("second")),
            new Rec(BASE_TS + 20, utf8("id-2"), utf8("third")));
        cases.add(new Case("idempotent", CompressionType.NONE, PRODUCER_ID, PRODUCER_EPOCH, 42, false, idem));
        cases.add(new Case("transactional", CompressionType.NONE, PRODUCER_ID, PRODUCER_EPOCH, 42, true, idem));

        cases.add(Case.plain("timestamps", List.of(
            new Rec(BASE_TS, utf8("t0"), utf8("base")),
            new Rec(BASE_TS - 1, utf8("t1"), utf8("one ms back")),
            new Rec(BASE_TS + 1, utf8("t2"), utf8("one ms forward")),
            new Rec(BASE_TS + 5_000_000L, utf8("t3"), utf8("+5e6 ms (> 2^21)")),
            new Rec(BASE_TS - 3_000_000L, utf8("t4"), utf8("-3e6 ms (< -2^21)")),
            new Rec(BASE_TS + 300_000_000L, utf8("t5"), utf8("+3e8 ms (> 2^27, 5-byte varint)")),
            new Rec(BASE_TS, utf8("t6"), utf8("back to base")))));

        Random rnd = new Random(100L);
        List<Rec> large = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] key = new byte[16];
            byte[] value = new byte[100];
            rnd.nextBytes(key);
            rnd.nextBytes(value);
            large.add(new Rec(BASE_TS + i, key, value));
        }
        cases.add(Case.plain("large", large));

        cases.add(Case.plain("unicode", List.of(
            new Rec(BASE_TS, utf8("ключ-1"), utf8("Привет, мир")),
            new Rec(BASE_TS + 1, utf8("鍵-2"), utf8("こんにちは世界")),
            new Rec(BASE_TS + 2, utf8("🔑-3"), utf8("emoji 🎉🚀, combining e\u0301, ß, ü")))));

        cases.add(basicCase.withCompression("gzip", CompressionType.GZIP));
        // Not asked for, but cheap: the other codecs the Java producer offers. Compare decompressed
        // content (codec output is implementation-specific).
        cases.add(basicCase.withCompression("snappy", CompressionType.SNAPPY));
        cases.add(basicCase.withCompression("lz4", CompressionType.LZ4));
        cases.add(basicCase.withCompression("zstd", CompressionType.ZSTD));

        List<Rec> edges = new ArrayList<>();
        int[] lengths = {63, 64, 8191, 8192};
        for (int i = 0; i < lengths.length; i++) {
            byte[] value = new byte[lengths[i]];
            for (int j = 0; j < value.length; j++) {
                value[j] = (byte) (j * 31 + i);
            }
            edges.add(new Rec(BASE_TS + i, utf8("len-" + lengths[i]), value));
        }
        cases.add(Case.plain("varint-edges", edges));

        return cases;
    }

    static void generate(Path dir) {
        for (Case c : cases()) {
            byte[] bytes = build(c);
            MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
            Iterator<MutableRecordBatch> it = records.batches().iterator();
            DefaultRecordBatch batch = (DefaultRecordBatch) it.next();
            if (it.hasNext()) {
                throw new IllegalStateException(c.name() + ": more than one batch");
            }
            batch.ensureValid();
            check(c, batch);

            ObjectNode json = NF.objectNode();
            json.put("compression", c.compression().name);
            json.put("baseOffset", 0L);
            json.put("producerId", c.producerId());
            json.put("producerEpoch", c.producerEpoch());
            json.put("baseSequence", c.baseSequence());
            json.put("isTransactional", c.isTransactional());
            ArrayNode recs = json.putArray("records");
            for (Rec r : c.records()) {
                ObjectNode rn = recs.addObject();
                rn.put("timestamp", r.timestamp());
                putHexOrNull(rn, "key", r.key());
                putHexOrNull(rn, "value", r.value());
                ArrayNode hs = rn.putArray("headers");
                for (Header h : r.headers()) {
                    ObjectNode hn = hs.addObject();
                    hn.put("key", h.key());
                    putHexOrNull(hn, "value", h.value());
                }
            }
            ObjectNode b = json.putObject("batch");
            b.put("baseOffset", batch.baseOffset());
            b.put("lastOffsetDelta", (int) (batch.lastOffset() - batch.baseOffset()));
            b.put("baseTimestamp", batch.baseTimestamp());
            b.put("maxTimestamp", batch.maxTimestamp());
            b.put("crc", batch.checksum());
            b.put("sizeInBytes", batch.sizeInBytes());
            b.put("attributes", ByteBuffer.wrap(bytes).getShort(21) & 0xffff);
            b.put("partitionLeaderEpoch", batch.partitionLeaderEpoch());
            b.put("magic", batch.magic());
            b.put("recordCount", batch.countOrNull());

            Out.writeHex(dir.resolve(c.name() + ".hex"), bytes);
            Out.writeJson(dir.resolve(c.name() + ".json"), json);
        }
    }

    /** The batch Java reads back holds exactly the records we put in. */
    private static void check(Case c, DefaultRecordBatch batch) {
        if (batch.compressionType() != c.compression() || batch.producerId() != c.producerId()
            || batch.producerEpoch() != c.producerEpoch() || batch.baseSequence() != c.baseSequence()
            || batch.isTransactional() != c.isTransactional()) {
            throw new IllegalStateException(c.name() + ": batch header does not match its inputs");
        }
        int i = 0;
        for (Record r : batch) {
            Rec want = c.records().get(i);
            if (r.offset() != i || r.timestamp() != want.timestamp()
                || !Arrays.equals(bytesOf(r.key()), want.key())
                || !Arrays.equals(bytesOf(r.value()), want.value())
                || r.headers().length != want.headers().length) {
                throw new IllegalStateException(c.name() + ": record " + i + " does not round-trip");
            }
            for (int h = 0; h < want.headers().length; h++) {
                if (!r.headers()[h].key().equals(want.headers()[h].key())
                    || !Arrays.equals(r.headers()[h].value(), want.headers()[h].value())) {
                    throw new IllegalStateException(c.name() + ": header " + h + " of record " + i);
                }
            }
            i++;
        }
        if (i != c.records().size()) {
            throw new IllegalStateException(c.name() + ": record count " + i);
        }
    }

    private static byte[] bytesOf(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static void putHexOrNull(ObjectNode node, String field, byte[] bytes) {
        if (bytes == null) {
            node.putNull(field);
        } else {
            node.put(field, Out.hex(bytes));
        }
    }

    static byte[] hexBytes(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
