/**
 * Demo child: 1000 send() calls, then the script simply ends: no flush(), no close(), no exit().
 * The producer keeps the process alive while records are pending, so all of them are delivered
 * before Node exits on its own.
 * Usage: <bootstrap> <topic>
 */
import { KafkaProducer, jsonSerializer } from '../../src';

const [bootstrap, topic] = process.argv.slice(2);
const producer = new KafkaProducer<never, { number: number }>({ bootstrapServers: bootstrap, valueSerializer: jsonSerializer() });
for (let i = 0; i < 1000; i++) producer.send({ topic, value: { number: i } });
