import { LineFormatError, lineReaderConfig, parseLine } from '../../../src/cli/line-reader';

const config = (props: Record<string, string> = {}) => lineReaderConfig(new Map(Object.entries(props)));

describe('console producer line format', () => {
  test('defaults: the whole line is the value', () => {
    expect(parseLine(config(), 'a\tb:c,d', 1)).toEqual({ key: null, value: 'a\tb:c,d', headers: null });
    expect(parseLine(config(), '', 1)).toEqual({ key: null, value: '', headers: null });
  });

  test('parse.key with the default tab separator and with ":"; the value keeps later separators', () => {
    expect(parseLine(config({ 'parse.key': 'true' }), 'k\tv\tw', 1)).toEqual({ key: 'k', value: 'v\tw', headers: null });
    expect(parseLine(config({ 'parse.key': 'TRUE', 'key.separator': ':' }), 'k:a:b', 1)).toEqual({ key: 'k', value: 'a:b', headers: null });
    expect(parseLine(config({ 'parse.key': 'true', 'key.separator': '::' }), ':k::v', 1)).toEqual({ key: ':k', value: 'v', headers: null });
  });

  test('parse.headers with parse.key: h1:v1,h2:v2<TAB>key<TAB>value', () => {
    const c = config({ 'parse.key': 'true', 'parse.headers': 'true' });
    expect(parseLine(c, 'h1:v1,h2:v:2\tkey\tvalue', 1)).toEqual({
      key: 'key',
      value: 'value',
      headers: [
        { key: 'h1', value: 'v1' },
        { key: 'h2', value: 'v:2' },
      ],
    });
    // Trailing empty pieces are dropped, as Java's split does; an empty value is kept.
    expect(parseLine(c, 'h1:,\tk\tv', 1).headers).toEqual([{ key: 'h1', value: '' }]);
  });

  test('parse.headers alone, with custom delimiter and separators', () => {
    const c = config({ 'parse.headers': 'true', 'headers.delimiter': '|', 'headers.separator': ';', 'headers.key.separator': '=' });
    expect(parseLine(c, 'a=1;b=2|the value', 1)).toEqual({ key: null, value: 'the value', headers: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
  });

  test('null.marker: key, value, header value and the whole header part', () => {
    const c = config({ 'parse.key': 'true', 'parse.headers': 'true', 'null.marker': 'NULL' });
    expect(parseLine(c, 'h:NULL\tNULL\tNULL', 1)).toEqual({ key: null, value: null, headers: [{ key: 'h', value: null }] });
    expect(parseLine(c, 'NULL\tk\tNULL more', 1)).toEqual({ key: 'k', value: 'NULL more', headers: null });
    expect(() => parseLine(c, 'NULL:v\tk\tv', 3)).toThrow("Header keys may not equal the null marker 'NULL' on line number 3");
  });

  test('a missing separator is an error naming the line, unless ignore.error', () => {
    expect(() => parseLine(config({ 'parse.key': 'true' }), 'no tab', 7)).toThrow(LineFormatError);
    expect(() => parseLine(config({ 'parse.key': 'true' }), 'no tab', 7)).toThrow("No key separator found on line number 7: 'no tab'");
    expect(() => parseLine(config({ 'parse.headers': 'true' }), 'v', 2)).toThrow('No headers delimiter found on line number 2');
    expect(() => parseLine(config({ 'parse.headers': 'true' }), 'h\tv', 2)).toThrow("No header key separator found in pair 'h' on line number 2");
    const lenient = config({ 'parse.key': 'true', 'parse.headers': 'true', 'ignore.error': 'true' });
    expect(parseLine(lenient, 'just a value', 1)).toEqual({ key: null, value: 'just a value', headers: null });
    expect(parseLine(lenient, 'h\tk\tv', 1)).toEqual({ key: 'k', value: 'v', headers: [{ key: 'h', value: null }] });
  });

  test('settings that would make lines ambiguous are refused', () => {
    expect(() => config({ 'headers.delimiter': ',' })).toThrow('Properties headers.delimiter and headers.separator may not be equal.');
    expect(() => config({ 'headers.separator': ':' })).toThrow(/headers.separator and headers.key.separator/);
    expect(() => config({ 'null.marker': '\t' })).toThrow(/null.marker and key.separator/);
    expect(() => config({ 'key.separator': '' })).toThrow(/key.separator may not be empty/);
  });
});
