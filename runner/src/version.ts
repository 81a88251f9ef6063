import { readFileSync } from 'node:fs';

/** The runner's version, from package.json: stamped into every summary. */
export const RUNNER_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
