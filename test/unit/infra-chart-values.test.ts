// The values infra/ hands the Helm release, rendered by the real chart: the
// chart's values.schema.json must accept them and the operator must receive
// the store, the runner's account and the spot pool's scheduling. Catches drift
// between infra/src/chart-values.ts and charts/swarmlab. Runs `helm template`
// (no cluster) with the pinned helm from the local cluster's binaries.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { chartValues, EXPERIMENTS_EDIT_ROLE, RELEASE_NAME } from '../../infra/src/chart-values.ts';
import { binaryPath, repoRoot } from '../cluster/versions.ts';

const work = mkdtempSync(join(tmpdir(), 'swarmlab-chart-values-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const inputs = {
  repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/swarmlab/swarmlab',
  runnerRepository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/swarmlab/swarmlab',
  imageTag: '0.1.0',
  storeUri: 's3://swarmlab-results-0123abcd/results?region=eu-west-1',
  region: 'eu-west-1',
  operatorServiceAccount: 'swarmlab-operator',
  runnerServiceAccount: 'swarmlab-runner',
  experimentNamespace: 'swarmlab',
  vpcCidr: '10.0.0.0/16',
};

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: { spec: { serviceAccountName?: string; nodeSelector?: Record<string, string>; containers: { name: string; env?: { name: string; value?: string }[] }[] } } };
}

let rendered = 0;
function template(values: unknown) {
  const file = join(work, `values-${rendered++}.json`);
  writeFileSync(file, JSON.stringify(values));
  return spawnSync(binaryPath('helm'), ['template', RELEASE_NAME, join(repoRoot, 'charts/swarmlab'), '--namespace', 'swarmlab-system', '-f', file], { encoding: 'utf8' });
}

describe('infra chart values against charts/swarmlab', () => {
  it('pass the chart schema and reach the operator and runner accounts', { timeout: 60_000 }, () => {
    const r = template(chartValues(inputs));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const objects = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);

    const accounts = objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace ?? 'swarmlab-system'}/${o.metadata.name}`);
    // The names the Pod Identity associations in infra/src/identity.ts point at.
    expect(accounts).toEqual(expect.arrayContaining(['swarmlab-system/swarmlab-operator', 'swarmlab/swarmlab-runner']));

    // The role infra binds the GitHub sweep role's group to (release.ts), by name.
    const editRole = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === EXPERIMENTS_EDIT_ROLE);
    expect(editRole?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');

    const deployment = objects.find((o) => o.kind === 'Deployment');
    const pod = deployment?.spec?.template?.spec;
    expect(pod?.serviceAccountName).toBe('swarmlab-operator');
    expect(pod?.nodeSelector).toEqual({ 'swarmlab.io/pool': 'system' });
    const env = Object.fromEntries((pod?.containers.find((c) => c.name === 'operator')?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      SWARMLAB_STORE: inputs.storeUri,
      SWARMLAB_RUNNER_IMAGE: `${inputs.repository}:0.1.0`,
      SWARMLAB_RUNNER_SERVICE_ACCOUNT: 'swarmlab-runner',
      AWS_REGION: 'eu-west-1',
    });
    expect(JSON.parse(env.SWARMLAB_RUNNER_TOLERATIONS ?? 'null')).toEqual([{ key: 'swarmlab.io/runner', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(JSON.parse(env.SWARMLAB_RUNNER_NODE_SELECTOR ?? 'null')).toEqual({ 'swarmlab.io/runner': 'true' });
    expect(JSON.parse(env.SWARMLAB_RUNNER_ENV ?? 'null')).toEqual({ AWS_REGION: 'eu-west-1' });

    // The operator may reach the Pod Identity agent for its credentials when the NetworkPolicy is on.
    const policy = objects.find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { egress: { to?: { ipBlock?: { cidr: string } }[] }[] } } | undefined;
    const cidrs = policy?.spec.egress.flatMap((e) => e.to ?? []).map((t) => t.ipBlock?.cidr);
    expect(cidrs).toEqual(expect.arrayContaining(['169.254.170.23/32', '10.0.0.0/16']));
  });

  it('the chart schema really rejects a misspelt key (so the check above means something)', { timeout: 60_000 }, () => {
    const values = chartValues(inputs);
    const r = template({ ...values, runner: { ...values.runner, tolerationz: [] } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tolerationz/);
  });
});
