/**
 * Consume-transform-produce with exactly-once results, using producer.transaction().
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/transactions.ts
 *
 * kafka-wire has no consumer. The loop below takes any consumer that can hand over a batch
 * of records together with its group metadata (the `BatchSource` interface); a stand-in that
 * makes up records is used here so the example runs on its own. With a real consumer, read
 * with isolation level read_committed and turn off its own offset commits: the offsets are
 * committed by the transaction, together with the records it writes, or not at all.
 */
// In an application: from 'kafka-wire'.
import { KafkaProducer, ProducerFencedError } from '../src';

// --- what the loop needs from a consumer ------------------------------------------------

interface InputRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: string;
}

interface Batch {
  records: InputRecord[];
  /** The consumer's group membership at the time of the poll (Java's ConsumerGroupMetadata). */
  group: { groupId: string; generationId: number; memberId: string };
}

interface BatchSource {
  /** The next batch, or null when there is no more input. */
  next(): Promise<Batch | null>;
}

/** A stand-in consumer: three batches of made-up records from partition 0 of `topic`. */
function standInConsumer(topic: string): BatchSource {
  let offset = 0n;
  let batches = 0;
  return {
    async next() {
      if (batches++ === 3) return null;
      const records = Array.from({ length: 5 }, () => ({ topic, partition: 0, offset: offset++, key: `k${offset % 3n}`, value: `event ${offset}` }));
      // Without a live group, generation -1 and an empty member id skip the broker's fencing check.
      return { records, group: { groupId: 'tx-example-group', generationId: -1, memberId: '' } };
    },
  };
}

// --- the loop ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const producer = new KafkaProducer({
    bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
    // Stable per instance of the application (not random): a restarted instance with the same
    // id fences its predecessor, so a zombie cannot commit after the new one took over.
    transactionalId: 'tx-example-1',
  });
  await producer.initTransactions();

  // The stand-in's input topic must exist, since offsets are committed for it (the broker
  // answers UNKNOWN_TOPIC_OR_PARTITION otherwise, and the commit is retried). Looking it up
  // creates it on a broker with auto.create.topics.enable; a real consumer needs no such step.
  await producer.partitionsFor('tx-example-in');
  const consumer = standInConsumer('tx-example-in');
  try {
    for (let batch = await consumer.next(); batch !== null; batch = await consumer.next()) {
      const input = batch;
      // transaction() begins, runs the function and commits. If the function throws or any
      // record sent through tx.send fails, it aborts and rethrows: nothing of this batch is
      // visible to read_committed consumers, and its offsets are not committed, so the
      // batch is read again after a restart.
      await producer.transaction(async (tx) => {
        for (const r of input.records) {
          void tx.send({ topic: 'tx-example-out', key: r.key, value: r.value.toUpperCase() });
        }
        // The offset to commit is the next one to read: last + 1, per partition.
        const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
        for (const r of input.records) next.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1n });
        await tx.sendOffsets([...next.values()], input.group);
      });
      console.log(`committed ${input.records.length} records`);
    }
  } catch (err) {
    // Fenced: another instance with this transactionalId took over. This one must stop;
    // every further call would fail the same way.
    if (err instanceof ProducerFencedError) console.error('fenced by a newer instance, stopping');
    else throw err;
  } finally {
    await producer.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
