import { readFileSync, writeFileSync } from 'node:fs';
import { DOCS_FILE, withReference } from './docs.ts';

// npm run generate:docs: rewrites the generated reference in docs/modules.md.
writeFileSync(DOCS_FILE, withReference(readFileSync(DOCS_FILE, 'utf8')));
