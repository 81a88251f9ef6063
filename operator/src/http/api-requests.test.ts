import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLabels, CountedKubeConfig } from './api-requests.ts';
import { OperatorMetrics } from './metrics.ts';

const at = (path: string) => new URL(`https://10.0.0.1:6443${path}`);

describe('apiRequestLabels', () => {
  it('names the verb from the method, an object name and watch=true', () => {
    expect(apiRequestLabels('GET', at('/api/v1/namespaces/lab/pods?labelSelector=a%3Db'))).toEqual({ verb: 'list', resource: 'pods' });
    expect(apiRequestLabels('GET', at('/apis/batch/v1/namespaces/lab/jobs/exp-0123abcd-0'))).toEqual({ verb: 'get', resource: 'jobs' });
    expect(apiRequestLabels('GET', at('/apis/batch/v1/namespaces/lab/jobs?watch=true&resourceVersion=5'))).toEqual({ verb: 'watch', resource: 'jobs' });
    expect(apiRequestLabels('POST', at('/api/v1/namespaces/lab/configmaps'))).toEqual({ verb: 'create', resource: 'configmaps' });
    expect(apiRequestLabels('PUT', at('/apis/coordination.k8s.io/v1/namespaces/default/leases/swarmlab-operator'))).toEqual({ verb: 'update', resource: 'leases' });
    expect(apiRequestLabels('DELETE', at('/apis/batch/v1/namespaces/lab/jobs/j'))).toEqual({ verb: 'delete', resource: 'jobs' });
  });

  it('keeps the subresource and drops names and namespaces', () => {
    expect(apiRequestLabels('PATCH', at('/apis/swarmlab.io/v1alpha1/namespaces/lab/experiments/mm1/status'))).toEqual({ verb: 'patch', resource: 'experiments/status' });
    expect(apiRequestLabels('GET', at('/api/v1/namespaces/lab/pods/p-1/log'))).toEqual({ verb: 'get', resource: 'pods/log' });
    expect(apiRequestLabels('GET', at('/apis/swarmlab.io/v1alpha1/experiments'))).toEqual({ verb: 'list', resource: 'experiments' });
    // The namespace object itself, cluster-scoped.
    expect(apiRequestLabels('GET', at('/api/v1/namespaces/lab'))).toEqual({ verb: 'get', resource: 'namespaces' });
  });

  it('leaves out what is not a resource request', () => {
    expect(apiRequestLabels('GET', at('/version'))).toBeUndefined();
    expect(apiRequestLabels('GET', at('/apis/batch/v1'))).toBeUndefined();
    expect(apiRequestLabels('HEAD', at('/api/v1/namespaces/lab/pods'))).toBeUndefined();
  });
});

describe('CountedKubeConfig', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = path.endsWith('/pods') ? { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] } : path.includes('/jobs') ? { kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'j' } } : { metadata: { name: 'e' } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts every request its clients send, by verb and resource', async () => {
    const metrics = new OperatorMetrics(() => ({ byPhase: { Pending: 0, Queued: 0, Running: 0, Suspended: 0, Complete: 0, Failed: 0, Invalid: 0, Unknown: 0 }, runs: { pending: 0, running: 0, succeeded: 0, failed: 0 } }), { defaultMetrics: false });
    const kc = new CountedKubeConfig(metrics);
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const core = kc.makeApiClient(CoreV1Api);
    await core.listNamespacedPod({ namespace: 'lab' });
    await core.listNamespacedPod({ namespace: 'other' });
    await kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace: 'lab', name: 'j' });
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus({ group: 'swarmlab.io', version: 'v1alpha1', namespace: 'lab', plural: 'experiments', name: 'e', body: { status: {} } });
    const text = await metrics.registry.metrics();
    expect(text).toContain('swarmlab_api_requests_total{verb="list",resource="pods"} 2');
    expect(text).toContain('swarmlab_api_requests_total{verb="get",resource="jobs"} 1');
    expect(text).toContain('swarmlab_api_requests_total{verb="patch",resource="experiments/status"} 1');
  });
});
