import { isSwarmlabError, type SwarmlabError } from '../errors.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import { parseExperiment } from '../spec/load.ts';

/** The error `swarmlab plan` reports for a scenario of modules (and a sweep), or undefined when it accepts it. */
export function planError(modules: unknown[], sweep: Record<string, unknown> = {}, horizon: Record<string, number> = { time: 100 }): SwarmlabError | undefined {
  const exp = parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'plan-error' },
    spec: { scenario: { modules, horizon }, sweep },
  });
  try {
    validateExperiment(exp, builtinRegistry);
    return undefined;
  } catch (e) {
    if (isSwarmlabError(e)) return e;
    throw e;
  }
}
