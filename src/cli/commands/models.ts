/** @module `dfp models …`: the model registry — list models, show versions and aliases, register a run's model, promote a version. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { STAGES, type Stage } from '../../core/tracking/types.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';
import { withTracking } from './runs.ts';

const OVERRIDES: [string, string] = ['[overrides...]', 'key=value config overrides, e.g. tracking.uri=http://127.0.0.1:5000'];
const when = (ms: number) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('registered models: versions (source run, status, description, tags), aliases (production, candidate, …) and stages')
    .addHelpText('after', '\nModel URIs: runs:/<run_id>/model, models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<Stage>.');

  withCommonOptions(withExamples(
    models
      .command('list')
      .description('registered models with their latest version and aliases')
      .argument(...OVERRIDES),
    [{ line: 'dfp models list' }, { line: 'dfp models list --json' }],
  )).action(
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

  withCommonOptions(withExamples(
    models
      .command('show')
      .description('one model: its versions (newest first) with stage, aliases, source run and status')
      .argument('<name>', 'registered model name')
      .argument(...OVERRIDES),
    [{ line: 'dfp models show kronodroid_detector' }, { line: 'dfp models show kronodroid_autoencoder --json' }],
  )).action(
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

  withCommonOptions(withExamples(
    models
      .command('register')
      .description("register a run's logged model as a new version (MLflow's register_model): creates the model if missing")
      .argument('<model>', 'runs:/<run_id>/model, a bare run id (its logged model at runs:/<run_id>/model), or models:/<name>/<version>')
      .option('--name <name>', 'registered model name, e.g. kronodroid_detector (required)')
      .option('--alias <alias>', 'also point this alias at the new version, e.g. candidate or production')
      .option('--description <text>', 'description of the new version')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nThe version records its source run; `dfp train --register` registers with champion/challenger instead (as `dfp run`).'),
    [
      { line: 'dfp models register <run_id> --name kronodroid_detector --alias candidate', note: 'a RUN of `dfp runs list`' },
      { line: 'dfp models register runs:/<run_id>/model --name kronodroid_detector --json' },
    ],
  )).action(
    defineAction((ctx, args, opts) =>
      withTracking(ctx, async (t) => {
        const [spec] = args;
        if (!spec) throw new DfpError('USAGE', 'usage: dfp models register <runs:/<run_id>/model | run_id> --name <name>');
        const uri = /^(runs|models):\//.test(spec) ? spec : /^[\w-]+$/.test(spec) ? `runs:/${spec}/model` : '';
        if (!uri) throw new DfpError('USAGE', `'${spec}' is neither a run id nor a model URI (runs:/<run_id>/model, models:/<name>/<version>)`);
        if (typeof opts.name !== 'string') throw new DfpError('USAGE', 'give the registered model name with --name, e.g. --name kronodroid_detector');
        const name = opts.name;
        const alias = opts.alias === undefined ? null : String(opts.alias);
        const { checkAlias, checkModelName, registerModel } = await import('../../core/tracking/index.ts');
        // Every input is checked before anything is written: a refused registration leaves the registry as it was.
        checkModelName(name);
        if (alias !== null) checkAlias(alias);
        const existed = await t.getRegisteredModel(name).then(
          () => true,
          (e: unknown) => {
            if (e instanceof DfpError && e.code === 'NOT_FOUND') return false;
            throw e;
          },
        );
        let v = await registerModel(t, name, uri, opts.description === undefined ? {} : { description: String(opts.description) });
        if (alias !== null) {
          await t.setAlias(name, alias, v.version);
          v = { ...v, aliases: [...new Set([...v.aliases, alias])] };
        }
        const human = [
          `${name} version ${v.version}${existed ? '' : ' (new registered model)'} ← ${uri}${v.runId && !uri.includes(v.runId) ? ` (run ${v.runId})` : ''}`,
          alias === null ? `no alias set; serve it with \`dfp models promote ${name} ${v.version} --alias production\`` : `${name}@${alias} → version ${v.version}`,
        ].join('\n');
        return { result: { name, model_uri: uri, created_model: !existed, alias, version: v }, human };
      }),
    ),
  );

  withCommonOptions(withExamples(
    models
      .command('promote')
      .description('point an alias (default production) at a version; --stage also moves the legacy stage')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number')
      .option('--alias <alias>', 'alias to set, e.g. production or candidate', 'production')
      .option('--stage <stage>', `also transition the version to a stage (${STAGES.join(', ')}), archiving others in it`)
      .argument(...OVERRIDES),
    [
      { line: 'dfp models promote kronodroid_detector 1 --alias production' },
      { line: 'dfp models promote kronodroid_autoencoder 1 --alias candidate --json' },
      { line: 'dfp models promote kronodroid_autoencoder 1 --stage Production', note: 'also the legacy MLflow stage' },
    ],
  )).action(
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
