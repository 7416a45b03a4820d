/**
 * Where things are, found from the repository root rather than from __dirname, because the
 * benches run both from source (tsx, Jest) and compiled into bench/.build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'bench', 'java', 'pom.xml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no kafka-wire repository above ${from}`);
  }
}

export const REPO_ROOT = findRoot(__dirname);
export const BENCH_SRC = path.join(REPO_ROOT, 'bench');
/** The peer clients' own install (bench/peers/package.json). */
export const PEERS_DIR = path.join(BENCH_SRC, 'peers');
/** Compiled benches and sources (tsc, see bench/tsconfig.json); git-ignored. */
export const BUILD_DIR = path.join(BENCH_SRC, '.build');
export const RESULTS_DIR = path.join(BENCH_SRC, 'results');
