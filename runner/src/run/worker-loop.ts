import { parentPort, workerData } from 'node:worker_threads';
import { builtinRegistry } from '../modules/builtin.ts';
import { parseExperiment } from '../spec/load.ts';
import { openStore } from '../store/open.ts';
import { executeOne, type WorkerInit, type WorkerRequest } from './local-executor.ts';

/** Runs the indexes the pool sends; the pool keeps at most two in flight. */
export function serveWorker(): void {
  const init = workerData as WorkerInit;
  const exp = parseExperiment(init.experiment);
  const store = openStore(init.storeUri, init.cwd);
  const port = parentPort;
  if (!port) throw new Error('worker.ts must run as a worker thread');
  port.on('message', (req: WorkerRequest) => {
    void executeOne(exp, req, store, builtinRegistry).then((res) => port.postMessage(res));
  });
}
