// One worker process of `swarmlab run`. JavaScript, not TypeScript: an entry
// point in .ts would load Node's type stripper (about 0.1 s) before the
// compile cache is on, and with the cache on, the runner's modules come
// already stripped.
import { enableCompileCache } from 'node:module';
import { Worker } from 'node:worker_threads';

// The pool's pid, given by the pool: a worker must not outlive it, whatever
// ended it (a second Ctrl-C, SIGKILL, a crash). IPC 'disconnect' alone is not
// enough: a run computes synchronously, so the event waits for the run to end
// and for its promotion. A thread that watches the parent ends the process
// mid-run instead (about 15 MB and 20 ms of CPU a worker).
const poolPid = Number(process.argv[2]);
const watch = new Worker(
  `const { workerData } = require('node:worker_threads');
   const check = () => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); };
   check();
   setInterval(check, 50);`,
  { eval: true, workerData: poolPid, env: {} },
);
watch.unref();
// Without the watch the worker still ends when its IPC channel closes, at the end of a run.
watch.on('error', () => undefined);

enableCompileCache();
const { serveWorker } = await import('./worker-loop.ts');
serveWorker(poolPid);
