/**
 * Bookkeeping of the broker JVMs this process started: a pid file per broker under
 * <repo>/.kafka/run/, exit hooks that kill them synchronously, and the clean-up of brokers an
 * earlier, killed run left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_DIR, TMP_PREFIX } from './env';
import { cmdlineOf, defaultLog, isAlive, sleep } from './util';

export interface PidFileContent {
  pid: number;
  ownerPid: number;
  tmpRoot: string;
  nodeId: number;
  port: number;
  version: string;
  startedAt: string;
}

interface LiveEntry {
  pid: number;
  watchdogPid?: number;
  tmpRoot: string;
  pidFile: string;
}

interface HarnessGlobal {
  live: Map<number, LiveEntry>;
  hooksInstalled: boolean;
}

/** Shared by every copy of this module in the process (jest loads modules once per registry). */
export function harnessGlobal(): HarnessGlobal {
  const key = Symbol.for('kafka-wire.kafka-cluster');
  const g = globalThis as unknown as Record<symbol, HarnessGlobal | undefined>;
  let state = g[key];
  if (!state) {
    state = { live: new Map(), hooksInstalled: false };
    g[key] = state;
  }
  return state;
}

function killAllSync(): void {
  const state = harnessGlobal();
  for (const entry of state.live.values()) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (entry.watchdogPid) {
      try {
        process.kill(entry.watchdogPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      fs.rmSync(entry.pidFile, { force: true });
    } catch {
      // best effort
    }
  }
  const roots = new Set([...state.live.values()].map((e) => e.tmpRoot));
  state.live.clear();
  for (const root of roots) {
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort
    }
  }
}

export function installExitHooks(): void {
  const state = harnessGlobal();
  if (state.hooksInstalled) return;
  state.hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      // Someone else handles this signal (and will exit or stop the cluster); the 'exit'
      // hook is the backstop. Otherwise we replaced the default "die", so kill and re-raise.
      if (process.listenerCount(sig) > 1) return;
      killAllSync();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

function isHarnessTmpRoot(dir: unknown): dir is string {
  return typeof dir === 'string' && path.isAbsolute(dir) && path.basename(dir).startsWith(TMP_PREFIX);
}

/**
 * Kills brokers recorded in <repo>/.kafka/run/ whose owning process is gone (a test run killed
 * with SIGKILL, a crashed script) and deletes their temp dirs. Brokers owned by a live process
 * (another test run, `npm run broker:start`) are left alone. Returns how many were killed.
 */
export async function cleanupLeftovers(log: (line: string) => void = defaultLog): Promise<number> {
  let files: string[];
  try {
    files = fs.readdirSync(RUN_DIR).filter((f) => /^broker-\d+\.json$/.test(f));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const f of files) {
    const file = path.join(RUN_DIR, f);
    let info: PidFileContent;
    try {
      info = JSON.parse(fs.readFileSync(file, 'utf8')) as PidFileContent;
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (info.ownerPid === process.pid) continue; // ours (maybe another copy of this module)
    if (isAlive(info.ownerPid)) {
      const ownerCmd = cmdlineOf(info.ownerPid);
      if (ownerCmd === undefined || /node|jest|tsx/.test(ownerCmd)) continue; // owner still running
    }
    const cmd = cmdlineOf(info.pid);
    if (isHarnessTmpRoot(info.tmpRoot) && cmd && cmd.includes('kafka.Kafka') && cmd.includes(info.tmpRoot)) {
      try {
        process.kill(info.pid, 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
      for (let i = 0; i < 100 && isAlive(info.pid); i++) await sleep(50);
    }
    if (isHarnessTmpRoot(info.tmpRoot)) fs.rmSync(info.tmpRoot, { recursive: true, force: true });
    fs.rmSync(file, { force: true });
  }
  if (killed > 0) log(`killed ${killed} broker(s) left over by an earlier run`);
  return killed;
}
