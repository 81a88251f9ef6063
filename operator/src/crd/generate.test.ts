import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExperimentStatus } from '../api/status.ts';
import { CRD_FILE, experimentCrd, experimentCrdYaml, experimentSchema, nodeAt } from './generate.ts';
import { CEL_RULES } from './validations.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function walk(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = ''): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Record<string, unknown>;
  visit(n, path);
  for (const [k, v] of Object.entries((n['properties'] as Record<string, unknown> | undefined) ?? {})) walk(v, visit, `${path}.${k}`);
  if (n['items'] !== undefined) walk(n['items'], visit, `${path}[]`);
  if (typeof n['additionalProperties'] === 'object') walk(n['additionalProperties'], visit, `${path}{}`);
}

describe('Experiment CRD', () => {
  it('crds/ is up to date (run `npm run generate:crd` after changing the schemas)', () => {
    expect(readFileSync(join(root, CRD_FILE), 'utf8')).toBe(experimentCrdYaml());
  });

  it('is namespaced with status subresource, short names, categories and printer columns', () => {
    const crd = parse(experimentCrdYaml()) as ReturnType<typeof experimentCrd> & { spec: Record<string, never> };
    const spec = crd.spec as unknown as {
      group: string;
      scope: string;
      names: { shortNames: string[]; categories: string[]; kind: string };
      versions: { name: string; subresources: unknown; additionalPrinterColumns: { name: string; jsonPath: string }[] }[];
    };
    expect(spec.group).toBe('swarmlab.io');
    expect(spec.scope).toBe('Namespaced');
    expect(spec.names.kind).toBe('Experiment');
    expect(spec.names.shortNames).toEqual(['exp', 'swx']);
    expect(spec.names.categories).toEqual(['swarmlab']);
    const v = spec.versions[0]!;
    expect(v.name).toBe('v1alpha1');
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns.map((c) => c.name)).toEqual(['Phase', 'Runs', 'Failed', 'Age', 'Results']);
  });

  it('bounds every list and string and has no non-structural keys anywhere', () => {
    const bad: string[] = [];
    walk(experimentSchema(), (n, path) => {
      for (const k of ['anyOf', 'oneOf', 'allOf', '$ref', 'default', 'x-swarmlab-crd']) if (k in n) bad.push(`${path}: ${k}`);
      if (n['type'] === 'array' && n['maxItems'] === undefined) bad.push(`${path}: unbounded array`);
      if (n['type'] === 'string' && n['maxLength'] === undefined && n['enum'] === undefined && n['format'] === undefined && !/^\.(apiVersion|kind)$/.test(path)) {
        bad.push(`${path}: unbounded string`);
      }
      if (n['properties'] !== undefined && n['additionalProperties'] !== undefined) bad.push(`${path}: additionalProperties beside properties`);
    });
    expect(bad).toEqual([]);
  });

  it('describes the fields users look up with kubectl explain', () => {
    const s = experimentSchema();
    for (const p of ['spec', 'spec.sweep', 'spec.sweep.grid', 'spec.scenario.modules', 'spec.execution.maxFailedRuns', 'status.conditions']) {
      expect(nodeAt(s, p)['description'], p).toEqual(expect.any(String));
    }
  });

  it('attaches every CEL rule to an existing node, with sweep and scenario immutable', () => {
    const s = experimentSchema();
    for (const path of Object.keys(CEL_RULES)) expect(nodeAt(s, path)['x-kubernetes-validations']).toBeDefined();
    const rules = (p: string) => (nodeAt(s, p)['x-kubernetes-validations'] as { rule: string }[]).map((r) => r.rule);
    expect(rules('spec.sweep')).toContain('self == oldSelf');
    expect(rules('spec.scenario')).toContain('self == oldSelf');
  });

  it('status schema comes from ExperimentStatus', () => {
    const status = nodeAt(experimentSchema(), 'status');
    expect(Object.keys(status['properties'] as object).sort()).toEqual(Object.keys(ExperimentStatus.shape).sort());
  });
});
