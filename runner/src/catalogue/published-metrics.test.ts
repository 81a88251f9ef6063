import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runScenario } from '../sdk/testing.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import type { ModuleKind } from '../sdk/kinds.ts';

// What the catalogue says a module publishes is what its runs publish: every
// built-in scenario, cut to its first event (the metric columns are fixed at
// the start), against each module's declared metrics.

const dir = new URL('../../../scenarios/', import.meta.url);

describe('declared metrics', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it.each(files)('%s: every module that declares its metrics publishes exactly those', (file) => {
    const doc = parse(readFileSync(new URL(file, dir), 'utf8')) as { spec: { scenario: { horizon: unknown; modules: { kind: ModuleKind; module: string; name?: string }[] }; sweep: unknown } };
    // Cut by events; the time horizon stays, for modules that divide it (the mesh router's episodes).
    doc.spec.scenario.horizon = { ...(doc.spec.scenario.horizon as object), events: 1 };
    doc.spec.sweep = { seeds: { list: [1] } };
    const [run] = runScenario(doc);
    const columns = run!.files.get('metrics.csv')!.split('\n')[0]!.split(',').slice(2);
    let checked = 0;
    for (const ref of doc.spec.scenario.modules) {
      const declared = builtinRegistry.get(ref.kind, ref.module)?.publishes?.metrics;
      if (!declared) continue;
      const instance = ref.name ?? ref.module;
      expect(columns.filter((c) => c.startsWith(`${instance}.`)).map((c) => c.slice(instance.length + 1)).sort(), `${instance} (${ref.module})`).toEqual(Object.keys(declared).sort());
      checked++;
    }
    if (!file.startsWith('governance')) expect(checked).toBeGreaterThan(0);
  });
});
