import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.ts';
import { operatorBucketPolicy, podIdentityTrustPolicy, runnerBucketPolicy, type PolicyDocument } from './policies.ts';

export interface Identities {
  operatorRole: aws.iam.Role;
  runnerRole: aws.iam.Role;
  associations: aws.eks.PodIdentityAssociation[];
}

export function createIdentities(name: string, cfg: StackConfig, cluster: aws.eks.Cluster, bucket: aws.s3.Bucket, podIdentityAgent: aws.eks.Addon): Identities {
  const accountId = aws.getCallerIdentityOutput().accountId;
  const trust = pulumi.all([accountId, cluster.arn]).apply(([account, arn]) => JSON.stringify(podIdentityTrustPolicy(account, arn)));

  const identity = (who: 'operator' | 'runner', namespace: string, serviceAccount: string, policy: (bucket: string, prefix: string) => PolicyDocument) => {
    const role = new aws.iam.Role(`${name}-${who}`, {
      description: `swarmlab ${who}: ${namespace}/${serviceAccount} via EKS Pod Identity`,
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });
    new aws.iam.RolePolicy(`${name}-${who}-results`, {
      role: role.id,
      policy: bucket.bucket.apply((b) => JSON.stringify(policy(b, cfg.resultsPrefix))),
    });
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-${who}`,
      { clusterName: cluster.name, namespace, serviceAccount, roleArn: role.arn },
      { dependsOn: [podIdentityAgent] },
    );
    return { role, association };
  };
  const operator = identity('operator', cfg.namespace, cfg.operatorServiceAccount, operatorBucketPolicy);
  // Runner pods run where Experiments are applied, not in the operator's namespace.
  const runner = identity('runner', cfg.experimentNamespace, cfg.runnerServiceAccount, runnerBucketPolicy);
  return { operatorRole: operator.role, runnerRole: runner.role, associations: [operator.association, runner.association] };
}
