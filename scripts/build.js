#!/usr/bin/env node
// Builds dist/: CommonJS with declarations from tsc, plus a thin ESM entry that re-exports the
// CommonJS one. One implementation serves both `require` and `import`, so there is a single
// copy of every class (instanceof on errors works whichever way the package was loaded).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

// One ESM file per entry point of package.json's "exports": the main one, kafka-wire/otel and kafka-wire/kafkajs.
fs.mkdirSync(path.join(dist, 'esm'), { recursive: true });
const counts = [];
for (const entry of ['index', 'otel', 'kafkajs']) {
  const cjsEntry = path.join(dist, 'cjs', `${entry}.js`);
  const names = Object.keys(require(cjsEntry)).filter((n) => n !== 'default' && n !== '__esModule');
  fs.writeFileSync(
    path.join(dist, 'esm', `${entry}.mjs`),
    `import cjs from '../cjs/${entry}.js';\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\nexport default cjs;\n`,
  );
  fs.writeFileSync(path.join(dist, 'esm', `${entry}.d.mts`), `export * from '../cjs/${entry}.js';\n`);
  counts.push(`${entry}: ${names.length} exports`);
}
fs.writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
// The bin (package.json "bin"): tsc keeps its #! line but not an executable mode.
fs.chmodSync(path.join(dist, 'cjs', 'cli', 'main.js'), 0o755);
console.log(`built dist/cjs and dist/esm (${counts.join(', ')})`);
