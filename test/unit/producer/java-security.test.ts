// The Java client's security properties as ssl and sasl options (src/producer/java-security.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '../../../src/protocol/errors';
import { CONFIG_DEFS } from '../../../src/producer/config';
import { JAVA_SECURITY_PROPERTIES, JaasSyntaxError, javaSecurityOptions, parseJaasConfig, type JavaSecurity } from '../../../src/producer/java-security';

// ---------------------------------------------------------------------------------------
// Fixtures: a P-256 CA, a client certificate it signed, the client's key (plain and
// encrypted with "keypass"), an unrelated key, a PKCS12 key store (client key and
// certificate, "storepass"), a certificates-only PKCS12 trust store and a JKS trust store
// (both made by openssl/keytool; valid until 2126).

const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBkjCCATegAwIBAgIUO+O67/78aXgm/sr06bStUcZlhU8wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSa2Fma2Etd2lyZSB0ZXN0IENBMCAXDTI2MTIwMzExNDQxM1oY
DzIxMjYxMTA5MTE0NDEzWjAdMRswGQYDVQQDDBJrYWZrYS13aXJlIHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARryQYWOVT5K2kH8bntzBa75ttva91/
Td+qxpdkD9gFBRF9zQyZ+CK9J/EBS3z5AY0pmjlywL98r0NGzzYzD86no1MwUTAd
BgNVHQ4EFgQUFeDTI22WJ0trncnomhBR8DV1sAwwHwYDVR0jBBgwFoAUFeDTI22W
J0trncnomhBR8DV1sAwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
AiEAxbxmSO7Q3CIwNo2CvCblexCRlHHZQ78Ge7RL6IDH+DICIQCT3hvfc2rnaGBe
TjG+iuykWxhqpjyFfyc+VEKSAsICQA==
-----END CERTIFICATE-----
`;
const CLIENT_PEM = `-----BEGIN CERTIFICATE-----
MIIBKjCB0QIUBq40aVDBv3s6dK7mWYwPqUUPH8kwCgYIKoZIzj0EAwIwHTEbMBkG
A1UEAwwSa2Fma2Etd2lyZSB0ZXN0IENBMCAXDTI2MTIwMzExNDQxM1oYDzIxMjYx
MTA5MTE0NDEzWjARMQ8wDQYDVQQDDAZjbGllbnQwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARvWkxa6Dj/jSEV9aW/LAt6EwnTojAHbULalv8M1O3p4nj5/NIjEcOF
vOL9kyoGG4+9vZiIPF2ze5okKgsFfsTrMAoGCCqGSM49BAMCA0gAMEUCIQDI/Sb/
+AyxEhqxM6pc3C9Avt/apJ3ObaC/tagY9LDLrgIgJlGYikoIG4wF/e2VEevYv8B/
4L4Gx3+HeZF69+ekZsI=
-----END CERTIFICATE-----
`;
const CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUvXV1bRIp77CfsE6
73froqX2jrgX0Plj88tDOunyluOhRANCAARvWkxa6Dj/jSEV9aW/LAt6EwnTojAH
bULalv8M1O3p4nj5/NIjEcOFvOL9kyoGG4+9vZiIPF2ze5okKgsFfsTr
-----END PRIVATE KEY-----
`;
const CLIENT_KEY_ENCRYPTED = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAj5PyJ0CPTLrwICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEF+lltgSitiS7A/orQFPwSoEgZDZ
gplafUVKqPz2oMYUubU/8wPPwaAmfIo1ZJC4XyLwBnjrqV8/dgwfbBHTr5aX04BN
FU8QuTu/6D1mpxOlCvctWQ9ZQI9JCvCwWmZ+foitl6vi720zNs6VbSGhCCeYnLH5
MV/7vZnKDj2aG0cjOqnFkYyWgegMdezOOLktYHFquZvGpC8fo5KnhGIrMVVjeuE=
-----END ENCRYPTED PRIVATE KEY-----
`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+EgWYicbJPZPTzy2
6TgFxISaAYpaI0qhY2DJ+Wlbs+KhRANCAAQDJR4H3oegOxW8IbcTfMFl1X9RgG1v
FJBAQEEa9/jxq8FgERTm381pMiUoMwKTX21vcEOB9rlnUAKcTushu5j2
-----END PRIVATE KEY-----
`;
const KEYSTORE_P12 = Buffer.from(
  'MIIDvAIBAzCCA3IGCSqGSIb3DQEHAaCCA2MEggNfMIIDWzCCAhIGCSqGSIb3DQEHBqCCAgMwggH/AgEAMIIB+AYJKoZIhvcNAQcB' +
    'MFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgi88Pc4ZtQEgICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFCj' +
    'R0yqk2afSnX3ivQi702AggGQ+9P3S2DRxBq5h+fzY08+XZ4zT7HsGjFu5J0L5Hz3UZ5T06+5zAzVnDTKhVK+ra1+e06FwiEjv6Pd' +
    'JIDEUwWoKoya7WMqdMmQcwHiVKWo1dBkFnny8PU4hCR96GbAMfVuv7Fip4hb7oZfrQxklgOjMLL/RmJbQ3jmUAd5aM9SUgfH7hxw' +
    '7u5kjLYM3JGIFoAwdJl4aL/G19ZLijRMv3rHPf7m8+3jBveiKQgXOd7t4qT0X0DMO13B7ZLzUah6b3pD8pnujIofsxH627EfATWb' +
    'wFa9vX13EskRX6RfTdlS7nyJOZWi3kKNvhDlK5yTYdpkziPoUIgF3wW6p36zbjkiHYGgGRO85EzAiInWWfimPaEOFJ8aTrmTF/e2' +
    'ewGSe4fVqJw9aR31SqyUV941qdmeBc1n8nb1DOtU7mzxsiHvazAaaTnhuUXs0UL8Rn7LrZEe4akYlsYpmU1pWDHtXjOzyMEbdF1U' +
    'ZJi+81XioYVVmzwJqPKgy0BlG3g1L2jqm3LsJIj0p6X3NbqmO40QgC7vQzCCAUEGCSqGSIb3DQEHAaCCATIEggEuMIIBKjCCASYG' +
    'CyqGSIb3DQEMCgECoIHvMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh7T7eer710bQICCAAwDAYIKoZIhvcNAgkF' +
    'ADAdBglghkgBZQMEASoEELWnwdf7ZVbSyinpxz6sq/AEgZAR+CI2otUANxzLBt/bH0zIXe9VurRB+bZQ6u0Ps5n6g4oPjBGomv/8' +
    'kzIbxsnYGQe1wtZ6Q9Cn9sqQiERFCYKNUYe2gD7JkSxOmo9EredgTXlyovZ88LnglTWgfE9cm9I2pNkdXx2fyuzqHmZgBr/0Se60' +
    'hFlRvpkbXzoVVVFIs425z00RX9Hq46QRvDnvqCgxJTAjBgkqhkiG9w0BCRUxFgQUpEypDCBROsTZJtpl8mlHjszyNZgwQTAxMA0G' +
    'CWCGSAFlAwQCAQUABCBwRO/daiI/HFh7MCDz92uiN5SVvD0BqjQihiWiNLzB5wQImCw+PlOULOYCAggA',
  'base64',
);
const TRUSTSTORE_P12 = Buffer.from(
  'MIICtwIBAzCCAm0GCSqGSIb3DQEHAaCCAl4EggJaMIICVjCCAlIGCSqGSIb3DQEHBqCCAkMwggI/AgEAMIICOAYJKoZIhvcNAQcB' +
    'MFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjI1dc+D9A1CgICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEEn1' +
    '0/kjMmsKytOFXNE4XQiAggHQoJmcDJrkSA63E04SuBAitUG1YIplaxQYijJS2VazLaBONZWdUf5AIc6UmKsIkCyltmExD4oYuBV9' +
    'uqJVK0P/tfM8zPqUkwoeXPehbSJ+tsqazaPZqf9h2OeGbnPYkhb3lckUwS7McevcCaEnGylKsT8ykOyctOOEM35fr1X0c4HAqB+x' +
    'LHeEZhVy2hPw4DP7aNqTG8Xz2XjuVmbFpgkJwot4ufJvyiqxWZ1JHJ9SjLtoIHeYVrtkD5vAEbix1jmuQhEubhUuQelOCyg9/DZ/' +
    'H8RiTyqm6M4wzdIHQgJ+pbo/KUYZyvONsIrtNio+e/mKOXlBD5kTTB67BcNSszJUyoaWEjN1ZdXwOts/nU0kn4/ll4C/LvLdsIrW' +
    'RbDaNWPwz7aVmsGFW2yL+fx3MXCplEN9JherYB3UExdM6uSqdbBahjUQuZvpujizQrAXDU58//84URkQ6NRfE4isMx9gw0jZbNTa' +
    'VJgR3s+HKE3ngmikufcj3OSxmlUgqDw9zCRcZ1CcUosQkO/f9ySeXnzAbDydLs4gENZO364fhH99gwXcb8IFUPpSoYTvO575i1ZZ' +
    'e17U6U3c6oDhum5vsh7+5cIg6ec8BKmr/1MHW0bbcKMwQTAxMA0GCWCGSAFlAwQCAQUABCBSXqfZulEZ2uoPi3SvFW4SeS8nwRVm' +
    '4SUYBEiarAFT8gQIgFB8RQplilgCAggA',
  'base64',
);
const TRUSTSTORE_JKS = Buffer.from(
  '/u3+7QAAAAIAAAABAAAAAgACY2EAAAGiO7hkZwAFWC41MDkAAAGWMIIBkjCCATegAwIBAgIUO+O67/78aXgm/sr06bStUcZlhU8w' +
    'CgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSa2Fma2Etd2lyZSB0ZXN0IENBMCAXDTI2MTIwMzExNDQxM1oYDzIxMjYxMTA5MTE0NDEz' +
    'WjAdMRswGQYDVQQDDBJrYWZrYS13aXJlIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARryQYWOVT5K2kH8bntzBa7' +
    '5ttva91/Td+qxpdkD9gFBRF9zQyZ+CK9J/EBS3z5AY0pmjlywL98r0NGzzYzD86no1MwUTAdBgNVHQ4EFgQUFeDTI22WJ0trncno' +
    'mhBR8DV1sAwwHwYDVR0jBBgwFoAUFeDTI22WJ0trncnomhBR8DV1sAwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG' +
    'AiEAxbxmSO7Q3CIwNo2CvCblexCRlHHZQ78Ge7RL6IDH+DICIQCT3hvfc2rnaGBeTjG+iuykWxhqpjyFfyc+VEKSAsICQIUUKiJ/' +
    'NVWgQCDPOir+NPIha5d2',
  'base64',
);

