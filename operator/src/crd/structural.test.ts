import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { re2Problem, StructuralSchemaError, toStructural, zodToOpenApi } from './structural.ts';

function problems(schema: z.ZodType): readonly string[] {
  try {
    toStructural(zodToOpenApi(schema), { requireBounds: true });
    return [];
  } catch (e) {
    if (e instanceof StructuralSchemaError) return e.problems;
    throw e;
  }
}

describe('toStructural', () => {
  it('rejects unions, naming the node', () => {
    const p = problems(z.object({ v: z.union([z.string().max(3), z.number()]) }));
    expect(p).toEqual(expect.arrayContaining([expect.stringMatching(/^\/properties\/v: anyOf is not allowed/)]));
  });

  it('rejects discriminated unions and tuples', () => {
    const du = z.discriminatedUnion('k', [z.object({ k: z.literal('a') }), z.object({ k: z.literal('b'), n: z.number() })]);
    expect(problems(z.object({ d: du })).join('\n')).toMatch(/oneOf|anyOf/);
    expect(problems(z.object({ t: z.tuple([z.number(), z.number()]) })).join('\n')).toMatch(/\/properties\/t\/items: anyOf is not allowed/);
  });

  it('rejects $ref from shared ids', () => {
    const shared = z.object({ a: z.number() }).meta({ id: 'Shared' });
    const p = problems(z.object({ x: shared, y: shared }));
    expect(p.join('\n')).toMatch(/\$ref|\$defs/);
  });

  it('rejects lookahead patterns', () => {
    expect(problems(z.object({ s: z.string().max(9).regex(/^(?!x)a+$/) }))).toEqual([
      expect.stringMatching(/\/properties\/s: pattern uses lookaround/),
    ]);
    expect(re2Problem('^(?<=a)b')).toBe('lookaround');
    expect(re2Problem('^(a)\\1$')).toBe('backreference');
    expect(re2Problem('^a\\\\1$')).toBeUndefined();
    expect(re2Problem('^[a-z](\\.[a-z]+)+$')).toBeUndefined();
  });

  it('drops additionalProperties:false beside properties (strict objects) and defaults', () => {
    const out = toStructural(zodToOpenApi(z.strictObject({ a: z.number().default(3) })));
    expect(out).toEqual({ type: 'object', properties: { a: { type: 'number' } } });
  });

  it('rejects a loose object (additionalProperties schema beside properties)', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: { type: 'string' } };
    expect(() => toStructural(schema)).toThrow(/additionalProperties beside properties/);
  });

  it('turns z.record(z.string(), z.unknown()) into preserve-unknown-fields', () => {
    const out = toStructural(zodToOpenApi(z.record(z.string(), z.unknown())));
    expect(out).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('substitutes x-swarmlab-crd nodes and keeps the zod description', () => {
    const v = z.union([z.number(), z.string().max(2)]).meta({ 'x-swarmlab-crd': { 'x-kubernetes-int-or-string': true } }).describe('n or s');
    const out = toStructural(zodToOpenApi(z.object({ v })));
    expect(out['properties']).toEqual({ v: { 'x-kubernetes-int-or-string': true, description: 'n or s' } });
  });

  it('requires bounds on arrays, strings and maps when asked', () => {
    const p = problems(z.object({ l: z.array(z.number()), s: z.string(), m: z.record(z.string(), z.number()) }));
    expect(p).toEqual(
      expect.arrayContaining([
        '/properties/l: array without maxItems',
        '/properties/s: string without maxLength',
        '/properties/m: map without maxProperties',
      ]),
    );
  });

  it('rejects nodes without a type', () => {
    expect(() => toStructural({ type: 'object', properties: { x: { description: 'anything' } } })).toThrow(/\/properties\/x: no type/);
  });
});
