#!/usr/bin/env node
/**
 * Installs the peer clients bench/e2e compares kafka-wire with, into bench/peers (its own
 * package.json and lock file; node_modules there is git-ignored), so that the project's own
 * `npm install` stays free of native builds. `npm run bench` calls it; it does nothing when
 * everything is already in place.
 *
 *   node scripts/bench-install.js [--force]
 *
 * Two peers compile native code at install (about 7 minutes on 2 cores in all):
 * - node-rdkafka compiles its bundled librdkafka with node-gyp;
 * - @confluentinc/kafka-javascript first tries to download a prebuilt binary (which fails
 *   without access to its release host), then builds from source; CKJS_LINKING=dynamic is set
 *   as its docs say for building on Linux.
 * node-gyp compiles them against the Node headers installed with Node (<prefix>/include/node,
 * through npm_config_nodedir) when they are there and npm_config_nodedir is not set, rather
 * than downloading the headers from nodejs.org.
 * npm must run their install scripts: --foreground-scripts and --ignore-scripts=false are passed
 * in case the npm configuration turns scripts off. The build needs a C/C++ toolchain, make and
 * Python, and OpenSSL, zlib, zstd and librdkafka headers (without libzstd-dev, librdkafka is
 * built without zstd and W5-zstd fails for both); on a Debian machine where they are missing
 * and we are root, they are installed with apt-get. A peer built without zstd counts as
 * missing and is rebuilt.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PEERS = path.join(__dirname, '..', 'bench', 'peers');

/** What must exist for each peer to count as installed (native builds included). */
const CHECKS = {
  kafkajs: 'node_modules/kafkajs/package.json',
  'kafkajs-lz4': 'node_modules/lz4/build/Release/lz4.node',
  '@platformatic/kafka': 'node_modules/@platformatic/kafka/package.json',
  'node-rdkafka': 'node_modules/node-rdkafka/build/Release/node-librdkafka.node',
  '@confluentinc/kafka-javascript': 'node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node',
};

/** librdkafka-based peers must have been built with zstd (W5), which needs libzstd-dev at build time. */
const NEEDS_ZSTD = ['node-rdkafka', '@confluentinc/kafka-javascript'];

function lacksZstd(name) {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(name)}).features))`], { cwd: PEERS, encoding: 'utf8' });
  return r.status !== 0 || !r.stdout.split(',').includes('zstd');
}

function missing() {
  return Object.entries(CHECKS)
    .filter(([name, file]) => !fs.existsSync(path.join(PEERS, file)) || (NEEDS_ZSTD.includes(name) && lacksZstd(name)))
    .map(([name]) => name);
}

function run(cmd, args, opts = {}) {
  process.stdout.write(`bench-install: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureSystemPackages() {
  if (process.platform !== 'linux' || !has('dpkg') || !has('apt-get')) return;
  const wanted = ['g++', 'make', 'python3', 'librdkafka-dev', 'libssl-dev', 'zlib1g-dev', 'libzstd-dev'];
  const absent = wanted.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
  if (absent.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stdout.write(`bench-install: missing Debian packages ${absent.join(' ')}; install them (apt-get install ${absent.join(' ')}) if the native peers fail to build\n`);
    return;
  }
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', ...absent]);
}

/**
 * The headers node-gyp compiles against. By default it downloads them for the running Node
 * version from nodejs.org, which fails on a machine without access to it; a Node installed
 * from a distribution package usually has them already, under <prefix>/include/node. Returns
 * that prefix (what npm_config_nodedir wants) when its headers are those of the running Node's
 * major version (its ABI), else undefined.
 */
function localNodeDir({ execPath = process.execPath, version = process.version, readFile = fs.readFileSync } = {}) {
  const prefixes = [path.dirname(path.dirname(execPath)), '/usr', '/usr/local'];
  const major = /^v?(\d+)\./.exec(version)?.[1];
  for (const prefix of [...new Set(prefixes)]) {
    let header;
    try {
      header = readFile(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    } catch {
      continue;
    }
    if (major !== undefined && /#define\s+NODE_MAJOR_VERSION\s+(\d+)/.exec(header)?.[1] === major) return prefix;
  }
  return undefined;
}

/**
 * The environment of the npm commands that build the native peers. A nodedir the user has set
 * (npm_config_nodedir, in either case) is left alone.
 */
function buildEnv(base = process.env, findNodeDir = localNodeDir) {
  const env = { ...base, CKJS_LINKING: 'dynamic' };
  const userSet = Object.keys(base).some((k) => k.toLowerCase() === 'npm_config_nodedir' && base[k]);
  if (!userSet) {
    const nodedir = findNodeDir();
    if (nodedir !== undefined) env.npm_config_nodedir = nodedir;
  }
  return env;
}

/** Installs what is missing; returns the peers still missing afterwards. */
function installPeers({ force = false } = {}) {
  const before = missing();
  if (!force && before.length === 0) return [];
  process.stdout.write(`bench-install: installing peer clients into bench/peers (${before.join(', ') || 'forced'}); the native ones compile librdkafka: several minutes\n`);
  ensureSystemPackages();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const env = buildEnv();
  if (env.npm_config_nodedir && env.npm_config_nodedir !== process.env.npm_config_nodedir) {
    process.stdout.write(`bench-install: node-gyp uses the Node headers under ${env.npm_config_nodedir}/include/node (set npm_config_nodedir to choose others)\n`);
  }
  const absentFiles = Object.entries(CHECKS).filter(([, file]) => !fs.existsSync(path.join(PEERS, file)));
  if (force || absentFiles.length > 0) {
    const fresh = !fs.existsSync(path.join(PEERS, 'node_modules')) && fs.existsSync(path.join(PEERS, 'package-lock.json'));
    run(npm, [fresh ? 'ci' : 'install', '--foreground-scripts', '--ignore-scripts=false', '--no-audit', '--no-fund'], { cwd: PEERS, env });
  }
  const after = missing();
  if (after.length > 0) {
    // A native build that failed, or was made without zstd: build it again from source
    // (--build-from-source keeps node-pre-gyp from reusing what it has).
    const pkgs = after.map((n) => (n === 'kafkajs-lz4' ? 'lz4' : n));
    run(npm, ['rebuild', ...pkgs, '--build-from-source', '--foreground-scripts', '--ignore-scripts=false'], { cwd: PEERS, env });
  }
  const still = missing();
  if (still.length > 0) process.stdout.write(`bench-install: could not install ${still.join(', ')}; their runs will fail and be reported as such\n`);
  return still;
}

module.exports = { installPeers, missing, buildEnv, localNodeDir };

if (require.main === module) {
  const still = installPeers({ force: process.argv.includes('--force') });
  process.exitCode = still.length > 0 ? 1 : 0;
}
