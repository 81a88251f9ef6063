import type { DecodedArray, SchemaElement } from 'hyparquet';
import { columnNames, openParquet, readColumns, rowGroupRanges, type ParquetFile } from './parquet-columns.ts';
import { scanObject } from './json-scan.ts';
import type { StagedFile } from './staged-file.ts';
import { EVENT_COLUMNS, EVENT_TYPES, eventFileFields, METRIC_KEY_COLUMNS, METRIC_KEY_TYPES, payloadColumns } from './trace-parquet.ts';
import { PayloadFieldReader } from './payload-fields.ts';
import { TRACE_FILE_NAMES } from './trace-files.ts';
import { checkedAsWrittenScan, EventRowChecks, MetricRowChecks, type TraceFileScan } from './trace-row-checks.ts';

export type { TraceFileScan } from './trace-row-checks.ts';

// The Parquet trace checked as strictly as the text one (check-run.ts,
// metrics-csv.ts): the exact schema the writer writes (names, physical and
// logical types, every column required), then every value, a row group at
// a time (trace-row-checks.ts). A fresh run's files were checked row by
// row as they were written; of them, the footer is read back: the schema
// and the row count the rows were checked against. That the pinned encoder's
// pages decode to the values written is the encoder's tests' to show
// (trace-parquet.test.ts), not each run's.

const EVENTS = TRACE_FILE_NAMES.parquet.events;
const METRICS = TRACE_FILE_NAMES.parquet.metrics;

type ColumnType = (typeof EVENT_TYPES)[number];

/** Checks events.parquet. */
export async function scanEventsParquet(source: Buffer | StagedFile): Promise<TraceFileScan> {
  const opened = await open(EVENTS, source);
  if (typeof opened === 'string') return { problems: [opened], rows: 0, lastTime: 0 };
  const layout = eventFileFields(columnNames(opened));
  const payloadNames = typeof layout === 'string' || !layout.keysColumn ? [] : payloadColumns(layout.fields);
  const names = [...EVENT_COLUMNS, ...payloadNames];
  const problems = schemaProblems(EVENTS, opened, names, [...EVENT_TYPES, ...payloadNames.map((_, i) => (i === 0 ? 'STRING' : 'DOUBLE') as ColumnType)], payloadNames.slice(1));
  if (typeof layout === 'string') problems.unshift(`${EVENTS}: ${layout}`);
  if (problems.length > 0) return { problems, rows: 0, lastTime: 0 };
  const written = checkedAsWritten(EVENTS, opened, source);
  if (written !== undefined) return written;
  const checks = new EventRowChecks();
  const payloads = new PayloadFieldReader(typeof layout === 'string' ? [] : layout.fields);
  for (const [start, end] of rowGroupRanges(opened)) {
    // Strings as their bytes: the payload's JSON is scanned there, as the text check scans its lines.
    const columns = await decode(EVENTS, opened, names, start, end, checks.problems, true);
    if (columns === undefined) return { problems: checks.problems, rows: checks.rows, lastTime: checks.lastTime };
    const [time, priority, seq, type, source, target, payload, keys, ...fields] = columns as [Float64Array, Float64Array, DecodedArray, Uint8Array[], Uint8Array[], Uint8Array[], Uint8Array[], Uint8Array[] | undefined, ...DecodedArray[]];
    for (let r = 0; r < end - start; r++) {
      if (checks.full) {
        checks.rows += end - start - r;
        break;
      }
      const keysText = keys === undefined ? '' : text(keys[r]);
      // The typed fields' problems are their own (JSON text has none of them); JSON text is scanned as the text trace's is.
      const fieldProblem = payloads.problem(keysText === '' ? '' : text(payload[r]), keysText, fields, r);
      if (fieldProblem !== undefined) checks.problems.push(`${EVENTS} row ${checks.rows}: ${fieldProblem}`);
      checks.row(time[r] as number, priority[r] as number, seq[r] as number | bigint, byteLength(type[r]), byteLength(source[r]), byteLength(target[r]), keysText !== '' || isJsonObjectText(payload[r]));
    }
  }
  return checks.scan();
}

