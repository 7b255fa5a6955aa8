// The dashboard's Drift page in a real Chromium over `dfp serve` with both production models (a self-made workspace):
// before any traffic it says how many apps it still needs; after a drifted set of apps is posted to /v1/score/batch it
// shows the drift verdict, the window of recent apps and the drifted features, the numbers GET /v1/drift gives.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { appBodies, writeDriftedCsv } from '../support/drifted-apps.ts';
import { productionWorkspace } from '../support/trainable-workspace.ts';
import { CHROMIUM, OUT, ensureUiBuilt, firstLoad, launchBrowser, type Server, startServer, watchErrors } from './harness.ts';

const WINDOW = 50;
let server: Server | undefined;
let browser: BrowserContext | undefined;
let page: Page;
let errors: string[] = [];
let drifted: Record<string, number>[] = [];

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  const { home } = productionWorkspace();
  drifted = await appBodies(home, writeDriftedCsv(home));
  ensureUiBuilt();
  // The default served models (the detector and the fingerprint autoencoder), a small window to fill.
  server = await startServer(home, { DFP_DRIFT__WINDOW: String(WINDOW) });
  browser = await launchBrowser();
  page = browser.pages()[0] ?? (await browser.newPage());
  errors = watchErrors(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('drift panel: waits for traffic, then shows the drifted features of the posted apps', { timeout: 600_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)`);
  assert.ok(server && browser, 'fixtures failed to start (see the before hook)');
  await firstLoad(page, `${server.url}/drift`, '[data-testid=drift-waiting]');
  assert.match(await page.getByTestId('drift-waiting').innerText(), /^0 app\(s\) scored by kronodroid_detector version 1 so far; drift needs at least 20/);
  // Chromium logs the 409 answer itself as a console error; the page shows it as a state.
  assert.deepEqual(errors.filter((e) => !/409/.test(e)), []);
  errors = [];

  const res = await fetch(`${server.url}/v1/score/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(drifted.slice(0, 70)) });
  assert.equal(res.status, 200, await res.text());
  const api = (await (await fetch(`${server.url}/v1/drift`)).json()) as { drifted: boolean; features: { name: string; drifted: boolean }[] };
  assert.equal(api.drifted, true);

  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByTestId('drift-verdict').waitFor();
  assert.equal(await page.getByTestId('drift-verdict').innerText(), 'DRIFTED');
  assert.equal(await page.getByTestId('drift-window').innerText(), String(WINDOW));
  const table = await page.getByRole('table', { name: 'Features that drifted, largest PSI first' }).innerText();
  const names = api.features.filter((f) => f.drifted).map((f) => f.name);
  for (const f of names) assert.match(table, new RegExp(`^${f}\\s`, 'm'), `${f} listed`);
  for (const f of ['read', 'CAMERA']) assert.ok(names.includes(f), `${f} drifted`);
  assert.match(await page.getByRole('table', { name: /Scores of the served models/ }).innerText(), /kronodroid_detector v1[\s\S]*kronodroid_autoencoder v1/);
  assert.ok((await page.locator('.recharts-bar-rectangle').count()) >= Math.min(15, names.length), 'one bar per drifted feature');
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, 'drift.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no console errors once drift is shown');
});
