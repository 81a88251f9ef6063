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
  vpcCidr: string;
}

/** The Helm release name infra installs the chart under (release.ts); the chart names its objects after it. */
export const RELEASE_NAME = 'swarmlab';
/** The chart's ClusterRole for running Experiments (templates/rbac-users.yaml), under RELEASE_NAME. */
export const EXPERIMENTS_EDIT_ROLE = `${RELEASE_NAME}-experiments-edit`;
/** The Kubernetes group the GitHub sweep role's access entry puts it in (github.ts), bound to EXPERIMENTS_EDIT_ROLE in the Experiment namespace (release.ts). */
export const EXPERIMENT_SUBMITTERS_GROUP = 'swarmlab:experiment-submitters';

// The EKS Pod Identity agent: a link-local address on every node, where the SDK fetches the pod's credentials.
const POD_IDENTITY_AGENT = { to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] };

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
    // Enforced by the VPC CNI's network policy agent (enabled on the vpc-cni add-on).
    networkPolicy: {
      enabled: true,
      egress: {
        dns: true,
        // The private endpoint's ENIs live in the VPC; S3 addresses are not known statically, so that rule stays port-only.
        apiServer: { cidrs: [v.vpcCidr], ports: [443] },
        objectStore: { cidrs: [], ports: [443] },
        extra: [POD_IDENTITY_AGENT],
      },
    },
  };
}
