// The e2e harness: starts the dashboard dev server on a workspace and a real Chromium (Debian's, never a downloaded one).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { MODEL } from './workspace.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.DFP_CHROMIUM ?? '/usr/bin/chromium';
export const API_KEY = 'e2e-admin-key';
export const OUT = join(ROOT, 'test-output', 'ui');

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Newest modification time of the web app's sources (web/src, web/index.html, the vite config). */
function newestSource(dir = join(ROOT, 'web', 'src')): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds web/dist when missing or older than its sources (a checkout that gained a page since its last `npm ci`). Both
 * e2e files call it in their before hook; a stale build is rebuilt by the first that gets here (`npm ci` keeps it fresh).
 */
export function ensureUiBuilt(): void {
  const index = join(ROOT, 'web', 'dist', 'index.html');
  const sources = Math.max(newestSource(), ...['index.html', 'vite.config.ts'].map((f) => statSync(join(ROOT, 'web', f)).mtimeMs));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const r = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:web failed: ${r.stderr}`);
}

/** The real `dfp serve` on `home`: scoring API and dashboard on one port; `env` sets its config (default: serve the workspace's MODEL). */
export async function startServer(home: string, env: Record<string, string> = { DFP_SERVE__MODEL: MODEL }): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/dfp.js'), 'serve', 'serve.port=0', 'serve.poll_seconds=0'], {
    cwd: ROOT,
    env: { ...process.env, DFP_HOME: home, DFP_SERVE__API_KEY: API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`dfp serve did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`dfp serve exited (${code}): ${stderr}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

export async function launchBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dfp-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1366, height: 850 },
    // Whatever the machine's LANG and TZ: the page must read the same everywhere.
    locale: 'en-US',
    timezoneId: 'UTC',
  });
}

/** Console errors and uncaught exceptions of a page, for "loads without console errors" checks. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/**
 * Opens url in a fresh navigation and waits until `ready` shows data; returns ms from navigation start.
 * (performance.now() in the page counts from the navigation's time origin.)
 */
export async function firstLoad(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
  return page.evaluate(() => performance.now());
}
