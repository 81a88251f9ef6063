import { DEFAULT_MAX_RUNS } from 'swarmlab';

// CEL rules the API server checks at admission. They mirror the zod refinements
// of runner/src/spec/experiment.ts (which still run in the operator and the
// runner); here they give `kubectl apply` an immediate answer with the field path.

export interface CelRule {
  rule: string;
  message: string;
  /** Field path reported for the violation, relative to the node (e.g. `.max`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired';
}

const seedCount =
  '(has(self.seeds) && has(self.seeds.list) ? size(self.seeds.list) : (has(self.seeds) && has(self.seeds.replicas) ? self.seeds.replicas : 1))';

/**
 * A lower bound of runCount(sweep) (runner/src/spec/plan.ts) that CEL can
 * see: explicit points times seeds. Grid values are untyped parameter values
 * (number, string or boolean), which CEL cannot see at all, so the full count,
 * a design's points included, is checked by the operator (SWEEP_TOO_LARGE, an
 * InvalidSpec condition).
 */
export function runCountLowerBoundCel(): string {
  return `double(has(self.points) && size(self.points) > 0 ? size(self.points) : 1) * double(${seedCount})`;
}

function needs(model: string, fields: readonly string[]): CelRule {
  return {
    rule: `self.model != '${model}' || (${fields.map((f) => `has(self.${f})`).join(' && ')})`,
    message: `model ${model} needs ${fields.join(' and ')}`,
  };
}

const instanceOf = (v: string): string => `(has(${v}.name) ? ${v}.name : ${v}.module)`;

function quantityOrder(res: 'cpu' | 'memory'): string {
  const req = `self.requests.${res}`;
  const lim = `self.limits.${res}`;
  return `!has(self.requests) || !has(self.limits) || !has(${req}) || !has(${lim}) || !isQuantity(${req}) || !isQuantity(${lim}) || quantity(${req}).compareTo(quantity(${lim})) <= 0`;
}

/**
 * Rules by schema path: dotted property names from the root, `[]` for array
 * items (e.g. `spec.scenario.latency[]`). Transition rules (oldSelf) only run
 * on update, which is how immutability is expressed.
 */
export const CEL_RULES: Readonly<Record<string, readonly CelRule[]>> = {
  '': [
    {
      rule: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
      message: 'metadata.name must be a DNS label (at most 63 lower-case letters, digits and -): it names Jobs and the results folder',
    },
  ],
  spec: [
    {
      rule: 'has(self.sweep) == has(oldSelf.sweep)',
      message: 'spec.sweep is immutable after creation: create a new Experiment to run a different sweep',
      fieldPath: '.sweep',
      reason: 'FieldValueForbidden',
    },
  ],
  'spec.scenario': [
    { rule: 'self == oldSelf', message: 'spec.scenario is immutable after creation: create a new Experiment to run a different scenario', reason: 'FieldValueForbidden' },
  ],
  'spec.scenario.modules': [
    {
      rule: `self.all(a, self.exists_one(b, ${instanceOf('b')} == ${instanceOf('a')}))`,
      message: 'module instance names (name, or module when name is unset) must be unique',
    },
  ],
  'spec.scenario.latency[]': [
    needs('fixed', ['value']),
    needs('uniform', ['min', 'max']),
    needs('exponential', ['mean']),
    needs('normal', ['mean', 'sd']),
    needs('lognormal', ['mu', 'sigma']),
    { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min' },
  ],
  'spec.scenario.horizon': [{ rule: 'has(self.time) || has(self.events)', message: 'set time, events or both' }],
  'spec.sweep': [
    { rule: 'self == oldSelf', message: 'spec.sweep is immutable after creation: create a new Experiment to run a different sweep', reason: 'FieldValueForbidden' },
    {
      rule: `${runCountLowerBoundCel()} <= double(has(self.maxRuns) ? self.maxRuns : ${DEFAULT_MAX_RUNS})`,
      message: `the sweep has more runs (points times seeds) than maxRuns (default ${DEFAULT_MAX_RUNS})`,
      fieldPath: '.maxRuns',
    },
  ],
  'spec.sweep.seeds': [{ rule: '!(has(self.replicas) && has(self.list))', message: 'give replicas or list, not both' }],
  'spec.execution.resources': [
    { rule: quantityOrder('cpu'), message: 'requests.cpu must not exceed limits.cpu', fieldPath: '.requests.cpu' },
    { rule: quantityOrder('memory'), message: 'requests.memory must not exceed limits.memory', fieldPath: '.requests.memory' },
  ],
  'spec.execution.tolerations[]': [
    { rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''", message: 'value must be empty with operator Exists', fieldPath: '.value' },
    { rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')", message: 'tolerationSeconds needs effect NoExecute', fieldPath: '.tolerationSeconds' },
    { rule: "has(self.key) || (has(self.operator) && self.operator == 'Exists')", message: 'an empty key needs operator Exists', fieldPath: '.key' },
  ],
};
