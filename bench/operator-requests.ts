import type { OperatorMetrics } from '../operator/src/http/metrics.ts';

/** The operator's API requests so far (swarmlab_api_requests_total), keyed `<verb> <resource>`. */
export async function operatorRequests(metrics: OperatorMetrics): Promise<Map<string, number>> {
  const counted = await metrics.apiRequests.get();
  return new Map(counted.values.map((v): [string, number] => [`${String(v.labels.verb)} ${String(v.labels.resource)}`, v.value]));
}

export function total(requests: ReadonlyMap<string, number>): number {
  return [...requests.values()].reduce((a, b) => a + b, 0);
}
