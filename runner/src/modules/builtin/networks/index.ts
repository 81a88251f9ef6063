import { barabasiAlbertNetwork } from './barabasi-albert.ts';
import { erdosRenyiNetwork } from './erdos-renyi.ts';
import { grid2dNetwork } from './grid-2d.ts';
import { wattsStrogatzNetwork } from './watts-strogatz.ts';

/** The generated (random and lattice) network modules. */
export const generatedNetworks = [erdosRenyiNetwork, wattsStrogatzNetwork, barabasiAlbertNetwork, grid2dNetwork] as const;

export { barabasiAlbertNetwork, erdosRenyiNetwork, grid2dNetwork, wattsStrogatzNetwork };
export * from './stats.ts';
