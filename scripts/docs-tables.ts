// docs/scenarios.md's sweep tables are generated: each sits between a marker
// naming its scenario and the `swarmlab report --markdown` metrics, and the
// end marker. `node scripts/docs-tables.ts` runs each scenario with the
// command in its file and writes the tables again; the report's browser test
// (test/unit/report-browser.test.ts) fails when one has drifted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
export const SCENARIOS_DOC = join(repo, 'docs/scenarios.md');
const END = '<!-- end of generated table -->';
const BLOCK = /(<!-- generated from scenarios\/([\w-]+)\.yaml by: swarmlab report RESULTS --markdown((?: --metric [^\s]+)+) -->\n)([\s\S]*?)<!-- end of generated table -->/g;

export interface GeneratedTable {
  /** The marker line, the table and the end marker, as in the document. */
  readonly block: string;
  readonly marker: string;
  readonly scenario: string;
  readonly metrics: readonly string[];
  readonly table: string;
}

export function generatedTables(doc: string): GeneratedTable[] {
  return [...doc.matchAll(BLOCK)].map((m) => ({
    block: m[0],
    marker: m[1] as string,
    scenario: m[2] as string,
    metrics: (m[3] as string).trim().split(/\s+/).filter((w) => w !== '--metric'),
    table: m[4] as string,
  }));
}

/** The Markdown table `swarmlab report` prints for a result set. */
export function reportTable(resultSet: string, metrics: readonly string[]): string {
  const r = spawnSync(process.execPath, [join(repo, 'bin/swarmlab.js'), 'report', resultSet, '--markdown', ...metrics.flatMap((m) => ['--metric', m])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`swarmlab report ${resultSet}: ${r.stderr}`);
  return r.stdout.slice(r.stdout.indexOf('\n|') + 1);
}

/** Runs a scenario with the command in its file into `store`; returns its result set's folder. */
export function runScenario(name: string, store: string): string {
  const r = spawnSync(process.execPath, [join(repo, 'bin/swarmlab.js'), 'run', join(repo, 'scenarios', `${name}.yaml`), '--store', pathToFileURL(store).href], { encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  if (r.status !== 0) throw new Error(`swarmlab run scenarios/${name}.yaml: ${r.stderr}`);
  const uri = /^results: +(\S+)$/m.exec(r.stdout)?.[1];
  if (uri === undefined) throw new Error(`swarmlab run scenarios/${name}.yaml printed no results line`);
  return fileURLToPath(uri);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let doc = readFileSync(SCENARIOS_DOC, 'utf8');
  const work = mkdtempSync(join(tmpdir(), 'swarmlab-docs-tables-'));
  try {
    const sets = new Map<string, string>();
    for (const t of generatedTables(doc)) {
      const set = sets.get(t.scenario) ?? runScenario(t.scenario, join(work, t.scenario));
      sets.set(t.scenario, set);
      doc = doc.replace(t.block, `${t.marker}${reportTable(set, t.metrics)}${END}`);
    }
    writeFileSync(SCENARIOS_DOC, doc);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
