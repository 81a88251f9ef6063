import { ResultsIndex } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

/** The result set's results index, or undefined when there is none or it does not parse (validate says why). */
export async function readResultsIndex(store: ObjectStore, layout: ResultsLayout): Promise<ResultsIndex | undefined> {
  const bytes = await store.get(layout.resultsIndex);
  if (bytes === undefined) return undefined;
  try {
    const parsed = ResultsIndex.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
