#!/usr/bin/env node
/** The `kafka-wire` bin. */
import { processIo } from './io';
import { run } from './run';

const io = processIo();
run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    // Everything is flushed and closed by now; a stdin left open (input stopped early, or a
    // terminal) must not keep the process alive.
    if (io.stdinOpened) process.stdin.destroy();
    setTimeout(() => process.exit(code), 500).unref();
  },
  (e: unknown) => {
    process.stderr.write(`kafka-wire: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
