/**
 * The null broker as a process of its own, so its CPU is neither the client's nor the
 * orchestrator's: test/support/fake-broker.ts in null mode (built on our protocol layer; it
 * answers ApiVersions with only the versions kafka-wire implements, Metadata, InitProducerId
 * and Produce at once, and stores nothing; with its `transactions` option, FindCoordinator,
 * AddPartitionsToTxn and EndTxn too, all succeeding, so W6-txn runs against it).
 *
 *   node bench/.build/bench/e2e/null-broker.js
 *   -> {"bootstrap":"127.0.0.1:PORT"}          then, per line on stdin:
 *   create TOPIC PARTITIONS -> {"ok":true}      stats -> {"produce":N,...}
 * It exits when stdin closes.
 */
import * as readline from 'node:readline';
import { FakeCluster } from '../../test/support/fake-broker';

async function main(): Promise<void> {
  const cluster = await FakeCluster.start({ null: true, transactions: true });
  const broker = cluster.brokers[0];
  process.stdout.write(`${JSON.stringify({ bootstrap: broker.bootstrap })}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === 'create') {
      cluster.createTopic(a, Number(b));
      process.stdout.write('{"ok":true}\n');
    } else if (cmd === 'stats') {
      process.stdout.write(`${JSON.stringify({ maxOutstandingProduce: broker.maxOutstandingProduce, connections: broker.connectionCount })}\n`);
    }
  }
  await cluster.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`null broker failed: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
