import { enableCompileCache } from 'node:module';

// One worker process of `swarmlab run`. The compile cache goes on before the
// runner's modules load: a worker's start-up is mostly loading them.
enableCompileCache();
const { serveWorker } = await import('./worker-loop.ts');
serveWorker();
