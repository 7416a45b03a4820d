package kafkawire.golden;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.utils.AppInfoParser;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Writes kafka-wire's golden vectors with the Java client's own classes.
 *
 * <p>Usage: {@code java -cp ... kafkawire.golden.Main <output dir>} (normally test/golden,
 * through test/golden/generate.sh). Everything written is a pure function of this code and
 * the kafka-clients version: fixed seeds, fixed timestamps, no clock, no randomness.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: Main <output dir>");
            System.exit(2);
        }
        Path root = Paths.get(args[0]);

        ObjectNode index = JsonNodeFactory.instance.objectNode();
        index.put("kafkaClientsVersion", AppInfoParser.getVersion());
        ArrayNode apis = index.putArray("apis");

        Messages.generate(root, apis);
        RecordBatches.generate(root.resolve("records"));
        PartitionerVectors.generate(root.resolve("partitioner"));
        ErrorTable.generate(root.resolve("errors.tsv"));
        Out.writeJson(root.resolve("index.json"), index);

        System.out.println("kafka-clients " + AppInfoParser.getVersion() + ": wrote "
            + Out.filesWritten() + " files under " + args[0]);
    }
}
