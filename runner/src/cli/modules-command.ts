import { describeModule, findModule } from '../catalogue/describe.ts';
import { formatModule, formatModuleList } from '../catalogue/format.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';

/** `swarmlab modules [NAME]`: the modules this runner has (built-in and loaded), or one explained field by field. */
export async function modulesCommand(name: string | undefined, opts: { json?: boolean }): Promise<void> {
  const registry = await loadRegistry();
  if (name === undefined) {
    const all = registry.modules().map(describeModule);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(all.map(({ kind, name: n, version, package: p, packageVersion, description }) => ({ kind, name: n, version, package: p, packageVersion, description })), null, 2)}\n`);
    } else process.stdout.write(formatModuleList(all));
    return;
  }
  const one = describeModule(findModule(registry, name));
  process.stdout.write(opts.json ? `${JSON.stringify(one, null, 2)}\n` : formatModule(one));
}
