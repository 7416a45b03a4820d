/**
 * The published package, as a user gets it: build, `npm pack`, install the tarball into an
 * empty project, then use it there the ways the README says: `require`, `import`, the
 * kafka-wire/otel and kafka-wire/kafkajs entry points, the `kafka-wire` bin, and the shipped
 * declarations under tsc. The source maps in dist must resolve to files inside the package.
 *
 * Nothing here touches the shared dist/: the build runs in a scratch copy of the package (its
 * sources, package.json and build script, with node_modules linked to ours), so the source
 * maps come out exactly as they would from `npm run build`. The install is offline: the
 * runtime dependencies (the wasm codecs) and @opentelemetry/api are installed from our own
 * node_modules, not from the registry.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bin: Record<string, string>;
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let tmp: string;
let app: string;
let installed: string;
let packedFiles: string[];

function sh(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

function node(args: string[]): string {
  return sh(process.execPath, args, app).trim();
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-pkg-'));

  // A scratch copy of the package, built the way `npm run build` builds it.
  const stage = path.join(tmp, 'stage');
  fs.mkdirSync(path.join(stage, 'scripts'), { recursive: true });
  for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js']) {
    fs.copyFileSync(path.join(root, f), path.join(stage, f));
  }
  fs.cpSync(path.join(root, 'src'), path.join(stage, 'src'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  sh(process.execPath, ['scripts/build.js'], stage);

  const packed = JSON.parse(sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], stage)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  packedFiles = packed[0].files.map((f) => f.path);
  const tarball = path.join(tmp, packed[0].filename);

  // An empty project that installs the tarball; its dependencies come from our node_modules.
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const deps = [...Object.keys(rootPkg.dependencies ?? {}), ...Object.keys(rootPkg.optionalDependencies ?? {}), '@opentelemetry/api'];
  sh(
    npm,
    [
      'install',
      '--offline',
      '--no-package-lock',
      '--ignore-scripts',
      '--install-links',
      '--no-audit',
      '--no-fund',
      tarball,
      ...deps.map((d) => path.join(root, 'node_modules', d)),
    ],
    app,
  );
  installed = path.join(app, 'node_modules', 'kafka-wire');
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds dist, the sources and the docs, and no tests', () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/esm/index.d.mts', 'src/index.ts']) {
    expect(packedFiles).toContain(f);
  }
  expect(packedFiles.filter((f) => /^(test|bench|scripts|examples|node_modules)\//.test(f))).toEqual([]);
});

test('package.json has no install scripts of its own', () => {
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(rootPkg.scripts[hook]).toBeUndefined();
});

test('require("kafka-wire") exposes KafkaProducer', () => {
  expect(node(['-e', 'const k = require("kafka-wire"); process.stdout.write(typeof k.KafkaProducer)'])).toBe('function');
});

test('import { KafkaProducer } from "kafka-wire" works, and is the same class as require gives', () => {
  fs.writeFileSync(
    path.join(app, 'esm-check.mjs'),
    [
      "import { KafkaProducer } from 'kafka-wire';",
      "import { createRequire } from 'node:module';",
      'const cjs = createRequire(import.meta.url)("kafka-wire");',
      'process.stdout.write(`${typeof KafkaProducer} ${KafkaProducer === cjs.KafkaProducer}`);',
      '',
    ].join('\n'),
  );
  expect(node(['esm-check.mjs'])).toBe('function true');
});

test('kafka-wire/otel and kafka-wire/kafkajs load, through require and import', () => {
  expect(node(['-e', 'const o = require("kafka-wire/otel"); process.stdout.write(typeof o.instrumentKafkaWire)'])).toBe('function');
  expect(node(['-e', 'const k = require("kafka-wire/kafkajs"); process.stdout.write(typeof k.Kafka)'])).toBe('function');
  fs.writeFileSync(
    path.join(app, 'esm-entries.mjs'),
    [
      "import { instrumentKafkaWire } from 'kafka-wire/otel';",
      "import { Kafka } from 'kafka-wire/kafkajs';",
      'process.stdout.write(`${typeof instrumentKafkaWire} ${typeof Kafka}`);',
      '',
    ].join('\n'),
  );
  expect(node(['esm-entries.mjs'])).toBe('function function');
});

test('the kafka-wire bin runs --version', () => {
  const bin = path.join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'kafka-wire.cmd' : 'kafka-wire');
  expect(sh(bin, ['--version'], app).trim()).toBe(`kafka-wire ${rootPkg.version}`);
  expect(fs.readFileSync(path.join(installed, rootPkg.bin['kafka-wire']), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
});

test('the shipped declarations type-check a user project (CommonJS and ESM, node16 resolution)', () => {
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'Node16',
        moduleResolution: 'Node16',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        // @types/node from our node_modules: the user project brings its own.
        typeRoots: [path.join(root, 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['example.cts', 'example.mts'],
    }),
  );
  const body = [
    'async function main(): Promise<void> {',
    "  const producer = new KafkaProducer<string, string>({ bootstrapServers: '127.0.0.1:9092', lingerMs: 5 });",
    "  const meta: RecordMetadata = await producer.send({ topic: 't', key: 'k', value: 'v' });",
    '  const offset: bigint | number = meta.offset;',
    '  void offset;',
    '  await producer.close();',
    '  const stop: () => void = instrumentKafkaWire();',
    '  stop();',
    "  const legacy = new Kafka({ brokers: ['127.0.0.1:9092'] }).producer();",
    '  void legacy;',
    '  // @ts-expect-error: topic is required',
    "  void producer.send({ value: 'v' });",
    '}',
    'void main;',
    '',
  ].join('\n');
  fs.writeFileSync(
    path.join(app, 'example.cts'),
    [
      "import { KafkaProducer, type RecordMetadata } from 'kafka-wire';",
      "import { instrumentKafkaWire } from 'kafka-wire/otel';",
      "import { Kafka } from 'kafka-wire/kafkajs';",
      body,
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(app, 'example.mts'),
    [
      "import { KafkaProducer, type RecordMetadata } from 'kafka-wire';",
      "import { instrumentKafkaWire } from 'kafka-wire/otel';",
      "import { Kafka } from 'kafka-wire/kafkajs';",
      body,
      'export {};',
      '',
    ].join('\n'),
  );
  expect(sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app).trim()).toBe('');
}, 60_000);

test('every source map in dist names sources that are in the package', () => {
  const maps: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js.map')) maps.push(p);
    }
  };
  walk(path.join(installed, 'dist'));
  expect(maps.length).toBeGreaterThan(10);
  const unresolved: string[] = [];
  for (const m of maps) {
    const map = JSON.parse(fs.readFileSync(m, 'utf8')) as { sources: string[]; sourceRoot?: string };
    expect(map.sources.length).toBeGreaterThan(0);
    for (const s of map.sources) {
      const file = path.resolve(path.dirname(m), map.sourceRoot ?? '', s);
      const inside = !path.relative(installed, file).startsWith('..');
      if (!inside || !fs.existsSync(file)) unresolved.push(`${path.relative(installed, m)} -> ${s}`);
    }
  }
  expect(unresolved).toEqual([]);
});
