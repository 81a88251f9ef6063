import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSwarmlabError } from '../errors.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { planError } from '../testing/plan-error.ts';
import { describeModule, findModule } from './describe.ts';
import { formatModule, formatModuleList } from './format.ts';
import { DOCS_FILE, withReference } from './docs.ts';

describe('the module catalogue', () => {
  it('describes every config field with its type, default, range and description', () => {
    const d = describeModule(findModule(builtinRegistry, 'poisson-source'));
    expect(d).toMatchObject({ kind: 'agent', name: 'poisson-source', version: '1.0.0', package: 'swarmlab' });
    expect(d.config.find((f) => f.path === 'rate')).toEqual({ path: 'rate', type: 'number', required: false, default: '0.5', range: '> 0', description: 'Arrival rate lambda (customers per time unit).' });
    expect(d.config.find((f) => f.path === 'network')).toMatchObject({ type: 'string', required: false });
    expect(d.config.some((f) => f.default === undefined && f.path === 'limit')).toBe(true);
  });

  it('shows the events a module handles and emits, with their payload fields and where they go', () => {
    const text = formatModule(describeModule(findModule(builtinRegistry, 'agent/cicd-monitor')));
    expect(text).toContain('EVENTS HANDLED:\n  telemetry\n');
    expect(text).toContain('  alert -> the instance in config field agent');
    expect(text).toContain('      payload.signature <enum, required, one of crash, errors, cpu, memory, slow, spike>');
  });

  it('lists every module once, with its package', () => {
    const lines = formatModuleList(builtinRegistry.modules().map(describeModule)).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+VERSION\s+PACKAGE\s+DESCRIPTION$/);
    expect(lines).toHaveLength(builtinRegistry.list().length + 1);
    expect(lines.find((l) => l.includes(' grid-2d '))).toMatch(/^network\s+grid-2d\s+1\.0\.0\s+swarmlab@/);
  });

  it('answers an unknown name with the closest one', () => {
    let e: unknown;
    try {
      findModule(builtinRegistry, 'poison-source');
    } catch (err) {
      e = err;
    }
    expect(isSwarmlabError(e) && e.code).toBe('UNKNOWN_MODULE');
    expect(isSwarmlabError(e) && e.hint).toContain('did you mean poisson-source?');
  });

  it('docs/modules.md holds the current reference of the built-in modules (npm run generate:docs)', () => {
    const doc = readFileSync(DOCS_FILE, 'utf8');
    expect(doc).toBe(withReference(doc));
    for (const m of builtinRegistry.list()) expect(doc).toContain(`\`${m.name}\``);
  });
});

describe('errors that point at the right module or key', () => {
  it('an unknown module in a spec names the closest module', () => {
    const e = planError([{ kind: 'agent', module: 'poisson-sourc', name: 'a', config: {} }]);
    expect(e?.code).toBe('UNKNOWN_MODULE');
    expect(e?.hint).toMatch(/^did you mean poisson-source\? known agent modules: /);
  });

  it('an unknown key in a module config lists the valid keys, whatever object schema the module used', () => {
    const e = planError([
      { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rat: 1 } },
      { kind: 'agent', module: 'service-queue', name: 'server' },
    ]);
    expect(e?.path).toBe('spec.scenario.modules[0].config.rat');
    expect(e?.message).toContain('unknown key rat; valid keys: rate, target, network, node, targetNode, limit; did you mean rate?');
  });
});
