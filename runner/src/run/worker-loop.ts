import type { ModuleRegistry } from '../modules/registry.ts';
import { registryOf } from '../plugins/runner-registry.ts';
import { failureOf } from '../outputs/failure-record.ts';
import { parseExperiment } from '../spec/load.ts';
import { openStore } from '../store/open.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { ObjectStore } from '../store/store.ts';
import { executeOne, type WorkerMessage, type WorkerResult } from './execute-one.ts';
import { crashWorkerFailpoint, FAILPOINT_ENV, parseFailpoint } from './failpoints.ts';

/**
 * The store, refusing to write once the pool's process `poolPid` is gone: a
 * run that finishes after its parent died is not promoted. (worker.js ends
 * such a process within 50 ms; this closes that window for writes.)
 */
function whileParentLives(store: ObjectStore, poolPid: number): ObjectStore {
  const orphaned = (): boolean => process.ppid !== poolPid;
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = (...args: unknown[]): unknown => {
        if ((prop === 'put' || prop === 'putIfAbsent') && orphaned()) process.kill(process.pid, 'SIGKILL');
        return Reflect.apply(value, target, args);
      };
      return method;
    },
  });
}

/** Runs the indexes the pool (process `poolPid`) sends over IPC; the first message says what to run and where to write. */
export function serveWorker(poolPid: number): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('worker.js must run as a child process with an IPC channel');
  let ctx: Promise<{ exp: Experiment; store: ObjectStore; registry: ModuleRegistry }> | undefined;
  const failpoint = parseFailpoint(process.env[FAILPOINT_ENV]);
  // The pool going away (it finished, or died) ends this process.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group: the pool decides (it stops handing out runs), so the runs here finish whole.
  process.on('SIGINT', () => undefined);
  process.on('message', (msg: WorkerMessage) => {
    if (msg.kind === 'init') {
      const { init } = msg;
      // The pool loaded and checked the same packages before it started; one that changed since fails each run it was to serve.
      ctx = registryOf(init.plugins).then((registry) => ({ exp: parseExperiment(init.experiment), store: whileParentLives(openStore(init.storeUri, init.cwd), poolPid), registry }));
      return;
    }
    if (!ctx) throw new Error('worker got a run before its init message');
    const ready = ctx;
    // Test-only (failpoints.ts): a worker dying mid-run, as an out-of-memory kill would.
    if (crashWorkerFailpoint(failpoint, msg.request.index)) process.exit(70);
    // A pool that went away mid-run gets no result (sending would fail with EPIPE).
    void ready
      .then(
        ({ exp, store, registry }) => executeOne(exp, msg.request, store, registry),
        (e: unknown): WorkerResult => ({ index: msg.request.index, ok: false, failure: failureOf(e, msg.request.index, msg.request.attempt) }),
      )
      .then((res: WorkerResult) => {
        if (process.connected) send(res);
      });
  });
}
