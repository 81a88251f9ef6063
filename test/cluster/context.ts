import type { ObjectStoreInfo } from './object-store.ts';

/** What global setup hands to integration test files (plain data: it crosses process boundaries). */
export interface ClusterConnection {
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** true when the harness started the control plane; false for SWARMLAB_TEST_KUBECONFIG. */
  localControlPlane: boolean;
  /** kubectl to use (the pinned one from the build cache, else `kubectl` from PATH). */
  kubectl: string;
  /** Where the harness keeps component logs (undefined for an existing cluster). */
  logDir: string | undefined;
  /** The local node's logs (containerd, kubelet, kube-proxy); undefined for an existing cluster. */
  nodeLogDir: string | undefined;
  /** The local node's containerd, where a test loads an image it built (`ctr images import`); undefined for an existing cluster. */
  nodeImages: { ctr: string; containerdAddress: string } | undefined;
  /** The swarmlab image built here (scripts/image/build.sh): the name the chart uses, its ID, and its OCI archive (for another node). */
  image: { ref: string; id: string; archive: string };
  /** The harness's CA (to issue serving certificates, e.g. Kueue's webhooks) and the host address the API server and webhooks use; undefined for an existing cluster. */
  localPki: { dir: string; caCert: string; hostIp: string } | undefined;
  objectStore: ObjectStoreInfo;
}

declare module 'vitest' {
  export interface ProvidedContext {
    swarmlabCluster: ClusterConnection;
  }
}
