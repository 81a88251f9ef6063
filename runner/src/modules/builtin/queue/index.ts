import { admissionControl } from './admission.ts';
import { serviceQueue } from './server.ts';
import { poissonSource } from './source.ts';

export const queueModules = [poissonSource, serviceQueue, admissionControl];
