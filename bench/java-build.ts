/**
 * Builds bench/java (the Java client's side of the benches) with Maven on first use, and again
 * only when its pom or sources change (a stamp file in target/ holds their hash). Returns the
 * classpath to run it with.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_SRC } from './paths';

export const JAVA_DIR = path.join(BENCH_SRC, 'java');

function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const f of [path.join(JAVA_DIR, 'pom.xml'), ...walk(path.join(JAVA_DIR, 'src')).sort()]) {
    h.update(path.relative(JAVA_DIR, f)).update(fs.readFileSync(f));
  }
  return h.digest('hex');
}

/** The classpath of bench/java, building it first if needed (needs java 17+ and mvn on PATH). */
export async function ensureJavaBench(log: (line: string) => void = () => {}): Promise<string> {
  const target = path.join(JAVA_DIR, 'target');
  const stamp = path.join(target, 'bench-source.sha256');
  const hash = sourceHash();
  const classpath = `${path.join(target, 'classes')}${path.delimiter}${path.join(target, 'lib', '*')}`;
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return classpath;
  log('building bench/java with Maven (first run: a minute)');
  await new Promise<void>((resolve, reject) => {
    execFile('mvn', ['-q', '-B', 'package'], { cwd: JAVA_DIR, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mvn package in bench/java failed: ${err.message}\n${stdout}\n${stderr}`.slice(0, 8000)));
      else resolve();
    });
  });
  fs.writeFileSync(stamp, hash);
  return classpath;
}
