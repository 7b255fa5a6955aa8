/** @module `dfp runs …`: list and inspect tracked runs, and push runs kept offline to the MLflow server. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import type { Run, Tracking } from '../../core/tracking/index.ts';
import { type CommandContext, type CommandOutput, defineAction, toJson, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const OVERRIDES: [string, string] = ['[overrides...]', 'key=value config overrides, e.g. tracking.uri=http://127.0.0.1:5000'];

export async function withTracking(ctx: CommandContext, fn: (t: Tracking) => Promise<CommandOutput>): Promise<CommandOutput> {
  const { openTracking } = await import('../../tracking/open.ts');
  const t = await openTracking(ctx.config);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

function duration(r: Run): string {
  if (!r.info.endTime) return '';
  const s = Math.round((r.info.endTime - r.info.startTime) / 1000);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

function metricsText(metrics: Record<string, number>, max = 3): string {
  const e = Object.entries(metrics);
  const shown = e.slice(0, max).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`);
  return e.length > max ? `${shown.join(' ')} …` : shown.join(' ');
}

function showText(r: Run, backend: string): string {
  const kv = (o: Record<string, string | number>) => (Object.keys(o).length ? Object.entries(o).map(([k, v]) => `  ${k} = ${v}`).join('\n') : '  (none)');
  const lines = [
    `run         ${r.info.runId}${r.tags['dfp.sync'] === 'pending' ? '   (kept locally, not yet on the server: `dfp runs sync`)' : ''}`,
    `name        ${r.info.runName}`,
    `experiment  ${r.info.experimentId}   (${backend})`,
    `status      ${r.info.status}`,
    `started     ${when(r.info.startTime)}`,
    `ended       ${when(r.info.endTime) || '-'}`,
    `artifacts   ${r.info.artifactUri}`,
    'params',
    kv(r.params),
    'metrics (latest)',
    kv(r.metrics),
    'inputs',
    r.inputs.length ? r.inputs.map((d) => `  ${d.context ?? 'input'}: ${d.table} @ ${d.commit.slice(0, 12)} digest ${d.digest.slice(0, 12)}${d.rows !== undefined ? ` (${d.rows} rows)` : ''}`).join('\n') : '  (none)',
    'tags',
    kv(Object.fromEntries(Object.entries(r.tags).filter(([k]) => !k.startsWith('mlflow.')))),
  ];
  return lines.join('\n');
}

function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new DfpError('USAGE', `${flag} must be a positive whole number, got '${String(value)}'`);
  return n;
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('tracked training runs: params, metrics, dataset inputs and artifacts (embedded store or MLflow)')
    .addHelpText('after', '\nThe backend is the embedded store in the workspace unless tracking.uri (or MLFLOW_TRACKING_URI) is an MLflow server URL.');

  withCommonOptions(
    withExamples(
      runs
        .command('list')
        .description('runs, newest first')
        .option('--experiment <name>', 'only runs of this experiment')
        .option('-n, --limit <n>', 'show at most n runs (default 20)')
        .argument(...OVERRIDES),
      [
        { line: 'dfp runs list' },
        { line: 'dfp runs list --experiment dfp -n 5 --json' },
        { line: 'dfp runs list tracking.uri=http://127.0.0.1:5000', note: 'the runs of an MLflow server', needs: 'mlflow' },
      ],
    ),
  ).action(
    defineAction((ctx, _args, opts) =>
      withTracking(ctx, async (t) => {
        const limit = opts.limit === undefined ? 20 : positiveInt(opts.limit, '--limit');
        // A run whose process died is not running: end it FAILED before listing (src/tracking/stale.ts).
        const { failStaleRuns, staleNote } = await import('../../tracking/stale.ts');
        for (const r of await failStaleRuns(t)) process.stderr.write(`dfp: note: ${staleNote(r)}\n`);
        const list = await t.searchRuns({ experiment: opts.experiment === undefined ? undefined : String(opts.experiment), maxResults: limit });
        const human = list.length
          ? formatTable(
              ['RUN', 'NAME', 'STATUS', 'STARTED', 'TIME', 'METRICS'],
              list.map((r) => [r.info.runId + (r.tags['dfp.sync'] === 'pending' ? '*' : ''), r.info.runName, r.info.status, when(r.info.startTime), duration(r), metricsText(r.metrics)]),
              60,
            ) + (list.some((r) => r.tags['dfp.sync'] === 'pending') ? '\n* kept locally; push with `dfp runs sync`' : '')
          : `no runs in ${t.location}${opts.experiment ? ` for experiment '${String(opts.experiment)}'` : ''}`;
        return { result: { backend: t.kind, location: t.location, runs: list }, human };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      runs
        .command('show')
        .description('one run: params, latest metrics, dataset inputs (lake commit, table, digest), tags and artifacts')
        .argument('<run_id>', 'run id (an MLflow run id, or the local id of a run kept offline)')
        .argument(...OVERRIDES),
      [{ line: 'dfp runs show <run_id>', note: 'a RUN of `dfp runs list`' }, { line: 'dfp runs show <run_id> --json' }],
    ),
  ).action(
    defineAction((ctx, args) =>
      withTracking(ctx, async (t) => {
        const id = args[0];
        if (!id) throw new DfpError('USAGE', 'missing <run_id>; list runs with `dfp runs list`');
        const run = await t.getRun(id);
        const artifacts = await t.listArtifacts(run.info.runId).catch(() => []);
        const human = `${showText(run, `${t.kind} ${t.location}`)}\nartifacts\n${artifacts.length ? artifacts.map((a) => `  ${a.path}${a.isDir ? '/' : ''}`).join('\n') : '  (none)'}`;
        return { result: { run, artifacts }, human };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      runs
        .command('sync')
        .description('push runs kept locally while the MLflow server was unreachable (safe to repeat: nothing is sent twice)')
        .argument(...OVERRIDES),
      [
        { line: 'dfp runs sync', note: 'with the embedded store: says there is nothing to sync' },
        { line: 'dfp runs sync tracking.uri=http://127.0.0.1:5000', needs: 'mlflow' },
        { line: 'MLFLOW_TRACKING_URI=http://127.0.0.1:5000 dfp runs sync --json', needs: 'mlflow' },
      ],
    ),
  ).action(
    defineAction((ctx) =>
      withTracking(ctx, async (t) => {
        if (t.kind !== 'mlflow') {
          return { result: { backend: t.kind, pushed: [], failed: [], pending: 0 }, human: `nothing to sync: runs go to the embedded store ${t.location} (set tracking.uri to an MLflow server to mirror them)` };
        }
        const report = await t.sync();
        const pending = await t.pendingRuns();
        const lines = [
          ...report.pushed.map((p) => `pushed ${p.localId} → MLflow run ${p.remoteId}`),
          ...report.failed.map((f) => `failed ${f.localId}: ${f.error}`),
          report.pushed.length + report.failed.length === 0 ? `nothing to sync: ${t.location} has every run` : `${pending} run(s) still pending`,
        ];
        if (report.failed.length) {
          throw new DfpError('NETWORK', `${report.failed.length} run(s) could not be pushed: ${toJson(report.failed)}`, { ...report, pending });
        }
        return { result: { backend: t.kind, location: t.location, ...report, pending }, human: lines.join('\n') };
      }),
    ),
  );
}
