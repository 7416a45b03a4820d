package kafkawire.golden;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * File output in the two formats the TypeScript tests read.
 *
 * <p>Hex: lowercase, 32 bytes (64 hex digits) per line, every line newline-terminated,
 * nothing else (so zero bytes make an empty file).
 *
 * <p>JSON: the same text {@code JSON.stringify(value, null, 2) + "\n"} gives in Node, so a
 * test may compare text as well as values. Object keys keep their insertion order (for the
 * Java client's converters: schema order). Binary nodes become standard base64 with padding,
 * which is what Jackson itself would print for them.
 */
final class Out {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static int filesWritten = 0;

    private Out() {
    }

    static int filesWritten() {
        return filesWritten;
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }

    /** The "diffable hex" text of {@code bytes}. */
    static String hexLines(byte[] bytes) {
        String h = hex(bytes);
        StringBuilder sb = new StringBuilder(h.length() + h.length() / 64 + 1);
        for (int i = 0; i < h.length(); i += 64) {
            sb.append(h, i, Math.min(h.length(), i + 64)).append('\n');
        }
        return sb.toString();
    }

    static void writeHex(Path file, byte[] bytes) {
        writeText(file, hexLines(bytes));
    }

    static void writeJson(Path file, JsonNode node) {
        StringBuilder sb = new StringBuilder();
        json(sb, node, "");
        sb.append('\n');
        writeText(file, sb.toString());
    }

    static void writeText(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
            filesWritten++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(StringBuilder sb, JsonNode node, String indent) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            sb.append("null");
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            if (!it.hasNext()) {
                sb.append("{}");
                return;
            }
            String inner = indent + "  ";
            sb.append("{\n");
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    sb.append(",\n");
                }
                first = false;
                sb.append(inner);
                string(sb, e.getKey());
                sb.append(": ");
                json(sb, e.getValue(), inner);
            }
            sb.append('\n').append(indent).append('}');
        } else if (node.isArray()) {
            if (node.size() == 0) {
                sb.append("[]");
                return;
            }
            String inner = indent + "  ";
            sb.append("[\n");
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    sb.append(",\n");
                }
                sb.append(inner);
                json(sb, node.get(i), inner);
            }
            sb.append('\n').append(indent).append(']');
        } else if (node.isBinary()) {
            try {
                string(sb, Base64.getEncoder().encodeToString(node.binaryValue()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else if (node.isTextual()) {
            string(sb, node.textValue());
        } else if (node.isBoolean()) {
            sb.append(node.booleanValue());
        } else if (node.isIntegralNumber()) {
            sb.append(node.bigIntegerValue().toString());
        } else if (node.isNumber()) {
            double d = node.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e21) {
                sb.append((long) d);
            } else {
                throw new IllegalArgumentException("non-integral number in golden JSON: " + d);
            }
        } else {
            throw new IllegalArgumentException("unexpected JSON node type " + node.getNodeType());
        }
    }

    /** A JSON string literal escaped exactly as JSON.stringify escapes it. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        unicodeEscape(sb, c);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            unicodeEscape(sb, c);
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        unicodeEscape(sb, c);
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static void unicodeEscape(StringBuilder sb, char c) {
        sb.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) {
            sb.append(HEX[(c >> shift) & 0xf]);
        }
    }
}
