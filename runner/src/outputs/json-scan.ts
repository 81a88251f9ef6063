// Recognisers for RFC 8259 JSON text that allocate nothing: each takes a
// string and a start index and returns the index just past the value, or -1
// when the text there is not one. Checking a run's outputs parsed every
// events.jsonl line into objects only to look at them; these let the checks
// walk the text the runner wrote instead (see check-run.ts), and keep
// JSON.parse and zod for the lines that do not pass.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Whether the last number scanNumber recognised had an exponent part. */
let lastHadExponent = false;

/** A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
export function scanNumber(s: string, i: number): number {
  lastHadExponent = false;
  let c = s.charCodeAt(i);
  if (c === MINUS) c = s.charCodeAt(++i);
  if (c === ZERO) c = s.charCodeAt(++i);
  else if (c > ZERO && c <= NINE) {
    do c = s.charCodeAt(++i);
    while (isDigit(c));
  } else return -1;
  if (c === DOT) {
    c = s.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    do c = s.charCodeAt(++i);
    while (isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    lastHadExponent = true;
    c = s.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = s.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    do c = s.charCodeAt(++i);
    while (isDigit(c));
  }
  return i;
}

/**
 * A JSON number that is also a finite double (1e999 is JSON but Infinity).
 * Only numbers with an exponent or over 300 digits are converted to check.
 */
export function scanFiniteNumber(s: string, i: number): number {
  const end = scanNumber(s, i);
  if (end < 0) return -1;
  if (!lastHadExponent && end - i <= 300) return end;
  return Number.isFinite(Number(s.slice(i, end))) ? end : -1;
}

/** A JSON string, quotes included. */
export function scanString(s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  const n = s.length;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(++i);
      if (e === 0x75) {
        if (!(isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)))) return -1;
        i += 4;
      } else if (!(e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return -1;
    }
  }
  return -1;
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

const MAX_DEPTH = 256;

/** Any JSON value, with no whitespace around it. */
export function scanValue(s: string, i: number, depth = 0): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return scanString(s, i);
  if (c === 0x7b) return scanObject(s, i, depth);
  if (c === 0x5b) return scanArray(s, i, depth);
  if (c === MINUS || isDigit(c)) return scanNumber(s, i);
  if (s.startsWith('true', i)) return i + 4;
  if (s.startsWith('false', i)) return i + 5;
  if (s.startsWith('null', i)) return i + 4;
  return -1;
}

/** A JSON object. */
export function scanObject(s: string, i: number, depth = 0): number {
  if (s.charCodeAt(i) !== 0x7b || depth >= MAX_DEPTH) return -1;
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) return i + 1;
  for (;;) {
    i = scanString(s, i);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    if (s.charCodeAt(i) !== 0x3a) return -1;
    i = scanValue(s, skipSpace(s, i + 1), depth + 1);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === 0x7d) return i + 1;
    if (c !== 0x2c) return -1;
    i = skipSpace(s, i + 1);
  }
}

function scanArray(s: string, i: number, depth: number): number {
  if (depth >= MAX_DEPTH) return -1;
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x5d) return i + 1;
  for (;;) {
    i = scanValue(s, i, depth + 1);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i = skipSpace(s, i + 1);
  }
}
