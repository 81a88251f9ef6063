// The local control plane is a real kube-apiserver: CRDs applied with the
// pinned kubectl are served, and their OpenAPI schema is enforced server-side.
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('cluster-crd');

function crdFor(group: string): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 1, maximum: 10 },
                    colour: { type: 'string', enum: ['red', 'green'] },
                  },
                },
                status: { type: 'object', properties: { observedGeneration: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  };
}

describe('CRDs on the local control plane', () => {
  // A group per run keeps the cluster-scoped CRD from colliding on a shared, existing cluster.
  let group = '';
  afterAll(async () => {
    if (group !== '') await cluster.kubectl(['delete', 'crd', `widgets.${group}`, '--ignore-not-found', '--wait=false']);
  });

  it('serves a CRD applied with kubectl and rejects invalid objects with the field path', async () => {
    group = `${cluster.namespace}.harness.swarmlab.dev`;
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: stringify(crdFor(group)) });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/widgets.${group} created`);

    const waited = await cluster.kubectl(['wait', '--for=condition=Established', `crd/widgets.${group}`, '--timeout=60s']);
    expect(waited.code, waited.stderr).toBe(0);

    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const ns = cluster.namespace;
    const base = { group, version: 'v1alpha1', namespace: ns, plural: 'widgets' };
    // Discovery can lag Established by a moment; the first create is retried until served.
    await waitFor('widgets to be servable', async () => {
      await custom.createNamespacedCustomObject({
        ...base,
        body: { apiVersion: `${group}/v1alpha1`, kind: 'Widget', metadata: { name: 'ok' }, spec: { size: 3, colour: 'red' } },
      });
      return true;
    });
    const got = (await custom.getNamespacedCustomObject({ ...base, name: 'ok' })) as { spec: { size: number } };
    expect(got.spec.size).toBe(3);

    const listed = await cluster.kubectl(['get', `widgets.${group}`, '-n', ns, '-o', 'name']);
    expect(listed.stdout.trim()).toBe(`widget.${group}/ok`);

    // Through the client: 422 with a field path per violation.
    const err = await custom
      .createNamespacedCustomObject({
        ...base,
        body: { apiVersion: `${group}/v1alpha1`, kind: 'Widget', metadata: { name: 'bad' }, spec: { size: 0, colour: 'blue' } },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiException);
    const apiErr = err as ApiException<unknown>;
    expect(apiErr.code).toBe(422);
    const body = typeof apiErr.body === 'string' ? apiErr.body : JSON.stringify(apiErr.body);
    expect(body).toContain('spec.size');
    expect(body).toContain('spec.colour');

    // Through kubectl: the same rejection, field path included.
    const bad = await cluster.kubectl(['apply', '-n', ns, '-f', '-'], {
      input: stringify({ apiVersion: `${group}/v1alpha1`, kind: 'Widget', metadata: { name: 'bad2' }, spec: {} }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.size: Required value/);
  });
});
