/**
 * JSON values checked against a schema before they leave the process.
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/json-with-schema.ts
 *
 * A serializer is any object with serialize(topic, data). Validating there means a bad value
 * never reaches the topic, and the failure belongs to that one record: send() rejects it with
 * SerializationError (its `cause` is what the serializer threw) and the producer goes on.
 * The schema check below is a few lines written by hand, to show the shape; an application
 * would plug in its own validator the same way.
 */
// In an application: from 'kafka-wire'.
import { KafkaProducer, SerializationError, type Serializer } from '../src';

// --- a tiny schema: field name -> expected type ------------------------------------------

type FieldType = 'string' | 'number' | 'boolean';
type Schema = Record<string, { type: FieldType; optional?: boolean }>;

/** The problems of `value` against `schema`; empty when it conforms. */
function check(schema: Schema, value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not an object'];
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, rule] of Object.entries(schema)) {
    if (obj[field] === undefined) {
      if (!rule.optional) problems.push(`${field}: missing`);
    } else if (typeof obj[field] !== rule.type) {
      problems.push(`${field}: expected ${rule.type}, got ${typeof obj[field]}`);
    }
  }
  // Unknown fields are refused too: they are usually typos the consumer would silently ignore.
  for (const field of Object.keys(obj)) if (!(field in schema)) problems.push(`${field}: not in the schema`);
  return problems;
}

/** A value serializer that validates, then writes JSON as UTF-8. A null value stays a tombstone. */
function schemaJsonSerializer<T>(schema: Schema): Serializer<T> {
  return {
    serialize(topic, data) {
      if (data == null) return null;
      const problems = check(schema, data);
      if (problems.length > 0) throw new TypeError(`value for ${topic} does not match its schema: ${problems.join('; ')}`);
      return Buffer.from(JSON.stringify(data), 'utf8');
    },
  };
}

// --- use ---------------------------------------------------------------------------------

interface Order {
  id: string;
  total: number;
  express?: boolean;
}

const ORDER_SCHEMA: Schema = {
  id: { type: 'string' },
  total: { type: 'number' },
  express: { type: 'boolean', optional: true },
};

async function main(): Promise<void> {
  // The producer's value type follows from the serializer: send() takes an Order.
  const producer = new KafkaProducer<string, Order>({
    bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
    valueSerializer: schemaJsonSerializer<Order>(ORDER_SCHEMA),
  });

  const good: Order = { id: 'o-1', total: 12.5 };
  const md = await producer.send({ topic: 'orders-json', key: good.id, value: good });
  console.log(`o-1 written at offset ${md.offset}`);

  // Data from outside (a request body, a file) is not checked by TypeScript; the serializer is.
  const untrusted = JSON.parse('{"id":"o-2","total":"12.50","expres":true}') as Order;
  try {
    await producer.send({ topic: 'orders-json', key: untrusted.id, value: untrusted });
  } catch (err) {
    if (!(err instanceof SerializationError)) throw err;
    console.log(`o-2 refused: ${(err.cause as Error).message}`);
  }

  await producer.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
