import { governanceCascade } from './cascade.ts';

export const governanceModules = [governanceCascade];
