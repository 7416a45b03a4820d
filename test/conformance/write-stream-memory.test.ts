/**
 * The memory bound of createWriteStream(), small: `npm run stream:memory` (scripts/stream-memory.ts)
 * with 64 MiB instead of 2 GiB, in processes of its own (the measured one a plain `node`
 * without flags). 65,536 values of 1 KiB go through stream.pipeline(source,
 * producer.createWriteStream({ topic })) into 6 partitions with buffer.memory 32 MiB; every
 * record must be acknowledged and in the log (end offsets), and peak RSS may grow at most
 * buffer.memory + 64 MiB over the RSS after the producer connected.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

interface Summary {
  pass: boolean;
  checks: Record<string, boolean>;
  records: number;
  acked: number;
  inLog: number;
  bufferMemory: number;
  rssBaseline: number;
  peakRss: number;
  rssGrowth: number;
  limit: number;
  mbPerS: number;
  recordsPerS: number;
}

test('64 MiB through stream.pipeline into a producer write stream: all acknowledged and in the log, RSS growth under buffer.memory + 64 MiB', async () => {
  const tsx = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsx, path.join(ROOT, 'scripts', 'stream-memory.ts'), '--size=64MiB', '--timeout=60'], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('exit', (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  const line = output.split('\n').find((l) => l.startsWith('STREAM_MEMORY_RESULT '));
  if (!line) throw new Error(`stream:memory printed no result (exit ${code}):\n${output.slice(-4000)}`);
  const result = JSON.parse(line.slice('STREAM_MEMORY_RESULT '.length)) as Summary;
  // The figures are in the output whatever the verdict.
  expect(output).toMatch(/throughput: [\d.]+ s, [\d.]+ MB\/s of values \(10\^6 B\), [\d,]+ records\/s/);
  expect(output).toMatch(/RSS \(MiB\): peak [\d.]+ absolute .* growth over the baseline [\d.]+/);
  expect(output).toMatch(/buffer\.memory 32\.0 MiB/);
  expect({ checks: result.checks, output: result.pass ? '' : output.slice(-4000) }).toEqual({
    checks: { noError: true, allAcknowledged: true, brokerHasAll: true, noFlags: true, rssWithinBound: true },
    output: '',
  });
  expect(result.records).toBe(65_536);
  expect(result.acked).toBe(65_536);
  expect(result.inLog).toBe(65_537); // and the warm-up record
  expect(result.rssGrowth).toBeLessThanOrEqual(result.bufferMemory + 64 * 1024 * 1024);
  expect(code).toBe(0);
}, 120_000);
