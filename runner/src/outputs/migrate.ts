import semver from 'semver';
import { SwarmlabError } from '../errors.ts';
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
 * Every migration this runner knows, oldest first. Empty while 1.0.0 is the
 * only schema version ever written; the first schema change adds its step here.
 */
export const builtinMigrations: readonly Migration[] = [];

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
