import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { EXPERIMENT_SUBMITTERS_GROUP, EXPERIMENTS_EDIT_ROLE, RELEASE_NAME, type chartValues } from './chart-values.ts';

export function createRelease(
  name: string,
  args: {
    provider: k8s.Provider;
    namespace: string;
    experimentNamespace: string;
    chartPath: string;
    values: pulumi.Input<ReturnType<typeof chartValues>>;
  },
  dependsOn: pulumi.Resource[],
): k8s.helm.v3.Release {
  const provider = args.provider;
  // Runner pods run in the Experiment's namespace; the chart puts the runner account there, so it must exist first.
  const experiments = new k8s.core.v1.Namespace(
    `${name}-experiments`,
    {
      metadata: {
        name: args.experimentNamespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    },
    { provider, dependsOn },
  );
  // Whoever is in the group (the GitHub sweep role: github.ts) may run and read Experiments here, nothing else.
  new k8s.rbac.v1.RoleBinding(
    `${name}-experiment-submitters`,
    {
      metadata: { name: 'swarmlab-experiment-submitters', namespace: args.experimentNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: EXPERIMENTS_EDIT_ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: EXPERIMENT_SUBMITTERS_GROUP }],
    },
    { provider, dependsOn: [experiments] },
  );
  return new k8s.helm.v3.Release(
    name,
    {
      name: RELEASE_NAME,
      chart: args.chartPath,
      namespace: args.namespace,
      createNamespace: true,
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: 600,
    },
    { provider, dependsOn: [...dependsOn, experiments] },
  );
}
