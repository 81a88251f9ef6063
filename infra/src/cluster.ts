import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { OPERATOR_NODE_LABELS, RUNNER_NODE_LABELS, RUNNER_TAINT, type StackConfig } from './config.ts';
import type { Network } from './network.ts';
import { serviceTrustPolicy } from './policies.ts';

export interface Cluster {
  cluster: aws.eks.Cluster;
  operatorNodes: aws.eks.NodeGroup;
  runnerNodes: aws.eks.NodeGroup;
  addons: aws.eks.Addon[];
  podIdentityAgent: aws.eks.Addon;
  kubeconfig: pulumi.Output<string>;
}

type Pool = StackConfig['operatorNodes'];

export function createCluster(name: string, clusterName: string, cfg: StackConfig, net: Network): Cluster {
  const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: serviceTrustPolicy('eks.amazonaws.com') });
  const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
    role: clusterRole.name,
    policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
  });
  // EKS writes control plane logs to this group; creating it here sets the retention instead of "never expire".
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-cluster`, {
    name: `/aws/eks/${clusterName}/cluster`,
    retentionInDays: cfg.clusterLogRetentionDays,
  });
  const secretsKey = new aws.kms.Key(`${name}-secrets`, {
    description: `envelope encryption of Kubernetes secrets in ${clusterName}`,
    enableKeyRotation: true,
    deletionWindowInDays: 7,
  });

  const cluster = new aws.eks.Cluster(
    name,
    {
      name: clusterName,
      version: cfg.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: net.privateSubnets.map((s) => s.id),
        endpointPrivateAccess: true,
        endpointPublicAccess: cfg.endpointPublicAccess,
        ...(cfg.endpointPublicAccess ? { publicAccessCidrs: cfg.publicAccessCidrs } : {}),
      },
      enabledClusterLogTypes: cfg.clusterLogTypes,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: secretsKey.arn } },
    },
    { dependsOn: [clusterPolicy, logGroup] },
  );

  cfg.adminRoleArns.forEach((principalArn, i) => {
    const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: 'STANDARD' });
    new aws.eks.AccessPolicyAssociation(
      `${name}-admin-${i}`,
      {
        clusterName: cluster.name,
        principalArn,
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        accessScope: { type: 'cluster' },
      },
      { dependsOn: [entry] },
    );
  });

  const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com') });
  const nodePolicies = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'].map(
    (policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` }),
  );

  const nodeGroup = (pool: string, spec: Pool, extra: Pick<aws.eks.NodeGroupArgs, 'capacityType' | 'labels' | 'taints'>) => {
    const template = new aws.ec2.LaunchTemplate(`${name}-${pool}`, {
      description: `swarmlab ${pool} nodes: IMDSv2 only, encrypted root volume`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: cfg.imdsHopLimit,
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { volumeSize: spec.diskGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
      ],
      tagSpecifications: [{ resourceType: 'instance', tags: { Name: `${clusterName}-${pool}`, 'swarmlab.io/pool': pool } }],
    });
    return new aws.eks.NodeGroup(
      `${name}-${pool}`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: net.privateSubnets.map((s) => s.id),
        amiType: 'AL2023_x86_64_STANDARD',
        instanceTypes: spec.instanceTypes,
        scalingConfig: { minSize: spec.min, desiredSize: spec.desired, maxSize: spec.max },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
        ...extra,
      },
      // The autoscaler owns desiredSize once the pool exists.
      { dependsOn: nodePolicies, ignoreChanges: ['scalingConfig.desiredSize'] },
    );
  };

  const operatorNodes = nodeGroup('system', cfg.operatorNodes, { capacityType: 'ON_DEMAND', labels: { ...OPERATOR_NODE_LABELS } });
  const runnerNodes = nodeGroup('runner', cfg.runnerNodes, {
    capacityType: 'SPOT',
    labels: { ...RUNNER_NODE_LABELS },
    taints: [{ ...RUNNER_TAINT }],
  });

  const addon = (addonName: string, deps: pulumi.Resource[] = [], configurationValues?: string) =>
    new aws.eks.Addon(
      `${name}-${addonName}`,
      { clusterName: cluster.name, addonName, resolveConflictsOnUpdate: 'OVERWRITE', ...(configurationValues ? { configurationValues } : {}) },
      { dependsOn: deps },
    );
  const podIdentityAgent = addon('eks-pod-identity-agent');
  // The chart's NetworkPolicy is only enforced when the CNI runs its network policy agent.
  const vpcCni = addon('vpc-cni', [], JSON.stringify({ enableNetworkPolicy: 'true' }));
  const addons = [vpcCni, addon('kube-proxy'), podIdentityAgent, addon('coredns', [operatorNodes])];

  return { cluster, operatorNodes, runnerNodes, addons, podIdentityAgent, kubeconfig: kubeconfigFor(cluster, cfg.region) };
}

/** A kubeconfig that gets short-lived tokens from the AWS CLI, so it holds no credentials itself. */
export function kubeconfigFor(cluster: aws.eks.Cluster, region: string): pulumi.Output<string> {
  return pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data]).apply(([clusterName, endpoint, ca]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: clusterName, cluster: { server: endpoint, 'certificate-authority-data': ca } }],
      contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
      'current-context': clusterName,
      users: [
        {
          name: clusterName,
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'aws',
              args: ['eks', 'get-token', '--cluster-name', clusterName, '--region', region, '--output', 'json'],
              interactiveMode: 'Never',
            },
          },
        },
      ],
    }),
  );
}
