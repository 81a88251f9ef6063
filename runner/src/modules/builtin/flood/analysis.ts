import { type Rng, type RunLog, z } from 'swarmlab/sdk';
import { causalChain, ChainStep } from './causal-chain.ts';

const INTERPRETIVE =
  'Interpretive, not predictive: one graph attention layer with fixed, seeded, untrained weights, read over features of this run\'s logged stress and resource levels. It ranks which dependency paths carried the most attention in this episode; it was not fitted to anything, forecasts nothing and never fed back into the simulation.';

const HealthName = z.enum(['ok', 'degraded', 'failed']);

const Cause = z.object({ seq: z.number().int().min(0), type: z.string(), source: z.string(), time: z.number() }).strict();

export const FailureAnalysis = z
  .object({
    kind: z.literal('swarmlab.flood.failure-analysis'),
    version: z.literal('1.0.0'),
    flood_onset: z.number().nullable().describe('Time of the first flood level above zero.'),
    timeline: z
      .array(
        z
          .object({
            time: z.number(),
            seq: z.number().int().min(0),
            service: z.string(),
            from: HealthName,
            to: HealthName,
            stress: z.number(),
            damage: z.number(),
            cause: Cause,
          })
          .strict(),
      )
      .describe('Every health change, in execution order.'),
    failures: z
      .array(z.object({ service: z.string(), time: z.number(), seq: z.number().int().min(0), chain: z.array(ChainStep).min(1) }).strict())
      .describe('Each transition to failed with its causal chain, newest event first, reconstructed from events.jsonl.'),
    time_to_failure: z.record(z.string(), z.number().nullable()).describe('Per service: time from flood onset to its first failure; null if it never failed.'),
    attention: z
      .object({
        label: z.literal('interpretive, not predictive'),
        note: z.string(),
        features: z.array(z.string()),
        hidden: z.number().int().positive(),
        leaky_slope: z.number(),
        nodes: z.array(z.object({ service: z.string(), features: z.array(z.number()), self_attention: z.number() }).strict()),
        edges: z
          .array(z.object({ from: z.string(), to: z.string(), alpha: z.number().min(0).max(1) }).strict())
          .describe('alpha: attention the dependent (to) pays to its supplier (from), softmax over its suppliers and itself.'),
        dominant_paths: z.array(z.object({ path: z.array(z.string()).min(2), score: z.number() }).strict()).describe('Simple dependency paths ranked by the product of attention along them.'),
      })
      .strict(),
  })
  .strict();
export type FailureAnalysis = z.infer<typeof FailureAnalysis>;

