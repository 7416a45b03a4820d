/**
 * Which Kafka, which JDK, and where the harness keeps its files: the version rules, the
 * `java`/`mvn` lookup on PATH, and <repo>/.kafka (jars, CDS archives, pid files).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_KAFKA_VERSION = '4.1.1';

// This file is test/support/cluster/env.ts: three levels below the repository root.
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** <repo>/.kafka -- jars, CDS archives, pid files. */
export const KAFKA_WORK_DIR = path.join(REPO_ROOT, '.kafka');
export const RUN_DIR = path.join(KAFKA_WORK_DIR, 'run');
export const TMP_PREFIX = 'kafka-wire-';

export function resolveKafkaVersion(version?: string): string {
  const v = version || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?$/.test(v)) throw new Error(`invalid Kafka version "${v}"`);
  return v;
}

export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

export function findOnPath(cmd: string): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, cmd + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface JavaInfo {
  path: string;
  major: number;
  versionText: string;
}

let javaInfoCache: JavaInfo | null | undefined;

/** The `java` on PATH and its major version, or null when there is none that runs. */
export function javaInfo(): JavaInfo | null {
  if (javaInfoCache !== undefined) return javaInfoCache;
  javaInfoCache = null;
  const javaPath = findOnPath('java');
  if (javaPath) {
    const r = spawnSync(javaPath, ['-version'], { encoding: 'utf8', timeout: 30_000 });
    const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
    const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
    if (r.status === 0 && m) {
      let major = Number(m[1]);
      if (major === 1 && m[2]) major = Number(m[2]);
      javaInfoCache = { path: javaPath, major, versionText: text.trim() };
    }
  }
  return javaInfoCache;
}

export function minJavaFor(version: string): number {
  return majorOf(version) >= 4 ? 17 : 11;
}
