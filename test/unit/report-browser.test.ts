// Each shipped scenario's report, run with the command in its file, opened
// from disk in a real browser (Debian's chromium, headless, driven over the
// DevTools protocol by puppeteer-core): no console error, no request but the
// file itself, and every figure draws marks. A screenshot of each is kept in
// test-artifacts/ for a person to look at. docs/scenarios.md's generated
// tables of the scenario must be what `swarmlab report` prints for it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTables, reportTable, runScenario, SCENARIOS_DOC } from '../../scripts/docs-tables.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = join(repo, 'test-artifacts');
const chromium = process.env.SWARMLAB_CHROMIUM ?? '/usr/bin/chromium';
const scenarios = readdirSync(join(repo, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length));

let work: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromium)) {
    throw new Error(`no Chromium at ${chromium}: the report's browser test needs Debian's chromium (apt-get install -y chromium; scripts/setup.sh installs it), or SWARMLAB_CHROMIUM set to a Chromium binary`);
  }
  work = mkdtempSync(join(tmpdir(), 'swarmlab-report-browser-'));
  mkdirSync(artifacts, { recursive: true });
  browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--headless', '--disable-gpu', '--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The scenario's result set and report, from `swarmlab run scenarios/NAME.yaml` into a fresh store. */
function resultsOf(name: string): { set: string; report: string } {
  const set = runScenario(name, join(work, name));
  return { set, report: join(set, 'report.html') };
}

describe('the report in Chromium', () => {
  for (const name of scenarios) {
    it(`${name}: loads from disk with no console error and no request, and every figure draws`, { timeout: 600_000 }, async () => {
      const { set, report: file } = resultsOf(name);
      const tables = generatedTables(readFileSync(SCENARIOS_DOC, 'utf8')).filter((g) => g.scenario === name);
      expect(tables.length, `docs/scenarios.md has a generated table of ${name}`).toBeGreaterThan(0);
      for (const t of tables) {
        expect(t.table, `docs/scenarios.md: the table of ${name} (${t.metrics.join(', ')}) is not what swarmlab report prints: node scripts/docs-tables.ts writes it again`).toBe(reportTable(set, t.metrics));
      }
      const html = readFileSync(file, 'utf8');
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'networkidle0' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]);

      // Each figure's data marks (Vega's role-mark groups), counted where the browser laid them out with a size.
      const drawn = await page.$$eval('figure', (figures) =>
        figures.map((f) => {
          const marks = [...f.querySelectorAll('svg g.role-mark > *')].filter((el) => {
            const box = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return box.width > 0 || box.height > 0;
          });
          return { title: f.querySelector('figcaption')?.textContent ?? '', svg: f.querySelector('svg') !== null, marks: marks.length, rows: f.querySelectorAll('tbody tr').length, panel: f.closest('#module-panels') !== null };
        }),
      );
      expect(drawn.length).toBe((html.match(/<figure>/g) ?? []).length);
      expect(drawn.length).toBeGreaterThan(0);
      for (const fig of drawn) {
        if (fig.svg) expect(fig.marks, `${fig.title}: marks drawn`).toBeGreaterThan(0);
        else expect(fig.rows, `${fig.title}: table rows`).toBeGreaterThan(0);
      }
      // The seed systems' modules contribute their views; the queue's modules have none.
      expect(drawn.filter((f) => f.panel).length > 0, 'module panels').toBe(name !== 'mm1-queue');
      expect(html).not.toContain('could not be drawn');
      await page.screenshot({ path: join(artifacts, `report-${name}.png`), fullPage: true });
      await page.close();
    });
  }
});
