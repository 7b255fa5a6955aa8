/** @module `dfp transform`: builds the SQL models in analytics/ from lake tables and commits their outputs. */
import { resolve } from 'node:path';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PROJECT, ingestHint, sourceTablesFor } from '../../transform/defaults.ts';
import type { TransformResult } from '../../transform/run.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

function humanReport(r: TransformResult): string {
  const rows = Object.entries(r.models).map(([name, m]) => [
    name,
    m.status,
    m.materialized,
    m.rows.toLocaleString('en'),
    `${m.tests.passed} passed${m.tests.failed ? `, ${m.tests.failed} failed` : ''}${m.tests.warned ? `, ${m.tests.warned} warned` : ''}`,
    m.seconds.toFixed(2),
  ]);
  const warnings = r.tests.filter((t) => t.status === 'warn').map((t) => `warning: ${t.model}${t.column ? `.${t.column}` : ''} ${t.test}: ${t.message}`);
  const read = Object.entries(r.sources).map(([s, t]) => `read ${s} from lake table ${t} at ${r.read_from.slice(0, 12)}`);
  const tail = r.unchanged ? `nothing changed; ${r.branch} stays at ${r.commit.slice(0, 12)}` : `committed ${r.commit.slice(0, 12)} on ${r.branch}`;
  return [formatTable(['MODEL', 'STATUS', 'AS', 'ROWS', 'TESTS', 'SECONDS'], rows, 60), ...warnings, ...read, tail].join('\n');
}

export function registerTransform(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('transform')
        .description('build the SQL models (staging, features, marts) from lake tables and commit them as lake tables')
        .option('--ref <ref>', 'read the inputs at this branch, tag or commit (default: the head of --branch)')
        .option('--branch <branch>', 'branch the outputs are committed to (default: lake.default_branch)')
        .option('--select <models>', 'comma-separated models to run, each with everything it needs upstream (unchanged ones stay cached)')
        .option('--project <dir>', 'transform project folder holding models/', DEFAULT_PROJECT)
        .argument('[overrides...]', 'key=value config overrides'),
      [
        { line: 'dfp transform' },
        { line: 'dfp transform --select training_apps --json' },
        { line: 'dfp transform data=kronodroid_emulator', note: 'after `dfp ingest` loaded an emulator file' },
        { line: 'dfp lake branch create experiment --from main~1 && dfp transform --branch experiment', note: 'rebuild an older ingest on a branch' },
      ],
      `
A model is rebuilt when its SQL or the content of a table it reads changed; otherwise it is "cached".
The raw apps come from the lake table data.table: kronodroid_real by default, kronodroid_emulator with
data=kronodroid_emulator (switching rebuilds every model).
Schema tests (schema.yml) run after the builds; a failing test commits nothing and exits non-zero.`,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const [{ engineOptions }, { openLake }, { runTransform }] = await Promise.all([
        import('../../engine/duckdb/connection.ts'),
        import('../../lake/open.ts'),
        import('../../transform/run.ts'),
      ]);
      const lake = await openLake(ctx.config);
      try {
        const result = await runTransform({
          lake,
          project: resolve(String(opts.project)),
          branch: opts.branch === undefined ? ctx.config.lake.default_branch : String(opts.branch),
          ...(opts.ref === undefined ? {} : { ref: String(opts.ref) }),
          select: opts.select === undefined ? [] : String(opts.select).split(',').map((s) => s.trim()).filter(Boolean),
          engine: engineOptions(ctx.config),
          workDir: join(resolve(ctx.config.workspace), 'tmp'),
          progress: ctx.progress,
          sourceTables: sourceTablesFor(ctx.config),
          loadHint: ingestHint(ctx.config.data.table),
        });
        ctx.log.info({ commit: result.commit, models: Object.keys(result.models).length }, 'transform done');
        return { result, human: humanReport(result) };
      } finally {
        await lake.close();
      }
    }),
  );
}
