import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { REPORT_CSP, type BuiltFileRead } from 'swarmlab';
import { ExperimentStatus } from '../api/status.ts';
import type { OperatorMetrics } from './metrics.ts';

// Health, metrics and a small read-only JSON API. The API reads the
// operator's informer cache (never the API server per request) and, for one
// experiment's manifest and report, the object store.

export interface ExperimentView {
  namespace: string;
  name: string;
  status: unknown;
  spec?: unknown;
  creationTimestamp?: string | undefined;
}

export interface HttpSource {
  /** Informers have listed. */
  synced(): boolean;
  leaderState(): 'leader' | 'standby' | 'disabled';
  list(namespace?: string): readonly ExperimentView[];
  get(namespace: string, name: string): ExperimentView | undefined;
  /** The experiment's manifest.json from its store; undefined when not written. Throws when the store fails. */
  readManifest(namespace: string, name: string): Promise<unknown>;
  /** The experiment's report.html as its results index records it; undefined when the experiment is not known or has no manifest yet. Throws when the store fails. */
  readReport(namespace: string, name: string): Promise<BuiltFileRead | undefined>;
}

export const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'swarmlab operator', version: 'v1alpha1', description: 'Read-only view of the Experiments the operator knows, from its informer cache.' },
  paths: {
    '/healthz': { get: { summary: 'The process is alive.', responses: { '200': { description: 'ok' } } } },
    '/readyz': {
      get: {
        summary: 'Informers have synced; the body says whether this replica is the leader or a standby.',
        responses: { '200': { description: 'ready' }, '503': { description: 'informers not synced yet' } },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics.', responses: { '200': { description: 'text exposition format' } } } },
    '/api/v1/experiments': {
      get: {
        summary: 'Every Experiment with its phase and progress.',
        parameters: [{ name: 'namespace', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': { description: 'list', content: { 'application/json': { schema: { $ref: '#/components/schemas/ExperimentList' } } } } },
      },
    },
    '/api/v1/namespaces/{namespace}/experiments/{name}': {
      get: {
        summary: 'One Experiment\'s status, and its manifest once written.',
        parameters: [
          { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'the experiment', content: { 'application/json': { schema: { $ref: '#/components/schemas/ExperimentDetail' } } } },
          '404': { description: 'not known to the operator', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
    '/api/v1/namespaces/{namespace}/experiments/{name}/report': {
      get: {
        summary: 'The Experiment\'s report: one self-contained HTML page, served only as its results index records it.',
        parameters: [
          { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'report.html', content: { 'text/html': { schema: { type: 'string' } } } },
          '404': { description: 'not known to the operator (NOT_FOUND), or the report is not built yet (REPORT_NOT_READY)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '409': { description: 'the stored report is not the one its results index records (INVALID_OUTPUT)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '503': { description: 'the store could not be read (STORE_UNAVAILABLE)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Progress: {
        type: 'object',
        required: ['namespace', 'name', 'phase', 'total', 'succeeded', 'failed', 'running', 'pending'],
        properties: {
          namespace: { type: 'string' },
          name: { type: 'string' },
          phase: { type: 'string', enum: ['Pending', 'Running', 'Suspended', 'Complete', 'Failed', 'Invalid', 'Unknown'] },
          total: { type: 'integer' },
          succeeded: { type: 'integer' },
          failed: { type: 'integer' },
          running: { type: 'integer' },
          pending: { type: 'integer' },
          fraction: { type: 'number', description: 'succeeded / total' },
          resultsURI: { type: 'string' },
          created: { type: 'string', format: 'date-time' },
        },
      },
      ExperimentList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Progress' } } } },
      ExperimentDetail: {
        type: 'object',
        required: ['namespace', 'name', 'status'],
        properties: {
          namespace: { type: 'string' },
          name: { type: 'string' },
          status: { type: 'object', description: 'The Experiment status (see the CRD schema).' },
          manifest: { type: 'object', nullable: true, description: 'manifest.json once written (runner/schemas/manifest.schema.json).' },
          manifestError: { type: 'string', description: 'Why the manifest could not be read.' },
        },
      },
      Error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

function progress(v: ExperimentView) {
  const s = ExperimentStatus.safeParse(v.status ?? {});
  const st = s.success ? s.data : {};
  const r = st.runs ?? { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0 };
  return {
    namespace: v.namespace,
    name: v.name,
    phase: st.phase ?? 'Unknown',
    total: r.total,
    succeeded: r.succeeded,
    failed: r.failed,
    running: r.running,
    pending: r.pending,
    fraction: r.total === 0 ? 0 : r.succeeded / r.total,
    ...(st.resultsURI !== undefined ? { resultsURI: st.resultsURI } : {}),
    ...(v.creationTimestamp !== undefined ? { created: v.creationTimestamp } : {}),
  };
}

export function buildServer(source: HttpSource, metrics: OperatorMetrics, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false });
  const readOnly: string[] = [];
  app.addHook('onRoute', (route) => {
    if (route.method === 'GET') readOnly.push(route.url);
  });

  app.addHook('onResponse', async (req, reply) => {
    // Route pattern, never the raw URL: bounded label values.
    metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, code: String(reply.statusCode) });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const synced = source.synced();
    const role = source.leaderState();
    return reply.code(synced ? 200 : 503).send({ status: synced ? 'ready' : 'syncing', role });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', async () => OPENAPI);

  app.get<{ Querystring: { namespace?: string } }>('/api/v1/experiments', async (req) => {
    const ns = typeof req.query.namespace === 'string' && req.query.namespace !== '' ? req.query.namespace : undefined;
    const items = source
      .list(ns)
      .map(progress)
      .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
    return { items };
  });

  app.get<{ Params: { namespace: string; name: string } }>('/api/v1/namespaces/:namespace/experiments/:name', async (req, reply) => {
    const v = source.get(req.params.namespace, req.params.name);
    if (v === undefined) return reply.code(404).send({ code: 'NOT_FOUND', message: `experiment ${req.params.namespace}/${req.params.name} is not known to the operator` });
    const s = ExperimentStatus.safeParse(v.status ?? {});
    const status = s.success ? s.data : {};
    const out: Record<string, unknown> = { namespace: v.namespace, name: v.name, progress: progress(v), status, manifest: null };
    if (status.manifestURI !== undefined) {
      try {
        const manifest = await source.readManifest(v.namespace, v.name);
        if (manifest === undefined) out['manifestError'] = 'the manifest is not in the store';
        else out['manifest'] = manifest;
      } catch (e) {
        out['manifestError'] = e instanceof Error ? e.message : String(e);
      }
    }
    return out;
  });

  app.get<{ Params: { namespace: string; name: string } }>('/api/v1/namespaces/:namespace/experiments/:name/report', async (req, reply) => {
    const { namespace, name } = req.params;
    if (source.get(namespace, name) === undefined) return reply.code(404).send({ code: 'NOT_FOUND', message: `experiment ${namespace}/${name} is not known to the operator` });
    let read: BuiltFileRead | undefined;
    try {
      read = await source.readReport(namespace, name);
    } catch (e) {
      return reply.code(503).send({ code: 'STORE_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) });
    }
    if (read === undefined) return reply.code(404).send({ code: 'REPORT_NOT_READY', message: `experiment ${namespace}/${name} has no manifest yet: the report is built once every run has ended` });
    if (!read.found) {
      return read.why === 'absent'
        ? reply.code(404).send({ code: 'REPORT_NOT_READY', message: `experiment ${namespace}/${name}: ${read.message}` })
        : reply.code(409).send({ code: 'INVALID_OUTPUT', message: `experiment ${namespace}/${name}: ${read.message}` });
    }
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', REPORT_CSP).header('x-content-type-options', 'nosniff').send(read.bytes);
  });

  // Every route is read-only. Another method on one of them gets 405 with
  // Allow (RFC 9110, 15.5.6), not the 404 of a path that does not exist;
  // answered on request, before a body would be parsed (or its missing
  // Content-Type refused).
  const others = app.supportedMethods.filter((m) => m !== 'GET' && m !== 'HEAD');
  for (const url of readOnly) {
    const refuse = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      reply.code(405).header('allow', 'GET, HEAD').send({ code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${url}: this API is read-only; use GET` });
    app.route({ method: others, url, onRequest: refuse, handler: refuse });
  }

  return app;
}
