import { builtinRegistry } from '../modules/builtin-registry.ts';
import { describeModule } from './describe.ts';
import { modulesMarkdown } from './format.ts';

// docs/modules.md is a hand-written guide with a generated reference of the
// built-in modules between two markers; a unit test fails when it drifts.

export const DOCS_FILE = new URL('../../../docs/modules.md', import.meta.url);
export const BEGIN = '<!-- BEGIN GENERATED: built-in modules (npm run generate:docs) -->';
export const END = '<!-- END GENERATED -->';

/** The reference part, from the built-in modules' schemas. */
export function builtinReference(): string {
  return modulesMarkdown(builtinRegistry.modules().map(describeModule));
}

/** `doc` with its generated part replaced by the current reference. */
export function withReference(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/modules.md lacks the markers ${BEGIN} ... ${END}`);
  return `${doc.slice(0, start + BEGIN.length)}\n\n${builtinReference()}\n${doc.slice(end)}`;
}
