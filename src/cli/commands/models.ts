/** @module `dfp models …`: the model registry — list models, show versions and aliases, promote a version. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { STAGES, type Stage } from '../../core/tracking/types.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { formatTable } from '../table.ts';
import { withTracking } from './runs.ts';

const OVERRIDES: [string, string] = ['[overrides...]', 'key=value config overrides, e.g. tracking.uri=http://127.0.0.1:5000'];
const when = (ms: number) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('registered models: versions (source run, status, description, tags), aliases (production, candidate, …) and stages')
    .addHelpText('after', '\nModel URIs: runs:/<run_id>/model, models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<Stage>.');

  withCommonOptions(
    models
      .command('list')
      .description('registered models with their latest version and aliases')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp models list\n  dfp models list --json'),
  ).action(
    defineAction((ctx) =>
      withTracking(ctx, async (t) => {
        const list = await t.listRegisteredModels();
        const human = list.length
          ? formatTable(
              ['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
              list.map((m) => [m.name, m.latestVersion ?? '-', Object.entries(m.aliases).map(([a, v]) => `${a}→${v}`).join(' '), when(m.updatedAt), m.description]),
              60,
            )
          : `no registered models in ${t.location}`;
        return { result: { backend: t.kind, location: t.location, models: list }, human };
      }),
    ),
  );

  withCommonOptions(
    models
      .command('show')
      .description('one model: its versions (newest first) with stage, aliases, source run and status')
      .argument('<name>', 'registered model name')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp models show kronodroid_autoencoder\n  dfp models show kronodroid_autoencoder --json'),
  ).action(
    defineAction((ctx, args) =>
      withTracking(ctx, async (t) => {
        const name = args[0];
        if (!name) throw new DfpError('USAGE', 'missing <name>; list models with `dfp models list`');
        const model = await t.getRegisteredModel(name);
        const versions = await t.listModelVersions(name);
        const head = [`model     ${model.name}`, `aliases   ${Object.entries(model.aliases).map(([a, v]) => `${a}→${v}`).join(' ') || '(none)'}`];
        if (model.description) head.push(`about     ${model.description}`);
        const table = formatTable(
          ['VERSION', 'STAGE', 'ALIASES', 'RUN', 'STATUS', 'CREATED', 'DESCRIPTION'],
          versions.map((v) => [v.version, v.stage, v.aliases.join(' '), v.runId ?? '', v.status, when(v.createdAt), v.description]),
          48,
        );
        return { result: { model, versions }, human: `${head.join('\n')}\n\n${versions.length ? table : '(no versions)'}` };
      }),
    ),
  );

  withCommonOptions(
    models
      .command('promote')
      .description('point an alias (default production) at a version; --stage also moves the legacy stage')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number')
      .option('--alias <alias>', 'alias to set, e.g. production or candidate', 'production')
      .option('--stage <stage>', `also transition the version to a stage (${STAGES.join(', ')}), archiving others in it`)
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp models promote kronodroid_autoencoder 3 --alias production\n  dfp models promote kronodroid_autoencoder 4 --alias candidate --json\n  dfp models promote kronodroid_autoencoder 3 --stage Production'),
  ).action(
    defineAction((ctx, args, opts) =>
      withTracking(ctx, async (t) => {
        const [name, version] = args;
        if (!name || !version) throw new DfpError('USAGE', 'usage: dfp models promote <name> <version> --alias <alias>');
        if (!/^\d+$/.test(version)) throw new DfpError('USAGE', `<version> must be a version number, got '${version}'`);
        const alias = String(opts.alias);
        const previous = await t.getVersionByAlias(name, alias);
        const { promote } = await import('../../core/tracking/index.ts');
        let v = await promote(t, name, version, alias);
        if (opts.stage !== undefined) {
          const stage = STAGES.find((s) => s.toLowerCase() === String(opts.stage).toLowerCase());
          if (!stage) throw new DfpError('USAGE', `--stage must be one of ${STAGES.join(', ')}, got '${String(opts.stage)}'`);
          v = { ...(await t.transitionStage(name, version, stage as Stage, true)), aliases: v.aliases };
        }
        const moved = previous ? (previous.version === version ? ' (already there)' : ` (was ${previous.version})`) : '';
        return {
          result: { name, alias, version: v, previous: previous?.version ?? null },
          human: `${name}@${alias} → version ${version}${moved}${opts.stage !== undefined ? `; stage ${v.stage}` : ''}`,
        };
      }),
    ),
  );
}
