/**
 * A simple end-to-end throughput run: N records of S bytes (default 1,000,000 x 100 B, keyed)
 * through kafka-wire to a real broker, acks=all with idempotence, linger 5 ms, batch 16 KiB
 * (the defaults). Prints records/s, MB/s and client CPU per million records.
 *
 *   npm run bench:throughput -- [--records N] [--size BYTES] [--partitions P] [--null-keys]
 *
 * Uses KAFKA_BOOTSTRAP when set, else starts a local broker with the harness.
 */
import { KafkaProducer } from '../../src';
import { startCluster } from '../../test/support/kafka-cluster';
import { uniqueTopic, Verifier } from '../../test/support/verifier';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const records = arg('records', 1_000_000);
  const size = arg('size', 100);
  const partitions = arg('partitions', 6);
  const nullKeys = process.argv.includes('--null-keys');
  const cluster = await startCluster({ jvmProfile: 'throughput', log: () => {} });
  const verifier = await Verifier.start(cluster.bootstrap, cluster.version);
  try {
    const topic = uniqueTopic('throughput');
    await verifier.createTopic(topic, partitions);
    const producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap });
    const value = Buffer.alloc(size, 0x61);
    const keys = Array.from({ length: 1024 }, (_, i) => Buffer.from(`key-${i.toString().padStart(8, '0')}`));
    // Warm up the connection, producer id and JIT.
    await producer.send({ topic, value });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let failed = 0;
    const onDone = (err: Error | null) => {
      if (err) failed++;
    };
    for (let i = 0; i < records; i++) {
      producer.send({ topic, key: nullKeys ? null : keys[i & 1023], value }, onDone);
      // send() never blocks the event loop: now and then let the sender run, and while sends
      // wait for buffer.memory, wait with them (what a blocked Java send() would do).
      if ((i & 0x3fff) === 0x3fff) {
        await new Promise((r) => setImmediate(r));
        while (producer.metrics()['waiting-sends'] > 0) await new Promise((r) => setTimeout(r, 1));
      }
    }
    await producer.flush();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const m = producer.metrics();
    await producer.close();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(
      JSON.stringify(
        {
          records,
          size,
          partitions,
          keyed: !nullKeys,
          kafka: cluster.version,
          seconds: +seconds.toFixed(3),
          recordsPerSecond: Math.round(records / seconds),
          mbPerSecond: +((records * size) / seconds / 1e6).toFixed(1),
          clientCpuSecondsPerMillion: +((cpuSeconds * 1e6) / records).toFixed(3),
          failed,
          requests: m['request-total'],
          batchSizeAvg: Math.round(m['batch-size-avg']),
          recordsPerRequest: Math.round(m['records-per-request-avg']),
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        },
        null,
        2,
      ),
    );
  } finally {
    await verifier.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
