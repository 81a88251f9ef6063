import { z } from 'zod';
import { ModuleKind, RunTrace } from '../spec/experiment.ts';
import { SensitivityFile } from '../analysis/sensitivity-file.ts';
import { AdaptiveFile } from '../rounds/adaptive-file.ts';

/** Semver of the output file formats. Bump minor for additive changes, major for breaking ones (and add a migration). */
export const SCHEMA_VERSION = '2.4.0';

const semverString = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semver version like 1.0.0');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case sha256 hex digest');
const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const jsonObject = z.record(z.string(), z.unknown());

export const EventLine = z
  .object({
    time: z.number().min(0).describe('Logical time the event executed at.'),
    priority: z.number().describe('Tie-break after time; lower first.'),
    seq: z.number().int().min(0).describe('Insertion sequence: the final tie-break.'),
    type: z.string().min(1),
    source: z.string().min(1).describe('Emitting module instance, or instance/entity.'),
    target: z.string().min(1).describe('Handling module instance, or instance/entity.'),
    payload: jsonObject,
  })
  .strict()
  .describe('One line of events.jsonl: an executed event.');

export const ModuleStamp = z
  .object({ kind: ModuleKind, module: z.string(), name: z.string(), version: semverString })
  .strict();

export const Summary = z
  .object({
    schema_version: semverString,
    experiment: z.object({ name: z.string(), spec_digest: sha256Hex }).strict(),
    run: z.object({ id: z.string(), index: z.number().int().min(0), seed: z.number().int().min(0) }).strict(),
    params: z.record(z.string(), paramValue),
    modules: z.array(ModuleStamp),
    runner: z.object({ version: semverString }).strict(),
    engine: z
      .object({
        events: z.number().int().min(0),
        end_time: z.number().min(0),
        end_reason: z.enum(['no-events', 'horizon-time', 'horizon-events']),
      })
      .strict(),
    trace: RunTrace.optional().describe('The trace level and format the run wrote (absent: complete, as before schema 2.2.0; no format: text, as before 2.3.0).'),
    final_metrics: z.record(z.string(), z.number()),
    results: z.record(z.string(), jsonObject).describe('Per module instance: its own final results.'),
    files: z.array(z.string()).describe('Every file of the run besides summary.json.'),
  })
  .strict()
  .describe('summary.json: what a run was and how it ended. Holds no wall-clock facts.');
export type Summary = z.infer<typeof Summary>;

export const FileEntry = z.object({ name: z.string().min(1), size: z.number().int().min(0), sha256: sha256Hex }).strict();
export type FileEntry = z.infer<typeof FileEntry>;

export const CodeStamp = z
  .object({
    package: z.string().min(1).describe('A package the run\'s modules came from (swarmlab for the built-in ones), or hyparquet-writer, which wrote a Parquet trace.'),
    version: z.string().min(1).describe('Its version.'),
    digest: sha256Hex.describe('sha256 of its code: a run made by other code is never reused on resume.'),
  })
  .strict();
export type CodeStamp = z.infer<typeof CodeStamp>;

export const RunRecord = z
  .object({
    schema_version: semverString,
    run_id: z.string(),
    index: z.number().int().min(0),
    seed: z.number().int().min(0),
    params: z.record(z.string(), paramValue),
    files: z.array(FileEntry).min(1),
    code: z.array(CodeStamp).optional().describe('The code that made the run, one entry per package, by package name (since 2.1.0; absent: unknown).'),
    digest: sha256Hex.describe('sha256 over the canonical JSON of every other field: the run\'s identity, parameters and files (docs/adr/0001).'),
  })
  .strict()
  .describe('run.json: written last for a run, after its files were validated and promoted. Its presence means the run succeeded.');
export type RunRecord = z.infer<typeof RunRecord>;

export const ProvenanceEntry = z.object({ run_id: z.string(), size: z.number().int().min(0), sha256: sha256Hex }).strict();
export type ProvenanceEntry = z.infer<typeof ProvenanceEntry>;

