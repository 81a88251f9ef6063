import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import { checkRunFiles, scanEventLine } from './check-run.ts';
import { numberValue, scanFiniteNumber, scanValue } from './json-scan.ts';
import { EventLine } from './schemas.ts';
import { checkMetricsCsv } from './metrics-csv.ts';
import { RunFiles } from './run-files.ts';

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)] as T;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A random JSON value as text, with the odd space, escape and exponent. */
function randomJson(rng: Rng, depth = 0): string {
  const kind = rng.intBetween(0, depth > 3 ? 4 : 6);
  switch (kind) {
    case 0:
      return String(pick(rng, [0, -0, 1, -1, 1.5, 1e21, 1.5e-7, 123456789, -0.25, 2 ** 53]));
    case 1:
      return JSON.stringify(pick(rng, ['', 'a', 'quote"', 'back\\slash', 'tab\t', 'nl\n', 'ü', '\u0001', 'x/y']));
    case 2:
      return pick(rng, ['true', 'false', 'null']);
    case 3:
      return pick(rng, ['1E5', '-0.0e+2', '0.5E-3', '10', '"\\u00e9"', '"\\/"']);
    case 4:
      return `[${Array.from({ length: rng.intBetween(0, 3) }, () => randomJson(rng, depth + 1)).join(pick(rng, [',', ', ']))}]`;
    default:
      return `{${Array.from({ length: rng.intBetween(0, 3) }, (_, i) => `"k${i}"${pick(rng, [':', ' : '])}${randomJson(rng, depth + 1)}`).join(',')}}`;
  }
}

/** Breaks text the way a bad writer or a flipped byte would. */
function mutate(rng: Rng, text: string): string {
  const at = rng.intBetween(0, Math.max(0, text.length - 1));
  const junk = pick(rng, ['', ',', '}', ']', '"', '\\', '-', '.', 'e', '0', ' ', '\n', '\u0000', 'x', '01', '1e999', 'NaN', '{}', '[]']);
  switch (rng.intBetween(0, 2)) {
    case 0:
      return text.slice(0, at) + junk + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    default:
      return text.slice(0, at) + junk + text.slice(at + 1);
  }
}

describe('json-scan', () => {
  it('recognises exactly what JSON.parse accepts, over valid and broken values', () => {
    const rng = new Rng('json-scan');
    let valid = 0;
    for (let i = 0; i < 5000; i++) {
      const good = randomJson(rng);
      for (const text of [good, mutate(rng, good), mutate(rng, mutate(rng, good))]) {
        const bytes = Buffer.from(text);
        const ok = scanValue(bytes, 0) === bytes.length;
        // JSON.parse allows whitespace around the value; the scanner, by design, does not.
        if (text.trim() !== text) continue;
        expect(ok, text).toBe(parses(text));
        if (ok) valid++;
      }
    }
    expect(valid).toBeGreaterThan(5000);
  });

  it('finite numbers: grammar first, then no overflow', () => {
    const cases: [string, boolean][] = [
      ['0', true], ['-0', true], ['1.5', true], ['1e+21', true], ['1.7976931348623157e308', true],
      ['1e999', false], ['-1e400', false], ['9'.repeat(400), false], ['9'.repeat(300), true],
      ['01', false], ['.5', false], ['1.', false], ['+1', false], ['1e', false], ['Infinity', false], ['NaN', false], ['', false],
    ];
    for (const [text, finite] of cases) expect(scanFiniteNumber(Buffer.from(text), 0) === text.length, text).toBe(finite);
  });

  it('reads a number to the same double as Number(), with or without the string', () => {
    const rng = new Rng('number-value');
    const texts = ['0', '-0', '-0.0', '0.000123', '1.5', '10', '9007199254740991', '9007199254740993', '12345678901234567890', '1e21', '1.5e-7', '0.30000000000000004', '1.0000000000000000000000001', `0.${'0'.repeat(21)}1`, `0.${'0'.repeat(22)}1`];
    for (let i = 0; i < 20000; i++) {
      const x = rng.next() * 10 ** rng.intBetween(-8, 12);
      texts.push(String(x), String(-x), String(Math.round(x)), x.toFixed(rng.intBetween(0, 20)));
    }
    for (const text of texts) {
      const bytes = Buffer.from(` ${text} `);
      expect(Object.is(numberValue(bytes, 1, bytes.length - 1), Number(text)), text).toBe(true);
    }
  });
});

describe('event line fast path', () => {
  const line = '{"time":1.5,"priority":0,"seq":3,"type":"arrival","source":"a/x","target":"b","payload":{"n":1,"s":"é\\"","nested":{"ok":[true,null]}}}';

  it('accepts the lines the runner writes', () => {
    const bytes = Buffer.from(line);
    expect(scanEventLine(bytes, 0, bytes.length)).toBe(true);
    // Inside a larger buffer too: the line is given by its bounds.
    const two = Buffer.from(`${line}\n${line}\n`);
    expect(scanEventLine(two, bytes.length + 1, 2 * bytes.length + 1)).toBe(true);
  });

  it('accepts nothing zod rejects, over thousands of broken lines', () => {
    const rng = new Rng('event-line');
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20000; i++) {
      const text = i % 3 === 0 ? mutate(rng, mutate(rng, line)) : mutate(rng, line);
      const bytes = Buffer.from(text);
      if (scanEventLine(bytes, 0, bytes.length)) {
        accepted++;
        expect(parses(text), text).toBe(true);
        expect(EventLine.safeParse(JSON.parse(text)).success, text).toBe(true);
      } else rejected++;
    }
    // Both outcomes happen: some mutations keep the line valid (a digit added to a number).
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(10000);
  });

  it('leaves lines written differently to the slow path, which still accepts them if valid', async () => {
    const spaced = JSON.stringify(JSON.parse(line), null, 1).replace(/\n/g, ' ');
    const reordered = JSON.stringify({ seq: 4, time: 1.5, priority: 0, type: 'a', source: 's', target: 't', payload: {} });
    for (const text of [spaced, reordered]) expect(scanEventLine(Buffer.from(text), 0, Buffer.byteLength(text))).toBe(false);
    const files = RunFiles.of([['events.jsonl', `${spaced}\n${reordered}\n`]]);
    expect((await checkRunFiles(files, { get: () => undefined } as never)).filter((p) => p.startsWith('events.jsonl'))).toEqual([]);
  });
});

describe('metrics.csv check', () => {
  it('finds every kind of bad row, fast path or not', () => {
    const csv = ['time,seq,a.x', '0,0,1', '0.5,1,1e+21', ' 1,2,3', '1,3,NaN', '2,4', '0.75,5,1', '3,6,1e999', '4,7,'].join('\n') + '\n';
    expect(checkMetricsCsv(Buffer.from(csv))).toEqual([
      'metrics.csv line 5: column a.x is not a finite number',
      'metrics.csv line 6: 2 cells, header has 3',
      'metrics.csv line 7: time goes backwards',
      'metrics.csv line 8: column a.x is not a finite number',
      'metrics.csv line 9: column a.x is not a finite number',
    ]);
  });
});
