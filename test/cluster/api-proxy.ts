import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A TCP proxy in front of a real server: the kube-apiserver (TLS passes
 * through: the serving certificate is for 127.0.0.1, where the proxy listens
 * by default) or MinIO (listening where the node's pods reach it), so a test
 * can cut connections, watches included, and refuse new ones for a while: a
 * network fault, not a fake server.
 */
export class ApiProxy {
  readonly sockets = new Set<Socket>();
  refusing = false;
  private server: Server | undefined;
  private target = new URL('https://127.0.0.1');

  /** Returns the proxy's URL (the target's scheme, `listenHost` and a free port). */
  async start(server: string, listenHost = '127.0.0.1'): Promise<string> {
    this.target = new URL(server);
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, listenHost, resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return `${this.target.protocol}//${listenHost}:${address.port}`;
  }

  /** Ends every open connection: in-flight requests and open watches fail. */
  cut(): number {
    const n = this.sockets.size;
    for (const s of this.sockets) s.destroy();
    return n;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

/** A kubeconfig like the given one whose current cluster is reached through `server` (the proxy). */
export function kubeConfigVia(kubeconfigYaml: string, server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml);
  const current = kc.getCurrentCluster();
  if (current === null) throw new Error('kubeconfig has no current cluster');
  kc.clusters = kc.clusters.map((c) => (c.name === current.name ? { ...c, server } : c));
  return kc;
}
