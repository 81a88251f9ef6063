import { PatchStrategy, setHeaderOptions, type BatchV1Api, type CoreV1Api, type CustomObjectsApi, type KubernetesObject, type V1Job, type V1ObjectMeta } from '@kubernetes/client-node';
import type { ModuleRegistry, ObjectStore } from 'swarmlab';
import type { OperatorConfig } from '../config.ts';
import type { ApiVerb, OperatorMetrics, StorageOp } from '../http/metrics.ts';
import type { Clock } from './clock.ts';

export interface ExperimentObject extends KubernetesObject {
  metadata?: V1ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface ObjectCache<T> {
  get(name: string, namespace?: string): T | undefined;
}

/** Everything the reconciler reaches the world through. */
export interface ReconcilerDeps {
  config: OperatorConfig;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
  experiments: ObjectCache<ExperimentObject>;
  jobs: ObjectCache<V1Job>;
  openStore: (uri: string) => ObjectStore;
  metrics: OperatorMetrics;
  clock: Clock;
  log: (msg: string) => void;
  /** The modules specs are checked against: the built-in ones and the image's plugins. Default: the built-in ones. */
  registry?: ModuleRegistry;
}

/** A JSON merge patch of the fields the operator owns: it never conflicts with other writers of the object. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Every API and store request goes through these, so failures are counted. */
export interface Calls {
  api<T>(verb: ApiVerb, fn: () => Promise<T>): Promise<T>;
  store<T>(op: StorageOp, fn: () => Promise<T>): Promise<T>;
}

export function countedCalls(metrics: OperatorMetrics): Calls {
  return {
    async api(verb, fn) {
      try {
        return await fn();
      } catch (e) {
        metrics.apiErrors.inc({ verb });
        throw e;
      }
    },
    async store(op, fn) {
      metrics.storageOps.inc({ op });
      try {
        return await fn();
      } catch (e) {
        metrics.storageFailures.inc({ op });
        throw e;
      }
    },
  };
}
