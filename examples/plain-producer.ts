/**
 * The smallest useful producer: send a few records, wait for their outcomes, close.
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/plain-producer.ts
 *
 * Both forms of send() are shown. The promise form suits code that needs the offset before
 * going on; the callback form makes no promise, which is cheaper when sending many records.
 */
// In an application: from 'kafka-wire'.
import { KafkaProducer } from '../src';

async function main(): Promise<void> {
  const producer = new KafkaProducer({
    bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
    // The defaults are the Java client's: acks all, idempotence on, linger 5 ms.
    // Nothing else needs setting for a first program.
  });

  try {
    // Promise form: resolves once the broker has written the record.
    const md = await producer.send({ topic: 'plain-example', value: 'hello' });
    console.log(`hello -> ${md.topic}-${md.partition} at offset ${md.offset}`);

    // Callback form: send() returns at once; records sent in a row are batched together.
    for (let i = 0; i < 100; i++) {
      producer.send({ topic: 'plain-example', value: `record ${i}` }, (err) => {
        if (err) console.error(`record ${i} failed: ${err.message}`);
      });
    }
    // flush() waits until every record sent so far has its outcome (callbacks have run).
    await producer.flush();
    console.log('100 more records delivered');
  } finally {
    // close() delivers anything still queued, then disconnects. Without it the process
    // would still exit once the records are done, but closing says so explicitly.
    await producer.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
