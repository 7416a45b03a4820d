/**
 * Small process and file helpers shared by the harness (and by the verifier): running a
 * command, tails of output and logs, liveness of a pid, a cross-process lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function defaultLog(line: string): void {
  process.stderr.write(`[kafka-cluster] ${line}\n`);
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (arguments joined by spaces), or undefined if unknown. */
export function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    if (process.platform === 'linux') return undefined;
  }
  const r = spawnSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function tailOf(text: string, lines: number): string {
  const all = text.split('\n');
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

export function tailOfFile(file: string, lines: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return tailOf(buf.toString('utf8'), lines);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, keeping the last 256 KB of its combined output. */
export function runCommand(cmd: string, args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > 256 * 1024) output = output.slice(-256 * 1024);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * A cross-process lock: an exclusive mkdir. A lock whose owner process is gone is stale and
 * taken over. Used around Maven runs so parallel jest workers or runs do not race.
 */
export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: () => void } = {},
): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 20 * 60_000);
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockIsStale(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
      if (!waited) opts.onWait?.();
      waited = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockIsStale(lockDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
    if (pid > 0) return !isAlive(pid);
  } catch {
    // no owner file yet (or any more)
  }
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs > 30_000;
  } catch {
    return false; // vanished: just retry
  }
}
