import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSwarmlabError } from '../errors.ts';
import { configuredModules, CONFIG_FILE, MODULES_ENV } from './runner-config.ts';
import { resolveModuleSource } from './load.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'swarmlab-plugins-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('configuredModules: where the runner configuration is', () => {
  it('takes swarmlab.config.yaml beside the experiment first, then the working directory\'s, then package.json; SWARMLAB_MODULES adds to it', () => {
    const root = tree({
      [`exp/${CONFIG_FILE}`]: 'modules: [./beside.js]\n',
      [CONFIG_FILE]: 'modules: [cwd-pkg]\n',
      'package.json': JSON.stringify({ swarmlab: { modules: ['from-package-json'] } }),
    });
    const names = (experimentFile?: string, env: Record<string, string> = {}) =>
      configuredModules({ cwd: root, env, ...(experimentFile ? { experimentFile } : {}) }).map((m) => `${m.specifier}@${m.base === root ? '.' : m.base.slice(root.length + 1)}`);
    expect(names('exp/x.yaml')).toEqual(['./beside.js@exp']);
    expect(names('x.yaml')).toEqual(['cwd-pkg@.']);
    expect(names('x.yaml', { [MODULES_ENV]: ' img-a, ./img-b.js ' })).toEqual(['cwd-pkg@.', 'img-a@.', './img-b.js@.']);
    const pkgOnly = tree({ 'package.json': JSON.stringify({ name: 'p', swarmlab: { modules: ['from-package-json'] } }) });
    expect(configuredModules({ cwd: pkgOnly, env: {} }).map((m) => m.specifier)).toEqual(['from-package-json']);
    expect(configuredModules({ cwd: tree({ 'package.json': '{"name":"plain"}' }), env: {} })).toEqual([]);
  });

  it('names the file and field of a bad configuration', () => {
    const root = tree({ [CONFIG_FILE]: 'modules: [ok, 3]\nplugins: []\n' });
    let e: unknown;
    try {
      configuredModules({ cwd: root, env: {} });
    } catch (err) {
      e = err;
    }
    expect(isSwarmlabError(e) && e.code).toBe('INVALID_RUNNER_CONFIG');
    expect(isSwarmlabError(e) && e.file).toBe(join(root, CONFIG_FILE));
    expect(isSwarmlabError(e) && e.exitCode).toBe(2);
  });
});

describe('resolveModuleSource', () => {
  it('finds a package in node_modules at or above the configuration, with its name, version and entry file', () => {
    const root = tree({
      'node_modules/sir-models/package.json': JSON.stringify({ name: 'sir-models', version: '2.1.0', exports: { '.': { import: './dist/index.js' } } }),
      'node_modules/sir-models/dist/index.js': 'export default [];\n',
      'project/local/model.js': 'export default [];\n',
      'project/package.json': JSON.stringify({ name: 'my-project', version: '0.3.0' }),
    });
    expect(resolveModuleSource({ specifier: 'sir-models', base: join(root, 'project'), from: 'cfg' })).toMatchObject({ package: 'sir-models', version: '2.1.0', file: join(root, 'node_modules/sir-models/dist/index.js') });
    expect(resolveModuleSource({ specifier: './local/model.js', base: join(root, 'project'), from: 'cfg' })).toMatchObject({ package: 'my-project', version: '0.3.0', file: join(root, 'project/local/model.js') });
  });

  it('says which package is missing, where it was named and where it was looked for', () => {
    const root = tree({ 'a.txt': '' });
    expect(() => resolveModuleSource({ specifier: 'nowhere-models', base: root, from: '/cfg/swarmlab.config.yaml' })).toThrow(/module package nowhere-models \(named in \/cfg\/swarmlab.config.yaml\): not installed in any node_modules at or above/);
    expect(() => resolveModuleSource({ specifier: './gone.js', base: root, from: 'SWARMLAB_MODULES' })).toThrow(/module package \.\/gone\.js \(named in SWARMLAB_MODULES\): no such file or folder/);
  });
});
