import type { Experiment } from '../spec/experiment.ts';
import { specDigest } from '../spec/load.ts';

/** Where an experiment's keys live in a store (docs/adr/0001). */
export class ExperimentLayout {
  readonly name: string;
  readonly digest: string;
  readonly root: string;

  constructor(name: string, digest: string) {
    this.name = name;
    this.digest = digest;
    this.root = `${name}/${digest.slice(0, 16)}`;
  }

  static of(exp: Experiment): ExperimentLayout {
    return new ExperimentLayout(exp.metadata.name, specDigest(exp));
  }

  run(runId: string): string {
    return `${this.root}/runs/${runId}`;
  }

  runFile(runId: string, file: string): string {
    return `${this.run(runId)}/${file}`;
  }

  runRecord(runId: string): string {
    return `${this.run(runId)}/run.json`;
  }

  provenance(runId: string): string {
    return `${this.root}/provenance/${runId}.json`;
  }

  /** Why the run's last attempt failed (failure-record.ts); overwritable, and ignored once the run's run.json exists. */
  failure(runId: string): string {
    return `${this.root}/failures/${runId}.json`;
  }

  get manifest(): string {
    return `${this.root}/manifest.json`;
  }
}
