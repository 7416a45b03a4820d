/**
 * Demo child: 1000 send() calls, then process.exit() straight away. The records are still in the
 * accumulator (or half-way to the broker) when the process ends, so most or all of them are lost.
 * Usage: <bootstrap> <topic>
 */
import { KafkaProducer, jsonSerializer } from '../../src';

const [bootstrap, topic] = process.argv.slice(2);
const producer = new KafkaProducer<never, { number: number }>({ bootstrapServers: bootstrap, valueSerializer: jsonSerializer() });
for (let i = 0; i < 1000; i++) producer.send({ topic, value: { number: i } }).catch(() => {});
process.exit(0);
