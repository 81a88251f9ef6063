import { cicdRecoveryAgent } from './agent.ts';
import { cicdEnvironments } from './environments.ts';
import { gateModules } from './gates.ts';
import { cicdInjector } from './injector.ts';
import { cicdMonitor } from './monitor.ts';

export const cicdModules = [cicdEnvironments, cicdInjector, cicdMonitor, cicdRecoveryAgent, ...gateModules];
