import { z } from 'zod';
import { moduleFailure } from '../errors.ts';
import type { Intent, Sim, SimEvent } from './module.ts';
import type { Json, JsonObject } from './json.ts';

// Typed event contracts. A contract names an event type and the zod schema of
// its payload. The emitting module builds its intents with `intent()` (the
// payload is type-checked), the handling module registers its handler with
// `on()` (the payload is parsed before the handler sees it), and both list the
// contract in their definition's `events`, so the plan checks that every event
// a module sends to another instance is one that instance handles.

/** A payload schema: an object schema whose values serialise to JSON unchanged (numbers, strings, booleans, null, arrays, objects). */
export type PayloadSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

export interface EventContract<P extends PayloadSchema = PayloadSchema> {
  readonly type: string;
  readonly payload: P;
  readonly description: string;
}

/** Where an emitted event goes: the module's own instance, or the instance(s) a config field names. */
export type EventTarget<C> = 'self' | (keyof C & string);

export interface EmitDeclaration<C = Record<string, unknown>> {
  readonly event: EventContract;
  /** `self`, or the config key holding the target instance name (or a list of names). */
  readonly to: EventTarget<C>;
}

/** The events a module handles and emits, for plan-time checks and the catalogue. */
export interface EventContracts<C = Record<string, unknown>> {
  readonly handles?: readonly EventContract[];
  readonly emits?: readonly EmitDeclaration<C>[];
}

/** Declares an event type and its payload schema. */
export function defineEvent<P extends PayloadSchema>(type: string, payload: P, description: string): EventContract<P> {
  return { type, payload, description };
}

/** An intent carrying `contract`'s event to `target`, with a payload of its schema's type. */
export function intent<P extends PayloadSchema>(contract: EventContract<P>, target: string, payload: z.input<P>, options: Omit<Intent, 'type' | 'target' | 'payload'> = {}): Intent {
  // The schema describes JSON values (PayloadSchema), so its input type is a JSON object.
  return { type: contract.type, target, payload: payload as JsonObject, ...options };
}

/**
 * A handler entry for a module's `handle` map: the payload is parsed with the
 * contract's schema first, and one that does not match fails the run naming
 * the event, its sender and the field.
 */
export function on<P extends PayloadSchema>(contract: EventContract<P>, handler: (payload: z.output<P>, event: SimEvent, sim: Sim) => void): Record<string, (event: SimEvent, sim: Sim) => void> {
  return {
    [contract.type]: (event, sim) => {
      const parsed = contract.payload.safeParse(event.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw moduleFailure(`${event.target}: event ${event.type} from ${event.source} has a bad payload at ${['payload', ...issue.path.map(String)].join('.')}: ${issue.message}`);
      }
      handler(parsed.data, event, sim);
    },
  };
}

/** Any JSON value. */
export const jsonValue: z.ZodType<Json> = z.json() as z.ZodType<Json>;

/** Any JSON object (a payload the contract does not look inside). */
export const jsonObject: z.ZodType<JsonObject, Record<string, unknown>> = z.record(z.string(), jsonValue);

/** What the engine sends back to a module whose intent a policy refused. */
export const IntentRefused = defineEvent(
  'intent.refused',
  z.object({
    policy: z.string().describe('The policy instance that refused the intent.'),
    reason: z.string().describe('Why, in words.'),
    intent: z
      .object({ type: z.string(), target: z.string(), payload: jsonObject })
      .describe('The refused intent, as the policy saw it.'),
    code: z.string().optional().describe("The policy's code for the refusal, when it gave one."),
  }),
  'A policy refused an intent this module emitted; the engine sends it back. Every module may receive it, handled or not.',
);
