// Values for charts/swarmlab: the single place where stack outputs meet the
// chart's values surface (checked against values.schema.json and rendered by
// test/unit/infra-chart-values.test.ts). Pure, so that test needs no Pulumi.
import { OPERATOR_NODE_LABELS, RUNNER_NODE_LABELS, RUNNER_TAINT } from './config.ts';

export interface ChartInputs {
  repository: string;
  runnerRepository: string;
  imageTag: string;
  storeUri: string;
  region: string;
  operatorServiceAccount: string;
  runnerServiceAccount: string;
  experimentNamespace: string;
}

const TAINT_EFFECT = { NO_SCHEDULE: 'NoSchedule' } as const;

export function chartValues(v: ChartInputs) {
  // Pods with EKS Pod Identity get credentials but no region; the SDK needs one.
  const regionEnv = { AWS_REGION: v.region };
  return {
    operator: {
      image: { repository: v.repository, tag: v.imageTag },
      nodeSelector: { ...OPERATOR_NODE_LABELS },
      env: regionEnv,
    },
    // EKS Pod Identity associations name these accounts; no annotation needed (IRSA would add eks.amazonaws.com/role-arn).
    serviceAccount: { create: true, name: v.operatorServiceAccount },
    runner: {
      image: { repository: v.runnerRepository, tag: v.imageTag },
      env: regionEnv,
      serviceAccount: { create: true, name: v.runnerServiceAccount, extraNamespaces: [v.experimentNamespace] },
      nodeSelector: { 'swarmlab.io/runner': RUNNER_NODE_LABELS['swarmlab.io/runner'] },
      tolerations: [{ key: RUNNER_TAINT.key, operator: 'Equal', value: RUNNER_TAINT.value, effect: TAINT_EFFECT[RUNNER_TAINT.effect] }],
    },
    store: { uri: v.storeUri },
  };
}
