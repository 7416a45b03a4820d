/**
 * The `kafka-wire` command: dispatches to a subcommand and maps the outcome to an exit code
 * (0 delivered, 1 records failed, 2 a bad command line).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './args';
import { CliIo, errorMessage, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './io';
import { perfCommand, PERF_HELP } from './perf';
import { produceCommand, PRODUCE_HELP } from './produce';

const COMMANDS: Record<string, { help: string; run: (argv: readonly string[], io: CliIo) => Promise<number> }> = {
  produce: { help: PRODUCE_HELP, run: produceCommand },
  perf: { help: PERF_HELP, run: perfCommand },
};

export const MAIN_HELP = `Usage: kafka-wire <command> [options]

Commands:
  produce   Send lines from standard input as records (Kafka's console producer).
  perf      Measure the producer (Kafka's kafka-producer-perf-test).

Options:
  --help      Print this help (or, after a command, the command's help).
  --version   Print the version.

Exit codes: 0 every record delivered, 1 a record failed (a summary goes to stderr), 2 a bad command line.
`;

/** The package version, from the package.json above this file (in the sources or in dist). */
export function version(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kafka-wire' && pkg.version) return pkg.version;
    } catch {
      // not here (or dist/cjs/package.json, which has no name): one level up
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version') {
    io.stdout.write(`kafka-wire ${version()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[first];
  if (command === undefined) {
    io.stderr.write(`kafka-wire: unknown command '${first}'. Commands: ${Object.keys(COMMANDS).join(', ')}. See kafka-wire --help.\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return EXIT_OK;
  }
  if (rest.includes('--version')) {
    io.stdout.write(`kafka-wire ${version()}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`kafka-wire ${first}: ${e.message}\nSee kafka-wire ${first} --help.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`kafka-wire ${first}: ${errorMessage(e)}\n`);
    return EXIT_FAILED;
  }
}
