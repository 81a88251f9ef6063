// Each shipped scenario's report, run with the command in its file, opened
// from disk in a real browser (Debian's chromium, headless, driven over the
// DevTools protocol by puppeteer-core): no console error, no request but the
// file itself, and every figure draws marks. A screenshot of each is kept in
// test-artifacts/ for a person to look at.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'bin/swarmlab.js');
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

/** The scenario's report, from `swarmlab run scenarios/NAME.yaml` into a fresh store. */
function reportOf(name: string): string {
  const store = join(work, name);
  const run = spawnSync(process.execPath, [bin, 'run', join(repo, 'scenarios', `${name}.yaml`), '--store', pathToFileURL(store).href], { cwd: work, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  expect(run.status, run.stderr).toBe(0);
  const path = /^report: +file:\/\/(.+)$/m.exec(run.stdout)?.[1];
  expect(path, run.stdout).toBeDefined();
  return path as string;
}

describe('the report in Chromium', () => {
  for (const name of scenarios) {
    it(`${name}: loads from disk with no console error and no request, and every figure draws`, { timeout: 600_000 }, async () => {
      const file = reportOf(name);
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
