// IAM documents as pure functions of ARNs, so the tests can check exactly what
// each identity may do without a cloud.

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  // Absent only in trust policies, which name a principal instead.
  Resource?: string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** The runner writes a run's final, write-once files and reads run records (to resume); it never deletes. */
export function runnerBucketPolicy(bucket: string, prefix: string): PolicyDocument {
  const arn = bucketArn(bucket);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ListResultsPrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn], Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } },
      { Sid: 'ReadWriteResults', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`${arn}/${prefix}/*`] },
    ],
  };
}

/** The operator reads run records and writes the experiment manifest. */
export function operatorBucketPolicy(bucket: string, prefix: string): PolicyDocument {
  const arn = bucketArn(bucket);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ListResultsPrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn], Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } },
      { Sid: 'ReadResultsWriteManifest', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`${arn}/${prefix}/*`] },
    ],
  };
}

/**
 * Trust policy for EKS Pod Identity. Pinning the source account and cluster
 * keeps another cluster's pod identity agent from assuming the role.
 */
export function podIdentityTrustPolicy(accountId: string, clusterArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnEquals: { 'aws:SourceArn': clusterArn } },
      },
    ],
  };
}

export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/**
 * Trust for a GitHub Actions workflow through OIDC: only tokens minted for this
 * repository and the given `sub` pattern (a ref or environment) may assume the role.
 */
export function githubTrustPolicy(providerArn: string, repository: string, subject: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: ['sts:AssumeRoleWithWebIdentity'],
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' },
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:${subject}` },
        },
      },
    ],
  };
}

/** images.yml pushes the one image. GetAuthorizationToken has no resource-level permissions: AWS requires "*". */
export function imagePushPolicy(repositoryArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'PushSwarmlabImage',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: [repositoryArn],
      },
    ],
  };
}

/** sweep.yml uploads validated local sweeps under ci-sweeps/ and reads cluster results; it may also find the cluster. */
export function sweepPolicy(bucket: string, prefix: string, clusterArn: string): PolicyDocument {
  const arn = bucketArn(bucket);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ListResultsPrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn], Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } },
      { Sid: 'ReadResults', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${arn}/${prefix}/*`] },
      { Sid: 'UploadCiSweeps', Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`${arn}/${prefix}/ci-sweeps/*`] },
      { Sid: 'FindCluster', Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: [clusterArn] },
    ],
  };
}

/**
 * cluster-autoscaler on managed node groups. AWS allows no resource scoping
 * for the Describe calls; the two mutating calls are limited by condition to
 * groups tagged as owned by this cluster (EKS tags its node groups' ASGs so).
 */
export function clusterAutoscalerPolicy(clusterName: string, nodegroupArnPattern: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Discover',
        Effect: 'Allow',
        Action: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
        ],
        Resource: ['*'],
      },
      {
        Sid: 'ScaleOwnGroups',
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: ['*'],
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
      },
      // Labels and taints of an empty group come from the node group itself: this is what lets the runner pool scale from zero.
      { Sid: 'ReadNodegroups', Effect: 'Allow', Action: ['eks:DescribeNodegroup'], Resource: [nodegroupArnPattern] },
    ],
  };
}
