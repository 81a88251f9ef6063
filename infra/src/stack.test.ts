import { beforeAll, describe, expect, it } from 'vitest';
import { installMocks, settle, valueOf, type Recorded } from './testing.ts';

// setMocks must run before the program's modules create resources.
const recorded: Recorded[] = await installMocks();
const { createStack } = await import('./stack.ts');
const { readStackConfig, STACK_CONFIG_KEYS } = await import('./config.ts');
const { RUNNER_TAINT } = await import('./config.ts');

const cfg = readStackConfig(STACK_CONFIG_KEYS, (key) =>
  ({
    region: 'eu-west-1',
    kubernetesVersion: '1.35',
    availabilityZoneCount: '3',
    resultsPrefix: 'team-a/results',
    expireResultsDays: '90',
    endpointPublicAccess: 'false',
    githubRepository: 'acme/swarmlab',
  })[key],
);

let outputs: Awaited<ReturnType<typeof resolveOutputs>>;
async function resolveOutputs() {
  const out = createStack(cfg, 'test');
  const [bucketName, storeUri, kubeconfig, repositoryUrl, runnerImageRepository] = await Promise.all([
    valueOf(out.bucketName),
    valueOf(out.storeUri),
    valueOf(out.kubeconfig),
    valueOf(out.repositoryUrl),
    valueOf(out.runnerImageRepository),
  ]);
  await settle();
  return { bucketName, storeUri, kubeconfig, repositoryUrl, runnerImageRepository };
}

beforeAll(async () => {
  outputs = await resolveOutputs();
});

const ofType = (type: string) => recorded.filter((r) => r.type === type);
const one = (type: string): Recorded => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  const [r] = found;
  if (!r) throw new Error(`no ${type}`);
  return r;
};

