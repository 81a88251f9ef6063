import { SwarmlabError } from '../errors.ts';
import { parseExperimentText } from '../spec/load.ts';

/** The error reading this Experiment file gives; fails the test when the file is accepted. */
export function parseRefusal(text: string, file = 'x.yaml'): SwarmlabError {
  try {
    parseExperimentText(text, file);
  } catch (e) {
    if (e instanceof SwarmlabError) return e;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}
