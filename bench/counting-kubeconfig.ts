import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/**
 * A KubeConfig that counts every request the clients made from it send
 * (generated APIs and watches both authenticate here), keyed
 * `<VERB> <resource>[/<name or subresource>][ (watch)]`: how the benches
 * measure the operator's API traffic without touching its code.
 */
export class CountingKubeConfig extends KubeConfig {
  readonly requests = new Map<string, number>();
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const url = new URL(context.getUrl());
    const resource = url.pathname
      .replace(/\/namespaces\/[^/]+/, '')
      .split('/')
      .filter((p) => p !== '' && !/^v\d/.test(p) && p !== 'api' && p !== 'apis')
      .slice(0, 2)
      .join('/');
    const key = `${context.getHttpMethod()} ${resource}${url.searchParams.get('watch') === 'true' ? ' (watch)' : ''}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    return super.applySecurityAuthentication(context);
  }
  total(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }
}
