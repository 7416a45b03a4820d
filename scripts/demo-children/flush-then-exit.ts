/**
 * Demo child: 1000 send() calls, then `await producer.flush()`, then process.exit(). flush()
 * resolves once every record sent before it is acknowledged, so exiting afterwards loses nothing.
 * Usage: <bootstrap> <topic>
 */
import { KafkaProducer, jsonSerializer } from '../../src';

async function main(): Promise<void> {
  const [bootstrap, topic] = process.argv.slice(2);
  const producer = new KafkaProducer<never, { number: number }>({ bootstrapServers: bootstrap, valueSerializer: jsonSerializer() });
  for (let i = 0; i < 1000; i++) producer.send({ topic, value: { number: i } }).catch(() => {});
  await producer.flush();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
