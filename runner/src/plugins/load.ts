import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse as parsePath, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwarmlabError } from '../errors.ts';
import type { ModuleSource, RegisteredModule } from '../modules/registry.ts';
import { checkModuleDefinition } from './check-module.ts';
import { hostSdkForPlugins } from './host-sdk.ts';
import { codeDigest } from './code-digest.ts';
import type { ModuleSpecifier } from './runner-config.ts';

interface PackageJson {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly main?: unknown;
  readonly exports?: unknown;
}

function readPackageJson(file: string): PackageJson {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' ? (v as PackageJson) : {};
  } catch (e) {
    throw new SwarmlabError('MODULE_LOAD_FAILED', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
}

/** The file a package's `import` resolves to: exports['.'] (import/default), then main, then index.js. */
function entryOf(dir: string, pkg: PackageJson): string {
  const pick = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (e === null || typeof e !== 'object') return undefined;
    const o = e as Record<string, unknown>;
    if ('.' in o) return pick(o['.']);
    return pick(o.import) ?? pick(o.node) ?? pick(o.default);
  };
  return join(dir, pick(pkg.exports) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js'));
}

/** The nearest package.json at or above `dir`, if any. */
function nearestPackage(dir: string): { dir: string; pkg: PackageJson } | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const f = join(d, 'package.json');
    if (existsSync(f)) return { dir: d, pkg: readPackageJson(f) };
    if (d === parsePath(d).root) return undefined;
  }
}

const isPath = (s: string): boolean => s.startsWith('.') || isAbsolute(s) || s.startsWith('file:');

/** Where a configured module package or file is, and what package it belongs to. */
export function resolveModuleSource(spec: ModuleSpecifier): ModuleSource & { readonly file: string } {
  const notFound = (what: string, hint: string): never => {
    throw new SwarmlabError('MODULE_LOAD_FAILED', `module package ${spec.specifier} (named in ${spec.from}): ${what}`, { hint });
  };
  let file: string;
  if (isPath(spec.specifier)) {
    const path = spec.specifier.startsWith('file:') ? new URL(spec.specifier).pathname : resolve(spec.base, spec.specifier);
    if (!existsSync(path)) notFound(`no such file or folder ${path}`, 'paths are relative to the configuration file (or the working directory for SWARMLAB_MODULES)');
    file = statSync(path).isDirectory() ? entryOf(path, existsSync(join(path, 'package.json')) ? readPackageJson(join(path, 'package.json')) : {}) : path;
  } else {
    let dir: string | undefined;
    for (let d = spec.base; ; d = dirname(d)) {
      if (existsSync(join(d, 'node_modules', spec.specifier, 'package.json'))) {
        dir = join(d, 'node_modules', spec.specifier);
        break;
      }
      if (d === parsePath(d).root) break;
    }
    if (dir === undefined) return notFound(`not installed in any node_modules at or above ${spec.base}`, `npm install ${spec.specifier} there, or name a file (./path/to/module.js)`);
    file = entryOf(dir, readPackageJson(join(dir, 'package.json')));
  }
  if (!existsSync(file)) notFound(`its entry file ${file} does not exist`, 'check the package\'s exports or main field');
  const owner = nearestPackage(dirname(file));
  const name = typeof owner?.pkg.name === 'string' ? owner.pkg.name : basename(file);
  const version = typeof owner?.pkg.version === 'string' ? owner.pkg.version : '0.0.0';
  // The package's code, or the file alone when it belongs to no package.
  return { package: name, version, file, digest: codeDigest([owner?.dir ?? file]) };
}

/** Imports a module package and checks every module it exports (default export: one definition or a list; or a `modules` list). */
export async function importModules(source: ModuleSource & { readonly file: string }): Promise<RegisteredModule[]> {
  hostSdkForPlugins();
  const origin = `${source.package}@${source.version} (${source.file})`;
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(source.file).href)) as Record<string, unknown>;
  } catch (e) {
    const cause = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new SwarmlabError('MODULE_LOAD_FAILED', `cannot import module package ${origin}: ${cause}`, {
      cause: e,
      hint: 'the package must be an ES module that Node can import (TypeScript only outside node_modules)',
    });
  }
  const exported = ns.default ?? ns.modules;
  if (exported === undefined) {
    throw new SwarmlabError('INVALID_MODULE', `package ${origin} exports no modules`, { hint: "export default defineModule({ ... }) (or a list of them) from the package's entry file" });
  }
  const defs = (Array.isArray(exported) ? exported : [exported]).map((d) => checkModuleDefinition(d, origin));
  return defs.map((def) => ({ def, source }));
}
