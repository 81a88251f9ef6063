import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import type { ApiVerb, OperatorMetrics } from './metrics.ts';

/** A Kubernetes API request as swarmlab_api_requests_total labels it. */
export interface ApiRequestLabels {
  verb: ApiVerb;
  /** The resource, with its subresource if any (`experiments/status`); never a name or namespace. */
  resource: string;
}

const VERB_OF_METHOD: Readonly<Record<string, ApiVerb>> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const SEGMENT = /^[a-z0-9.-]+$/;

/**
 * The verb and resource of a request to the API server, or undefined for a
 * path that is not a resource (discovery, /version, /healthz). GET is `get`
 * with an object name, `list` without, `watch` with watch=true.
 */
export function apiRequestLabels(method: string, url: URL): ApiRequestLabels | undefined {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  // /api/v1/... (core group) or /apis/<group>/<version>/...
  const rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : [];
  const inNamespace = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const [resource, name, subresource] = inNamespace;
  if (resource === undefined || !SEGMENT.test(resource)) return undefined;
  const upper = method.toUpperCase();
  const verb: ApiVerb | undefined = upper === 'GET' ? (url.searchParams.get('watch') === 'true' ? 'watch' : name === undefined ? 'list' : 'get') : VERB_OF_METHOD[upper];
  if (verb === undefined) return undefined;
  return { verb, resource: subresource !== undefined && SEGMENT.test(subresource) ? `${resource}/${subresource}` : resource };
}

/**
 * A KubeConfig whose clients count every request they send in
 * swarmlab_api_requests_total: generated API calls and informers' watches
 * both authenticate through applySecurityAuthentication, so nothing the
 * operator sends is missed, whichever call site sent it.
 */
export class CountedKubeConfig extends KubeConfig {
  readonly #metrics: OperatorMetrics;

  constructor(metrics: OperatorMetrics) {
    super();
    this.#metrics = metrics;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const labels = apiRequestLabels(context.getHttpMethod(), new URL(context.getUrl()));
    if (labels !== undefined) this.#metrics.apiRequests.inc({ ...labels });
    return super.applySecurityAuthentication(context);
  }
}
