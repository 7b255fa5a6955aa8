// The dashboard in a real Chromium over a workspace built from the real KronoDroid 2019 subset: every page shows the
// workspace's actual numbers without console errors, promotion needs the key, scoring shows score and top features.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { parseCsv } from '../../src/dashboard/api/score-input.ts';
import type { ScoreResponse } from '../../src/dashboard/types.ts';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';
import { API_KEY, CHROMIUM, OUT, ensureUiBuilt, firstLoad, launchBrowser, type Server, startServer, watchErrors } from './harness.ts';
import { MODEL, type Workspace, buildWorkspace } from './workspace.ts';

const f4 = (x: number) => x.toFixed(4);
const short = (id: string) => id.slice(0, 12);

describe('dfp dashboard in Chromium', { timeout: 600_000 }, () => {
  let ws: Workspace | undefined;
  let server: Server | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let errors: string[] = [];
  let home = '';
  const timings: Record<string, number> = {};

  /** Skips (visibly) when the real data or Chromium is missing; otherwise the shared fixtures are ready. */
  function need(t: TestContext): boolean {
    if (!haveRealData(t)) return false;
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)`);
      return false;
    }
    assert.ok(ws && server && browser, 'fixtures failed to start (see the before hook)');
    return true;
  }

  async function shot(name: string): Promise<void> {
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  }

  function noConsoleErrors(where: string): void {
    assert.deepEqual(errors, [], `console errors on ${where}`);
    errors = [];
  }

  before(async () => {
    if (!existsSync(REAL_2019) || !existsSync(CHROMIUM)) return;
    home = mkdtempSync(join(tmpdir(), 'dfp-e2e-ui-'));
    ws = await buildWorkspace(home);
    ensureUiBuilt();
    server = await startServer(home);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    errors = watchErrors(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (Object.keys(timings).length) {
      const lines = Object.entries(timings).map(([p, ms]) => `  ${p.padEnd(12)} ${ms.toFixed(0).padStart(5)} ms`);
      // Diagnostic only: the speed target (< 1 s per page) is measured and judged by `npm run bench:dashboard`.
      console.log(`first load on loopback (navigation start → page data rendered; not asserted, see npm run bench:dashboard):\n${lines.join('\n')}`);
      mkdirSync(OUT, { recursive: true });
      writeFileSync(join(OUT, 'first-load.json'), `${JSON.stringify(timings, null, 1)}\n`);
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('overview: last dfp run, lake head, production models and latest runs', async (t) => {
    if (!need(t)) return;
    timings.overview = await firstLoad(page, `${server!.url}/`, '[data-testid=head-commit]');
    assert.equal(await page.locator('[data-testid=head-commit]').textContent(), short(ws!.transformCommit));
    const text = await page.locator('main').innerText();
    assert.match(text, /training_apps: 1,622 rows/);
    assert.match(text, /kronodroid_real: 1,622 rows/);
    assert.match(text, new RegExp(`${MODEL}\\s+v1 \\(autoencoder\\)`));
    assert.ok(text.includes(f4(ws!.autoencoderF1)), `production F1 ${f4(ws!.autoencoderF1)} shown`);
    assert.ok(text.includes(`classifier-${ws!.transformCommit.slice(0, 8)}`), 'latest runs listed');
    assert.match(text, /Last pipeline run\s+succeeded/);
    for (const step of ws!.pipelineSteps) assert.ok(text.includes(step), `dfp run step ${step} shown`);
    // The retraining decisions of that run: a fresh workspace has no champion, so each first model is promoted.
    const decisions = await page.locator('table', { has: page.locator('caption', { hasText: 'Retraining decisions' }) }).innerText();
    for (const name of ['kronodroid_autoencoder', 'kronodroid_detector', 'kronodroid_detector_static']) assert.match(decisions, new RegExp(`${name}\\s+v1\\s+roc_auc\\s+\\d\\.\\d{4}\\s+–\\s+promoted\\s+no production version yet`), decisions);
    assert.match(text, /kronodroid_detector\s+v1 \(classifier\)/, 'the model dfp run registered');
    await shot('overview');
    await page.setViewportSize({ width: 420, height: 850 });
    await shot('overview-narrow');
    await page.setViewportSize({ width: 1366, height: 850 });
    noConsoleErrors('overview');
  });

  test('data: refs, log with metadata, diff, paged preview at 1,622 rows, quarantine', async (t) => {
    if (!need(t)) return;
    timings.data = await firstLoad(page, `${server!.url}/data`, '[data-testid=preview-count]');
    assert.match(await page.locator('[data-testid=preview-count]').innerText(), /training_apps @ \S+: rows 1–25 of 1,622/);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('rows 26–50 of 1,622').waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(short(ws!.ingestCommit)) && text.includes(short(ws!.transformCommit)), 'both commits in the log');
    assert.match(await page.getByTestId('ingest-summary').innerText(), /1,622 rows read, 1,622 loaded, 0 quarantined/);
    // Default diff: the ingest commit → the transform commit, which added the transform's tables.
    const diff = page.getByRole('table', { name: /Tables changed from/ });
    await diff.waitFor();
    assert.match(await diff.innerText(), /training_apps\s+added\s+0\s+1,622/);
    await shot('data');
    noConsoleErrors('data');
  });

  test('features: registry version, views with 1,622 apps online, one app looked up', async (t) => {
    if (!need(t)) return;
    timings.features = await firstLoad(page, `${server!.url}/features`, '[data-testid=registry-version]');
    assert.equal(await page.getByTestId('registry-version').textContent(), short(ws!.registryVersion));
    const views = await page.getByRole('table', { name: 'Feature views and their online-store state' }).innerText();
    for (const v of ['syscalls', 'permissions', 'static']) assert.match(views, new RegExp(`${v}\\s+\\w+\\s+[\\d,]+\\s+none\\s+1,622`));
    await page.getByLabel('App sha256').fill(ws!.malwareSha);
    await page.getByRole('button', { name: 'Look up' }).click();
    assert.match(await page.getByTestId('lookup-status').innerText(), /^PRESENT 489 features/);
    await shot('features');
    noConsoleErrors('features');
  });

  test('experiments: runs table, filter, run detail with curves and plots, compare', async (t) => {
    if (!need(t)) return;
    timings.experiments = await firstLoad(page, `${server!.url}/experiments`, `text=${ws!.classifierRun}`);
    const table = page.getByRole('table', { name: /Tracked runs/ });
    assert.ok((await table.innerText()).includes(ws!.autoencoderRun));
    // Three classifier runs: the detector and the static-only detector `dfp run` trained, and the one trained for the promotion test.
    await page.getByLabel('Filter runs').fill('classifier');
    assert.equal(await table.locator('tbody tr').count(), 3);
    await page.getByLabel('Filter runs').fill(ws!.classifierRun);
    assert.equal(await table.locator('tbody tr').count(), 1);
    await page.getByLabel('Filter runs').fill('');
    await shot('experiments');

    timings.run = await firstLoad(page, `${server!.url}/experiments/${ws!.autoencoderRun}`, '.recharts-surface');
    assert.equal(await page.getByTestId('run-id').textContent(), ws!.autoencoderRun);
    const metrics = await page.getByRole('table', { name: 'Metrics (latest value)' }).innerText();
    assert.match(metrics, new RegExp(`test_f1\\s+${f4(ws!.autoencoderF1)}`));
    assert.ok((await page.locator('.recharts-line').count()) >= 2, 'train and validation loss curves drawn');
    const plots = page.locator('.plots img');
    assert.equal(await plots.count(), 3);
    // (A string: the root tsconfig has no DOM types.)
    await page.waitForFunction("[...document.querySelectorAll('.plots img')].every((i) => i.complete && i.naturalWidth > 0)");
    await shot('run-detail');
    noConsoleErrors('run detail');

    timings.compare = await firstLoad(page, `${server!.url}/experiments?compare=${ws!.autoencoderRun},${ws!.classifierRun}`, 'h1:has-text("Compare 2 runs")');
    const side = await page.getByRole('table', { name: 'Metrics side by side' }).innerText();
    assert.match(side, new RegExp(`test_f1\\s+${f4(ws!.autoencoderF1)}\\s+${f4(ws!.classifierF1)}`));
    assert.match(await page.getByRole('table', { name: 'Parameters that differ' }).innerText(), /model\.name\s+autoencoder\s+classifier/);
    await shot('compare');
    noConsoleErrors('compare');
  });

  test('score: a real app by sha256 shows its score, verdict and top features; JSON and CSV inputs work', async (t) => {
    if (!need(t)) return;
    timings.score = await firstLoad(page, `${server!.url}/score?sha256=${ws!.malwareSha}`, '[data-testid=model-info]');
    // The number the page must show: the same request straight to the API.
    const api = (await (await fetch(`${server!.url}/api/ui/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha256: ws!.malwareSha }) })).json()) as ScoreResponse;
    await page.getByRole('button', { name: 'Score', exact: true }).click();
    await page.getByTestId('score').waitFor();
    assert.equal(await page.getByTestId('score').textContent(), api.score.toFixed(6));
    assert.equal(await page.getByTestId('threshold').textContent(), api.threshold.toFixed(6));
    assert.equal(await page.getByTestId('verdict').textContent(), api.is_malware ? 'Flagged as malware' : 'Looks benign');
    assert.ok(api.top_features.length > 0);
    assert.ok((await page.locator('.recharts-bar-rectangle').count()) >= api.top_features.length, 'one bar per top feature');
    assert.ok((await page.locator('.result').innerText()).includes(api.top_features[0]!.name));
    await shot('score');
    await page.setViewportSize({ width: 420, height: 850 });
    await shot('score-narrow');
    await page.setViewportSize({ width: 1366, height: 850 });

    await page.getByLabel('JSON feature object').check();
    await page.getByLabel(/Features as JSON/).fill('{"read": 1200, "INTERNET": 1, "nonsense": 3}');
    await page.getByRole('button', { name: 'Score', exact: true }).click();
    await page.getByText('ignored fields: nonsense').waitFor();

    // A CSV export row: the header and the app's raw record from the source file (its Package holds a newline).
    const records = parseCsv(readFileSync(REAL_2019, 'utf8'));
    const row = records.find((r) => r.includes(ws!.malwareSha));
    assert.ok(row);
    const csvLine = (r: string[]) => r.map((v) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');
    await page.getByLabel('CSV row').check();
    await page.getByLabel(/CSV file/).setInputFiles({ name: 'app.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csvLine(records[0]!)}\n${csvLine(row)}\n`) });
    await page.waitForFunction("(document.querySelector('textarea')?.value.length ?? 0) > 100");
    await page.getByRole('button', { name: 'Score', exact: true }).click();
    // The JSON result before had no app; the CSV row names its sha256.
    await page.locator('.result').getByText(ws!.malwareSha, { exact: true }).waitFor();
    assert.match(await page.getByTestId('score').innerText(), /^\d+\.\d{6}$/);

    // A bad input is a message on the page, not a blank screen.
    await page.getByLabel('JSON feature object').check();
    await page.getByLabel(/Features as JSON/).fill('{"read": ');
    await page.getByRole('button', { name: 'Score', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'the JSON is not valid' }).waitFor();
    noConsoleErrors('score');
  });

  test('models: versions, aliases, model card; promotion refused without the key, moves the alias with it', async (t) => {
    if (!need(t)) return;
    // The workspace is shared by every test: whatever happens here, production is back on v1 afterwards.
    t.after(async () => {
      const res = await fetch(`${server!.url}/api/ui/models/${MODEL}/promote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify({ version: '1', alias: 'production' }),
      });
      assert.equal(res.status, 200, await res.text());
    });
    timings.models = await firstLoad(page, `${server!.url}/models`, '.markdown h1');
    assert.equal(await page.locator('.markdown h1').textContent(), 'Model card: dfp-autoencoder');
    assert.ok((await page.locator('.markdown').innerText()).includes(ws!.autoencoderRun));
    // The card's plots (ROC, PR, histogram) come from the run's artifacts.
    assert.equal(await page.locator('.markdown img').count(), 3);
    await page.waitForFunction("[...document.querySelectorAll('.markdown img')].every((i) => i.complete && i.naturalWidth > 0)");
    assert.equal(await page.getByTestId('aliases-v1').textContent(), 'production');
    assert.equal(await page.getByTestId('aliases-v2').textContent(), 'candidate');
    const duel = await page.getByRole('table', { name: /Champion \(production now\) and challenger \(v2\)/ }).innerText();
    assert.match(duel, new RegExp(`test_f1\\s+${f4(ws!.autoencoderF1)}\\s+${f4(ws!.classifierF1)}`));
    await shot('models');
    noConsoleErrors('models');

    // No key: refused, alias unchanged. (Chromium logs the 401 response itself as a console error.)
    await page.getByRole('button', { name: 'Promote v2 to production' }).click();
    assert.match(await page.getByTestId('promote-result').innerText(), /^Refused: an API key is required/);
    assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
    errors = [];
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Promote v2 to production' }).click();
    await page.getByText('Refused: wrong API key').waitFor();
    errors = errors.filter((e) => !/401/.test(e));
    assert.equal(await page.getByTestId('aliases-v1').textContent(), 'production');

    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Promote v2 to production' }).click();
    await page.getByText(`${MODEL}@production → v2 (was v1)`).waitFor();
    await page.getByTestId('aliases-v2').filter({ hasText: 'production' }).waitFor();
    assert.equal(await page.getByTestId('aliases-v1').textContent(), '–');
    // The registry agrees (and the scoring endpoint now uses v2).
    const info = (await (await fetch(`${server!.url}/api/ui/score/model`)).json()) as { version: string; kind: string };
    assert.deepEqual([info.version, info.kind], ['2', 'classifier']);
    await shot('models-promoted');
    noConsoleErrors('models after promotion');
  });
});
