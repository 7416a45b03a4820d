import { parseKeyValues, parseProperties, producerOptionsOf } from '../../../src/cli/properties';

describe('Java properties', () => {
  test('file syntax: comments, separators, continuation lines, escapes', () => {
    const text = [
      '# comment',
      '! also a comment',
      '',
      'bootstrap.servers=h1:9092,\\',
      '    h2:9092',
      'linger.ms : 5',
      'client.id   spaced',
      'key\\ with\\=odd = v\\tx\\u0041',
      '  acks=all  ',
      'empty=',
    ].join('\r\n');
    expect(Object.fromEntries(parseProperties(text))).toEqual({
      'bootstrap.servers': 'h1:9092,h2:9092',
      'linger.ms': '5',
      'client.id': 'spaced',
      'key with=odd': 'v\txA',
      acks: 'all  ',
      empty: '',
    });
  });

  test('key=value words split at the first =', () => {
    expect(Object.fromEntries(parseKeyValues('p', ['a=1', 'b=x=y', 'c=']))).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseKeyValues('p', ['=1'])).toThrow(/not of the form key=value/);
  });

  test('to producer options: serializers dropped, security properties translated, the rest passed on', () => {
    const opts = producerOptionsOf(
      new Map([
        ['bootstrap.servers', 'h:1'],
        ['key.serializer', 'org.apache.kafka.common.serialization.ByteArraySerializer'],
        ['value.serializer', 'org.apache.kafka.common.serialization.ByteArraySerializer'],
        ['security.protocol', 'SASL_SSL'],
        ['sasl.mechanism', 'SCRAM-SHA-512'],
        ['sasl.jaas.config', 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\\"w";'],
        ['ssl.endpoint.identification.algorithm', ''],
      ]),
    );
    expect(opts['bootstrap.servers']).toBe('h:1');
    expect(opts['key.serializer']).toBeUndefined();
    expect(opts.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'p"w' });
    expect(typeof (opts.ssl as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
    expect(producerOptionsOf(new Map([['security.protocol', 'SSL']])).ssl).toBe(true);
    expect(producerOptionsOf(new Map([['security.protocol', 'PLAINTEXT']])).ssl).toBeUndefined();
    expect(() => producerOptionsOf(new Map([['security.protocol', 'SASL_PLAINTEXT'], ['sasl.mechanism', 'GSSAPI']]))).toThrow(/GSSAPI \(Kerberos\) is not supported/);
    expect(() => producerOptionsOf(new Map([['security.protocol', 'TLS']]))).toThrow(/'security.protocol' must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
  });

  test('the security properties go through the producer\'s own translation (java-security.ts)', () => {
    const oauth = producerOptionsOf(
      new Map([
        ['security.protocol', 'SASL_SSL'],
        ['sasl.mechanism', 'OAUTHBEARER'],
        ['sasl.login.callback.handler.class', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler'],
        ['sasl.oauthbearer.token.endpoint.url', 'https://idp/token'],
        ['sasl.jaas.config', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="app" clientSecret="s";'],
        ['linger.ms', '7'],
      ]),
    );
    expect(oauth).toEqual({ 'linger.ms': '7', ssl: true, sasl: { mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: 'https://idp/token', clientId: 'app', clientSecret: 's' } } });
    expect(() => producerOptionsOf(new Map([['security.protocol', 'SSL'], ['ssl.truststore.type', 'PKCS12'], ['ssl.truststore.location', '/nowhere.p12']]))).toThrow(
      /Trust stores of type PKCS12 are not supported.*convert/,
    );
  });
});
