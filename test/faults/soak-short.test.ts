/**
 * The soak (scripts/soak.ts, `npm run soak`), shortened: 20 s at 2,000 records/s with the broker
 * killed and restarted at 8 s, in a process of its own (its RSS and its resources are the
 * producer's). Every pass condition of the soak must hold.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

test('soak, short: 20 s at 2,000 records/s with a broker restart', async () => {
  const tsx = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsx, path.join(ROOT, 'scripts', 'soak.ts'), '--duration=20', '--rate=2000', '--restart-at=8'], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('exit', (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  const line = output.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
  if (!line) throw new Error(`the soak printed no result (exit ${code}):\n${output.slice(-4000)}`);
  const result = JSON.parse(line.slice('SOAK_RESULT '.length)) as { pass: boolean; checks: Record<string, boolean>; row: Record<string, number> };
  expect({ checks: result.checks, output: result.pass ? '' : output.slice(-4000) }).toEqual({
    checks: {
      exactlyOneOutcome: true,
      noneLost: true,
      noDuplicates: true,
      inOrder: true,
      readBackComplete: true,
      rssWithinLimit: true,
      nothingLeftAfterClose: true,
    },
    output: '',
  });
  expect(result.row.sent).toBe(40_000);
  expect(code).toBe(0);
}, 180_000);
