import * as aws from '@pulumi/aws';
import type { StackConfig } from './config.ts';

export interface Storage {
  bucket: aws.s3.Bucket;
  /** The one swarmlab image, operator and runner entrypoints (docs/adr/0002-images.md). */
  repository: aws.ecr.Repository;
  /** Resources that must exist before anything writes to the bucket. */
  bucketReady: aws.s3.BucketPublicAccessBlock;
}

export function createStorage(name: string, cfg: StackConfig): Storage {
  const bucket = new aws.s3.Bucket(`${name}-results`, {
    ...(cfg.bucketName ? { bucket: cfg.bucketName } : { bucketPrefix: `${name}-results-` }),
    forceDestroy: cfg.forceDestroyBucket,
  });
  const bucketReady = new aws.s3.BucketPublicAccessBlock(`${name}-results`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new aws.s3.BucketOwnershipControls(`${name}-results`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-results`, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
  });
  // Versioning is the safety net behind write-once keys: even a bug that overwrote a final key would keep the old bytes.
  new aws.s3.BucketVersioning(`${name}-results`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
  new aws.s3.BucketPolicy(
    `${name}-results`,
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      ),
    },
    { dependsOn: [bucketReady] },
  );
  new aws.s3.BucketLifecycleConfiguration(`${name}-results`, {
    bucket: bucket.id,
    rules: [
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: cfg.abortIncompleteMultipartDays },
      },
      {
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: cfg.noncurrentVersionExpirationDays },
      },
      ...(cfg.expireResultsDays > 0
        ? [{ id: 'expire-old-results', status: 'Enabled', filter: { prefix: `${cfg.resultsPrefix}/` }, expiration: { days: cfg.expireResultsDays } }]
        : []),
    ],
  });

  const image = 'swarmlab';
  const repository = new aws.ecr.Repository(`${name}-${image}`, {
    name: `swarmlab/${image}`,
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: 'AES256' }],
  });
  new aws.ecr.LifecyclePolicy(`${name}-${image}`, {
    repository: repository.name,
    policy: JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'drop untagged images after 14 days',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
          action: { type: 'expire' },
        },
      ],
    }),
  });
  return { bucket, bucketReady, repository };
}
