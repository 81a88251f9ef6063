import { meshCoordinator } from './coordinator.ts';
import { meshProviders } from './providers.ts';
import { meshRouter } from './router.ts';
import { meshWorkload } from './workload.ts';

export const meshModules = [meshProviders, meshWorkload, meshRouter, meshCoordinator];
