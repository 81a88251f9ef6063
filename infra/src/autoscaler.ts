import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { OPERATOR_NODE_LABELS, type StackConfig } from './config.ts';
import { clusterAutoscalerPolicy, podIdentityTrustPolicy } from './policies.ts';

const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'cluster-autoscaler';

/**
 * cluster-autoscaler, so the spot runner pool grows from zero when Jobs are
 * pending and shrinks back when the sweep is done.
 */
export function createClusterAutoscaler(
  name: string,
  cfg: StackConfig,
  cluster: aws.eks.Cluster,
  provider: k8s.Provider,
  podIdentityAgent: aws.eks.Addon,
  dependsOn: pulumi.Resource[],
): k8s.helm.v3.Release {
  const accountId = aws.getCallerIdentityOutput().accountId;
  const role = new aws.iam.Role(`${name}-cluster-autoscaler`, {
    description: `cluster-autoscaler of ${cfg.region} EKS via Pod Identity`,
    assumeRolePolicy: pulumi.all([accountId, cluster.arn]).apply(([a, arn]) => JSON.stringify(podIdentityTrustPolicy(a, arn))),
  });
  new aws.iam.RolePolicy(`${name}-cluster-autoscaler`, {
    role: role.id,
    policy: pulumi
      .all([cluster.name, cluster.arn])
      .apply(([clusterName, arn]) => JSON.stringify(clusterAutoscalerPolicy(clusterName, `${arn.replace(':cluster/', ':nodegroup/')}/*`))),
  });
  const association = new aws.eks.PodIdentityAssociation(
    `${name}-cluster-autoscaler`,
    { clusterName: cluster.name, namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, roleArn: role.arn },
    { dependsOn: [podIdentityAgent] },
  );
  return new k8s.helm.v3.Release(
    `${name}-cluster-autoscaler`,
    {
      name: 'cluster-autoscaler',
      chart: 'cluster-autoscaler',
      ...(cfg.clusterAutoscalerChartVersion ? { version: cfg.clusterAutoscalerChartVersion } : {}),
      repositoryOpts: { repo: 'https://kubernetes.github.io/autoscaler' },
      namespace: NAMESPACE,
      values: {
        cloudProvider: 'aws',
        awsRegion: cfg.region,
        autoDiscovery: { clusterName: cluster.name },
        // cluster-autoscaler's minor must match the control plane's.
        image: { tag: cfg.clusterAutoscalerImageTag ?? `v${cfg.kubernetesVersion}.0` },
        rbac: { serviceAccount: { create: true, name: SERVICE_ACCOUNT } },
        nodeSelector: { ...OPERATOR_NODE_LABELS },
        extraArgs: { 'balance-similar-node-groups': true, expander: 'least-waste', 'skip-nodes-with-local-storage': false },
      },
      atomic: true,
      timeout: 600,
    },
    { provider, dependsOn: [...dependsOn, association] },
  );
}