/** Checks metrics.parquet: time, seq, then one finite DOUBLE per metric, with unique names. */
export async function scanMetricsParquet(source: Buffer | StagedFile): Promise<TraceFileScan> {
  const opened = await open(METRICS, source);
  if (typeof opened === 'string') return { problems: [opened], rows: 0, lastTime: 0 };
  const names = columnNames(opened);
  const metrics = names.slice(METRIC_KEY_COLUMNS.length);
  const problems = schemaProblems(METRICS, opened, [...METRIC_KEY_COLUMNS, ...metrics], [...METRIC_KEY_TYPES, ...metrics.map(() => 'DOUBLE' as const)]);
  if (new Set(names).size !== names.length) problems.push(`${METRICS}: duplicate column names`);
  if (problems.length > 0) return { problems, rows: 0, lastTime: 0 };
  const written = checkedAsWritten(METRICS, opened, source);
  if (written !== undefined) return written;
  const checks = new MetricRowChecks(metrics);
  const row = new Float64Array(metrics.length);
  for (const [start, end] of rowGroupRanges(opened)) {
    const columns = await decode(METRICS, opened, names, start, end, checks.problems);
    if (columns === undefined) return { problems: checks.problems, rows: checks.rows, lastTime: checks.lastTime };
    const [time, seq, ...values] = columns as [Float64Array, DecodedArray, ...Float64Array[]];
    for (let r = 0; r < end - start; r++) {
      for (let c = 0; c < values.length; c++) row[c] = (values[c] as Float64Array)[r] as number;
      checks.row(time[r] as number, seq[r] as number | bigint, row, 0);
    }
  }
  return checks.scan();
}

/**
 * The scan of a file checked row by row as it was written, once its footer
 * (read back, and checked against the schema above) agrees with it: the
 * rows the footer holds are the rows that were checked.
 */
function checkedAsWritten(name: string, file: ParquetFile, source: Buffer | StagedFile): TraceFileScan | undefined {
  const scan = checkedAsWrittenScan(source);
  if (scan === undefined) return undefined;
  const rows = Number(file.metadata.num_rows);
  if (rows !== scan.rows) return { problems: [`${name}: its footer says ${rows} rows, ${scan.rows} were written`], rows, lastTime: scan.lastTime };
  return scan;
}

function text(value: unknown): string {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') : '';
}

function byteLength(value: unknown): number {
  return value instanceof Uint8Array ? value.length : 0;
}

async function open(name: string, source: Buffer | StagedFile): Promise<ParquetFile | string> {
  try {
    return await openParquet(source);
  } catch (e) {
    return `${name}: not a Parquet file this runner can read: ${(e as Error).message}`;
  }
}

/** The file's schema against the writer's: flat, these columns in this order, each REQUIRED but the `optional` ones (which are OPTIONAL), strings as UTF-8. */
function schemaProblems(name: string, file: ParquetFile, columns: readonly string[], types: readonly ColumnType[], optional: readonly string[] = []): string[] {
  const schema = file.metadata.schema;
  const fields = schema.slice(1);
  const expected = columns.map((c, i) => `${c} ${types[i]}`).join(', ');
  const got = fields.map((f) => `${f.name} ${typeName(f)}`).join(', ');
  const flat = schema[0]?.num_children === fields.length && fields.every((f) => f.num_children === undefined);
  if (!flat || got !== expected) return [`${name}: columns are (${got}), expected (${expected})`];
  const nullable = fields.filter((f) => f.repetition_type !== 'REQUIRED' && !optional.includes(f.name)).map((f) => f.name);
  if (nullable.length > 0) return [`${name}: column${nullable.length > 1 ? 's' : ''} ${nullable.join(', ')} must be required (no nulls)`];
  const required = fields.filter((f) => f.repetition_type !== 'OPTIONAL' && optional.includes(f.name)).map((f) => f.name);
  if (required.length > 0) return [`${name}: payload field column${required.length > 1 ? 's' : ''} ${required.join(', ')} must be optional (null where a row lacks the field)`];
  const rows = file.metadata.row_groups.reduce((n, g) => n + Number(g.num_rows), 0);
  if (rows !== Number(file.metadata.num_rows)) return [`${name}: its row groups hold ${rows} rows, its footer says ${Number(file.metadata.num_rows)}`];
  return [];
}

function typeName(f: SchemaElement): string {
  if (f.type === 'BYTE_ARRAY' && (f.converted_type === 'UTF8' || f.logical_type?.type === 'STRING')) return 'STRING';
  return f.type ?? 'GROUP';
}

async function decode(name: string, file: ParquetFile, columns: readonly string[], start: number, end: number, problems: string[], rawStrings = false): Promise<DecodedArray[] | undefined> {
  try {
    const decoded = await readColumns(file, columns, start, end, rawStrings);
    const short = decoded.findIndex((d) => d.length !== end - start);
    if (short < 0) return decoded;
    problems.push(`${name}: column ${columns[short]} has ${decoded[short]?.length} values in rows ${start}-${end - 1}, expected ${end - start}`);
  } catch (e) {
    problems.push(`${name}: rows ${start}-${end - 1} cannot be read: ${(e as Error).message}`);
  }
  return undefined;
}

/** The UTF-8 bytes of a JSON object: scanned without building it (json-scan.ts); what the scan does not take, JSON.parse decides. */
function isJsonObjectText(bytes: unknown): boolean {
  if (!(bytes instanceof Uint8Array) || bytes[0] !== 0x7b) return false;
  if (scanObject(bytes, 0) === bytes.length) return true;
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
