/**
 * Keeping the events of one entity in order: give them the same key.
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/keyed-ordering.ts
 *
 * Kafka orders records within a partition only. Records with the same key go to the same
 * partition (murmur2 of the key bytes, as the Java client computes it, so Java and Node
 * producers agree), and with idempotence on (the default) retries neither reorder nor
 * duplicate them, even with several requests in flight. So per-key order is the order of
 * the send() calls; nothing else needs configuring.
 */
// In an application: from 'kafka-wire'.
import { KafkaProducer, partitionForKey } from '../src';

const TOPIC = 'keyed-example';

async function main(): Promise<void> {
  const producer = new KafkaProducer({ bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092' });

  // Three accounts, each with a sequence of events that must be applied in order.
  const events: { account: string; event: string }[] = [];
  for (const step of ['opened', 'deposit 100', 'withdraw 30', 'deposit 5', 'closed']) {
    for (const account of ['acct-1', 'acct-2', 'acct-3']) events.push({ account, event: step });
  }

  // All sends are issued at once (no await in the loop): order still holds per key,
  // because send() appends each record to its partition's batch in call order.
  const results = await Promise.all(events.map((e) => producer.send({ topic: TOPIC, key: e.account, value: e.event })));

  const partitionCount = (await producer.partitionsFor(TOPIC)).length;
  for (const account of ['acct-1', 'acct-2', 'acct-3']) {
    const mine = results.filter((_, i) => events[i].account === account);
    const offsets = mine.map((md) => md.offset);
    const inOrder = offsets.every((o, i) => i === 0 || o > offsets[i - 1]);
    // partitionForKey() is the same computation the producer made, usable on its own
    // (to predict where a key lands, or to check a consumer's assignment).
    const expected = partitionForKey(Buffer.from(account), partitionCount);
    console.log(`${account}: partition ${mine[0].partition} (expected ${expected}), offsets ${offsets.join(', ')}, in order: ${inOrder}`);
  }

  await producer.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
