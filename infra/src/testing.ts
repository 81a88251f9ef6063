// Test support: Pulumi's mocks record every resource the program registers, so
// tests can assert on the exact inputs a real `pulumi up` would send.
import { createRequire } from 'node:module';
import * as pulumi from '@pulumi/pulumi';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const ACCOUNT = '123456789012';

function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'aws:s3/bucket:Bucket': {
      const bucket = typeof inputs.bucket === 'string' ? inputs.bucket : `${String(inputs.bucketPrefix ?? name)}0123abcd`;
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:ecr/repository:Repository':
      return { repositoryUrl: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${String(inputs.name)}`, arn: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${String(inputs.name)}` };
    case 'aws:eks/cluster:Cluster':
      return {
        arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${String(inputs.name)}`,
        endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
        certificateAuthority: { data: 'Y2EK' },
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    default:
      return { arn: `arn:aws:mock:::${name}` };
  }
}

/** Installs Pulumi's mocks; call before importing any module that creates resources. */
export async function installMocks(): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        recorded.push({ type: args.type, name: args.name, inputs });
        return { id: `${args.name}-id`, state: { ...inputs, ...computed(args.type, args.name, inputs) } };
      },
      call(args) {
        switch (args.token) {
          case 'aws:index/getAvailabilityZones:getAvailabilityZones':
            return { names: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], zoneIds: ['euw1-az1', 'euw1-az2', 'euw1-az3'] };
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: 'AIDA' };
          default:
            throw new Error(`unmocked call ${args.token}`);
        }
      },
    },
    'swarmlab-infra',
    'test',
    false,
  );
  return recorded;
}

interface SettingsModule {
  waitForRPCs(): Promise<void>;
}

function isSettings(m: unknown): m is SettingsModule {
  return typeof m === 'object' && m !== null && typeof (m as { waitForRPCs?: unknown }).waitForRPCs === 'function';
}

/**
 * Waits until every pending registration (including those created inside
 * `apply`) has reached the mocks. Uses the SDK's own drain, the one
 * `pulumi up` waits on before exiting.
 */
export async function settle(): Promise<void> {
  const settings: unknown = createRequire(import.meta.url)('@pulumi/pulumi/runtime/settings.js');
  if (!isSettings(settings)) throw new Error('@pulumi/pulumi no longer exposes runtime/settings.waitForRPCs; update infra/src/testing.ts');
  await settings.waitForRPCs();
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
