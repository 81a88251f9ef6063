import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { createClusterAutoscaler } from './autoscaler.ts';
import { createCluster } from './cluster.ts';
import type { StackConfig } from './config.ts';
import { createGithubRoles } from './github.ts';
import { createIdentities } from './identity.ts';
import { createNetwork } from './network.ts';
import { chartValues } from './chart-values.ts';
import { createRelease } from './release.ts';
import { createStorage } from './storage.ts';

export interface StackOutputs {
  clusterName: pulumi.Output<string>;
  kubeconfig: pulumi.Output<string>;
  bucketName: pulumi.Output<string>;
  storeUri: pulumi.Output<string>;
  repositoryUrl: pulumi.Output<string>;
  runnerImageRepository: pulumi.Output<string>;
  operatorRoleArn: pulumi.Output<string>;
  runnerRoleArn: pulumi.Output<string>;
  namespace: string;
  githubImagesRoleArn: pulumi.Output<string> | undefined;
  githubSweepRoleArn: pulumi.Output<string> | undefined;
}

/** Every resource of one environment. `name` prefixes resource names; the EKS cluster is called `swarmlab-<stack>`. */
export function createStack(cfg: StackConfig, stack: string): StackOutputs {
  const name = 'swarmlab';
  const clusterName = `swarmlab-${stack}`;
  const net = createNetwork(name, clusterName, cfg);
  const storage = createStorage(name, cfg);
  const eks = createCluster(name, clusterName, cfg, net);
  const ids = createIdentities(name, cfg, eks.cluster, storage.bucket, eks.podIdentityAgent);

  // A derived runner image (third-party modules baked in) may live elsewhere; by default both roles run the one image.
  const runnerImageRepository = cfg.runnerImageRepository ? pulumi.output(cfg.runnerImageRepository) : storage.repository.repositoryUrl;
  // The region travels in the URI as well as in AWS_REGION: pods with EKS Pod Identity get credentials but no region.
  const storeUri = pulumi.interpolate`s3://${storage.bucket.bucket}/${cfg.resultsPrefix}?region=${cfg.region}`;
  const provider = cfg.deployChart || cfg.clusterAutoscaler ? new k8s.Provider(name, { kubeconfig: eks.kubeconfig, enableServerSideApply: true }) : undefined;
  if (provider && cfg.clusterAutoscaler) {
    createClusterAutoscaler(name, cfg, eks.cluster, provider, eks.podIdentityAgent, [eks.operatorNodes, ...eks.addons]);
  }
  if (provider && cfg.deployChart) {
    const values = pulumi
      .all([storage.repository.repositoryUrl, runnerImageRepository, storeUri])
      .apply(([repository, runnerRepository, uri]) =>
        chartValues({
          repository,
          runnerRepository,
          imageTag: cfg.imageTag,
          storeUri: uri,
          region: cfg.region,
          operatorServiceAccount: cfg.operatorServiceAccount,
          runnerServiceAccount: cfg.runnerServiceAccount,
          experimentNamespace: cfg.experimentNamespace,
          vpcCidr: cfg.vpcCidr,
        }),
      );
    createRelease(name, { provider, namespace: cfg.namespace, experimentNamespace: cfg.experimentNamespace, chartPath: cfg.chartPath, values }, [
      eks.operatorNodes,
      eks.runnerNodes,
      ...eks.addons,
      ...ids.associations,
      storage.bucketReady,
    ]);
  }

  const githubRepository = cfg.githubRepository;
  const github = githubRepository ? createGithubRoles(name, { ...cfg, githubRepository }, eks.cluster, storage.bucket, storage.repository) : undefined;

  return {
    clusterName: eks.cluster.name,
    kubeconfig: pulumi.secret(eks.kubeconfig),
    bucketName: storage.bucket.bucket,
    storeUri,
    repositoryUrl: storage.repository.repositoryUrl,
    runnerImageRepository,
    operatorRoleArn: ids.operatorRole.arn,
    runnerRoleArn: ids.runnerRole.arn,
    namespace: cfg.namespace,
    githubImagesRoleArn: github?.imagesRoleArn,
    githubSweepRoleArn: github?.sweepRoleArn,
  };
}
