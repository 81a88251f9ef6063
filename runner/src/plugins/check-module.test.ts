import { describe, expect, it } from 'vitest';
import { defineModule, z } from 'swarmlab/sdk';
import { isSwarmlabError, type SwarmlabError } from '../errors.ts';
import { builtinModules } from '../modules/builtin/index.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { checkModuleDefinition } from './check-module.ts';

const good = {
  kind: 'agent',
  name: 'walker',
  version: '1.2.3',
  description: 'Walks.',
  config: z.object({ speed: z.number().default(1).describe('Steps per tick.'), gait: z.object({ long: z.boolean().describe('Long strides.') }).describe('How.') }),
  create: () => ({}),
};

function refusal(value: unknown): SwarmlabError {
  try {
    checkModuleDefinition(value, 'walkers@0.1.0');
  } catch (e) {
    if (isSwarmlabError(e)) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('checkModuleDefinition', () => {
  it('accepts a module that meets the contract, and every built-in module', () => {
    expect(checkModuleDefinition(defineModule(good as Parameters<typeof defineModule>[0]), 'walkers@0.1.0').name).toBe('walker');
    expect(checkModuleDefinition({ ...good, outputs: { 'a.json': z.object({}) }, panelOutputs: ['a.json'] }, 'walkers@0.1.0').panelOutputs).toEqual(['a.json']);
    for (const m of builtinModules) expect(() => checkModuleDefinition(m, 'swarmlab')).not.toThrow();
  });

  it.each([
    [{ ...good, kind: 'robot' }, 'module walker has kind "robot"; kind must be one of agent, network, policy'],
    [{ ...good, name: 'Walker' }, 'has name "Walker", which must start with a lower-case letter'],
    [{ ...good, version: '1.2' }, 'module walker has version "1.2", which is not a semver version'],
    [{ ...good, description: ' ' }, 'module walker has no description'],
    [{ ...good, config: { speed: 1 } }, 'module walker: config is not a zod object schema'],
    [{ ...good, config: z.object({ speed: z.number(), gait: z.object({ long: z.boolean() }).describe('How.') }) }, 'config fields speed, gait.long have no description'],
    [{ ...good, create: undefined }, 'module walker has no create(config, ctx) function'],
    [{ ...good, validate: 'yes' }, 'module walker: validate must be a function'],
    [{ ...good, outputs: { 'a.json': z.object({}) }, panelOutputs: ['b.json'] }, 'module walker: panelOutputs must list files of its outputs; "b.json" is not one'],
    [{ ...good, outputs: { 'a.json': z.object({}) }, panelOutputs: 'a.json' }, 'module walker: panelOutputs must list files of its outputs'],
    [42, 'exports number, not a module definition'],
  ])('refuses %#: naming the package and what is wrong', (value, message) => {
    const e = refusal(value);
    expect(e.code).toBe('INVALID_MODULE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('package walkers@0.1.0: ');
    expect(e.message).toContain(message);
  });
});

describe('ModuleRegistry.with', () => {
  it('refuses a module whose kind and name are taken, naming both packages', () => {
    const clash = { def: { ...good, kind: 'agent', name: 'poisson-source' }, source: { package: 'walkers', version: '0.1.0', file: '/x/walkers.js', digest: 'd' } };
    let e: unknown;
    try {
      builtinRegistry.with([clash as never]);
    } catch (err) {
      e = err;
    }
    expect(isSwarmlabError(e) && e.code).toBe('INVALID_MODULE');
    expect((e as Error).message).toMatch(/agent module poisson-source of package walkers@0\.1\.0 \(\/x\/walkers\.js\) clashes with agent module poisson-source of package swarmlab@/);
  });

  it('adds plugins beside the built-in modules and knows which packages to load again in a worker', () => {
    const walker = { def: good as never, source: { package: 'walkers', version: '0.1.0', file: '/x/walkers.js', digest: 'd' } };
    const r = builtinRegistry.with([walker]);
    expect(r.get('agent', 'walker')).toBe(good);
    expect(r.get('agent', 'poisson-source')).toBe(builtinRegistry.get('agent', 'poisson-source'));
    expect(r.plugins()).toEqual([{ package: 'walkers', version: '0.1.0', file: '/x/walkers.js', digest: 'd' }]);
    expect(builtinRegistry.plugins()).toEqual([]);
  });
});