const SECRETS = ['storepass', 'keypass', 's3cret', 'cl1ent-s3cret'];

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-wire-java-security-'));
  writeFileSync(file('ca.pem'), `Bag Attributes: text before the block is ignored\n${CA_PEM}`);
  writeFileSync(file('client-chain.pem'), CLIENT_PEM + CA_PEM);
  writeFileSync(file('keystore.pem'), CLIENT_KEY + CLIENT_PEM + CA_PEM);
  writeFileSync(file('keystore-encrypted.pem'), CLIENT_KEY_ENCRYPTED + CLIENT_PEM);
  writeFileSync(file('keystore.p12'), KEYSTORE_P12);
  writeFileSync(file('truststore.p12'), TRUSTSTORE_P12);
  writeFileSync(file('truststore.jks'), TRUSTSTORE_JKS);
  writeFileSync(file('garbage.txt'), 'not a certificate\n');
  writeFileSync(file('no-cert.pem'), CLIENT_KEY);
  writeFileSync(file('bad-cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function translate(options: Record<string, unknown>): JavaSecurity {
  return javaSecurityOptions(options);
}

/** The ConfigError a translation throws; checks it names `option` and quotes no secret. */
function refused(options: Record<string, unknown>, message: RegExp, option?: string): ConfigError {
  let err: unknown;
  try {
    translate(options);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const e = err as ConfigError;
  expect(e.message).toMatch(message);
  if (option !== undefined) expect(e.option).toBe(option);
  for (const s of SECRETS) expect(e.message).not.toContain(s);
  return e;
}

const ssl = (options: Record<string, unknown>): unknown => translate({ 'security.protocol': 'SSL', ...options }).ssl?.value;

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const OIDC_HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler';
const TOKEN_URL = 'https://idp.example.com/oauth2/token';

// ---------------------------------------------------------------------------------------

describe('sasl.jaas.config parsing (JaasConfig over StreamTokenizer)', () => {
  // Each expectation was produced by Kafka 4.1.1's JaasConfig on the same text, after
  // "org.apache.kafka.common.security.plain.PlainLoginModule required ": the options it
  // parses, or null where it throws (its message in the comment).
  const CASES: ReadonlyArray<readonly [string, Record<string, string> | null]> = [
    ["username=alice password=secret;", { password: "secret", username: "alice" }],
    ["username=\"alice\" password=123;", null], // Value not specified for key 'password' in JAAS config
    ["username=\"alice\" password=abc123;", { password: "abc123", username: "alice" }],
    ["username='bob' password='single \"quoted\"';", { password: "single \"quoted\"", username: "bob" }],
    ["username=\"u\" password=\"with \\\"escaped\\\" quotes and \\\\ backslash\";", { password: "with \"escaped\" quotes and \\ backslash", username: "u" }],
    ["username=\"u\" password=\"tab\\there\\nnl\\a\\b\\f\\r\\v\";", { password: "tab\there\nnl\u0007\b\f\r\u000b", username: "u" }],
    ["username=\"u\" password=\"oct\\101\\0x\\477\\3777\";", { password: "octA\u0000x'7\u00ff7", username: "u" }],
    ["username=\"u\" password=\"unterminated", null], // JAAS config entry not terminated by semi-colon
    ["username=\"u\" password=a/b;", null], // JAAS config entry not terminated by semi-colon
    ["username=\"u\" password=\"a/b\";", { password: "a/b", username: "u" }],
    ["username=\"u\" password=\"p\"", null], // JAAS config entry not terminated by semi-colon
    ["username=;", null], // Value not specified for key 'username' in JAAS config
    ["\"quoted key\"=\"v\" username=\"u\";", { "quoted key": "v", username: "u" }],
    ["password=-x;", null], // Value not specified for key 'password' in JAAS config
    ["password=$abc_d-e.f;", { password: "$abc_d-e.f" }],
    ["password=p\u00e4ss\u20acx;", { password: "p\u00e4ss\u20acx" }],
    ["password=\"line1\nline2\";", null], // Value not specified for key 'line2' in JAAS config
    ["username = \"alice\" ;", { username: "alice" }],
    ["password=\"a\"b;", null], // Value not specified for key 'b' in JAAS config
    ["password=\"1\" password=\"2\";", { password: "2" }],
    ["password=\"abc\\\\\";", { password: "abc\\" }],
    ["password=\"\\q\\\"\\'\";", { password: "q\"'" }],
    ["password='it''s';", null], // Value not specified for key 's' in JAAS config
    ["password=.5;", null], // Value not specified for key 'password' in JAAS config
    ["a1=b 1a=b;", null], // Value not specified for key 'null' in JAAS config
    ["password=\"p\" /* unterminated", null], // JAAS config entry not terminated by semi-colon
    ["password=\"p\" /* c */ ;", { password: "p" }],
    ["password=p@ss;", null], // Value not specified for key 'null' in JAAS config
    ["password=\"p\";;", null], // Login module control flag not specified in JAAS config
    ["password=\"p\"; ;", null], // Login module control flag not specified in JAAS config
    ["password=\"p\"\r\n;", { password: "p" }],
    ["password=a\u0085b;", null], // Value not specified for key 'null' in JAAS config
    ["password=\"x*/y\";", { password: "x*/y" }],
    ["password=\"p\" /* a *\n/ b */ ;", { password: "p" }],
    ["password=\"p\" /**/;", { password: "p" }],
    ["password=\"p\" /* **/;", { password: "p" }],
    ["password=ab/*c*/;", { password: "ab" }],
    ["password=\"a=b;c\" username=\"u=1;\";", { password: "a=b;c", username: "u=1;" }],
    ["password", null], // Value not specified for key 'password' in JAAS config
    ["password=", null], // Value not specified for key 'password' in JAAS config
    ["=x;", null], // Value not specified for key 'null' in JAAS config
    ["password=\"p\" ; trailing", null], // Login module control flag not specified in JAAS config
    ["password='p\\'q';", { password: "p'q" }],
    ["password=\"\\u0041\";", { password: "u0041" }],
    ["password=-5;", null], // Value not specified for key 'password' in JAAS config
    ["password=-.;", null], // Value not specified for key 'password' in JAAS config
    ["password=x-5;", { password: "x-5" }],
    ["password=a/\nb=\"x\";", null], // JAAS config entry not terminated by semi-colon
    ["password=a/\nb=\"x\" c=\"y\";", null], // JAAS config entry not terminated by semi-colon
    ["password=\"p\" /* x *\n/ */ ;", { password: "p" }],
    ["password=\"p\" // c\n;", { password: "p" }],
    ["password=\"p\" // c", null], // JAAS config entry not terminated by semi-colon
    ["password=\"a\\", null], // JAAS config entry not terminated by semi-colon
    ["password=\"\\0\\00\\000\\0000\\400\\48\";", { password: "\u0000\u0000\u0000\u00000 0\u00048" }],
    ["@=v password=\"p\";", { password: "p" }],
    ["password=\u0080x;", null], // Value not specified for key 'password' in JAAS config
    ["password=\"p\"\u00a0;", null], // Value not specified for key ' ' in JAAS config
    ["password=\u00a0x;", { password: "\u00a0x" }],
    ["x=\u4e2d\u6587;", { x: "\u4e2d\u6587" }],
    ["password='a\"b';", { password: "a\"b" }],
    ["password=\"p\" /", null], // JAAS config entry not terminated by semi-colon
    ["password=abc-123.4_5$;", { password: "abc-123.4_5$" }],
    ["password=a.b;", { password: "a.b" }],
    ["password=-;", null], // Value not specified for key 'password' in JAAS config
    ["\"k\\\"q\"=\"v\";", { "k\"q": "v" }],
    ["password=\"p\"/**/ username=\"u\";", { password: "p", username: "u" }],
    ["password=\"p\";/", { password: "p" }],
  ];

  it.each(CASES)('%j', (body, expected) => {
    const text = `${PLAIN} required ${body}`;
    if (expected === null) {
      expect(() => parseJaasConfig(text)).toThrow(JaasSyntaxError);
    } else {
      const entries = parseJaasConfig(text);
      expect(entries).toHaveLength(1);
      expect(entries[0].loginModule).toBe(PLAIN);
      expect(Object.fromEntries(entries[0].options)).toEqual(expected);
    }
  });

  it('reads the module name and the control flag (any case), quoted or not', () => {
    expect(parseJaasConfig('a.b.C optional;')).toEqual([{ loginModule: 'a.b.C', controlFlag: 'optional', options: new Map() }]);
    expect(parseJaasConfig('a.b.C Sufficient x=y;')[0].controlFlag).toBe('sufficient');
    expect(parseJaasConfig('a.b.C REQUISITE;')[0].controlFlag).toBe('requisite');
    expect(parseJaasConfig(`"${PLAIN}" required username="u";`)[0].loginModule).toBe(PLAIN);
    expect(parseJaasConfig(`// a comment\n${PLAIN} /* another */ required;`)[0].loginModule).toBe(PLAIN);
    const two = parseJaasConfig(`${PLAIN} required username="a"; ${SCRAM} required username="b";`);
    expect(two.map((e) => e.loginModule)).toEqual([PLAIN, SCRAM]);
  });

  it("gives Java's messages", () => {
    const message = (text: string): string => {
      try {
        parseJaasConfig(text);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(message('')).toBe('Login module not specified in JAAS config');
    expect(message('/* only a comment */')).toBe('Login module not specified in JAAS config');
    expect(message(PLAIN)).toBe('Login module control flag not specified in JAAS config');
    expect(message(`${PLAIN} requird;`)).toBe("Invalid login module control flag 'requird' in JAAS config");
    expect(message(`${PLAIN} required username="u"`)).toBe('JAAS config entry not terminated by semi-colon');
    expect(message(`${PLAIN} required password=123;`)).toMatch(/^Value not specified for key 'password' in JAAS config/);
    expect(message('3 required;')).toBe('JAAS config entry does not start with a login module class name');
  });

  it('names no option that may be a piece of a secret', () => {
    // Java says "key 'line2'": the second line of the password became an option name.
    const m = (() => {
      try {
        parseJaasConfig(`${PLAIN} required password="s3cret\nline2";`);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(m).toMatch(/^Value not specified for key at character \d+ in JAAS config/);
    expect(m).not.toContain('line2');
  });
});

describe('security.protocol', () => {
  it('defaults to PLAINTEXT: neither ssl nor sasl', () => {
    expect(translate({ lingerMs: 5 })).toEqual({ consumed: new Set() });
    expect(translate({ 'security.protocol': 'PLAINTEXT' })).toEqual({ consumed: new Set(['security.protocol']) });
  });

  it('takes any case and surrounding white space, as SecurityProtocol.forName after ConfigDef trimming', () => {
    expect(translate({ 'security.protocol': ' ssl ' }).ssl).toEqual({ key: 'security.protocol', value: true });
    const t = translate({ 'security.protocol': 'Sasl_Ssl', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="u" password="p";` });
    expect(t.ssl?.value).toBe(true);
    expect(t.sasl).toEqual({ key: 'sasl.mechanism', value: { mechanism: 'PLAIN', username: 'u', password: 'p' } });
    const plain = translate({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="u" password="p";` });
    expect(plain.ssl).toBeUndefined();
    expect(plain.sasl?.value).toMatchObject({ mechanism: 'PLAIN' });
  });

  it('refuses other values and types', () => {
    refused({ 'security.protocol': 'TLS' }, /'security.protocol' must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/, 'security.protocol');
    refused({ 'security.protocol': 1 }, /'security.protocol' must be a string; got a number/, 'security.protocol');
  });

  it('takes undefined and null for not set', () => {
    expect(translate({ 'security.protocol': undefined, 'ssl.truststore.location': null })).toEqual({ consumed: new Set(['security.protocol', 'ssl.truststore.location']) });
  });

  it('consumes every Java security property given, and nothing else', () => {
    const t = translate({ 'security.protocol': 'SSL', 'ssl.keymanager.algorithm': 'SunX509', 'sasl.login.refresh.window.factor': 0.9, acks: 'all', foo: 1 });
    expect([...t.consumed].sort()).toEqual(['security.protocol', 'ssl.keymanager.algorithm']);
    expect(JAVA_SECURITY_PROPERTIES.has('sasl.oauthbearer.client.credentials.client.id')).toBe(true);
    expect(JAVA_SECURITY_PROPERTIES.has('sasl.login.retry.backoff.ms')).toBe(false); // a producer option of its own
    const options = new Set(CONFIG_DEFS.flatMap((d) => [d.name, d.javaName]));
    expect([...JAVA_SECURITY_PROPERTIES].filter((k) => options.has(k))).toEqual([]);
  });

  it('refuses ssl.* without TLS and sasl.* without SASL (Java ignores them)', () => {
    refused({ 'ssl.truststore.location': file('ca.pem') }, /'ssl.truststore.location' needs 'security.protocol' SSL or SASL_SSL; it is PLAINTEXT \(the default\)/, 'ssl.truststore.location');
    refused({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'ssl.endpoint.identification.algorithm': '' }, /needs 'security.protocol' SSL or SASL_SSL; it is SASL_PLAINTEXT\./);
    refused({ 'security.protocol': 'SSL', 'sasl.mechanism': 'PLAIN' }, /'sasl.mechanism' needs 'security.protocol' SASL_PLAINTEXT or SASL_SSL; it is SSL/, 'sasl.mechanism');
  });
});

describe('conflicts with the ssl and sasl options', () => {
  const sasl = { mechanism: 'PLAIN', username: 'u', password: 's3cret' };

  it('ssl with security.protocol or any ssl.* property', () => {
    refused({ ssl: true, 'security.protocol': 'SSL' }, /Options 'ssl' and 'security.protocol' cannot both be given/, 'security.protocol');
    refused({ ssl: { ca: CA_PEM }, 'ssl.truststore.location': file('ca.pem') }, /Options 'ssl' and 'ssl.truststore.location' cannot both be given/, 'ssl.truststore.location');
    refused({ ssl: false, 'ssl.endpoint.identification.algorithm': '' }, /'ssl' and 'ssl.endpoint.identification.algorithm'/);
  });

  it('sasl with any sasl.* property it would replace', () => {
    refused({ sasl, 'sasl.mechanism': 'PLAIN' }, /Options 'sasl' and 'sasl.mechanism' cannot both be given/, 'sasl.mechanism');
    refused({ sasl, 'sasl.jaas.config': `${PLAIN} required username="u" password="s3cret";` }, /'sasl' and 'sasl.jaas.config'/, 'sasl.jaas.config');
    refused({ sasl, 'sasl.oauthbearer.token.endpoint.url': TOKEN_URL }, /'sasl' and 'sasl.oauthbearer.token.endpoint.url'/);
  });

  it('sasl with a security.protocol that has no SASL', () => {
    refused({ sasl, 'security.protocol': 'SSL' }, /Option 'sasl' needs 'security.protocol' SASL_PLAINTEXT or SASL_SSL when that is given; it is SSL/, 'sasl');
  });

  it('but sasl goes with security.protocol SASL_* and ssl.*: the Java properties then give TLS only', () => {
    const t = translate({ sasl, 'security.protocol': 'SASL_SSL', 'ssl.truststore.location': file('ca.pem') });
    expect(t.sasl).toBeUndefined();
    expect(t.ssl?.value).toEqual({ ca: expect.stringContaining(CA_PEM) });
    // sasl.login.* producer options are not sasl.* properties of this module: no conflict.
    expect(translate({ sasl, 'sasl.login.refresh.buffer.seconds': 10 }).consumed.size).toBe(0);
  });
});

describe('trust store', () => {
  it('a PEM file becomes ca, with or without ssl.truststore.type PEM (the file tells)', () => {
    const text = `Bag Attributes: text before the block is ignored\n${CA_PEM}`;
    expect(ssl({ 'ssl.truststore.location': file('ca.pem'), 'ssl.truststore.type': 'PEM' })).toEqual({ ca: text });
    expect(ssl({ 'ssl.truststore.location': file('ca.pem'), 'ssl.truststore.type': 'pem' })).toEqual({ ca: text });
    expect(ssl({ 'ssl.truststore.location': file('ca.pem') })).toEqual({ ca: text });
    expect(ssl({ 'ssl.truststore.location': file('client-chain.pem') })).toEqual({ ca: CLIENT_PEM + CA_PEM });
  });

  it('PEM text in ssl.truststore.certificates becomes ca', () => {
    expect(ssl({ 'ssl.truststore.certificates': CA_PEM, 'ssl.truststore.type': 'PEM' })).toEqual({ ca: CA_PEM });
    expect(ssl({ 'ssl.truststore.certificates': CA_PEM })).toEqual({ ca: CA_PEM });
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': CA_PEM, 'ssl.truststore.type': 'JKS' }, /'ssl.truststore.certificates' needs 'ssl.truststore.type' PEM; it is JKS/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': CA_PEM, 'ssl.truststore.location': file('ca.pem') }, /cannot both be given/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': CA_PEM, 'ssl.truststore.password': 'storepass' }, /'ssl.truststore.password' cannot be given with PEM/, 'ssl.truststore.password');
  });

  it('refuses PKCS12 and JKS trust stores, telling how to convert them', () => {
    for (const type of ['PKCS12', 'JKS', 'jks']) {
      refused(
        { 'security.protocol': 'SSL', 'ssl.truststore.location': file('truststore.p12'), 'ssl.truststore.type': type, 'ssl.truststore.password': 'storepass' },
        new RegExp(`Trust stores of type ${type.toUpperCase()} are not supported.*convert the trust store.*openssl pkcs12 -in <file> -nokeys -out ca.pem.*'ssl.truststore.type' to PEM`),
        'ssl.truststore.location',
      );
    }
    // No type given (Java's default is JKS): the content decides.
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('truststore.p12') }, /Trust stores of type PKCS12 are not supported/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('truststore.jks') }, /Trust stores of type JKS are not supported.*keytool -exportcert -rfc/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('garbage.txt') }, /The file is not a PEM file of certificates/);
  });

  it('needs a readable file holding valid certificates', () => {
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('missing.pem') }, /'ssl.truststore.location': cannot read ".*missing.pem" \(ENOENT\)/, 'ssl.truststore.location');
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('no-cert.pem'), 'ssl.truststore.type': 'PEM' }, /holds no PEM certificate/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('bad-cert.pem') }, /certificate 1 of 1 is not a valid X.509 certificate/);
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': 'not PEM' }, /'ssl.truststore.certificates' holds no PEM certificate/, 'ssl.truststore.certificates');
  });

  it('refuses a password for PEM, or without a store (DefaultSslEngineFactory.createTruststore)', () => {
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.location': file('ca.pem'), 'ssl.truststore.password': 'storepass' }, /cannot be given with a PEM trust store/, 'ssl.truststore.password');
    refused({ 'security.protocol': 'SSL', 'ssl.truststore.password': 'storepass' }, /'ssl.truststore.password' needs 'ssl.truststore.location'/, 'ssl.truststore.password');
  });

  it('takes ssl.truststore.type alone as nothing to do', () => {
    expect(ssl({ 'ssl.truststore.type': 'JKS', 'ssl.keystore.type': 'JKS' })).toBe(true);
  });
});

