import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookConfigurations } from '../cluster/kueue.ts';
import { binDir, pinnedVersions } from '../cluster/versions.ts';

// The webhook configurations test/cluster/kueue.ts installs, from the manifest
// of the pinned Kueue that scripts/cluster/build.sh copied beside its binary.
describe('Kueue webhook configurations for the local cluster', () => {
  const manifest = readFileSync(join(binDir(), `kueue-${pinnedVersions().kueue}-config`, 'webhooks.yaml'), 'utf8');
  const configs = webhookConfigurations(manifest, 'https://10.1.2.1:9443', 'Q0E=', 'kueue-abc', 'x1');
  const hooks = configs.flatMap((c) => (c.webhooks ?? []).map((w) => ({ kind: c.kind, ...w })));

  it('keeps only the Job webhooks and those of Kueue\'s own types, pointed at the URL with the CA bundle', () => {
    expect(configs.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual(['MutatingWebhookConfiguration/kueue-mutating-webhook-configuration-x1', 'ValidatingWebhookConfiguration/kueue-validating-webhook-configuration-x1']);
    const urls = hooks.map((w) => w.clientConfig.url ?? '');
    expect(urls).toContain('https://10.1.2.1:9443/mutate-batch-v1-job');
    expect(urls).toContain('https://10.1.2.1:9443/validate-batch-v1-job');
    expect(urls).toContain('https://10.1.2.1:9443/mutate-kueue-x-k8s-io-v1beta2-workload');
    for (const w of hooks) {
      expect(w.clientConfig).toEqual({ url: expect.stringMatching(/^https:\/\/10\.1\.2\.1:9443\/(mutate|validate)-(batch-v1-job|kueue-x-k8s-io-)/), caBundle: 'Q0E=' });
    }
    // No pod, Deployment or other framework webhook: other test files' objects never reach Kueue.
    expect(urls.filter((u) => /pod|deployment|statefulset|jobset|ray|kubeflow/.test(u))).toEqual([]);
  });

  it('scopes the Job webhooks to the test\'s namespace', () => {
    const jobHooks = hooks.filter((w) => (w.clientConfig.url ?? '').endsWith('-batch-v1-job'));
    expect(jobHooks).toHaveLength(2);
    for (const w of jobHooks) expect(w.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'kueue-abc' } });
  });
});
