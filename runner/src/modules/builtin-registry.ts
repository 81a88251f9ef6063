import { fileURLToPath } from 'node:url';
import { ModuleRegistry, BUILTIN_PACKAGE } from './registry.ts';
import { builtinModules } from './builtin/index.ts';
import { RUNNER_VERSION } from '../version.ts';
import { codeDigest } from '../plugins/code-digest.ts';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The code of the built-in modules: their folders, and the shared libraries and SDK they import. */
export const BUILTIN_CODE_DIGEST = codeDigest([here('./builtin'), here('../lib'), here('../sdk')]);

/** The registry of the built-in modules alone. */
export const builtinRegistry = new ModuleRegistry(builtinModules, { package: BUILTIN_PACKAGE, version: RUNNER_VERSION, digest: BUILTIN_CODE_DIGEST });
