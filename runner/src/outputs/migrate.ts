import semver from 'semver';
import { SwarmlabError } from '../errors.ts';
import { provenanceDigest } from './digests.ts';
import { SCHEMA_VERSION } from './schemas.ts';

export type DocumentKind = 'summary' | 'run-record' | 'manifest';

/** One step that upgrades one kind of document from one schema version to the next. */
export interface Migration {
  readonly kind: DocumentKind;
  readonly from: string;
  readonly to: string;
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Every migration this runner knows, oldest first. A step reshapes one
 * document; hashes and digests, which change with every rewritten file, are
 * recomputed by `swarmlab migrate` once every document is at the target.
 */
export const builtinMigrations: readonly Migration[] = [
  // 2.0.0: the run digest covers the record's fields and the manifest digest every run entry (docs/adr/0001);
  // the manifest gains the provenance integrity field. The documents' other fields are unchanged.
  { kind: 'summary', from: '1.0.0', to: '2.0.0', up: (d) => d },
  { kind: 'run-record', from: '1.0.0', to: '2.0.0', up: (d) => d },
  { kind: 'manifest', from: '1.0.0', to: '2.0.0', up: (d) => ({ ...d, provenance: { files: [], digest: provenanceDigest([]) } }) },
  // 2.1.0: run.json (and the manifest's run entries) may record the code that made the run; older runs' code is unknown, so the field stays absent.
  { kind: 'summary', from: '2.0.0', to: '2.1.0', up: (d) => d },
  { kind: 'run-record', from: '2.0.0', to: '2.1.0', up: (d) => d },
  { kind: 'manifest', from: '2.0.0', to: '2.1.0', up: (d) => d },
  // 2.2.0: summary.json may record the run's trace level (spec.output.trace); a summary without one had the complete trace.
  { kind: 'summary', from: '2.1.0', to: '2.2.0', up: (d) => d },
  { kind: 'run-record', from: '2.1.0', to: '2.2.0', up: (d) => d },
  { kind: 'manifest', from: '2.1.0', to: '2.2.0', up: (d) => d },
  // 2.3.0: the trace may be Parquet (events.parquet, metrics.parquet), which summary.json's trace.format says; a summary without one had the text trace.
  { kind: 'summary', from: '2.2.0', to: '2.3.0', up: (d) => d },
  { kind: 'run-record', from: '2.2.0', to: '2.3.0', up: (d) => d },
  { kind: 'manifest', from: '2.2.0', to: '2.3.0', up: (d) => d },
  // 2.4.0: events.parquet may store payloads of numbers as typed fields (payload_keys, payload.<key>); a file without them has every payload as JSON text.
  { kind: 'summary', from: '2.3.0', to: '2.4.0', up: (d) => d },
  { kind: 'run-record', from: '2.3.0', to: '2.4.0', up: (d) => d },
  { kind: 'manifest', from: '2.3.0', to: '2.4.0', up: (d) => d },
];

export interface Migrated {
  readonly doc: Record<string, unknown>;
  readonly applied: readonly string[];
}

/** Upgrades a document step by step to `target`; throws when it is newer than the target or no path exists. */
export function migrateDocument(
  kind: DocumentKind,
  doc: Record<string, unknown>,
  migrations: readonly Migration[] = builtinMigrations,
  target = SCHEMA_VERSION,
): Migrated {
  let current = doc;
  const applied: string[] = [];
  for (;;) {
    const version = current.schema_version;
    if (typeof version !== 'string' || semver.valid(version) === null) {
      throw new SwarmlabError('UNSUPPORTED_SCHEMA_VERSION', `${kind}: schema_version ${JSON.stringify(version)} is not a semver version`);
    }
    if (version === target) return { doc: current, applied };
    if (semver.gt(version, target)) {
      throw new SwarmlabError('UNSUPPORTED_SCHEMA_VERSION', `${kind}: schema_version ${version} is newer than this runner's ${target}`, { hint: 'upgrade swarmlab' });
    }
    const step = migrations.find((m) => m.kind === kind && m.from === version);
    if (!step) throw new SwarmlabError('UNSUPPORTED_SCHEMA_VERSION', `${kind}: no migration from schema_version ${version} towards ${target}`);
    current = { ...step.up(current), schema_version: step.to };
    applied.push(`${kind} ${step.from} -> ${step.to}`);
  }
}