export interface AnalysisInput {
  readonly instance: string;
  readonly services: readonly string[];
  /** Dependency edges: `to` depends on `from`. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  readonly capacity: Readonly<Record<string, number>>;
  readonly rng: Rng;
}

type Health = z.infer<typeof HealthName>;

/** Reconstructs failures and their causes from the log alone; reads no live model state. */
export function analyzeFailures(log: RunLog, input: AnalysisInput): FailureAnalysis {
  const { instance, services } = input;
  const floodStart = log.events.find((e) => e.type === 'flood.level' && Number(e.payload.level) > 0);
  const timeline: FailureAnalysis['timeline'] = [];
  const failures: FailureAnalysis['failures'] = [];
  const firstFailure = new Map<string, number>();

  log.events.forEach((e, i) => {
    if (e.type !== 'health.changed' || e.target !== instance) return;
    const p = e.payload;
    const cause = p.cause as { seq: number; type: string; source: string; time: number };
    const service = String(p.service);
    const to = p.to as Health;
    timeline.push({ time: e.time, seq: e.seq, service, from: p.from as Health, to, stress: Number(p.stress), damage: Number(p.damage), cause });
    if (to === 'failed') {
      if (!firstFailure.has(service)) firstFailure.set(service, e.time);
      failures.push({ service, time: e.time, seq: e.seq, chain: causalChain(log, instance, i) });
    }
  });

  const onset = floodStart?.time ?? null;
  const timeToFailure: Record<string, number | null> = {};
  for (const s of services) {
    const t = firstFailure.get(s);
    timeToFailure[s] = t === undefined ? null : t - (onset ?? 0);
  }

  return {
    kind: 'swarmlab.flood.failure-analysis',
    version: '1.0.0',
    flood_onset: onset,
    timeline,
    failures,
    time_to_failure: timeToFailure,
    attention: graphAttention(log, input),
  };
}

const FEATURES = ['mean_stress', 'peak_stress', 'mean_capacity_ratio', 'mean_resources', 'peak_damage', 'failed_share', 'impaired_share'] as const;
const HIDDEN = 8;
const LEAKY = 0.2;

/**
 * One GAT layer (Velickovic et al. 2018), single head: z = W h, e_ij =
 * LeakyReLU(a . [z_i || z_j]) over j in suppliers(i) and i itself, alpha =
 * softmax_j(e_ij). W and a are drawn once from a seeded stream and never trained.
 */
function graphAttention(log: RunLog, input: AnalysisInput): FailureAnalysis['attention'] {
  const { instance, services, edges, rng } = input;
  const col = new Map<string, number>();
  log.metrics.columns.forEach((c, i) => col.set(c, i));
  const series = (service: string, key: string): number[] => {
    const i = col.get(`${instance}.${service}.${key}`);
    return i === undefined ? [] : Array.from(log.metrics.column(i));
  };
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const max = (xs: readonly number[]) => xs.reduce((a, b) => Math.max(a, b), 0);

  const raw = services.map((s) => {
    const health = series(s, 'health');
    const cap = input.capacity[s] ?? 1;
    return [
      mean(series(s, 'stress')),
      max(series(s, 'stress')),
      mean(series(s, 'capacity')) / cap,
      mean(series(s, 'resources')),
      max(series(s, 'damage')),
      mean(health.map((h) => (h >= 2 ? 1 : 0))),
      mean(health.map((h) => (h >= 1 ? 1 : 0))),
    ];
  });
  // Standardise each feature across services so no feature dominates by its units.
  const F = FEATURES.length;
  const h = raw.map((r) => r.slice());
  for (let f = 0; f < F; f++) {
    const xs = raw.map((r) => r[f] as number);
    const m = mean(xs);
    const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
    h.forEach((r) => (r[f] = sd > 1e-12 ? ((r[f] as number) - m) / sd : 0));
  }

  const glorot = Math.sqrt(2 / (F + HIDDEN));
  const W = Array.from({ length: HIDDEN }, () => Array.from({ length: F }, () => rng.normal(0, glorot)));
  const a = Array.from({ length: 2 * HIDDEN }, () => rng.normal(0, Math.sqrt(2 / (2 * HIDDEN + 1))));
  const z = h.map((x) => W.map((row) => row.reduce((acc, w, k) => acc + w * (x[k] as number), 0)));
  const index = new Map(services.map((s, i) => [s, i]));
  const score = (i: number, j: number): number => {
    let e = 0;
    const zi = z[i] as number[];
    const zj = z[j] as number[];
    for (let k = 0; k < HIDDEN; k++) e += (a[k] as number) * (zi[k] as number) + (a[HIDDEN + k] as number) * (zj[k] as number);
    return e > 0 ? e : LEAKY * e;
  };

  const alpha = new Map<string, number>();
  const selfAttention: number[] = [];
  services.forEach((s, i) => {
    const suppliers = edges.filter((e) => e.to === s).map((e) => e.from);
    const scores = [score(i, i), ...suppliers.map((u) => score(i, index.get(u) as number))];
    const top = Math.max(...scores);
    const exps = scores.map((x) => Math.exp(x - top));
    const total = exps.reduce((p, q) => p + q, 0);
    selfAttention.push((exps[0] as number) / total);
    suppliers.forEach((u, k) => alpha.set(`${u}\u0000${s}`, (exps[k + 1] as number) / total));
  });

  const paths: { path: string[]; score: number }[] = [];
  const walk = (path: string[], product: number): void => {
    if (paths.length >= 10_000) return;
    const last = path[path.length - 1] as string;
    for (const e of edges) {
      if (e.from !== last || path.includes(e.to)) continue;
      const p = product * (alpha.get(`${e.from}\u0000${e.to}`) ?? 0);
      const next = [...path, e.to];
      paths.push({ path: next, score: p });
      walk(next, p);
    }
  };
  for (const s of services) walk([s], 1);
  paths.sort((x, y) => y.score - x.score || x.path.join('>').localeCompare(y.path.join('>')));

  return {
    label: 'interpretive, not predictive',
    note: INTERPRETIVE,
    features: [...FEATURES],
    hidden: HIDDEN,
    leaky_slope: LEAKY,
    nodes: services.map((s, i) => ({ service: s, features: raw[i] as number[], self_attention: selfAttention[i] as number })),
    edges: edges.map((e) => ({ from: e.from, to: e.to, alpha: alpha.get(`${e.from}\u0000${e.to}`) ?? 0 })),
    dominant_paths: paths.slice(0, 12),
  };
}

const fmt = (x: number | null, d = 2): string => (x === null ? '—' : x.toFixed(d));

export function renderFailureAnalysis(a: FailureAnalysis): string {
  const lines: string[] = [];
  lines.push('# Failure analysis', '');
  lines.push('Post-hoc reading of one run, reconstructed from events.jsonl and metrics.csv after the simulation ended. Nothing here fed back into the run.', '');
  lines.push(`Flood onset: ${a.flood_onset === null ? 'no flood in this run' : `t = ${fmt(a.flood_onset)}`}`, '');
  lines.push('## Timeline of health changes', '');
  if (a.timeline.length === 0) lines.push('No service changed health.', '');
  else {
    lines.push('| time | service | from | to | stress | damage | caused by (seq, type, source) |', '|---:|---|---|---|---:|---:|---|');
    for (const t of a.timeline) {
      lines.push(`| ${fmt(t.time)} | ${t.service} | ${t.from} | ${t.to} | ${fmt(t.stress)} | ${fmt(t.damage)} | #${t.cause.seq} ${t.cause.type} (${t.cause.source}) |`);
    }
    lines.push('');
  }
  lines.push('## Time to failure', '', '| service | time from flood onset to first failure |', '|---|---:|');
  for (const [s, t] of Object.entries(a.time_to_failure)) lines.push(`| ${s} | ${t === null ? 'did not fail' : fmt(t)} |`);
  lines.push('', '## Causal chains', '');
  if (a.failures.length === 0) lines.push('No failures.', '');
  for (const f of a.failures) {
    lines.push(`### ${f.service} failed at t = ${fmt(f.time)} (event #${f.seq})`, '');
    for (const s of f.chain) lines.push(`- t = ${fmt(s.time)} #${s.seq} \`${s.type}\` [${s.relation}] ${s.note}`);
    lines.push('');
  }
  lines.push('## Graph attention reading (interpretive, not predictive)', '', a.attention.note, '');
  lines.push(`Node features (before standardisation): ${a.attention.features.join(', ')}.`, '');
  lines.push('| dependency (supplier -> dependent) | attention |', '|---|---:|');
  for (const e of [...a.attention.edges].sort((x, y) => y.alpha - x.alpha)) lines.push(`| ${e.from} -> ${e.to} | ${fmt(e.alpha, 3)} |`);
  lines.push('', 'Dominant dependency paths (product of attention along the path):', '');
  for (const p of a.attention.dominant_paths) lines.push(`- ${p.path.join(' -> ')}: ${fmt(p.score, 3)}`);
  lines.push('');
  return `${lines.join('\n')}`;
}
