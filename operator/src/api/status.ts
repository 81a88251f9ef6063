// The Experiment API the operator serves: the spec and the status are both
// defined with the runner (runner/src/spec/), so the CLI parses the status
// with the same schema the operator writes it with and generates the CRD from.
export { Condition, ConditionType, ExperimentStatus, MAX_INTERVALS_LENGTH, Phase, RunCounts } from 'swarmlab';
