import type { ConfigIssue, NetworkView, ScenarioView } from './module.ts';

type Path = readonly (string | number)[];

const a = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/** An issue unless `name` is an instance of one of `modules` (what a module addresses its events to). */
export function expectInstance(scenario: ScenarioView, name: string, path: Path, modules: readonly string[]): ConfigIssue[] {
  const found = scenario.instance(name);
  const want = modules.join(' or ');
  if (!found) {
    const candidates = scenario.instances.filter((i) => modules.includes(i.module)).map((i) => i.instance);
    return [{ path, message: `names instance ${name}, which the scenario does not have`, hint: candidates.length ? `${want} instances: ${candidates.join(', ')}` : `add ${a(want)} instance` }];
  }
  if (!modules.includes(found.module)) {
    return [{ path, message: `names instance ${name}, ${a(found.kind)} of module ${found.module}; it must be ${a(want)} instance` }];
  }
  return [];
}

/** The network instance `name` refers to, or the issue saying why it is not one. */
export function expectNetwork(scenario: ScenarioView, name: string, path: Path): NetworkView | ConfigIssue[] {
  const net = scenario.network(name);
  if (net) return net;
  const found = scenario.instance(name);
  if (!found) {
    const networks = scenario.instances.filter((i) => i.kind === 'network').map((i) => i.instance);
    return [{ path, message: `names network ${name}, which the scenario does not have`, hint: networks.length ? `network instances: ${networks.join(', ')}` : 'add a network instance' }];
  }
  return [{ path, message: `names ${name} as a network, but it is ${a(found.kind)} instance (module ${found.module})` }];
}

/** Whether expectNetwork found a network. */
export function isNetwork(r: NetworkView | ConfigIssue[]): r is NetworkView {
  return !Array.isArray(r);
}
