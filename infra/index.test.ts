// The Pulumi entry point as the language host loads it (Node's own type
// stripping, `typescript: false` in Pulumi.yaml), with config from the stack.
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { installMocks, settle, valueOf } from './src/testing.ts';

const recorded = await installMocks();
pulumi.runtime.setAllConfig({
  'aws:region': 'us-east-2',
  'swarmlab-infra:kubernetesVersion': '1.34',
  'swarmlab-infra:deployChart': 'false',
  'swarmlab-infra:runnerNodes': '{"instanceTypes":["c7i.2xlarge"],"min":0,"desired":0,"max":50}',
});
const program = await import('./index.ts');

describe('infra/index.ts', () => {
  it('reads stack config, exports the documented outputs, and skips the chart when deployChart is false', async () => {
    const [bucketName, storeUri, repositoryUrl, clusterName, kubeconfig] = await Promise.all([
      valueOf(program.bucketName),
      valueOf(program.storeUri),
      valueOf(program.repositoryUrl),
      valueOf(program.clusterName),
      valueOf(program.kubeconfig),
    ]);
    await settle();
    expect(storeUri).toBe(`s3://${bucketName}/results?region=us-east-2`);
    expect(repositoryUrl).toContain('/swarmlab/swarmlab');
    expect(clusterName).toBe('swarmlab-test');
    expect(JSON.parse(kubeconfig)).toMatchObject({ kind: 'Config', 'current-context': 'swarmlab-test' });
    expect(program.githubImagesRoleArn).toBeUndefined();

    const cluster = recorded.find((r) => r.type === 'aws:eks/cluster:Cluster');
    expect(cluster?.inputs.version).toBe('1.34');
    const runner = recorded.find((r) => r.type === 'aws:eks/nodeGroup:NodeGroup' && r.name === 'swarmlab-runner');
    expect(runner?.inputs).toMatchObject({ instanceTypes: ['c7i.2xlarge'], scalingConfig: { maxSize: 50 } });
    const releases = recorded.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release').map((r) => r.inputs.chart);
    expect(releases).toEqual(['cluster-autoscaler']);
    expect(recorded.filter((r) => r.type === 'aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
  });
});
