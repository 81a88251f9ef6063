import type { RunFilesView, SimEvent, TextFiles } from '../sdk/module.ts';
import { openTrace } from './trace-reader.ts';

export type { TextFiles };

/**
 * A run's files as bytes, in a fixed order (summary.json last), exactly as
 * they are hashed and stored. Text is decoded only for the checks that read
 * it, once per file.
 */
export class RunFiles implements RunFilesView {
  private readonly bytesByName = new Map<string, Buffer>();
  private readonly decoded = new Map<string, string>();

  static of(entries: Iterable<readonly [string, string | Uint8Array]>): RunFiles {
    const files = new RunFiles();
    for (const [name, content] of entries) files.set(name, content);
    return files;
  }

  set(name: string, content: string | Uint8Array): void {
    this.bytesByName.set(name, typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength));
    this.decoded.delete(name);
  }

  has(name: string): boolean {
    return this.bytesByName.has(name);
  }

  bytes(name: string): Buffer | undefined {
    return this.bytesByName.get(name);
  }

  /** The file decoded as UTF-8. */
  get(name: string): string | undefined {
    let text = this.decoded.get(name);
    if (text === undefined) {
      const bytes = this.bytesByName.get(name);
      if (bytes === undefined) return undefined;
      text = bytes.toString('utf8');
      this.decoded.set(name, text);
    }
    return text;
  }

  /** The run's executed events, from its event log in whichever format it was written. */
  events(): AsyncIterable<SimEvent> {
    return openTrace(this).events();
  }

  names(): string[] {
    return [...this.bytesByName.keys()];
  }

  entries(): IterableIterator<[string, Buffer]> {
    return this.bytesByName.entries();
  }

  /** Every file decoded, as a Map a test can edit. */
  texts(): Map<string, string> {
    return new Map(this.names().map((name) => [name, this.get(name) as string]));
  }

  /** A copy whose bytes do not share memory with this one (sinks are reused after a run). */
  detached(): RunFiles {
    return RunFiles.of([...this.bytesByName].map(([name, b]) => [name, Buffer.from(b)] as const));
  }
}
