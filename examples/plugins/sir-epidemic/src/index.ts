import { sirEpidemic } from './sir.ts';
import { sirVaccination } from './vaccination.ts';

// The package's modules: what a runner configuration that names this package loads.
export default [sirEpidemic, sirVaccination];
export { sirEpidemic, sirVaccination };
export { Infect, Recover } from './events.ts';