interface Stmt {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
}
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('results bucket', () => {
  it('blocks every form of public access', () => {
    const pab = one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock');
    expect(pab.inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(one('aws:s3/bucketOwnershipControls:BucketOwnershipControls').inputs).toMatchObject({ rule: { objectOwnership: 'BucketOwnerEnforced' } });
  });

  it('encrypts by default and refuses plain HTTP', () => {
    const sse = one('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration');
    expect(sse.inputs).toMatchObject({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
    const policy = JSON.parse(String(one('aws:s3/bucketPolicy:BucketPolicy').inputs.policy)) as { Statement: (Stmt & { Condition: unknown })[] };
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  it('is versioned', () => {
    expect(one('aws:s3/bucketVersioning:BucketVersioning').inputs).toMatchObject({ versioningConfiguration: { status: 'Enabled' } });
  });

  it('aborts incomplete multipart uploads and expires old results under the prefix only', () => {
    const rules = one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').inputs.rules as Record<string, unknown>[];
    expect(rules).toContainEqual(expect.objectContaining({ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }));
    expect(rules).toContainEqual(expect.objectContaining({ id: 'expire-old-results', filter: { prefix: 'team-a/results/' }, expiration: { days: 90 } }));
  });

  it('is wired into the store URI with its region', () => {
    expect(outputs.storeUri).toBe(`s3://${outputs.bucketName}/team-a/results?region=eu-west-1`);
  });
});

describe('pod identity roles', () => {
  const rolePolicies = () => ofType('aws:iam/rolePolicy:RolePolicy').filter((p) => p.name.endsWith('-results'));

  it('exist for the runner and the operator', () => {
    expect(rolePolicies().map((p) => p.name).sort()).toEqual(['swarmlab-operator-results', 'swarmlab-runner-results']);
  });

  it('grant S3 actions on the results prefix only: no wildcard resource, no s3:*', () => {
    const bucketArn = `arn:aws:s3:::${outputs.bucketName}`;
    for (const p of rolePolicies()) {
      const doc = JSON.parse(String(p.inputs.policy)) as { Statement: Stmt[] };
      expect(doc.Statement.length).toBeGreaterThan(0);
      for (const s of doc.Statement) {
        expect(s.Effect).toBe('Allow');
        for (const action of list(s.Action)) {
          expect(action, p.name).toMatch(/^s3:[A-Z][A-Za-z]+$/);
        }
        for (const resource of list(s.Resource)) {
          expect(resource, p.name).not.toBe('*');
          if (resource === bucketArn) {
            expect(list(s.Action)).toEqual(['s3:ListBucket']);
          } else {
            expect(resource.startsWith(`${bucketArn}/team-a/results/`), `${p.name}: ${resource}`).toBe(true);
          }
        }
      }
    }
  });

  it('list the bucket only under the prefix, and neither role may delete', () => {
    const docs = Object.fromEntries(rolePolicies().map((p) => [p.name, JSON.parse(String(p.inputs.policy)) as { Statement: (Stmt & { Condition?: unknown })[] }]));
    for (const doc of Object.values(docs)) {
      const listing = doc.Statement.find((s) => list(s.Action).includes('s3:ListBucket'));
      expect(listing?.Condition).toEqual({ StringLike: { 's3:prefix': ['team-a/results', 'team-a/results/*'] } });
    }
    expect(Object.keys(docs).sort()).toEqual(['swarmlab-operator-results', 'swarmlab-runner-results']);
    for (const doc of Object.values(docs)) {
      expect(doc.Statement.flatMap((s) => list(s.Action)).filter((a) => a.includes('Delete') || a === 's3:*')).toEqual([]);
    }
  });

  it('trust only pods of this cluster and account', () => {
    const roles = ofType('aws:iam/role:Role').filter((r) => r.name === 'swarmlab-runner' || r.name === 'swarmlab-operator');
    expect(roles).toHaveLength(2);
    for (const r of roles) {
      const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as { Statement: { Principal: unknown; Condition: unknown }[] };
      expect(trust.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnEquals: { 'aws:SourceArn': 'arn:aws:eks:eu-west-1:123456789012:cluster/swarmlab-test' } },
        }),
      ]);
    }
    const assoc = ofType('aws:eks/podIdentityAssociation:PodIdentityAssociation').map((a) => [a.inputs.namespace, a.inputs.serviceAccount]);
    expect(assoc.sort()).toEqual([
      ['kube-system', 'cluster-autoscaler'],
      ['swarmlab', 'swarmlab-runner'],
      ['swarmlab-system', 'swarmlab-operator'],
    ]);
  });
});

describe('cluster and nodes', () => {
  const subnetIds = (kind: 'private' | 'public') => ofType('aws:ec2/subnet:Subnet').filter((s) => s.name.includes(`-${kind}-`)).map((s) => `${s.name}-id`);

  it('spreads public and private subnets over the configured zones', () => {
    expect(subnetIds('private')).toHaveLength(3);
    expect(subnetIds('public')).toHaveLength(3);
    for (const s of ofType('aws:ec2/subnet:Subnet')) expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
    const zones = ofType('aws:ec2/subnet:Subnet').filter((s) => s.name.includes('-private-')).map((s) => s.inputs.availabilityZone);
    expect(new Set(zones).size).toBe(3);
  });

  it('puts the control plane and every node group in private subnets only', () => {
    const priv = subnetIds('private').sort();
    const cluster = one('aws:eks/cluster:Cluster');
    expect(([...((cluster.inputs.vpcConfig as { subnetIds: string[] }).subnetIds)]).sort()).toEqual(priv);
    const groups = ofType('aws:eks/nodeGroup:NodeGroup');
    expect(groups).toHaveLength(2);
    for (const g of groups) expect([...(g.inputs.subnetIds as string[])].sort()).toEqual(priv);
  });

  it('pins the Kubernetes version, logs the control plane, and honours the private endpoint option', () => {
    const cluster = one('aws:eks/cluster:Cluster');
    expect(cluster.inputs.version).toBe('1.35');
    expect(cluster.inputs.enabledClusterLogTypes).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(cluster.inputs.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(cluster.inputs.encryptionConfig).toMatchObject({ resources: ['secrets'] });
  });

  it('requires IMDSv2 with a hop limit of 1 on every node launch template', () => {
    const templates = ofType('aws:ec2/launchTemplate:LaunchTemplate');
    expect(templates).toHaveLength(2);
    for (const t of templates) {
      expect(t.inputs.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' });
    }
    const templateIds = templates.map((t) => `${t.name}-id`).sort();
    expect(ofType('aws:eks/nodeGroup:NodeGroup').map((g) => (g.inputs.launchTemplate as { id: string }).id).sort()).toEqual(templateIds);
  });

  it('runs runners on a tainted, labelled spot pool and the operator on demand', () => {
    const groups = ofType('aws:eks/nodeGroup:NodeGroup');
    const runner = groups.find((g) => g.name === 'swarmlab-runner');
    const system = groups.find((g) => g.name === 'swarmlab-system');
    expect(runner?.inputs).toMatchObject({
      capacityType: 'SPOT',
      taints: [{ key: 'swarmlab.io/runner', value: 'true', effect: 'NO_SCHEDULE' }],
      labels: { 'swarmlab.io/runner': 'true' },
    });
    expect(system?.inputs.capacityType).toBe('ON_DEMAND');
    expect(system?.inputs.taints ?? []).toEqual([]);
  });

  it('emits a kubeconfig that fetches tokens instead of holding credentials', () => {
    const kc = JSON.parse(outputs.kubeconfig) as { users: { user: Record<string, unknown> }[] };
    expect(kc.users[0]?.user).toEqual({ exec: expect.objectContaining({ command: 'aws', args: expect.arrayContaining(['get-token', 'swarmlab-test']) }) });
  });
});

describe('registries and Helm release', () => {
  it('creates one immutable, scanned repository for the image both roles run', () => {
    const repo = one('aws:ecr/repository:Repository');
    expect(repo.inputs).toMatchObject({ name: 'swarmlab/swarmlab', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } });
    expect(outputs.repositoryUrl).toMatch(/\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/swarmlab\/swarmlab$/);
    expect(outputs.runnerImageRepository).toBe(outputs.repositoryUrl);
  });

  const releaseOf = (name: string) => {
    const r = ofType('kubernetes:helm.sh/v3:Release').find((x) => x.name === name);
    if (!r) throw new Error(`no release ${name}`);
    return r;
  };

  it('installs charts/swarmlab with images, store and runner scheduling from the stack', () => {
    const release = releaseOf('swarmlab');
    expect(release.inputs).toMatchObject({ chart: '../charts/swarmlab', namespace: 'swarmlab-system' });
    expect(release.inputs.values).toMatchObject({
      operator: { image: { repository: outputs.repositoryUrl, tag: '0.1.0' } },
      runner: {
        image: { repository: outputs.repositoryUrl, tag: '0.1.0' },
        nodeSelector: { 'swarmlab.io/runner': 'true' },
        tolerations: [{ key: RUNNER_TAINT.key, operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        serviceAccount: { name: 'swarmlab-runner', extraNamespaces: ['swarmlab'] },
        env: { AWS_REGION: 'eu-west-1' },
      },
      serviceAccount: { name: 'swarmlab-operator' },
      store: { uri: outputs.storeUri },
      networkPolicy: { enabled: true, egress: { apiServer: { cidrs: ['10.0.0.0/16'] }, extra: [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }] }] } },
    });
    const cni = ofType('aws:eks/addon:Addon').find((a) => a.inputs.addonName === 'vpc-cni');
    expect(JSON.parse(String(cni?.inputs.configurationValues))).toEqual({ enableNetworkPolicy: 'true' });
    const ns = ofType('kubernetes:core/v1:Namespace');
    expect(ns.map((n) => n.inputs.metadata)).toEqual([
      expect.objectContaining({ name: 'swarmlab', labels: expect.objectContaining({ 'pod-security.kubernetes.io/enforce': 'restricted' }) }),
    ]);
  });
});

describe('GitHub Actions roles (OIDC)', () => {
  const role = (name: string) => {
    const r = ofType('aws:iam/role:Role').find((x) => x.name === name);
    if (!r) throw new Error(`no role ${name}`);
    return JSON.parse(String(r.inputs.assumeRolePolicy)) as { Statement: { Principal: { Federated: string }; Action: string[]; Condition: unknown }[] };
  };
  const policy = (name: string) => {
    const p = ofType('aws:iam/rolePolicy:RolePolicy').find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return JSON.parse(String(p.inputs.policy)) as { Statement: Stmt[] };
  };

  it('trust only this repository: release tags for images, the default branch for sweeps', () => {
    const provider = one('aws:iam/openIdConnectProvider:OpenIdConnectProvider');
    expect(provider.inputs).toMatchObject({ url: 'https://token.actions.githubusercontent.com', clientIdLists: ['sts.amazonaws.com'] });
    const sub = (n: string) => role(n).Statement.map((s) => s.Condition);
    expect(sub('swarmlab-github-images')).toEqual([
      {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/swarmlab:ref:refs/tags/v*' },
      },
    ]);
    expect(sub('swarmlab-github-sweep')).toEqual([
      expect.objectContaining({ StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/swarmlab:ref:refs/heads/main' } }),
    ]);
    expect(role('swarmlab-github-sweep').Statement[0]?.Action).toEqual(['sts:AssumeRoleWithWebIdentity']);
  });

  it('let images push to the one repository, with "*" only for the registry login AWS requires it for', () => {
    for (const s of policy('swarmlab-github-images').Statement) {
      if (list(s.Resource).includes('*')) expect(list(s.Action)).toEqual(['ecr:GetAuthorizationToken']);
      else expect(list(s.Resource)).toEqual(['arn:aws:ecr:eu-west-1:123456789012:repository/swarmlab/swarmlab']);
      for (const a of list(s.Action)) expect(a).toMatch(/^ecr:[A-Z]\w+$/);
    }
  });

  it('let sweeps upload under ci-sweeps/ only, delete nothing, and edit one namespace', () => {
    const doc = policy('swarmlab-github-sweep');
    const puts = doc.Statement.filter((s) => list(s.Action).includes('s3:PutObject')).flatMap((s) => list(s.Resource));
    expect(puts).toEqual([`arn:aws:s3:::${outputs.bucketName}/team-a/results/ci-sweeps/*`]);
    for (const s of doc.Statement) {
      expect(list(s.Resource)).not.toContain('*');
      expect(list(s.Action).some((a) => a.includes('Delete') || a.endsWith('*'))).toBe(false);
    }
    // In the cluster: one group, bound to the chart's Experiment role in the Experiment namespace; no EKS access policy.
    const entry = ofType('aws:eks/accessEntry:AccessEntry').find((a) => a.name === 'swarmlab-github-sweep');
    expect(entry?.inputs.kubernetesGroups).toEqual(['swarmlab:experiment-submitters']);
    expect(ofType('aws:eks/accessPolicyAssociation:AccessPolicyAssociation').filter((a) => a.name.includes('github'))).toEqual([]);
    const binding = ofType('kubernetes:rbac.authorization.k8s.io/v1:RoleBinding').find((b) => b.name === 'swarmlab-experiment-submitters');
    expect(binding?.inputs).toMatchObject({
      metadata: { namespace: 'swarmlab' },
      roleRef: { kind: 'ClusterRole', name: 'swarmlab-experiments-edit' },
      subjects: [{ kind: 'Group', name: 'swarmlab:experiment-submitters' }],
    });
  });
});

describe('cluster-autoscaler', () => {
  it('is installed in kube-system on the system pool, matching the control plane minor', () => {
    const r = ofType('kubernetes:helm.sh/v3:Release').find((x) => x.name === 'swarmlab-cluster-autoscaler');
    expect(r?.inputs).toMatchObject({
      chart: 'cluster-autoscaler',
      namespace: 'kube-system',
      values: { autoDiscovery: { clusterName: 'swarmlab-test' }, image: { tag: 'v1.35.0' }, nodeSelector: { 'swarmlab.io/pool': 'system' } },
    });
    const assoc = ofType('aws:eks/podIdentityAssociation:PodIdentityAssociation').find((a) => a.inputs.namespace === 'kube-system');
    expect(assoc?.inputs.serviceAccount).toBe('cluster-autoscaler');
  });

  it('may change only this cluster\'s groups; "*" appears only for read-only discovery', () => {
    const p = ofType('aws:iam/rolePolicy:RolePolicy').find((x) => x.name === 'swarmlab-cluster-autoscaler');
    const doc = JSON.parse(String(p?.inputs.policy)) as { Statement: (Stmt & { Condition?: unknown })[] };
    for (const s of doc.Statement) {
      if (!list(s.Resource).includes('*')) continue;
      const readOnly = list(s.Action).every((a) => /^(autoscaling|ec2):(Describe|Get)\w+$/.test(a));
      if (!readOnly) expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/swarmlab-test': 'owned' } });
    }
    const mutating = doc.Statement.filter((s) => list(s.Action).includes('autoscaling:SetDesiredCapacity'));
    expect(mutating).toHaveLength(1);
    expect(doc.Statement.find((s) => list(s.Action).includes('eks:DescribeNodegroup'))?.Resource).toEqual([
      'arn:aws:eks:eu-west-1:123456789012:nodegroup/swarmlab-test/*',
    ]);
  });
});
