// One worker process of `swarmlab run`. JavaScript, not TypeScript: an entry
// point in .ts would load Node's type stripper (about 0.1 s) before the
// compile cache is on, and with the cache on, the runner's modules come
// already stripped.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { serveWorker } = await import('./worker-loop.ts');
serveWorker();
