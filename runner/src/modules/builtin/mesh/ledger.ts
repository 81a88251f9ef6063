import { createHash } from 'node:crypto';
import type { JsonObject } from 'swarmlab/sdk';

/**
 * A tamper-evident decision log: a hash chain (each line carries the hash of
 * the line before it) plus one Merkle root per logical-time interval. Editing,
 * dropping or reordering a line breaks the chain or a root.
 */

export const GENESIS = '0'.repeat(64);

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Merkle root over leaf hashes; an odd node is paired with itself (as Bitcoin does). */
export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return GENESIS;
  let level = leaves.slice();
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as string;
      const right = level[i + 1] ?? left;
      next.push(sha256(left + right));
    }
    level = next;
  }
  return level[0] as string;
}

export interface IntervalRoot {
  readonly interval: number;
  /** Chain position of the interval's first decision. */
  readonly first: number;
  readonly count: number;
  readonly root: string;
  [key: string]: string | number;
}

export interface LedgerSeal {
  readonly file: string;
  readonly decisions: number;
  readonly head: string;
  /** Logical-time width of one Merkle interval. */
  readonly interval: number;
  readonly roots: IntervalRoot[];
}

/** The hash of a record is sha256 over its JSON with `prev` included and `hash` left out. */
function lineHash(record: JsonObject): string {
  return sha256(JSON.stringify(record));
}

export class DecisionLedger {
  private lines: string[] = [];
  private head = GENESIS;
  private readonly leaves = new Map<number, { first: number; hashes: string[] }>();
  readonly file: string;
  readonly interval: number;

  constructor(file: string, interval: number) {
    this.file = file;
    this.interval = interval;
  }

  get size(): number {
    return this.lines.length;
  }

  /** Appends a decision made at logical time `time`. Field order of `record` is kept. */
  append(time: number, record: JsonObject): void {
    const body: JsonObject = { i: this.lines.length, t: time, ...record, prev: this.head };
    const hash = lineHash(body);
    this.lines.push(JSON.stringify({ ...body, hash }));
    const k = Math.floor(time / this.interval);
    let bucket = this.leaves.get(k);
    if (!bucket) {
      bucket = { first: this.lines.length - 1, hashes: [] };
      this.leaves.set(k, bucket);
    }
    bucket.hashes.push(hash);
    this.head = hash;
  }

  content(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  seal(): LedgerSeal {
    const roots: IntervalRoot[] = [];
    for (const [interval, b] of this.leaves) roots.push({ interval, first: b.first, count: b.hashes.length, root: merkleRoot(b.hashes) });
    return { file: this.file, decisions: this.lines.length, head: this.head, interval: this.interval, roots };
  }
}

/** Recomputes chain and roots from a log file's text and compares them with the seal. Returns problems. */
export function verifyLedger(text: string, seal: LedgerSeal): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').filter((l) => l.length > 0);
  let prev = GENESIS;
  const buckets = new Map<number, { first: number; hashes: string[] }>();
  for (const [n, line] of lines.entries()) {
    let rec: JsonObject;
    try {
      rec = JSON.parse(line) as JsonObject;
    } catch {
      problems.push(`${seal.file} line ${n + 1}: not JSON`);
      return problems;
    }
    const { hash, ...body } = rec;
    if (body.prev !== prev) problems.push(`${seal.file} line ${n + 1}: prev does not match the hash of line ${n}`);
    if (body.i !== n) problems.push(`${seal.file} line ${n + 1}: position ${String(body.i)} out of sequence`);
    const recomputed = lineHash(body);
    if (hash !== recomputed) problems.push(`${seal.file} line ${n + 1}: hash does not match the line's content (edited decision)`);
    const t = typeof body.t === 'number' ? body.t : Number.NaN;
    const k = Math.floor(t / seal.interval);
    let b = buckets.get(k);
    if (!b) {
      b = { first: n, hashes: [] };
      buckets.set(k, b);
    }
    b.hashes.push(recomputed);
    prev = recomputed;
  }
  if (lines.length !== seal.decisions) problems.push(`${seal.file}: ${lines.length} decisions, the summary seals ${seal.decisions}`);
  if (prev !== seal.head) problems.push(`${seal.file}: chain head ${prev.slice(0, 16)}… differs from the sealed head ${seal.head.slice(0, 16)}…`);
  const sealed = new Map(seal.roots.map((r) => [r.interval, r]));
  for (const [k, b] of buckets) {
    const s = sealed.get(k);
    const root = merkleRoot(b.hashes);
    if (!s) problems.push(`${seal.file}: interval ${k} has decisions but no sealed Merkle root`);
    else if (s.root !== root || s.count !== b.hashes.length || s.first !== b.first) problems.push(`${seal.file}: Merkle root of interval ${k} does not match`);
  }
  for (const k of sealed.keys()) if (!buckets.has(k)) problems.push(`${seal.file}: sealed interval ${k} has no decisions in the log`);
  return problems;
}
