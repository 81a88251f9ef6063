import type { DecodedArray } from 'hyparquet';
import { grown } from './grown.ts';

// An event's payload in events.parquet. Most payloads are a few numbers under
// a few keys ({"customer":12,"created":3.5}); those are stored as typed
// columns, one DOUBLE column per key (`payload.customer`, null in the rows
// that lack it), with `payload_keys` naming the row's keys in order as a JSON
// array (`["customer","created"]`, dictionary-encoded) and `payload` empty.
// Any other payload (a string, a nested object, a key first seen after the
// first row group, when the file's columns are fixed) is its JSON text in
// `payload`, and `payload_keys` is empty. JSON.stringify of a typed payload
// is its keys in that order, each with String() of its value (JSON's number
// text for every finite number, -0 included): the text export gives back the
// text trace byte for byte. Formatting numbers as text per event was the
// largest cost of writing a complete trace.

export const PAYLOAD_KEYS_COLUMN = 'payload_keys';
export const PAYLOAD_FIELD_PREFIX = 'payload.';
/** Keys beyond these many go to the JSON text: a module may make keys without end. */
export const MAX_PAYLOAD_FIELDS = 32;

interface Shape {
  /** The keys' JSON array text: the row's payload_keys. */
  readonly keys: string;
  readonly list: readonly string[];
  /** The field of the last key (-1 for no key). */
  readonly column: number;
  /** The shapes one key longer, by that key: one lookup a key for a payload of a shape seen before. */
  readonly next: Map<string, Shape>;
}

/**
 * The typed payload fields of the rows of one row group at a time. The keys
 * seen in the first row group are the file's columns; later groups type only
 * the payloads whose keys are all among them.
 */
