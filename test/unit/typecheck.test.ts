// Compiles examples/ and the type-level tests in test/types/ with the project's tsconfig.json
// (jest itself strips types without checking them). test/types/ holds `@ts-expect-error`
// lines: a misspelt event name or a wrong payload must not compile, and if one did, tsc
// would report the directive as unused.
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');

test('examples/ and test/types/ type-check with the project settings', () => {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    { noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  expect(parsed).toBeDefined();
  const under = (dir: string) => parsed!.fileNames.filter((f) => path.relative(root, f).split(path.sep).slice(0, -1).join('/') === dir);
  const examples = under('examples');
  const typeTests = under('test/types');
  // tsconfig.json's include covers both, so `npm run typecheck` checks them too.
  expect(examples.map((f) => path.basename(f))).toContain('prometheus-metrics.ts');
  expect(typeTests.map((f) => path.basename(f))).toContain('producer-events.ts');

  const program = ts.createProgram({ rootNames: [...examples, ...typeTests], options: parsed!.options });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1} ${text}`;
  });
  expect(problems).toEqual([]);
}, 120_000);
