// The operator's ResilientInformer on the real API server: it keeps retrying
// while its resource is not served yet (operator started before the CRD),
// and after each periodic relist (a fresh ListWatch swapped in) it still
// sees new objects and keeps its cache.
import { CustomObjectsApi, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ResilientInformer, type Verb } from '../../operator/src/controller/informer.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('operator-informer');
let group = '';
let informer: ResilientInformer<KubernetesObject> | undefined;

afterAll(async () => {
  await informer?.stop();
  if (group !== '') await cluster.kubectl(['delete', 'crd', `gadgets.${group}`, '--ignore-not-found', '--wait=false']);
});

function crd(g: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${g}` },
    spec: {
      group: g,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

describe('ResilientInformer', () => {
  it('retries until its resource is served, then survives relists without losing objects or events', async () => {
    group = `${cluster.namespace}.informer.swarmlab.dev`;
    const ns = cluster.namespace;
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const events: string[] = [];
    const errors: unknown[] = [];
    informer = new ResilientInformer<KubernetesObject>({
      kubeConfig: cluster.kubeConfig,
      path: `/apis/${group}/v1/namespaces/${ns}/gadgets`,
      list: async () => (await custom.listNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'gadgets' })) as KubernetesListObject<KubernetesObject>,
      relistMs: 1000,
      restartBaseMs: 200,
      restartMaxMs: 1000,
      onEvent: (verb: Verb, obj) => events.push(`${verb}:${obj.metadata?.name ?? ''}`),
      onError: (e) => errors.push(e),
    });
    const started = informer.start();
    // Not served yet: the list fails (404) and is retried.
    await waitFor('a failed list', async () => (errors.length > 0 ? true : undefined));
    expect(informer.synced).toBe(false);

    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: stringify(crd(group)) });
    expect(applied.code, applied.stderr).toBe(0);
    await cluster.kubectl(['wait', '--for=condition=Established', `crd/gadgets.${group}`, '--timeout=60s']);
    await started;
    expect(informer.synced).toBe(true);

    const create = (name: string) => custom.createNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'gadgets', body: { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name } } });
    await create('one');
    await waitFor('the add of one', async () => (events.includes('add:one') ? true : undefined));
    // Several relists later (one a second), a new object is still seen, and the cache holds both.
    await new Promise((r) => setTimeout(r, 3500));
    await create('two');
    await waitFor('the add of two', async () => (events.includes('add:two') ? true : undefined));
    expect(informer.list(ns).map((o) => o.metadata?.name).sort()).toEqual(['one', 'two']);
    // Each relist re-announced what exists (that is the resync the controller relies on).
    expect(events.filter((e) => e === 'add:one').length).toBeGreaterThanOrEqual(3);
    await custom.deleteNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'gadgets', name: 'one' });
    await waitFor('one to leave the cache', async () => (informer?.get('one', ns) === undefined ? true : undefined));
    expect(events).toContain('delete:one');
  });
});
