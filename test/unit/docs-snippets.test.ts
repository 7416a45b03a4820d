/**
 * docs/connecting.md quotes its recipes from examples/connecting/*.ts (which CI type-checks):
 * each code block preceded by `<!-- examples/connecting/<file>.ts -->` must equal the part of
 * that file between `// #region docs/connecting.md` and `// #endregion`, with the examples'
 * relative import of the sources written as the package name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DOC = 'docs/connecting.md';

function quotedBlocks(doc: string): { file: string; code: string }[] {
  const blocks: { file: string; code: string }[] = [];
  const re = /<!-- (examples\/[\w/.-]+\.ts) -->\n```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(doc); m; m = re.exec(doc)) blocks.push({ file: m[1], code: m[2] });
  return blocks;
}

function region(file: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const start = text.indexOf(`// #region ${DOC}\n`);
  const end = text.indexOf('// #endregion', start);
  if (start < 0 || end < 0) throw new Error(`${file} has no "// #region ${DOC}" ... "// #endregion"`);
  return text.slice(start + `// #region ${DOC}\n`.length, end).replace(/(['"])(\.\.\/)+src\1/g, "'kafka-wire'");
}

const blocks = quotedBlocks(fs.readFileSync(path.join(ROOT, DOC), 'utf8'));

test(`${DOC} quotes every recipe file of examples/connecting`, () => {
  const files = fs.readdirSync(path.join(ROOT, 'examples/connecting')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  expect(new Set(blocks.map((b) => path.basename(b.file)))).toEqual(new Set(files));
});

test.each(blocks.map((b) => [b.file, b.code]))(`${DOC}: the block quoting %s equals the file's region`, (file, code) => {
  expect(code).toBe(region(file));
});
