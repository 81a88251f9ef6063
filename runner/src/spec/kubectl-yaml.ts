import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node } from 'yaml';
import { SwarmlabError, formatPath } from '../errors.ts';

// kubectl (and the API server's YAML reader) turn YAML into JSON with
// sigs.k8s.io/yaml, which types plain scalars the way go-yaml v2 does: YAML 1.1
// booleans (y, n, yes, no, on, off in three casings), 1.1 octals (0777),
// underscores in numbers (1_000), binary (0b101) and signed hex (-0x1F).
// swarmlab reads YAML 1.2 (core schema), where all of these but the octal are
// strings. So the same file would mean two things: `n: 50` is {"n": 50} here
// and {"false": 50} on a cluster. Every plain scalar (key or value) whose two
// readings differ is refused, with its line and path, before anything else.

type Plain = null | boolean | number | string;

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

/** Go's strconv.ParseInt(s, 0, 64) (then ParseUint) syntax: sign, then 0x / 0b / 0o / leading-0 octal, or decimal. */
const GO_INT = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's yamlStyleFloat, checked before strconv.ParseFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function goInt(plain: string): number | undefined {
  const m = GO_INT.exec(plain);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const body = m[2]!;
  const lower = body.toLowerCase();
  let magnitude: bigint;
  if (lower.startsWith('0x') || lower.startsWith('0b')) magnitude = BigInt(lower);
  else if (lower.startsWith('0o')) magnitude = BigInt(lower);
  else if (body.length > 1 && body.startsWith('0')) magnitude = BigInt(`0o${body.slice(1)}`);
  else magnitude = BigInt(body);
  const value = sign * magnitude;
  // ParseInt takes int64; ParseUint (no sign allowed) the rest of uint64.
  if (value < INT64_MIN || value > UINT64_MAX || (m[1] !== '' && value > 2n ** 63n - 1n)) return undefined;
  return Number(value);
}

/**
 * How go-yaml v2 (resolve.go, v2.4) types a plain, untagged scalar when it
 * decodes into interface{}: its resolve table, then ParseInt/ParseUint with
 * base 0 on the text without underscores, then ParseFloat. Timestamps decode
 * into interface{} as their text, which is why they need no case here.
 */
export function goYamlV2Plain(text: string): Plain {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  if (NULL.has(text)) return null;
  const special = SPECIAL.get(text);
  if (special !== undefined) return special;
  const first = text[0]!;
  if (first === '.') {
    // strconv.ParseFloat on the text as written: Go float syntax, where _ may stand between two digits.
    if (!/^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/.test(text)) return text;
    const f = Number(text.replaceAll('_', ''));
    return Number.isFinite(f) ? f : text;
  }
  if (first !== '+' && first !== '-' && !(first >= '0' && first <= '9')) return text;
  const plain = text.replaceAll('_', '');
  const int = goInt(plain);
  if (int !== undefined) return int;
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    // ParseFloat fails with a range error on overflow; the scalar then stays a string.
    if (Number.isFinite(f)) return f;
  }
  return text;
}

function same(a: unknown, b: Plain): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  return `the string ${JSON.stringify(v)}`;
}

const STR_TAG = 'tag:yaml.org,2002:str';

/**
 * Refuses the first scalar of the document that kubectl would read
 * differently from swarmlab (BAD_FILE, with the line and the field path).
 * Aliases are not followed: the anchored node they repeat is checked where it
 * is written.
 */
export function checkKubectlReading(doc: Document, lines: LineCounter, file: string): void {
  const fail = (node: Node, path: readonly PropertyKey[], what: string, hint: string): never => {
    const line = node.range ? lines.linePos(node.range[0]).line : undefined;
    throw new SwarmlabError('BAD_FILE', `${line !== undefined ? `line ${line}: ` : ''}${what}`, { file, path: formatPath(path) || '(document)', hint });
  };

  const scalar = (node: Scalar, path: readonly PropertyKey[], role: 'key' | 'value'): void => {
    const text = node.source;
    if (node.tag !== undefined) {
      if (node.tag === STR_TAG) return;
      fail(node, path, `the ${role} ${String(text)} has the explicit tag ${node.tag}, which kubectl resolves with its own (YAML 1.1) rules`, 'write the value without a tag, quoting it if it is a string');
    }
    if (node.type !== Scalar.PLAIN || typeof text !== 'string') return;
    if (role === 'key' && text === '<<') {
      fail(node, path, 'the merge key << is applied by kubectl (YAML 1.1) but is an ordinary key in YAML 1.2', 'write the merged keys out');
    }
    const theirs = goYamlV2Plain(text);
    if (!same(node.value, theirs)) {
      fail(node, path, `kubectl reads the ${role} ${text} as ${show(theirs)} (YAML 1.1) but swarmlab reads it as ${show(node.value)} (YAML 1.2)`, `quote it ("${text}") if a string is meant, or write the value the same way in both, e.g. true/false for a boolean`);
    }
  };

  const walk = (node: unknown, path: readonly PropertyKey[]): void => {
    if (isAlias(node) || node === null || node === undefined) return;
    if (isScalar(node)) scalar(node, path, 'value');
    else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const name = isScalar(key) ? String(key.value) : '?';
        if (isScalar(key)) scalar(key, [...path, name], 'key');
        else walk(key, [...path, name]);
        walk(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };

  walk(doc.contents, []);
}
