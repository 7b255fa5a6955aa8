// Dashboard first-load benchmark: the real `dfp serve` on a workspace built from the real KronoDroid 2019 subset
// (the e2e harness and workspace), Debian's Chromium, loopback. For every page the e2e test visits: navigation
// start → the page's data rendered (the e2e test's selectors), in a fresh browser profile (cold cache) and on a
// reload in that same profile (warm cache), pages round-robin, N repeats; median and p90 per page against the
// dashboard issue's target (< 1 s per page on loopback). Rewrites the '## Dashboard first load' section of bench/RESULTS.md.
// Usage: node --import tsx bench/dashboard/run.ts [--repeats N] [--no-write]   (DFP_BENCH_FRESH=1 rebuilds the workspace)
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { REAL_2019 } from '../../tests/support/shared-data.ts';
import { CHROMIUM, ensureUiBuilt, firstLoad, launchBrowser, startServer, watchErrors } from '../../tests/e2e/harness.ts';
import { type Workspace, buildWorkspace } from '../../tests/e2e/workspace.ts';
import { markdownTable, writeSection } from '../lib/results.ts';

const SECTION = 'Dashboard first load';
const TARGET_MS = 1000;
const WORK = resolve(import.meta.dirname, '../.work/dashboard');
const HOME = join(WORK, 'ws');
const PROFILES = join(WORK, 'profiles');

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REPEATS = opt('--repeats', 5);
const WRITE = !args.includes('--no-write');

function log(m: string): void {
  process.stderr.write(`bench:dashboard ${m}\n`);
}

interface PageSpec {
  name: string;
  path: string;
  /** The element whose appearance means the page's data is rendered (as in tests/e2e/dashboard.test.ts). */
  ready: string;
}

