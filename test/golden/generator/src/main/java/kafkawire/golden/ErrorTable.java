package kafkawire.golden;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidMetadataException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

/** Section D: every error code with the Java client's classification of it. */
final class ErrorTable {
    private ErrorTable() {
    }

    static void generate(Path file) {
        StringBuilder sb = new StringBuilder("code\tname\tretriable\tinvalidMetadata\texception\n");
        Errors[] errors = Errors.values();
        Arrays.sort(errors, Comparator.comparingInt(Errors::code));
        short previous = Short.MIN_VALUE;
        for (Errors e : errors) {
            if (e.code() == previous) {
                throw new IllegalStateException("two errors with code " + e.code());
            }
            previous = e.code();
            ApiException ex = e.exception();
            sb.append(e.code()).append('\t')
                .append(e.name()).append('\t')
                .append(ex instanceof RetriableException).append('\t')
                .append(ex instanceof InvalidMetadataException).append('\t')
                .append(ex == null ? "-" : ex.getClass().getSimpleName()).append('\n');
        }
        Out.writeText(file, sb.toString());
    }
}
