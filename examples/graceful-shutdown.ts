/**
 * Shutting down on SIGTERM without losing accepted records.
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 npx tsx examples/graceful-shutdown.ts
 *   (then press Ctrl-C, or `kill <pid>`)
 *
 * The order matters: first stop taking new work (here: the timer that stands in for an HTTP
 * server or a queue listener), then flush what was accepted, then close. close() has a
 * timeout because an orchestrator gives a stopping process a fixed grace period (Kubernetes:
 * 30 s by default) before it kills it; records still undelivered when the timeout passes
 * fail with an error you can log, rather than vanishing with a SIGKILL.
 */
// In an application: from 'kafka-wire'.
import { KafkaProducer } from '../src';

const GRACE_MS = 20_000; // leave some of the orchestrator's grace period for the rest of shutdown

async function main(): Promise<void> {
  const producer = new KafkaProducer({ bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092' });

  let failed = 0;
  let n = 0;
  // The "work source": one record every 10 ms.
  const timer = setInterval(() => {
    producer.send({ topic: 'shutdown-example', key: `k${n % 10}`, value: `record ${n++}` }, (err) => {
      if (err) failed++;
    });
  }, 10);
  console.log(`pid ${process.pid} producing; send SIGTERM or press Ctrl-C to stop`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return; // a second signal while stopping changes nothing
    stopping = true;
    console.log(`${signal}: stop accepting work`);
    clearInterval(timer);

    // A deadline for the whole shutdown: flush() itself has no timeout, close() does.
    const deadline = Date.now() + GRACE_MS;
    const flushed = await Promise.race([
      producer.flush().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), GRACE_MS).unref()),
    ]);
    console.log(flushed ? 'flushed' : 'flush did not finish in time');

    // close() stops sends, delivers what is left within the time remaining, then fails the rest.
    await producer.close({ timeoutMs: Math.max(0, deadline - Date.now()) });
    console.log(`closed: ${n} records sent, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
    // No process.exit(): with the producer closed and the timer cleared, the process ends by itself.
  };
  // on(), not once(): after once() a second signal would get Node's default, an immediate exit.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
