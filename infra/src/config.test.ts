import { describe, expect, it } from 'vitest';
import { readStackConfig, STACK_CONFIG_KEYS, StackConfigError } from './config.ts';
import { operatorBucketPolicy, runnerBucketPolicy } from './policies.ts';
import { subnetCidrs } from './network.ts';

const read = (values: Record<string, string>) => readStackConfig(STACK_CONFIG_KEYS, (k) => values[k]);

describe('stack config', () => {
  it('fills defaults and keeps version strings as strings', () => {
    const cfg = read({ region: 'us-east-1', kubernetesVersion: '1.35' });
    expect(cfg.kubernetesVersion).toBe('1.35');
    expect(cfg).toMatchObject({ resultsPrefix: 'results', imdsHopLimit: 1, natGateways: 'single', deployChart: true, expireResultsDays: 0 });
    expect(cfg.runnerNodes).toMatchObject({ min: 0, max: 20 });
  });

  it('requires a pinned Kubernetes minor version', () => {
    expect(() => read({ region: 'us-east-1' })).toThrow(/config kubernetesVersion/);
    expect(() => read({ region: 'us-east-1', kubernetesVersion: 'latest' })).toThrow(/config kubernetesVersion: a minor version/);
  });

  it('names the key of a bad nested value and of a typo inside an object', () => {
    expect(() => read({ region: 'r', kubernetesVersion: '1.35', runnerNodes: '{"min":3,"desired":1,"max":2}' })).toThrow(/config runnerNodes: needs min <= desired <= max/);
    expect(() => read({ region: 'r', kubernetesVersion: '1.35', runnerNodes: '{"instanceType":["c7i.large"]}' })).toThrow(/config runnerNodes/);
    expect(() => read({ region: 'r', kubernetesVersion: '1.35', deployChart: 'yes' })).toThrow(StackConfigError);
  });

  it('rejects a results prefix with slashes at either end', () => {
    expect(() => read({ region: 'r', kubernetesVersion: '1.35', resultsPrefix: '/results/' })).toThrow(/config resultsPrefix/);
  });
});

describe('pure pieces', () => {
  it('carves non-overlapping subnets out of the VPC', () => {
    const c = subnetCidrs('10.20.0.0/16', 4);
    expect(c.private).toEqual(['10.20.0.0/19', '10.20.32.0/19', '10.20.64.0/19', '10.20.96.0/19']);
    expect(c.public).toEqual(['10.20.192.0/24', '10.20.193.0/24', '10.20.194.0/24', '10.20.195.0/24']);
  });

  it('gives neither identity a delete or a wildcard action', () => {
    for (const doc of [runnerBucketPolicy('b', 'p'), operatorBucketPolicy('b', 'p')]) {
      for (const s of doc.Statement) for (const a of s.Action) expect(a).not.toContain('*');
    }
    for (const doc of [runnerBucketPolicy('b', 'p'), operatorBucketPolicy('b', 'p')]) {
      expect(doc.Statement.flatMap((s) => s.Action)).not.toContain('s3:DeleteObject');
    }
  });
});
