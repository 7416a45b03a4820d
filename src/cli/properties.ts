/**
 * Producer properties as Kafka's tools take them: `key=value` words on the command line and
 * Java `.properties` files, turned into kafka-wire producer options.
 */
import * as fs from 'node:fs';
import type { ProducerOptions } from '../producer/config';
import { javaSecurityOptions } from '../producer/java-security';
import { UsageError } from './args';

/** Properties in the order given; a later key replaces an earlier one. */
export type Properties = Map<string, string>;

/**
 * Parses the text of a Java properties file (java.util.Properties.load): `#` and `!`
 * comments, `key=value`, `key: value` or `key value`, a backslash at the end of a line
 * continuing it, and the escapes \t \n \r \f \uXXXX (any other escaped character stands
 * for itself).
 */
export function parseProperties(text: string): Properties {
  const props: Properties = new Map();
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // Join continuation lines: an odd number of trailing backslashes.
    while (trailingBackslashes(line) % 2 === 1 && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/^[ \t\f]+/, '');
    }
    if (trailingBackslashes(line) % 2 === 1) line = line.slice(0, -1);
    // The key ends at the first unescaped '=', ':' or whitespace.
    let k = 0;
    while (k < line.length) {
      const c = line[k];
      if (c === '\\') k += 2;
      else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      else k++;
    }
    const key = unescape(line.slice(0, Math.min(k, line.length)));
    let v = k;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    props.set(key, unescape(line.slice(v)));
  }
  return props;
}

function trailingBackslashes(s: string): number {
  let n = 0;
  while (n < s.length && s[s.length - 1 - n] === '\\') n++;
  return n;
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const e = s[++i];
    if (e === 't') out += '\t';
    else if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 'f') out += '\f';
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += e;
  }
  return out;
}

/** Reads a properties file named by an option; a file that cannot be read is a usage error. */
export function loadPropertiesFile(option: string, file: string): Properties {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Option --${option}: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  return parseProperties(text);
}

/** `key=value` words (split at the first '='), as --producer-property and --property give them. */
export function parseKeyValues(option: string, words: readonly string[]): Properties {
  const props: Properties = new Map();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`Option --${option}: '${w}' is not of the form key=value.`);
    props.set(w.slice(0, eq).trim(), w.slice(eq + 1));
  }
  return props;
}

/** Later maps win, as Kafka's tools let command-line properties override a file's. */
export function merge(...maps: readonly (Properties | undefined)[]): Properties {
  const out: Properties = new Map();
  for (const m of maps) if (m) for (const [k, v] of m) out.set(k, v);
  return out;
}

const SERIALIZERS = new Set(['key.serializer', 'value.serializer']);

/**
 * Turns Java producer properties into producer options. Kafka's tools always send bytes and
 * set key.serializer and value.serializer themselves, so those are dropped here too. The
 * security properties (security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config, ...)
 * become the `ssl` and `sasl` options, as the producer itself would translate them
 * (javaSecurityOptions); a ConfigError names a property that cannot be. Every other property
 * is passed on under its Java name; the producer checks it (and names one it does not know).
 */
export function producerOptionsOf(props: Properties): ProducerOptions {
  const given: Record<string, unknown> = {};
  for (const [k, v] of props) if (!SERIALIZERS.has(k)) given[k] = v;
  const security = javaSecurityOptions(given);
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) if (!security.consumed.has(k)) options[k] = v;
  if (security.ssl !== undefined) options.ssl = security.ssl.value;
  if (security.sasl !== undefined) options.sasl = security.sasl.value;
  return options as unknown as ProducerOptions;
}