/** The pages tests/e2e/dashboard.test.ts times, with its URLs and "data rendered" selectors. */
function pages(ws: Workspace): PageSpec[] {
  return [
    { name: 'overview', path: '/', ready: '[data-testid=head-commit]' },
    { name: 'data', path: '/data', ready: '[data-testid=preview-count]' },
    { name: 'features', path: '/features', ready: '[data-testid=registry-version]' },
    { name: 'experiments', path: '/experiments', ready: `text=${ws.classifierRun}` },
    { name: 'run detail', path: `/experiments/${ws.autoencoderRun}`, ready: '.recharts-surface' },
    { name: 'compare', path: `/experiments?compare=${ws.autoencoderRun},${ws.classifierRun}`, ready: 'h1:has-text("Compare 2 runs")' },
    { name: 'models', path: '/models', ready: '.markdown h1' },
    { name: 'score', path: `/score?sha256=${ws.malwareSha}`, ready: '[data-testid=model-info]' },
  ];
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
const median = (xs: number[]): number => percentile(xs, 50);
const ms = (x: number): string => x.toFixed(0);
const load1 = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** Warm reload: the same page reloaded in the profile that just loaded it (HTTP cache and compiled code kept). */
async function reload(page: Page, ready: string): Promise<number> {
  await page.reload({ waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
  return page.evaluate(() => performance.now());
}

/**
 * One cold load and one warm reload of url in a fresh Chromium profile. launchBrowser() puts the profile in
 * os.tmpdir(); pointing TMPDIR at bench/.work keeps the profiles out of /tmp and lets them be removed after each use.
 */
async function coldAndWarm(url: string, ready: string, errors: string[]): Promise<{ cold: number; warm: number }> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = PROFILES;
  const browser = await launchBrowser().finally(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const seen = watchErrors(page);
    const cold = await firstLoad(page, url, ready);
    const warm = await reload(page, ready);
    errors.push(...seen);
    return { cold, warm };
  } finally {
    await browser.close();
    for (const d of readdirSync(PROFILES)) rmSync(join(PROFILES, d), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const missing = [
    !existsSync(REAL_2019) && `${REAL_2019} not found: the benchmark needs the real KronoDroid subset from ../shared`,
    !existsSync(CHROMIUM) && `${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)`,
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length) {
    for (const m of missing) console.error(`bench:dashboard: ${m}`);
    console.error('bench:dashboard: nothing measured, bench/RESULTS.md left unchanged');
    process.exit(1);
  }
  if (!Number.isInteger(REPEATS) || REPEATS < 1) throw new Error('--repeats must be a positive integer');

  if (process.env.DFP_BENCH_FRESH === '1') rmSync(HOME, { recursive: true, force: true });
  const reused = existsSync(join(HOME, 'e2e.json'));
  log(reused ? `reusing the workspace in ${HOME} (DFP_BENCH_FRESH=1 rebuilds it)` : `building the e2e workspace in ${HOME} (dfp run on the real 2019 subset; cached for later runs)`);
  const ws = await buildWorkspace(HOME);
  ensureUiBuilt();
  mkdirSync(PROFILES, { recursive: true });

  const specs = pages(ws);
  const loadStart = load1();
  const loadSamples: number[] = [];
  const serverFirst: Record<string, number> = {};
  const cold: Record<string, number[]> = Object.fromEntries(specs.map((s) => [s.name, []]));
  const warm: Record<string, number[]> = Object.fromEntries(specs.map((s) => [s.name, []]));
  const errors: string[] = [];
  log(`load average at start ${loadStart}`);

  const server = await startServer(HOME);
  try {
    // Pass 0: the server's first request for each page (what the e2e test used to time), not in the statistics.
    for (const s of specs) {
      const r = await coldAndWarm(`${server.url}${s.path}`, s.ready, errors);
      serverFirst[s.name] = r.cold;
      log(`warm-up ${s.name.padEnd(12)} server-first cold ${ms(r.cold).padStart(5)} ms`);
    }
    for (let rep = 1; rep <= REPEATS; rep++) {
      for (const s of specs) {
        const r = await coldAndWarm(`${server.url}${s.path}`, s.ready, errors);
        cold[s.name]!.push(r.cold);
        warm[s.name]!.push(r.warm);
        loadSamples.push(loadavg()[0]!);
        log(`run ${rep}/${REPEATS} ${s.name.padEnd(12)} cold ${ms(r.cold).padStart(5)} ms  warm ${ms(r.warm).padStart(5)} ms  (load ${loadavg()[0]!.toFixed(2)})`);
      }
    }
  } finally {
    await server.stop();
    rmSync(PROFILES, { recursive: true, force: true });
  }
  const loadEnd = load1();

  const met = (x: number) => (x < TARGET_MS ? 'met' : '**not met**');
  const rows = specs.map((s) => {
    const c = cold[s.name]!;
    const w = warm[s.name]!;
    return [s.name, `\`${s.path.length > 40 ? `${s.path.slice(0, 37)}…` : s.path}\``, ms(serverFirst[s.name]!), ms(median(c)), ms(percentile(c, 90)), ms(median(w)), ms(percentile(w, 90)), met(percentile(c, 90))];
  });
  const allMet = specs.every((s) => percentile(cold[s.name]!, 90) < TARGET_MS);
  const worst = specs.reduce((a, b) => (percentile(cold[a.name]!, 90) >= percentile(cold[b.name]!, 90) ? a : b));
  const uniqueErrors = [...new Set(errors)];
  const body = [
    `\`npm run bench:dashboard\`: the real \`dfp serve\` (scoring API + dashboard on one port, \`web/dist\` build) on the e2e workspace`,
    `(\`dfp run\` on the real KronoDroid 2019 subset plus two registered models, \`tests/e2e/workspace.ts\`), Debian Chromium ${CHROMIUM} headless, loopback.`,
    `A load is navigation start → the page's data rendered (the element the e2e test waits for; \`performance.now()\` in the page).`,
    `Cold: a fresh Chromium profile (empty cache) per load; warm: a reload of the page in that profile right after.`,
    `${REPEATS} repeats, pages round-robin, after one unrecorded pass that is the server's first request for each page (its cold time shown for context).`,
    `p90 is nearest-rank: run ${Math.ceil(0.9 * REPEATS)} of ${REPEATS} sorted fastest first${Math.ceil(0.9 * REPEATS) === REPEATS ? ', i.e. the slowest' : ''}. Load average (1, 5, 15 min) at start ${loadStart}, at end ${loadEnd};`,
    `1-min load average sampled after each measured page: ${Math.min(...loadSamples).toFixed(2)}–${Math.max(...loadSamples).toFixed(2)} (on ${cpus().length} cores; other work on the machine shows here).`,
    '',
    markdownTable(['page', 'URL', 'server-first cold ms', 'cold median ms', 'cold p90 ms', 'warm median ms', 'warm p90 ms', `target < ${TARGET_MS} ms (cold p90)`], rows),
    '',
    `Target (dashboard issue): first load under 1 s per page on loopback. ${allMet ? `**Met** by every page: slowest cold p90 ${ms(percentile(cold[worst.name]!, 90))} ms (${worst.name}).` : `**Not met** by ${specs.filter((s) => percentile(cold[s.name]!, 90) >= TARGET_MS).map((s) => s.name).join(', ')} (cold p90).`}`,
    `Cold runs per page (ms): ${specs.map((s) => `${s.name} ${cold[s.name]!.map(ms).join(', ')}`).join('; ')}.`,
    uniqueErrors.length ? `Console errors seen: ${uniqueErrors.slice(0, 5).join(' | ')}.` : 'No console errors on any load.',
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (WRITE) writeSection(SECTION, body);
  else log('--no-write: bench/RESULTS.md left unchanged');
}

await main();
