import { emergencyCoordinator } from './coordinator.ts';
import { floodHazard } from './hazard.ts';
import { floodInfrastructure } from './infrastructure.ts';
import { serviceOperator } from './operator.ts';
import { utilityCrews } from './utility.ts';

export const floodModules = [floodInfrastructure, floodHazard, serviceOperator, emergencyCoordinator, utilityCrews];
