/**
 * The environment scripts/bench-install.js gives the npm commands that build the native peers:
 * node-gyp is pointed at the Node headers installed with Node (so it does not download them),
 * unless the user chose a nodedir. The installer itself is not run (it takes minutes).
 */
import * as path from 'node:path';

type ReadFile = (file: string, encoding: 'utf8') => string;
const benchInstall = require('../../scripts/bench-install.js') as {
  buildEnv(base: NodeJS.ProcessEnv, findNodeDir?: () => string | undefined): NodeJS.ProcessEnv;
  localNodeDir(opts?: { execPath?: string; version?: string; readFile?: ReadFile }): string | undefined;
};

const header = (major: number) => `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION 1\n#define NODE_PATCH_VERSION 0\n`;

/** A readFile that knows only the given files. */
function files(map: Record<string, string>): ReadFile {
  return (file) => {
    const content = map[path.resolve(file)];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return content;
  };
}

describe('bench-install localNodeDir', () => {
  test('finds the headers under the prefix of the running node', () => {
    const readFile = files({ '/opt/node/include/node/node_version.h': header(20) });
    expect(benchInstall.localNodeDir({ execPath: '/opt/node/bin/node', version: 'v20.20.2', readFile })).toBe('/opt/node');
  });

  test('falls back to /usr', () => {
    const readFile = files({ '/usr/include/node/node_version.h': header(22) });
    expect(benchInstall.localNodeDir({ execPath: '/home/u/.nvm/bin/node', version: 'v22.3.0', readFile })).toBe('/usr');
  });

  test('ignores headers of another major version, and reports none when there are none', () => {
    const readFile = files({ '/usr/include/node/node_version.h': header(18) });
    expect(benchInstall.localNodeDir({ execPath: '/usr/bin/node', version: 'v20.20.2', readFile })).toBeUndefined();
    expect(benchInstall.localNodeDir({ execPath: '/usr/bin/node', version: 'v20.20.2', readFile: files({}) })).toBeUndefined();
  });
});

describe('bench-install buildEnv', () => {
  test('sets npm_config_nodedir to the local headers, and CKJS_LINKING', () => {
    const env = benchInstall.buildEnv({ PATH: '/bin' }, () => '/usr');
    expect(env).toEqual({ PATH: '/bin', CKJS_LINKING: 'dynamic', npm_config_nodedir: '/usr' });
  });

  test('leaves a nodedir the user set alone, in either case', () => {
    expect(benchInstall.buildEnv({ npm_config_nodedir: '/mine' }, () => '/usr').npm_config_nodedir).toBe('/mine');
    const upper = benchInstall.buildEnv({ NPM_CONFIG_NODEDIR: '/mine' }, () => '/usr');
    expect(upper.npm_config_nodedir).toBeUndefined();
    expect(upper.NPM_CONFIG_NODEDIR).toBe('/mine');
  });

  test('sets no nodedir when no local headers are found (node-gyp downloads them)', () => {
    expect(benchInstall.buildEnv({}, () => undefined)).toEqual({ CKJS_LINKING: 'dynamic' });
  });
});