describe('key store', () => {
  it('a PKCS12 file becomes pfx and passphrase, whatever binary type is named (keystore.type.compat)', () => {
    for (const type of [{ 'ssl.keystore.type': 'PKCS12' }, { 'ssl.keystore.type': 'jks' }, {}]) {
      expect(ssl({ 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.password': 'storepass', ...type })).toEqual({ pfx: KEYSTORE_P12, passphrase: 'storepass' });
    }
    expect(ssl({ 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.password': 'storepass', 'ssl.key.password': 'storepass' })).toEqual({
      pfx: KEYSTORE_P12,
      passphrase: 'storepass',
    });
  });

  it('checks the PKCS12 password now, as Java does when it builds its SSL context', () => {
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.password': 's3cret' }, /'ssl.keystore.password' does not open it/, 'ssl.keystore.location');
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.p12') }, /'ssl.keystore.location' needs 'ssl.keystore.password'/);
    refused(
      { 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.password': 'storepass', 'ssl.key.password': 'keypass' },
      /'ssl.key.password' differs from 'ssl.keystore.password': Node.js opens a PKCS12 key store and its key with one password/,
      'ssl.key.password',
    );
  });

  it('refuses JKS files and other store types', () => {
    refused(
      { 'security.protocol': 'SSL', 'ssl.keystore.location': file('truststore.jks'), 'ssl.keystore.password': 'storepass' },
      /names a JKS key store.*keytool -importkeystore .* -deststoretype PKCS12/,
      'ssl.keystore.location',
    );
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.type': 'BCFKS', 'ssl.keystore.password': 'storepass' }, /'ssl.keystore.type' BCFKS is not supported/);
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('garbage.txt'), 'ssl.keystore.password': 'storepass' }, /neither PKCS12 nor PEM/);
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.type': 'PEM' }, /not PEM, but 'ssl.keystore.type' is PEM/);
  });

  it('a PEM file holding the key and the chain becomes cert and key', () => {
    const text = CLIENT_KEY + CLIENT_PEM + CA_PEM;
    expect(ssl({ 'ssl.keystore.location': file('keystore.pem'), 'ssl.keystore.type': 'PEM' })).toEqual({ cert: text, key: text });
    expect(ssl({ 'ssl.keystore.location': file('keystore.pem') })).toEqual({ cert: text, key: text });
    const encrypted = CLIENT_KEY_ENCRYPTED + CLIENT_PEM;
    expect(ssl({ 'ssl.keystore.location': file('keystore-encrypted.pem'), 'ssl.key.password': 'keypass' })).toEqual({ cert: encrypted, key: encrypted, passphrase: 'keypass' });
  });

  it('checks a PEM key store as PemStore does', () => {
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore.pem'), 'ssl.keystore.password': 'storepass' }, /'ssl.keystore.password' cannot be given with a PEM key store/, 'ssl.keystore.password');
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore-encrypted.pem'), 'ssl.key.password': 's3cret' }, /the key is encrypted and 'ssl.key.password' does not open it/);
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('keystore-encrypted.pem') }, /'ssl.key.password' does not open it/);
    refused({ 'security.protocol': 'SSL', 'ssl.keystore.location': file('ca.pem') }, /must hold one PEM private key; it holds 0/);
  });

  it('ssl.keystore.certificate.chain and ssl.keystore.key become cert, key and passphrase', () => {
    expect(ssl({ 'ssl.keystore.certificate.chain': CLIENT_PEM + CA_PEM, 'ssl.keystore.key': CLIENT_KEY, 'ssl.keystore.type': 'PEM' })).toEqual({ cert: CLIENT_PEM + CA_PEM, key: CLIENT_KEY });
    expect(ssl({ 'ssl.keystore.certificate.chain': CLIENT_PEM, 'ssl.keystore.key': CLIENT_KEY_ENCRYPTED, 'ssl.key.password': 'keypass' })).toEqual({
      cert: CLIENT_PEM,
      key: CLIENT_KEY_ENCRYPTED,
      passphrase: 'keypass',
    });
  });

  it('checks them as DefaultSslEngineFactory.createKeystore does', () => {
    const base = { 'security.protocol': 'SSL' };
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY }, /'ssl.keystore.key' needs 'ssl.keystore.certificate.chain'/, 'ssl.keystore.key');
    refused({ ...base, 'ssl.keystore.certificate.chain': CLIENT_PEM }, /'ssl.keystore.certificate.chain' needs 'ssl.keystore.key'/);
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY, 'ssl.keystore.certificate.chain': CLIENT_PEM, 'ssl.keystore.type': 'PKCS12' }, /'ssl.keystore.key' needs 'ssl.keystore.type' PEM; it is PKCS12/);
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY, 'ssl.keystore.certificate.chain': CLIENT_PEM, 'ssl.keystore.location': file('keystore.pem') }, /cannot both be given/);
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY, 'ssl.keystore.certificate.chain': CLIENT_PEM, 'ssl.keystore.password': 'storepass' }, /'ssl.keystore.password' cannot be given with a PEM key store/);
    refused({ ...base, 'ssl.keystore.key': OTHER_KEY, 'ssl.keystore.certificate.chain': CLIENT_PEM }, /the private key does not belong to the first certificate/, 'ssl.keystore.key');
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY + OTHER_KEY, 'ssl.keystore.certificate.chain': CLIENT_PEM }, /must hold one PEM private key; it holds 2/);
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY_ENCRYPTED, 'ssl.keystore.certificate.chain': CLIENT_PEM, 'ssl.key.password': 's3cret' }, /does not open it/);
    refused({ ...base, 'ssl.keystore.key': CLIENT_KEY, 'ssl.keystore.certificate.chain': 'no certificate' }, /'ssl.keystore.certificate.chain' holds no PEM certificate/);
    refused({ ...base, 'ssl.keystore.password': 'storepass' }, /'ssl.keystore.password' needs 'ssl.keystore.location'/, 'ssl.keystore.password');
    refused({ ...base, 'ssl.key.password': 'keypass' }, /'ssl.key.password' needs 'ssl.keystore.location' or 'ssl.keystore.key'/, 'ssl.key.password');
  });

  it('names only the type of a secret given as something else than a string', () => {
    const e = refused({ 'security.protocol': 'SSL', 'ssl.keystore.password': 123456 }, /'ssl.keystore.password' must be a string; got a number\./, 'ssl.keystore.password');
    expect(e.message).not.toContain('123456');
  });

  it('goes with a trust store', () => {
    expect(ssl({ 'ssl.truststore.location': file('ca.pem'), 'ssl.keystore.location': file('keystore.p12'), 'ssl.keystore.password': 'storepass' })).toEqual({
      ca: expect.stringContaining(CA_PEM),
      pfx: KEYSTORE_P12,
      passphrase: 'storepass',
    });
  });
});

