import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

// A plugin imports 'swarmlab/sdk' (and may import 'swarmlab'). Whatever copy
// of swarmlab its own node_modules holds, or none, those specifiers resolve
// to the running runner's files: one SDK, one zod and one Graph class for the
// runner and every plugin, and a plugin outside any package (a folder with a
// module file) still finds the SDK.

const root = new URL('../../../', import.meta.url);
const PACKAGE = 'swarmlab';

/** `swarmlab/...` specifier -> file URL, from the package's own exports map (the one definition of the subpaths). */
function exportedSubpaths(): ReadonlyMap<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, string> };
  return new Map(Object.entries(pkg.exports).map(([subpath, file]) => [subpath === '.' ? PACKAGE : `${PACKAGE}/${subpath.slice(2)}`, new URL(file, root).href]));
}

let installed = false;

/** Installs the resolve hook once per process, before the first plugin is imported. */
export function hostSdkForPlugins(): void {
  if (installed) return;
  installed = true;
  const subpaths = exportedSubpaths();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const url = subpaths.get(specifier);
      return url === undefined ? nextResolve(specifier, context) : { url, shortCircuit: true };
    },
  });
}
