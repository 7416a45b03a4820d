/**
 * Command-line parsing for the kafka-wire tools: long options only, as Kafka's own tools
 * take them (`--name value` or `--name=value`), with a unique prefix accepted for a name
 * (`--bootstrap` for `--bootstrap-server`), as Kafka's option parsers allow.
 *
 * Errors are UsageError (exit code 2); what a tool does with its records is not this file's
 * concern.
 */

/** A bad command line: unknown option, missing value or required option, a bad number. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** The long name, without the leading dashes. */
  readonly name: string;
  /** Other names accepted for it (newer or older spellings of Kafka's tools). */
  readonly aliases?: readonly string[];
  /**
   * 'none': a switch. 'required': one value. 'optional': a value if the next word is not an
   * option. 'multi': one or more values, up to the next word that starts with `--`.
   */
  readonly arg: 'none' | 'required' | 'optional' | 'multi';
  /** May be given more than once; the values accumulate. Otherwise the last one wins. */
  readonly repeatable?: boolean;
  readonly required?: boolean;
  /** Shown after the name in the help. */
  readonly metavar?: string;
  readonly help: string;
  /** Shown in the help as "(default: ...)". */
  readonly defaultText?: string;
}

export interface ParsedArgs {
  /** Per option name (the spec's name, not an alias): its values in order; a switch has []. */
  readonly values: ReadonlyMap<string, readonly string[]>;
}

export function has(args: ParsedArgs, name: string): boolean {
  return args.values.has(name);
}

/** The option's last value, or undefined when it was not given (or given without a value). */
export function last(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return v === undefined || v.length === 0 ? undefined : v[v.length - 1];
}

export function all(args: ParsedArgs, name: string): readonly string[] {
  return args.values.get(name) ?? [];
}

export function parseArgs(specs: readonly OptionSpec[], argv: readonly string[]): ParsedArgs {
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values = new Map<string, string[]>();
  const given = (spec: OptionSpec): string[] => {
    let list = values.get(spec.name);
    if (list === undefined) {
      list = [];
      values.set(spec.name, list);
    } else if (!spec.repeatable && spec.arg !== 'none') {
      // Kafka's tools take the last value of a non-repeatable option; so do we.
      list.length = 0;
    }
    return list;
  };

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!word.startsWith('--') || word === '--') {
      throw new UsageError(`Unexpected argument '${word}': options start with --.`);
    }
    const eq = word.indexOf('=');
    const typed = eq === -1 ? word.slice(2) : word.slice(2, eq);
    const inline = eq === -1 ? undefined : word.slice(eq + 1);
    const spec = lookup(byName, typed);
    const list = given(spec);
    switch (spec.arg) {
      case 'none':
        if (inline !== undefined) throw new UsageError(`Option --${spec.name} takes no value; got '${word}'.`);
        break;
      case 'required':
        if (inline !== undefined) list.push(inline);
        else if (i + 1 < argv.length) list.push(argv[++i]);
        else throw new UsageError(`Option --${spec.name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}.`);
        break;
      case 'optional':
        if (inline !== undefined) list.push(inline);
        else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) list.push(argv[++i]);
        break;
      case 'multi': {
        if (inline !== undefined) list.push(inline);
        const before = list.length;
        while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) list.push(argv[++i]);
        if (inline === undefined && list.length === before) {
          throw new UsageError(`Option --${spec.name} needs at least one value${spec.metavar ? ` (${spec.metavar})` : ''}.`);
        }
        break;
      }
    }
  }
  const missing = specs.filter((s) => s.required && !values.has(s.name));
  if (missing.length > 0) {
    throw new UsageError(`Missing required option${missing.length > 1 ? 's' : ''}: ${missing.map((s) => `--${s.name}`).join(', ')}.`);
  }
  return { values };
}

/** Exact name or alias first, then a unique prefix of one. */
function lookup(byName: ReadonlyMap<string, OptionSpec>, typed: string): OptionSpec {
  const exact = byName.get(typed);
  if (exact !== undefined) return exact;
  const candidates = new Set<OptionSpec>();
  if (typed.length > 0) for (const [n, s] of byName) if (n.startsWith(typed)) candidates.add(s);
  if (candidates.size === 1) return [...candidates][0];
  if (candidates.size > 1) {
    throw new UsageError(`Option --${typed} is ambiguous: ${[...candidates].map((s) => `--${s.name}`).join(', ')}.`);
  }
  const near = closest(typed, [...byName.keys()]);
  throw new UsageError(`Unknown option --${typed}.${near ? ` Did you mean --${near}?` : ''}`);
}

function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(word, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

// ---------------------------------------------------------------------------------------
// Values

/** A whole number (decimal, optional sign) within [min, max]; UsageError naming the option otherwise. */
export function integerOption(option: string, text: string, opts: { min?: number; max?: number } = {}): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new UsageError(`Option --${option}: '${text}' is not a whole number.`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new UsageError(`Option --${option}: '${text}' is too large.`);
  checkRange(option, text, n, opts);
  return n;
}

/** A decimal number (as Java's Double.parseDouble takes it, less hex and the f/d suffixes). */
export function numberOption(option: string, text: string, opts: { min?: number; max?: number } = {}): number {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new UsageError(`Option --${option}: '${text}' is not a number.`);
  const n = Number(t);
  checkRange(option, text, n, opts);
  return n;
}

function checkRange(option: string, text: string, n: number, opts: { min?: number; max?: number }): void {
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`Option --${option} must be at least ${opts.min}; got ${text}.`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`Option --${option} must be at most ${opts.max}; got ${text}.`);
}

// ---------------------------------------------------------------------------------------
// Help

export function helpText(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const meta = s.arg === 'none' ? '' : s.arg === 'optional' ? ` [${s.metavar ?? 'value'}]` : s.arg === 'multi' ? ` ${s.metavar ?? 'value'}...` : ` ${s.metavar ?? 'value'}`;
    const names = [s.name, ...(s.aliases ?? [])].map((n) => `--${n}`).join(', ');
    let help = s.help;
    if (s.required) help = `REQUIRED. ${help}`;
    if (s.defaultText !== undefined) help += ` (default: ${s.defaultText})`;
    return { left: `${names}${meta}`, help };
  });
  const width = Math.min(40, Math.max(...rows.map((r) => r.left.length)));
  const lines = [`Usage: ${usage}`, '', ...wrap(description, 100), '', 'Options:'];
  for (const r of rows) {
    const wrapped = wrap(r.help, 100 - width - 4);
    if (r.left.length > width) {
      lines.push(`  ${r.left}`);
      for (const w of wrapped) lines.push(`  ${' '.repeat(width)}  ${w}`);
    } else {
      lines.push(`  ${r.left.padEnd(width)}  ${wrapped[0] ?? ''}`);
      for (const w of wrapped.slice(1)) lines.push(`  ${' '.repeat(width)}  ${w}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Word-wraps each paragraph (split on '\n'); lines that start with a space are kept as they are. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.startsWith(' ')) {
      out.push(para);
      continue;
    }
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(line);
  }
  return out;
}