describe('ssl.endpoint.identification.algorithm', () => {
  it("'' skips the host name check only, as Java's empty algorithm", () => {
    const o = ssl({ 'ssl.endpoint.identification.algorithm': '' }) as { checkServerIdentity: (h: string, c: unknown) => unknown };
    expect(o.checkServerIdentity('broker-1', {})).toBeUndefined();
    expect(Object.keys(o)).toEqual(['checkServerIdentity']); // rejectUnauthorized stays: the chain is still verified
    expect(typeof (ssl({ 'ssl.endpoint.identification.algorithm': '  ' }) as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
  });

  it("'https' (the default, any case) keeps Node's check; anything else is refused", () => {
    expect(ssl({ 'ssl.endpoint.identification.algorithm': 'https' })).toBe(true);
    expect(ssl({ 'ssl.endpoint.identification.algorithm': 'HTTPS' })).toBe(true);
    refused({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': 'LDAPS' }, /must be 'https' .* or '' /, 'ssl.endpoint.identification.algorithm');
  });
});

describe('ssl.enabled.protocols and ssl.protocol', () => {
  it("Java's defaults are Node's: nothing to set", () => {
    expect(ssl({ 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3', 'ssl.protocol': 'TLSv1.3' })).toBe(true);
    expect(ssl({ 'ssl.enabled.protocols': '', 'ssl.protocol': 'TLS' })).toBe(true);
  });

  it('narrow the versions', () => {
    expect(ssl({ 'ssl.enabled.protocols': 'TLSv1.3' })).toEqual({ minVersion: 'TLSv1.3' });
    expect(ssl({ 'ssl.enabled.protocols': ['tlsv1.2'] })).toEqual({ maxVersion: 'TLSv1.2' });
    expect(ssl({ 'ssl.protocol': 'TLSv1.2' })).toEqual({ maxVersion: 'TLSv1.2' });
    expect(ssl({ 'ssl.enabled.protocols': ' TLSv1.3 , TLSv1.2 ', 'ssl.protocol': 'TLSv1.2' })).toEqual({ maxVersion: 'TLSv1.2' });
  });

  it('drop the versions the JDK disables (the pre-2.5 default TLSv1.2,TLSv1.1,TLSv1 still works)', () => {
    expect(ssl({ 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.1,TLSv1' })).toEqual({ maxVersion: 'TLSv1.2' });
    refused({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1,TLSv1.1' }, /names no protocol Node.js allows/, 'ssl.enabled.protocols');
  });

  it('refuse unknown names and combinations without a protocol', () => {
    refused({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.4' }, /'ssl.enabled.protocols' names "TLSv1.4"/);
    refused({ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.1' }, /'ssl.protocol' must be TLSv1.3 \(the default\), TLSv1.2 or TLS; got "TLSv1.1"/, 'ssl.protocol');
    refused({ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.2', 'ssl.enabled.protocols': 'TLSv1.3' }, /leave no protocol/);
    refused({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 5 }, /'ssl.enabled.protocols' must be a comma-separated string or an array of strings/);
  });
});

describe('properties without a Node.js counterpart', () => {
  it.each([
    ['ssl.keymanager.algorithm', 'SunX509'],
    ['ssl.keymanager.algorithm', 'PKIX'],
    ['ssl.trustmanager.algorithm', 'PKIX'],
    ['ssl.trustmanager.algorithm', 'SunX509'],
    ['ssl.secure.random.implementation', 'SHA1PRNG'],
    ['ssl.engine.factory.class', 'org.apache.kafka.common.security.ssl.DefaultSslEngineFactory'],
    ['ssl.provider', ''],
    ['ssl.cipher.suites', ''],
    ['ssl.cipher.suites', []],
  ])('accepts %s=%j, which changes nothing', (key, value) => {
    expect(ssl({ [key]: value })).toBe(true);
  });

  it.each([
    ['ssl.keymanager.algorithm', 'IbmX509', /not supported with the value "IbmX509"; kafka-wire accepts "SunX509", "NewSunX509", "PKIX"/],
    ['ssl.trustmanager.algorithm', 'Foo', /not supported with the value "Foo"/],
    ['ssl.engine.factory.class', 'com.example.MyFactory', /not supported with the value/],
    ['ssl.provider', 'SunJSSE', /'ssl.provider' is not supported: Java security providers do not exist in Node.js/],
    ['ssl.cipher.suites', 'TLS_AES_128_GCM_SHA256', /'ssl.cipher.suites' is not supported: Java's cipher suite names are not OpenSSL's.*ciphers in the 'ssl' option/],
  ])('refuses %s=%j', (key, value, message) => {
    refused({ 'security.protocol': 'SSL', [key]: value }, message, key);
  });

  const SASL_BASE = { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="u" password="p";` };

  it.each([
    ['sasl.kerberos.service.name', 'kafka'],
    ['sasl.kerberos.min.time.before.relogin', '60000'],
    ['sasl.kerberos.ticket.renew.jitter', 0.05],
    ['sasl.oauthbearer.jwks.endpoint.url', 'https://idp.example.com/jwks'],
    ['sasl.oauthbearer.expected.audience', 'a,b'],
    ['sasl.oauthbearer.clock.skew.seconds', 30],
    ['sasl.oauthbearer.scope.claim.name', 'scope'],
    ['sasl.oauthbearer.sub.claim.name', 'sub'],
    ['sasl.login.class', 'org.apache.kafka.common.security.authenticator.DefaultLogin'],
    ['sasl.client.callback.handler.class', 'org.apache.kafka.common.security.authenticator.SaslClientCallbackHandler'],
    ['sasl.login.callback.handler.class', 'org.apache.kafka.common.security.authenticator.AbstractLogin$DefaultLoginCallbackHandler'],
  ])('accepts %s=%j, which changes nothing', (key, value) => {
    expect(translate({ ...SASL_BASE, [key]: value }).sasl?.value).toEqual({ mechanism: 'PLAIN', username: 'u', password: 'p' });
  });

  it.each([
    ['sasl.oauthbearer.assertion.file', '/tmp/assertion.jwt', /not supported: the JWT bearer grant/],
    ['sasl.oauthbearer.assertion.private.key.passphrase', 's3cret', /not supported: the JWT bearer grant/],
    ['sasl.oauthbearer.sub.claim.name', 'client_id', /not supported with the value "client_id"/],
    ['sasl.oauthbearer.jwt.retriever.class', 'org.apache.kafka.common.security.oauthbearer.FileJwtRetriever', /not supported with the value/],
    ['sasl.login.class', 'com.example.Login', /not supported with the value/],
    ['sasl.client.callback.handler.class', 'com.example.Handler', /not supported with the value/],
    ['sasl.login.callback.handler.class', 'com.example.Handler', /'sasl.login.callback.handler.class' "com.example.Handler" is not supported: kafka-wire cannot run Java classes/],
    ['sasl.kerberos.ticket.renew.jitter', 'soon', /must be a number, or a string of one/],
  ])('refuses %s=%j', (key, value, message) => {
    refused({ ...SASL_BASE, [key]: value }, message, key);
  });
});

describe('sasl.mechanism with PLAIN and SCRAM', () => {
  const sasl = (options: Record<string, unknown>): unknown => translate({ 'security.protocol': 'SASL_SSL', ...options }).sasl?.value;

  it.each([
    ['PLAIN', PLAIN],
    ['SCRAM-SHA-256', SCRAM],
    ['scram-sha-512', SCRAM],
  ])('%s with %s', (mechanism, module) => {
    expect(sasl({ 'sasl.mechanism': mechanism, 'sasl.jaas.config': `${module} required username="alice" password="s3cret";` })).toEqual({
      mechanism: mechanism.toUpperCase(),
      username: 'alice',
      password: 's3cret',
    });
  });

  it('takes either module with either mechanism, as Java (both put the credentials where SaslClientCallbackHandler reads them)', () => {
    expect(sasl({ 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': `${PLAIN} required username="u" password="p";` })).toMatchObject({ mechanism: 'SCRAM-SHA-256' });
    expect(sasl({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${SCRAM} required username="u" password="p";` })).toMatchObject({ mechanism: 'PLAIN' });
  });

  it('keeps tricky passwords whole, and the password as given (a PASSWORD is not trimmed)', () => {
    expect(sasl({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="a=b" password=" p;w=\\"x\\" // y ";` })).toEqual({
      mechanism: 'PLAIN',
      username: 'a=b',
      password: ' p;w="x" // y ',
    });
  });

  it('refuses GSSAPI, also as the default when sasl.mechanism is left out', () => {
    refused(
      { 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': `${PLAIN} required username="u" password="s3cret";` },
      /'security.protocol' SASL_SSL without 'sasl.mechanism' means GSSAPI in Java, and GSSAPI \(Kerberos\) is not supported by kafka-wire; set 'sasl.mechanism' to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER/,
      'security.protocol',
    );
    refused({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'gssapi' }, /Option 'sasl.mechanism' GSSAPI \(Kerberos\) is not supported/, 'sasl.mechanism');
    refused({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': ' ' }, /'sasl.mechanism' must not be empty when 'security.protocol' is SASL_PLAINTEXT/);
    refused({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'AWS_MSK_IAM' }, /'sasl.mechanism' "AWS_MSK_IAM" is not supported; kafka-wire supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER/);
  });

  it('needs one login module, with username and password', () => {
    const base = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' };
    refused(base, /'sasl.mechanism' PLAIN needs 'sasl.jaas.config' \(kafka-wire does not read JAAS files\)/, 'sasl.jaas.config');
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u";` }, /must give the options username and password to PlainLoginModule/, 'sasl.jaas.config');
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u" password="s3cret"; ${PLAIN} required username="v" password="s3cret";` }, /holds 2 login modules; it must hold one/);
    refused({ ...base, 'sasl.jaas.config': 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;' }, /names the login module "com.sun.security.auth.module.Krb5LoginModule"; 'sasl.mechanism' PLAIN needs org.apache.kafka.common.security.plain.PlainLoginModule/);
    refused({ ...base, 'sasl.jaas.config': `${OAUTH} required;` }, /names the login module/);
    refused({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': `${SCRAM} required username="u" password="s3cret" tokenauth="true";` }, /delegation tokens/);
  });

  it('reports a JAAS syntax error without the secret', () => {
    const base = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' };
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u" password=s3/cret;` }, /'sasl.jaas.config' cannot be parsed: JAAS config entry not terminated by semi-colon/, 'sasl.jaas.config');
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u" password="s3cret\nkeypass";` }, /cannot be parsed: Value not specified for key at character/);
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u" password=123s3cret;` }, /Value not specified for key 'password'.*quote values/);
    refused({ ...base, 'sasl.jaas.config': 42 }, /'sasl.jaas.config' must be a string; got a number/);
  });
});

describe('sasl.mechanism OAUTHBEARER', () => {
  const base = {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'OAUTHBEARER',
    'sasl.login.callback.handler.class': OIDC_HANDLER,
    'sasl.oauthbearer.token.endpoint.url': TOKEN_URL,
  };
  const oidc = (options: Record<string, unknown>): unknown => translate({ ...base, ...options }).sasl?.value;

  it('KIP-768: clientId, clientSecret, scope and extension_<name> from the JAAS options', () => {
    const jaas = `${OAUTH} required clientId="my-app" clientSecret="cl1ent-s3cret" scope="kafka produce" extension_logicalCluster="lkc-123" extension_identityPoolId="pool;1";`;
    expect(oidc({ 'sasl.jaas.config': jaas })).toEqual({
      mechanism: 'OAUTHBEARER',
      oidc: { tokenEndpointUrl: TOKEN_URL, clientId: 'my-app', clientSecret: 'cl1ent-s3cret', scope: 'kafka produce', extensions: { logicalCluster: 'lkc-123', identityPoolId: 'pool;1' } },
    });
    expect(translate({ ...base, 'sasl.jaas.config': jaas }).sasl?.key).toBe('sasl.mechanism');
  });

  it("Kafka 4.1's properties, which win over the JAAS options (ClientCredentialsJwtRetriever.ConfigOrJaas)", () => {
    expect(
      oidc({
        'sasl.jaas.config': `${OAUTH} required clientId="old" clientSecret="old-secret";`,
        'sasl.oauthbearer.client.credentials.client.id': ' my-app ',
        'sasl.oauthbearer.client.credentials.client.secret': 'cl1ent-s3cret',
        'sasl.oauthbearer.scope': 'produce',
        'sasl.oauthbearer.header.urlencode': 'TRUE',
      }),
    ).toEqual({ mechanism: 'OAUTHBEARER', oidc: { tokenEndpointUrl: TOKEN_URL, clientId: 'my-app', clientSecret: 'cl1ent-s3cret', scope: 'produce', urlencodeHeader: true } });
    expect(oidc({ 'sasl.jaas.config': `${OAUTH} required ;`, 'sasl.oauthbearer.client.credentials.client.id': 'a', 'sasl.oauthbearer.client.credentials.client.secret': 'b', 'sasl.oauthbearer.header.urlencode': false })).toEqual({
      mechanism: 'OAUTHBEARER',
      oidc: { tokenEndpointUrl: TOKEN_URL, clientId: 'a', clientSecret: 'b', urlencodeHeader: false },
    });
  });

  it('leaves a blank scope out and trims the rest (validateString)', () => {
    expect(oidc({ 'sasl.jaas.config': `${OAUTH} required clientId=" a " clientSecret=" cl1ent-s3cret " scope=" ";` })).toEqual({
      mechanism: 'OAUTHBEARER',
      oidc: { tokenEndpointUrl: TOKEN_URL, clientId: 'a', clientSecret: 'cl1ent-s3cret' },
    });
  });

  it('accepts the Kafka 3.x name of the login callback handler and the mechanism in any case', () => {
    expect(
      oidc({
        'sasl.mechanism': 'oauthbearer',
        'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
        'sasl.jaas.config': `${OAUTH} required clientId="a" clientSecret="b";`,
        'sasl.oauthbearer.jwt.retriever.class': 'org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever',
        'sasl.oauthbearer.jwt.validator.class': 'org.apache.kafka.common.security.oauthbearer.ClientJwtValidator',
      }),
    ).toMatchObject({ mechanism: 'OAUTHBEARER', oidc: { clientId: 'a' } });
  });

  it('refuses unsecured tokens and the unsecured default handler, pointing at oauthBearerProvider', () => {
    refused(
      { ...base, 'sasl.jaas.config': `${OAUTH} required unsecuredLoginStringClaim_sub="alice";` },
      /unsecured OAUTHBEARER tokens \(unsecuredLogin\* options\) are not supported; pass the token from a function instead: the 'sasl' option \{ mechanism: 'OAUTHBEARER', oauthBearerProvider \}/,
      'sasl.jaas.config',
    );
    refused(
      { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.endpoint.url': TOKEN_URL, 'sasl.jaas.config': `${OAUTH} required clientId="a" clientSecret="cl1ent-s3cret";` },
      /needs 'sasl.login.callback.handler.class' org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler with 'sasl.oauthbearer.token.endpoint.url'.*oauthBearerProvider/,
      'sasl.login.callback.handler.class',
    );
    refused({ ...base, 'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler', 'sasl.jaas.config': `${OAUTH} required;` }, /kafka-wire cannot run Java classes/);
  });

  it('needs the token endpoint, an http(s) one', () => {
    const jaas = `${OAUTH} required clientId="a" clientSecret="cl1ent-s3cret";`;
    const { 'sasl.oauthbearer.token.endpoint.url': _u, ...noUrl } = base;
    refused({ ...noUrl, 'sasl.jaas.config': jaas }, /'sasl.oauthbearer.token.endpoint.url' is required with OAuthBearerLoginCallbackHandler/, 'sasl.oauthbearer.token.endpoint.url');
    refused({ ...base, 'sasl.oauthbearer.token.endpoint.url': 'file:///tmp/token.jwt', 'sasl.jaas.config': jaas }, /file URLs \(FileJwtRetriever\) are not supported; read the file in an oauthBearerProvider/);
    refused({ ...base, 'sasl.oauthbearer.token.endpoint.url': 'ftp://idp/token', 'sasl.jaas.config': jaas }, /must be an http or https URL; got "ftp:\/\/idp\/token"/);
    refused({ ...base, 'sasl.oauthbearer.token.endpoint.url': 'not a url', 'sasl.jaas.config': jaas }, /must be an http or https URL/);
  });

  it('needs a client id and secret, naming where they were looked for', () => {
    refused({ ...base, 'sasl.jaas.config': `${OAUTH} required clientSecret="cl1ent-s3cret";` }, /needs 'sasl.oauthbearer.client.credentials.client.id' \(or the JAAS option clientId in 'sasl.jaas.config'\)/, 'sasl.oauthbearer.client.credentials.client.id');
    refused({ ...base, 'sasl.jaas.config': `${OAUTH} required clientId="a" clientSecret=" ";` }, /client.secret' \(or the JAAS option clientSecret/, 'sasl.jaas.config');
    refused({ ...base, 'sasl.jaas.config': `${OAUTH} required clientId="a";`, 'sasl.oauthbearer.client.credentials.client.secret': '' }, /client.secret'/, 'sasl.oauthbearer.client.credentials.client.secret');
  });

  it('checks the extensions as OAuthBearerClientInitialResponse.validateExtensions', () => {
    const jaas = (ext: string): string => `${OAUTH} required clientId="a" clientSecret="cl1ent-s3cret" ${ext};`;
    refused({ ...base, 'sasl.jaas.config': jaas('extension_auth="x"') }, /the SASL extension name auth is reserved/);
    refused({ ...base, 'sasl.jaas.config': jaas('extension_trace_id="x"') }, /SASL extension names are letters only; "extension_trace_id" is not/);
    refused({ ...base, 'sasl.jaas.config': jaas('extension_trace="caf\u00e9"') }, /the value of extension_trace must be non-empty printable ASCII/);
  });

  it('needs the OAuthBearerLoginModule', () => {
    refused({ ...base, 'sasl.jaas.config': `${PLAIN} required username="u" password="s3cret";` }, /'sasl.mechanism' OAUTHBEARER needs org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule/);
  });
});
