/**
 * Run as its own process (test/unit/producer/producer.test.ts): sends records that fail in
 * every way send() knows of, written as a new user writes them, `producer.send(r).catch(log)`,
 * and in the callback form, then prints one JSON line: what was logged, what the callbacks
 * got, and what reached the process ('unhandledRejection', 'uncaughtException'). Last, a
 * rejection that nobody handles, on purpose, shows that the process-level check works: it must
 * be the only thing the process saw.
 */
import { KafkaProducer, ProducerRecord } from '../../src';
import { FakeCluster } from './fake-broker';

const reachedProcess: string[] = [];
process.on('unhandledRejection', (reason) => reachedProcess.push(`unhandledRejection: ${(reason as Error)?.message ?? reason}`));
process.on('uncaughtException', (err) => reachedProcess.push(`uncaughtException: ${err?.message ?? err}`));

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function main(): Promise<void> {
  const cluster = await FakeCluster.start({ topics: { t: 3 } });
  const producers: KafkaProducer<unknown, unknown>[] = [];
  const producer = (opts: object = {}): KafkaProducer<unknown, unknown> => {
    const p = new KafkaProducer<unknown, unknown>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, ...opts });
    producers.push(p);
    return p;
  };
  const plain = producer();
  const closed = producer();
  await closed.close();
  const throwing = producer({
    valueSerializer: {
      serialize: () => {
        throw new Error('nope');
      },
    },
  });
  const transactional = producer({ transactionalId: 'new-user' });
  const acks: string[] = [];
  const intercepted = producer({ interceptors: [{ onAcknowledgement: (_md: unknown, err: Error | null) => acks.push(err ? err.name : 'ok') }] });

  const cases: [string, KafkaProducer<unknown, unknown>, unknown][] = [
    ['closed producer', closed, { topic: 't', value: 'v' }],
    ['no record', plain, undefined],
    ['null record', plain, null],
    ['no topic', plain, { value: 'v' }],
    ['negative partition', plain, { topic: 't', value: 'v', partition: -1 }],
    ['bad timestamp', plain, { topic: 't', value: 'v', timestamp: 'now' }],
    ['bad header', plain, { topic: 't', value: 'v', headers: [{ key: 'h', value: 1 }] }],
    ['value the serializer cannot take', plain, { topic: 't', value: 42 }],
    ['serializer that throws', throwing, { topic: 't', value: 'v' }],
    ['outside a transaction', transactional, { topic: 't', value: 'v' }],
    ['invalid topic name', plain, { topic: 'no spaces', value: 'v' }],
    ['interceptors, bad partition', intercepted, { topic: 't', value: 'v', partition: 1.5 }],
  ];
  const logged: string[] = [];
  const callbacks: string[] = [];
  const thrown: string[] = [];
  for (const [what, p, record] of cases) {
    try {
      p.send(record as ProducerRecord<unknown, unknown>).catch((err: Error) => logged.push(`${what}: ${err.name}`));
      let returned = false;
      p.send(record as ProducerRecord<unknown, unknown>, (err) => callbacks.push(`${what}: ${err?.name}${returned ? '' : ' (inside send())'}`));
      returned = true;
    } catch (err) {
      thrown.push(`${what}: ${(err as Error).name}`);
    }
  }
  const delivered = await plain.send({ topic: 't', value: 'a good one' }).then((md) => md.offset >= 0n);
  await turns(5);
  const beforeControl = reachedProcess.slice();
  void Promise.reject(new Error('control'));
  await turns(5);
  for (const p of producers) await p.close({ timeoutMs: 1000 });
  await cluster.close();
  process.stdout.write(`${JSON.stringify({ logged, callbacks, thrown, acks, delivered, beforeControl, reachedProcess })}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ failed: String(err?.stack ?? err) })}\n`);
  process.exitCode = 1;
});
