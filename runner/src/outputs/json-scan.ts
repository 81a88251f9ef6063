// Recognisers for RFC 8259 JSON in UTF-8 bytes that allocate nothing: each
// takes the bytes and a start index and returns the index just past the
// value, or -1 when the bytes there are not one. Checking a run's outputs
// parsed every events.jsonl line into objects only to look at them; these let
// the checks walk the bytes the runner wrote instead (see check-run.ts), and
// keep JSON.parse and zod for the lines that do not pass. Past the end of the
// bytes a read gives undefined, which matches nothing, so no bounds checks.

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

/** Whether `literal` (ASCII) is at b[i]. */
export function bytesAt(b: Uint8Array, i: number, literal: Uint8Array): boolean {
  if (i + literal.length > b.length) return false;
  for (let j = 0; j < literal.length; j++) if (b[i + j] !== literal[j]) return false;
  return true;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

/** Whether the last number scanNumber recognised had an exponent part. */
let lastHadExponent = false;

/** A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
export function scanNumber(b: Uint8Array, i: number): number {
  lastHadExponent = false;
  let c = b[i] as number;
  if (c === MINUS) c = b[++i] as number;
  if (c === ZERO) c = b[++i] as number;
  else if (c > ZERO && c <= NINE) {
    do c = b[++i] as number;
    while (isDigit(c));
  } else return -1;
  if (c === DOT) {
    c = b[++i] as number;
    if (!isDigit(c)) return -1;
    do c = b[++i] as number;
    while (isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    lastHadExponent = true;
    c = b[++i] as number;
    if (c === PLUS || c === MINUS) c = b[++i] as number;
    if (!isDigit(c)) return -1;
    do c = b[++i] as number;
    while (isDigit(c));
  }
  return i;
}

/** 10^0 .. 10^22: every one an exact double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The value of the JSON number in b[start, end) (recognised by scanNumber),
 * without making a string when it has no exponent and its digits, the point
 * removed, are a safe integer m: then m and 10^k are exact doubles and one
 * division rounds correctly (Clinger's fast path), as Number() would.
 */
export function numberValue(b: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = b[i] === MINUS;
  if (negative) i++;
  let m = 0;
  let scale = 0;
  let point = false;
  for (; i < end; i++) {
    const c = b[i] as number;
    if (isDigit(c)) {
      m = m * 10 + (c - ZERO);
      if (point) scale++;
    } else if (c === DOT) point = true;
    else break;
  }
  if (i === end && m <= Number.MAX_SAFE_INTEGER && scale < POWERS_OF_TEN.length) {
    const v = m / (POWERS_OF_TEN[scale] as number);
    return negative ? -v : v;
  }
  return Number(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1'));
}

/**
 * A JSON number that is also a finite double (1e999 is JSON but Infinity).
 * Only numbers with an exponent or over 300 digits are converted to check.
 */
export function scanFiniteNumber(b: Uint8Array, i: number): number {
  const end = scanNumber(b, i);
  if (end < 0) return -1;
  if (!lastHadExponent && end - i <= 300) return end;
  return Number.isFinite(numberValue(b, i, end)) ? end : -1;
}

/** A JSON string, quotes included. Bytes of 0x80 and up pass as they are (UTF-8 is decoded leniently, as toString does). */
export function scanString(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return -1;
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = b[++i] as number;
      if (e === 0x75) {
        if (!(isHex(b[i + 1] as number) && isHex(b[i + 2] as number) && isHex(b[i + 3] as number) && isHex(b[i + 4] as number))) return -1;
        i += 4;
      } else if (!(e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return -1;
    }
  }
  return -1;
}

function skipSpace(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

const MAX_DEPTH = 256;

/** Any JSON value, with no whitespace around it. */
export function scanValue(b: Uint8Array, i: number, depth = 0): number {
  const c = b[i] as number;
  if (c === QUOTE) return scanString(b, i);
  if (c === 0x7b) return scanObject(b, i, depth);
  if (c === 0x5b) return scanArray(b, i, depth);
  if (c === MINUS || isDigit(c)) return scanNumber(b, i);
  if (bytesAt(b, i, TRUE)) return i + 4;
  if (bytesAt(b, i, FALSE)) return i + 5;
  if (bytesAt(b, i, NULL)) return i + 4;
  return -1;
}

/** A JSON object. */
export function scanObject(b: Uint8Array, i: number, depth = 0): number {
  if (b[i] !== 0x7b || depth >= MAX_DEPTH) return -1;
  i = skipSpace(b, i + 1);
  if (b[i] === 0x7d) return i + 1;
  for (;;) {
    i = scanString(b, i);
    if (i < 0) return -1;
    i = skipSpace(b, i);
    if (b[i] !== 0x3a) return -1;
    i = scanValue(b, skipSpace(b, i + 1), depth + 1);
    if (i < 0) return -1;
    i = skipSpace(b, i);
    const c = b[i];
    if (c === 0x7d) return i + 1;
    if (c !== 0x2c) return -1;
    i = skipSpace(b, i + 1);
  }
}

function scanArray(b: Uint8Array, i: number, depth: number): number {
  if (depth >= MAX_DEPTH) return -1;
  i = skipSpace(b, i + 1);
  if (b[i] === 0x5d) return i + 1;
  for (;;) {
    i = scanValue(b, i, depth + 1);
    if (i < 0) return -1;
    i = skipSpace(b, i);
    const c = b[i];
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i = skipSpace(b, i + 1);
  }
}
