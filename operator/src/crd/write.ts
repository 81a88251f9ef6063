// `npm run generate:crd`: writes crds/ from the zod schemas.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, experimentCrdYaml } from './generate.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
writeFileSync(join(root, CRD_FILE), experimentCrdYaml());
console.log(`wrote ${CRD_FILE}`);
