import { cicdRecoveryAgent } from './agent.ts';
import { cicdDirectCaller } from './direct-caller.ts';
import { cicdEnvironments } from './environments.ts';
import { gateModules } from './gates.ts';
import { cicdInjector } from './injector.ts';
import { cicdMonitor } from './monitor.ts';
import { cicdOnboarding } from './onboarding.ts';

export const cicdModules = [cicdEnvironments, cicdOnboarding, cicdInjector, cicdMonitor, cicdRecoveryAgent, cicdDirectCaller, ...gateModules];
