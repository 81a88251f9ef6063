import type { JsonObject } from 'swarmlab/sdk';

/** The recovery agent's action space, in Q-table column order. */
export const ACTIONS = ['noop', 'restart', 'scale_up', 'scale_down', 'rollback'] as const;
export type Action = (typeof ACTIONS)[number];

/** What the environment executor knows how to do: the action space plus `observe` (a noop that keeps watching). */
export const EXECUTABLE: readonly string[] = [...ACTIONS, 'observe'];

/** Actions that leave the running system as it was. */
export const PASSIVE: readonly string[] = ['noop', 'observe'];

/**
 * Destructive operations no configuration can allow (the original system's
 * global blocklist). The executor does not know them either, so they can never run.
 */
export const GLOBALLY_BLOCKED: readonly string[] = [
  'delete_production_data',
  'drop_database',
  'delete_backups',
  'format_drives',
  'remove_snapshots',
  'modify_user_accounts',
  'change_security_settings',
  'disable_authentication',
  'modify_permissions',
  'access_external_systems',
  'modify_system_files',
  'execute_shell_commands',
  'install_software',
  'modify_kernel',
  'change_network_config',
];

export const ENVIRONMENTS = ['dev', 'stage', 'prod'] as const;
export type EnvName = (typeof ENVIRONMENTS)[number];

/** Health signals a monitor derives from its threshold rules; two sensors per metric. */
export interface Signals extends JsonObject {
  down: boolean;
  cpu_high: boolean;
  cpu_low: boolean;
  memory_high: boolean;
  memory_low: boolean;
  error_rate_high: boolean;
  error_rate_zero: boolean;
  deploy_slow: boolean;
}

/** One entry of the gate trail an action intent carries through the policy chain. */
export interface GateEntry extends JsonObject {
  gate: string;
  decision: 'pass' | 'rewrite';
}

/** The payload of an `action` intent, as the recovery agent emits it and the gates annotate it. */
export interface ActionPayload {
  readonly decision: number;
  readonly env: string;
  readonly app: string;
  readonly action: string;
  readonly proposed: string;
  readonly confidence: number;
  readonly state: string;
  readonly signals: Partial<Signals>;
  readonly context: { readonly app?: string; readonly hasPreviousVersion?: boolean };
  readonly gates: readonly GateEntry[];
}

export function asActionPayload(p: JsonObject): ActionPayload {
  return {
    decision: typeof p.decision === 'number' ? p.decision : -1,
    env: typeof p.env === 'string' ? p.env : '',
    app: typeof p.app === 'string' ? p.app : '',
    action: typeof p.action === 'string' ? p.action : '',
    proposed: typeof p.proposed === 'string' ? p.proposed : '',
    confidence: typeof p.confidence === 'number' ? p.confidence : 0,
    state: typeof p.state === 'string' ? p.state : '',
    signals: (p.signals && typeof p.signals === 'object' && !Array.isArray(p.signals) ? p.signals : {}) as Partial<Signals>,
    context: (p.context && typeof p.context === 'object' && !Array.isArray(p.context) ? p.context : {}) as ActionPayload['context'],
    gates: Array.isArray(p.gates) ? (p.gates as unknown as GateEntry[]) : [],
  };
}

/** Module names of the governance gates (the policies that review actions). */
export const CICD_GATES = ['cicd-rl-intake', 'cicd-global-block', 'cicd-allowlist', 'cicd-cooldown', 'cicd-repetition', 'cicd-prerequisite', 'cicd-uncertainty', 'cicd-signal-conflict'] as const;
