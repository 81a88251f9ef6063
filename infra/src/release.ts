import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { OPERATOR_NODE_LABELS, RUNNER_NODE_LABELS, RUNNER_TAINT } from './config.ts';

export interface ChartInputs {
  operatorRepository: string;
  runnerRepository: string;
  imageTag: string;
  storeUri: string;
  operatorServiceAccount: string;
  runnerServiceAccount: string;
  operatorRoleArn: string;
  runnerRoleArn: string;
}

const TAINT_EFFECT = { NO_SCHEDULE: 'NoSchedule' } as const;

/**
 * Values for charts/swarmlab. The single place where stack outputs meet the
 * chart's values surface: when the chart's values.yaml changes, this changes.
 */
export function chartValues(v: ChartInputs) {
  return {
    operator: {
      image: { repository: v.operatorRepository, tag: v.imageTag },
      nodeSelector: { ...OPERATOR_NODE_LABELS },
    },
    runner: {
      image: { repository: v.runnerRepository, tag: v.imageTag },
      nodeSelector: { 'swarmlab.io/runner': RUNNER_NODE_LABELS['swarmlab.io/runner'] },
      tolerations: [{ key: RUNNER_TAINT.key, operator: 'Equal', value: RUNNER_TAINT.value, effect: TAINT_EFFECT[RUNNER_TAINT.effect] }],
      serviceAccount: {
        create: true,
        name: v.runnerServiceAccount,
        // EKS Pod Identity needs no annotation; the role ARN is informational and lets IRSA users switch by annotation alone.
        annotations: { 'swarmlab.io/role-arn': v.runnerRoleArn },
      },
    },
    serviceAccount: {
      create: true,
      name: v.operatorServiceAccount,
      annotations: { 'swarmlab.io/role-arn': v.operatorRoleArn },
    },
    store: { uri: v.storeUri },
  };
}

export function createRelease(
  name: string,
  args: { kubeconfig: pulumi.Input<string>; namespace: string; chartPath: string; values: pulumi.Input<ReturnType<typeof chartValues>> },
  dependsOn: pulumi.Resource[],
): k8s.helm.v3.Release {
  const provider = new k8s.Provider(name, { kubeconfig: args.kubeconfig, enableServerSideApply: true });
  return new k8s.helm.v3.Release(
    name,
    {
      name: 'swarmlab',
      chart: args.chartPath,
      namespace: args.namespace,
      createNamespace: true,
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: 600,
    },
    { provider, dependsOn },
  );
}
