/** Loads a peer client from bench/peers (its own install), and tells its version. */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEERS_DIR } from '../../paths';

const peerRequire = createRequire(path.join(PEERS_DIR, 'package.json'));

export function requirePeer<T = any>(name: string): T {
  return peerRequire(name) as T;
}

/** ESM-only peers (@platformatic/kafka). */
export async function importPeer<T = any>(name: string): Promise<T> {
  const pkgDir = path.join(PEERS_DIR, 'node_modules', ...name.split('/'));
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const entry = typeof pkg.exports === 'string' ? pkg.exports : pkg.exports?.['.']?.import ?? pkg.exports?.['.']?.default ?? pkg.main;
  return (await import(pathToFileURL(path.join(pkgDir, entry)).href)) as T;
}

export function peerVersion(name: string): string {
  const file = path.join(PEERS_DIR, 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