export const ProvenanceIntegrity = z
  .object({
    files: z.array(ProvenanceEntry).describe('provenance/<run_id>.json of each run that had one when the manifest was written, in run order.'),
    digest: sha256Hex.describe('sha256 over the canonical JSON of files.'),
  })
  .strict()
  .describe('Integrity of the provenance files: outside every result digest, so that wall-clock facts never change them.');
export type ProvenanceIntegrity = z.infer<typeof ProvenanceIntegrity>;

export const ManifestRun = z
  .object({
    run_id: z.string(),
    index: z.number().int().min(0),
    seed: z.number().int().min(0),
    params: z.record(z.string(), paramValue),
    status: z.enum(['succeeded', 'failed']),
    digest: sha256Hex.optional(),
    files: z.array(FileEntry).optional(),
    code: z.array(CodeStamp).optional().describe('A succeeded run\'s code, as its run.json records it.'),
    error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
  })
  .strict();
export type ManifestRun = z.infer<typeof ManifestRun>;

export const Manifest = z
  .object({
    schema_version: semverString,
    experiment: z.object({ name: z.string(), spec_digest: sha256Hex }).strict(),
    spec: jsonObject.describe('The experiment spec the runs were made from.'),
    counts: z.object({ total: z.number().int().min(0), succeeded: z.number().int().min(0), failed: z.number().int().min(0) }).strict(),
    runs: z.array(ManifestRun),
    digest: sha256Hex.describe('sha256 over the canonical JSON of the spec digest, the counts and every run entry: equal for equal results (docs/adr/0001).'),
    provenance: ProvenanceIntegrity,
  })
  .strict()
  .describe('manifest.json: written last for an experiment.');
export type Manifest = z.infer<typeof Manifest>;

export const Provenance = z
  .object({
    run_id: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    duration_ms: z.number().min(0),
    host: z.string(),
    runner_version: semverString,
    node_version: z.string(),
    attempt: z.string(),
  })
  .strict()
  .describe('provenance/<run>.json: wall-clock facts about a run, kept out of every result digest; its hash is recorded in the manifest\'s provenance field.');
export type Provenance = z.infer<typeof Provenance>;

export const FailureRecord = z
  .object({
    schema_version: semverString,
    run_id: z.string().min(1),
    index: z.number().int().min(0),
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an error code like RUN_FAILED').describe('A code of runner/src/errors.ts.'),
    message: z.string().describe('What went wrong, where, and what to do; without the code.'),
    path: z.string().optional().describe('The spec field the failure is about, e.g. spec.scenario.modules[1].config.agents.'),
    attempt: z.string().optional().describe('The attempt that failed (a pod name, or local-<n>).'),
  })
  .strict()
  .describe('failures/<run>.json and a runner pod\'s termination message: why the run\'s last attempt failed. Ignored once run.json exists.');
export type FailureRecord = z.infer<typeof FailureRecord>;

export const ResultsIndex = z
  .object({
    schema_version: semverString,
    experiment: z.object({ name: z.string(), spec_digest: sha256Hex }).strict(),
    manifest_digest: sha256Hex.describe('The digest of the manifest.json the files were built from.'),
    runner: z.object({ version: semverString }).strict().describe('The runner that built the files: another version may build other bytes from the same manifest.'),
    files: z.array(FileEntry).describe('Each file built from the manifest (the tables, then the report), beside it, in a fixed order; then sensitivity.json once swarmlab analyze wrote it from the same manifest.'),
  })
  .strict()
  .describe('results-index.json: written last, after the manifest and the files built from it.');
export type ResultsIndex = z.infer<typeof ResultsIndex>;

/** Schemas by file kind, for `swarmlab schema` and the committed JSON Schemas. */
export const outputSchemas = {
  'event-line': EventLine,
  summary: Summary,
  'run-record': RunRecord,
  manifest: Manifest,
  provenance: Provenance,
  'failure-record': FailureRecord,
  'results-index': ResultsIndex,
  sensitivity: SensitivityFile,
  adaptive: AdaptiveFile,
} as const;
