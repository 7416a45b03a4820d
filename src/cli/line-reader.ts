/**
 * The line format of Kafka's console producer (its default line reader): one record per line,
 * optionally with headers and a key before the value, configured by the `--property` values.
 *
 *   parse.headers=true, parse.key=true:  h1:v1,h2:v2<TAB>key<TAB>value
 *   parse.key=true:                      key<TAB>value
 *   parse.headers=true:                  h1:v1,h2:v2<TAB>value
 *
 * Defaults as in Kafka: parse.key=false, key.separator=\t, parse.headers=false,
 * headers.delimiter=\t, headers.separator=",", headers.key.separator=":", ignore.error=false,
 * null.marker unset. A key, value or header value equal to null.marker becomes null.
 */
import { UsageError } from './args';

export interface LineReaderConfig {
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly ignoreError: boolean;
  readonly nullMarker: string | null;
}

export interface LineRecord {
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[] | null;
}

/** A line that does not have the configured shape (the record is not sent). */
export class LineFormatError extends Error {
  override readonly name = 'LineFormatError';
}

/** The reader's settings from `--property` values; other keys are ignored, as Kafka does. */
export function lineReaderConfig(props: ReadonlyMap<string, string>): LineReaderConfig {
  const bool = (k: string) => (props.get(k) ?? '').trim().toLowerCase() === 'true';
  const nonEmpty = (k: string, dflt: string) => {
    const v = props.get(k) ?? dflt;
    if (v === '') throw new UsageError(`Property ${k} may not be empty.`);
    return v;
  };
  const c: LineReaderConfig = {
    parseKey: bool('parse.key'),
    keySeparator: nonEmpty('key.separator', '\t'),
    parseHeaders: bool('parse.headers'),
    headersDelimiter: nonEmpty('headers.delimiter', '\t'),
    headersSeparator: nonEmpty('headers.separator', ','),
    headersKeySeparator: nonEmpty('headers.key.separator', ':'),
    ignoreError: bool('ignore.error'),
    nullMarker: props.get('null.marker') ?? null,
  };
  const distinct: [keyof LineReaderConfig, keyof LineReaderConfig, string, string][] = [
    ['headersDelimiter', 'headersSeparator', 'headers.delimiter', 'headers.separator'],
    ['headersDelimiter', 'headersKeySeparator', 'headers.delimiter', 'headers.key.separator'],
    ['headersSeparator', 'headersKeySeparator', 'headers.separator', 'headers.key.separator'],
    ['nullMarker', 'keySeparator', 'null.marker', 'key.separator'],
    ['nullMarker', 'headersSeparator', 'null.marker', 'headers.separator'],
    ['nullMarker', 'headersDelimiter', 'null.marker', 'headers.delimiter'],
    ['nullMarker', 'headersKeySeparator', 'null.marker', 'headers.key.separator'],
  ];
  for (const [a, b, an, bn] of distinct) {
    if (c[a] === c[b]) throw new UsageError(`Properties ${an} and ${bn} may not be equal.`);
  }
  return c;
}

/**
 * One line (without its line break) to a record. `lineNumber` (from 1) is for the error
 * message. With ignore.error, a missing delimiter or separator reads as Kafka reads it: no
 * headers (or no key) and the rest of the line as the value; a header without its key
 * separator is a header with a null value.
 */
export function parseLine(c: LineReaderConfig, line: string, lineNumber: number): LineRecord {
  let at = 0;
  let headersText: string | null = null;
  if (c.parseHeaders) {
    const end = line.indexOf(c.headersDelimiter);
    if (end !== -1) {
      headersText = line.slice(0, end);
      at = end + c.headersDelimiter.length;
    } else if (!c.ignoreError) {
      throw new LineFormatError(`No headers delimiter found on line number ${lineNumber}: '${line}'`);
    }
  }
  let key: string | null = null;
  if (c.parseKey) {
    const end = line.indexOf(c.keySeparator, at);
    if (end !== -1) {
      key = line.slice(at, end);
      at = end + c.keySeparator.length;
    } else if (!c.ignoreError) {
      throw new LineFormatError(`No key separator found on line number ${lineNumber}: '${line}'`);
    }
  }
  const value = line.slice(at);
  const headers = headersText === null || headersText === c.nullMarker ? null : parseHeaders(c, headersText, lineNumber);
  return {
    key: key === c.nullMarker ? null : key,
    value: value === c.nullMarker ? null : value,
    headers,
  };
}

function parseHeaders(c: LineReaderConfig, text: string, lineNumber: number): { key: string; value: string | null }[] {
  const pairs = text.split(c.headersSeparator);
  // As Java's String.split: trailing empty pieces are dropped ("a:1," is one header).
  while (pairs.length > 1 && pairs[pairs.length - 1] === '') pairs.pop();
  return pairs.map((pair) => {
    const i = pair.indexOf(c.headersKeySeparator);
    if (i === -1) {
      if (c.ignoreError) return { key: pair, value: null };
      throw new LineFormatError(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
    }
    const key = pair.slice(0, i);
    if (key === c.nullMarker) {
      throw new LineFormatError(`Header keys may not equal the null marker '${c.nullMarker}' on line number ${lineNumber}`);
    }
    const value = pair.slice(i + c.headersKeySeparator.length);
    return { key, value: value === c.nullMarker ? null : value };
  });
}