export class PayloadFieldWriter {
  readonly #index = new Map<string, number>();
  readonly #keys: string[] = [];
  /** Per field, its values in the rows that have it, densely (PLAIN of an optional column). */
  readonly #values: Float64Array[] = [];
  readonly #counts: number[] = [];
  /** Per field, 1 in the rows that have it (its definition levels). */
  readonly #defined: Uint8Array[] = [];
  readonly #root: Shape = { keys: '[]', list: [], column: -1, next: new Map() };
  readonly #touched = new Int32Array(MAX_PAYLOAD_FIELDS);
  #capacity: number;
  #frozen = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The fields' keys, in column order. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /**
   * Stores `payload` at `row` when it is a plain object of finite numbers
   * under known keys (or, before the columns are fixed, any keys): returns
   * its payload_keys text, or undefined when it must be stored as JSON text.
   */
  add(row: number, payload: unknown): string | undefined {
    if (typeof payload !== 'object' || payload === null) return undefined;
    const proto = Object.getPrototypeOf(payload) as unknown;
    // for-in visits inherited keys too: only a plain object's are all its own.
    if (proto !== Object.prototype && proto !== null) return undefined;
    let shape = this.#root;
    let touched = 0;
    for (const key in payload) {
      const value = (payload as Record<string, unknown>)[key];
      // Not a finite number, or a key that cannot be a field: the payload is stored as JSON text.
      const next = typeof value === 'number' && Number.isFinite(value) ? (shape.next.get(key) ?? this.#extend(shape, key)) : undefined;
      if (next === undefined) {
        this.#undo(row, touched);
        return undefined;
      }
      shape = next;
      const c = next.column;
      const n = this.#counts[c] as number;
      (this.#values[c] as Float64Array)[n] = value as number;
      this.#counts[c] = n + 1;
      (this.#defined[c] as Uint8Array)[row] = 1;
      this.#touched[touched++] = c;
    }
    return shape.keys;
  }

  /** Room for `capacity` rows in each field, the rows so far kept. */
  grow(capacity: number): void {
    this.#capacity = capacity;
    for (let c = 0; c < this.#keys.length; c++) {
      this.#values[c] = grown(this.#values[c] as Float64Array, capacity);
      this.#defined[c] = grown(this.#defined[c] as Uint8Array, capacity);
    }
  }

  /** Field `c` of rows [0, rows): its values in the rows that have it, and a definition level per row. Valid until reset(). */
  field(c: number, rows: number): { values: Float64Array; defined: Uint8Array } {
    return { values: (this.#values[c] as Float64Array).subarray(0, this.#counts[c]), defined: (this.#defined[c] as Uint8Array).subarray(0, rows) };
  }

  /** After a row group is written: its rows are cleared, and the fields are the file's columns from now on. */
  reset(rows: number): void {
    this.#frozen = true;
    for (let c = 0; c < this.#keys.length; c++) {
      this.#counts[c] = 0;
      (this.#defined[c] as Uint8Array).fill(0, 0, rows);
    }
  }

  #undo(row: number, touched: number): void {
    for (let i = 0; i < touched; i++) {
      const c = this.#touched[i] as number;
      this.#counts[c] = (this.#counts[c] as number) - 1;
      (this.#defined[c] as Uint8Array)[row] = 0;
    }
  }

  /** A new key may be a column: before the columns are fixed, while there is room, and when UTF-8 holds it (a lone surrogate would not come back as the same name). */
  #typable(key: string): boolean {
    return !this.#frozen && this.#keys.length < MAX_PAYLOAD_FIELDS && key.isWellFormed();
  }

  #addField(key: string): number {
    const c = this.#keys.length;
    this.#index.set(key, c);
    this.#keys.push(key);
    this.#values.push(new Float64Array(this.#capacity));
    this.#counts.push(0);
    this.#defined.push(new Uint8Array(this.#capacity));
    return c;
  }

  /** The shape `shape` and then `key`, or undefined when `key` is not a field and cannot become one. */
  #extend(shape: Shape, key: string): Shape | undefined {
    let c = this.#index.get(key);
    if (c === undefined) {
      if (!this.#typable(key)) return undefined;
      c = this.#addField(key);
    }
    const list = [...shape.list, key];
    const next: Shape = { keys: JSON.stringify(list), list, column: c, next: new Map() };
    shape.next.set(key, next);
    return next;
  }
}

/** A file's typed payload fields, for reading its rows back. */
export class PayloadFieldReader {
  readonly #columns: ReadonlyMap<string, number>;
  readonly #shapes = new Map<string, { keys: readonly string[]; json: readonly string[] } | string>();

  /** `keys`: the file's fields' keys, in column order. */
  constructor(keys: readonly string[]) {
    this.#columns = new Map(keys.map((k, i) => [k, i]));
  }

  /**
   * A row's payload as JSON text: `payload` as stored, or, when `keysText`
   * is not empty, the typed fields it names (`fields[c][row]`). Throws a
   * plain Error saying what is wrong with a row that cannot be read back.
   */
  text(payload: string, keysText: string, fields: readonly DecodedArray[], row: number): string {
    if (keysText === '') return payload;
    const shape = this.#shape(keysText);
    if (typeof shape === 'string') throw new Error(shape);
    if (payload !== '') throw new Error('payload has both JSON text and typed fields');
    let out = '{';
    for (let i = 0; i < shape.keys.length; i++) {
      const value = fields[this.#columns.get(shape.keys[i] as string) as number]?.[row];
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`payload field ${shape.keys[i]} is ${String(value)}, not a finite number`);
      out += `${i > 0 ? ',' : ''}${shape.json[i]}:${String(value)}`;
    }
    return `${out}}`;
  }

  /** The problem with a row's typed fields (the listed ones present and finite, no other), or undefined. */
  problem(payload: string, keysText: string, fields: readonly DecodedArray[], row: number): string | undefined {
    if (keysText === '') {
      const extra = fields.findIndex((f) => f[row] !== null && f[row] !== undefined);
      return extra < 0 ? undefined : `payload is JSON text but has a typed field`;
    }
    try {
      this.text(payload, keysText, fields, row);
    } catch (e) {
      return (e as Error).message;
    }
    const shape = this.#shape(keysText) as { keys: readonly string[] };
    let present = 0;
    for (const f of fields) if (f[row] !== null && f[row] !== undefined) present++;
    return present === shape.keys.length ? undefined : `payload has typed fields its payload_keys do not list`;
  }

  #shape(keysText: string): { keys: readonly string[]; json: readonly string[] } | string {
    let shape = this.#shapes.get(keysText);
    if (shape === undefined) {
      shape = parseShape(keysText, this.#columns);
      this.#shapes.set(keysText, shape);
    }
    return shape;
  }
}

function parseShape(keysText: string, columns: ReadonlyMap<string, number>): { keys: readonly string[]; json: readonly string[] } | string {
  let keys: unknown;
  try {
    keys = JSON.parse(keysText);
  } catch {
    return `payload_keys ${keysText} is not JSON`;
  }
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) return `payload_keys ${keysText} is not a JSON array of strings`;
  if (new Set(keys).size !== keys.length) return `payload_keys ${keysText} lists a key twice`;
  const unknown = keys.find((k) => !columns.has(k));
  if (unknown !== undefined) return `payload_keys names ${unknown}, which has no column ${PAYLOAD_FIELD_PREFIX}${unknown}`;
  return { keys, json: keys.map((k) => JSON.stringify(k)) };
}
