/** A table's cell: a JSON scalar, null where a run has no value. */
export type Cell = number | string | boolean | null;

/** Parquet physical types the tables use (INT64 only for columns that hold integers by definition). */
export type ColumnType = 'INT64' | 'DOUBLE' | 'STRING' | 'BOOLEAN';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/**
 * Where a column sits in the results table. Fixed columns come first in the
 * order of their declaration, parameters in the order they first appear (the
 * sweep's axis order), then metrics and summary scalars sorted by name, so
 * the order never depends on which run introduced a column.
 */
export type ColumnGroup = 'head' | 'param' | 'outcome' | 'metric' | 'summary';
const GROUP_ORDER: readonly ColumnGroup[] = ['head', 'param', 'outcome', 'metric', 'summary'];
const SORTED: ReadonlySet<ColumnGroup> = new Set(['metric', 'summary']);

const NUMBER = 1;
const STRING = 2;
const BOOLEAN = 4;

interface Entry {
  readonly id: number;
  readonly name: string;
  readonly group: ColumnGroup;
  /** The declared type of a fixed column; discovered columns take theirs from the kinds of value seen. */
  readonly declared: ColumnType | undefined;
  kinds: number;
}

/**
 * The columns of a table whose set is only known once every run was read
 * (a module's summary may hold a key in one run and not another). Each
 * column gets a small id at first sight, which rows use until the order is
 * fixed.
 */
export class ColumnCatalog {
  readonly #byName = new Map<string, Entry>();
  readonly #entries: Entry[] = [];

  /** A column of fixed type, present even when no run has a value for it. */
  declare(name: string, group: ColumnGroup, type: ColumnType): number {
    return this.#entry(name, group, type).id;
  }

  /** The column's id, noting the kind of `value` (null notes nothing). */
  idFor(name: string, group: ColumnGroup, value: Cell): number {
    const e = this.#entry(name, group, undefined);
    if (typeof value === 'number') e.kinds |= NUMBER;
    else if (typeof value === 'string') e.kinds |= STRING;
    else if (typeof value === 'boolean') e.kinds |= BOOLEAN;
    return e.id;
  }

  #entry(name: string, group: ColumnGroup, declared: ColumnType | undefined): Entry {
    let e = this.#byName.get(name);
    if (e === undefined) {
      e = { id: this.#entries.length, name, group, declared, kinds: 0 };
      this.#byName.set(name, e);
      this.#entries.push(e);
    } else if (e.group !== group) {
      throw new Error(`column ${name} is in two groups: ${e.group} and ${group}`);
    }
    return e;
  }

  /** The columns in table order, and for each column id its position in that order. */
  layout(): { columns: Column[]; positionOf: Int32Array; groupOf: (position: number) => ColumnGroup } {
    const ordered: Entry[] = [];
    for (const g of GROUP_ORDER) {
      const inGroup = this.#entries.filter((e) => e.group === g);
      if (SORTED.has(g)) inGroup.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      ordered.push(...inGroup);
    }
    const positionOf = new Int32Array(this.#entries.length);
    ordered.forEach((e, position) => (positionOf[e.id] = position));
    return {
      columns: ordered.map((e) => ({ name: e.name, type: e.declared ?? typeOfKinds(e.kinds) })),
      positionOf,
      groupOf: (position) => (ordered[position] as Entry).group,
    };
  }
}

/** One kind of value gives its type; mixed kinds are written as text; a column with only nulls is text. */
function typeOfKinds(kinds: number): ColumnType {
  if (kinds === NUMBER) return 'DOUBLE';
  if (kinds === BOOLEAN) return 'BOOLEAN';
  return 'STRING';
}

/** A cell as a column of `type` holds it: text columns hold other kinds as their JSON text. */
export function cellFor(type: ColumnType, value: Cell): Cell {
  if (value === null || type !== 'STRING' || typeof value === 'string') return value;
  return JSON.stringify(value);
}
