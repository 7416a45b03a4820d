/** What a command reads and writes; the process's own streams in the bin, fakes in tests. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Whether stdin is a terminal (the console producer then prompts with '>'). */
  readonly stdinIsTTY?: boolean;
}

/** Exit codes: 0 all records delivered, 1 some failed (or the run failed), 2 a bad command line. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The process's streams. stdin is only opened when a command reads it (perf does not). */
export function processIo(): CliIo & { readonly stdinOpened: boolean } {
  let opened = false;
  return {
    get stdin() {
      opened = true;
      return process.stdin;
    },
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    get stdinOpened() {
      return opened;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));
