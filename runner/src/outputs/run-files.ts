import type { RunFilesView, SimEvent, TextFiles } from '../sdk/module.ts';
import { StagedFile } from './staged-file.ts';
import { openTrace } from './trace-reader.ts';

export type { TextFiles };

/** Where a run file's bytes are: in memory, or in a staged file read by range (a streamed trace). */
export type FileSource = Buffer | StagedFile;

/**
 * A run's files in a fixed order (summary.json last), exactly as they are
 * hashed and stored: bytes in memory, or files streamed to a staging area.
 * Text is decoded only for the checks that read it, once per file.
 */
export class RunFiles implements RunFilesView {
  private readonly byName = new Map<string, FileSource>();
  private readonly decoded = new Map<string, string>();

  static of(entries: Iterable<readonly [string, string | Uint8Array | StagedFile]>): RunFiles {
    const files = new RunFiles();
    for (const [name, content] of entries) files.set(name, content);
    return files;
  }

  set(name: string, content: string | Uint8Array | StagedFile): void {
    // A Buffer is kept as it is (not a new view of it): the trace's checks as written are found by the file object.
    const source = content instanceof StagedFile || Buffer.isBuffer(content) ? content : typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    this.byName.set(name, source);
    this.decoded.delete(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The file's source: what the trace reader and the checks read a big file from, without loading it. */
  source(name: string): FileSource | undefined {
    return this.byName.get(name);
  }

  /** The file's bytes, a staged file read whole: for small files (summaries, module files) and tests. */
  bytes(name: string): Buffer | undefined {
    const source = this.byName.get(name);
    return source instanceof StagedFile ? source.read() : source;
  }

  /** The file decoded as UTF-8. */
  get(name: string): string | undefined {
    let text = this.decoded.get(name);
    if (text === undefined) {
      const bytes = this.bytes(name);
      if (bytes === undefined) return undefined;
      text = bytes.toString('utf8');
      this.decoded.set(name, text);
    }
    return text;
  }

  /** The run's executed events, from its event log in whichever format it was written. */
  async *events(): AsyncIterable<SimEvent> {
    yield* (await openTrace(this)).events();
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  entries(): IterableIterator<[string, FileSource]> {
    return this.byName.entries();
  }

  /** Every file decoded, as a Map a test can edit. */
  texts(): Map<string, string> {
    return new Map(this.names().map((name) => [name, this.get(name) as string]));
  }

  /** A copy in memory whose bytes do not share memory with this one (sinks are reused after a run). */
  detached(): RunFiles {
    return RunFiles.of(this.names().map((name) => [name, Buffer.from(this.bytes(name) as Buffer)] as const));
  }
}
