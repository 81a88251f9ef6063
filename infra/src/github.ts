import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { EXPERIMENT_SUBMITTERS_GROUP } from './chart-values.ts';
import type { StackConfig } from './config.ts';
import { GITHUB_OIDC_HOST, githubTrustPolicy, imagePushPolicy, sweepPolicy } from './policies.ts';

export interface GithubRoles {
  imagesRoleArn: pulumi.Output<string>;
  sweepRoleArn: pulumi.Output<string>;
}

/**
 * Roles for .github/workflows/images.yml and sweep.yml, assumed through
 * GitHub's OIDC provider: no static keys in the repository's secrets.
 */
export function createGithubRoles(
  name: string,
  cfg: StackConfig & { githubRepository: string },
  cluster: aws.eks.Cluster,
  bucket: aws.s3.Bucket,
  repository: aws.ecr.Repository,
): GithubRoles {
  // An account holds one provider per URL; reuse it when another stack made it.
  const providerArn = cfg.githubOidcProviderArn
    ? pulumi.output(cfg.githubOidcProviderArn)
    : new aws.iam.OpenIdConnectProvider(`${name}-github`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ['sts.amazonaws.com'] }).arn;

  const role = (who: string, subject: string) =>
    new aws.iam.Role(`${name}-github-${who}`, {
      description: `GitHub Actions ${who} workflow of ${cfg.githubRepository}`,
      assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, cfg.githubRepository, subject))),
      maxSessionDuration: 3600,
    });

  // Only release tags build images.
  const images = role('images', 'ref:refs/tags/v*');
  new aws.iam.RolePolicy(`${name}-github-images`, { role: images.id, policy: repository.arn.apply((arn) => JSON.stringify(imagePushPolicy(arn))) });

  // Scheduled and dispatched runs of sweep.yml run on the default branch.
  const sweep = role('sweep', `ref:refs/heads/${cfg.githubSweepBranch}`);
  new aws.iam.RolePolicy(`${name}-github-sweep`, {
    role: sweep.id,
    policy: pulumi.all([bucket.bucket, cluster.arn]).apply(([b, c]) => JSON.stringify(sweepPolicy(b, cfg.resultsPrefix, c))),
  });
  // `swarmlab submit` creates Experiments in one namespace, nothing else: no EKS access policy (AmazonEKSEditPolicy would
  // also read Secrets there, and does not cover Experiments), only a group that release.ts binds to the chart's role.
  new aws.eks.AccessEntry(`${name}-github-sweep`, { clusterName: cluster.name, principalArn: sweep.arn, type: 'STANDARD', kubernetesGroups: [EXPERIMENT_SUBMITTERS_GROUP] });
  return { imagesRoleArn: images.arn, sweepRoleArn: sweep.arn };
}
