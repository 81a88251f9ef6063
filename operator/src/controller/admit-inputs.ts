import { checkRunInputs, ErrorCodes, isSwarmlabError, type Experiment, type ModuleRegistry, type ObjectStore } from 'swarmlab';
import { reasonOf } from './prepare.ts';
import { setRecent } from './recent.ts';

export type InputsVerdict = { invalid: { reason: string; message: string } } | { admitted: true };

/**
 * Fetches and checks every stored file the spec's modules read (a warm
 * start's Q-tables), as `swarmlab run` does before any run. A reference that
 * cannot be resolved is the Experiment's fault: it is refused at the field
 * that names it instead of failing every run's Job. A store that cannot be
 * reached (a retryable error) is thrown, so the pass backs off and asks again.
 */
export async function admitInputs(exp: Experiment, registry: ModuleRegistry, openStore: (uri: string) => ObjectStore): Promise<InputsVerdict> {
  try {
    await checkRunInputs(exp, registry, openStore);
    return { admitted: true };
  } catch (e) {
    if (isSwarmlabError(e) && !ErrorCodes[e.code].retryable) return { invalid: { reason: reasonOf(e.code), message: e.describe() } };
    throw e;
  }
}

const ADMITTED_CACHE_SIZE = 4096;

/** Verdicts by Experiment uid and spec digest: the referenced files are fetched once per spec, not on every pass. */
export class InputAdmissions {
  private readonly byUid = new Map<string, { digest: string; verdict: InputsVerdict }>();
  private readonly registry: ModuleRegistry;
  private readonly openStore: (uri: string) => ObjectStore;

  constructor(registry: ModuleRegistry, openStore: (uri: string) => ObjectStore) {
    this.registry = registry;
    this.openStore = openStore;
  }

  async get(exp: Experiment, uid: string, digest: string): Promise<InputsVerdict> {
    const hit = this.byUid.get(uid);
    if (hit !== undefined && hit.digest === digest) return hit.verdict;
    const verdict = await admitInputs(exp, this.registry, this.openStore);
    setRecent(this.byUid, uid, { digest, verdict }, ADMITTED_CACHE_SIZE);
    return verdict;
  }
}
