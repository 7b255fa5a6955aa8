/** @module `dfp features …`: the feature store — apply the registry, build point-in-time training sets, materialize and read online features. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { appIdProblem, normalizeAppId } from '../../core/kronodroid/app-id.ts';
import type { AppliedRegistry, OnlineStore } from '../../core/features/types.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { type CommandContext, type CommandOutput, defineAction, toJson, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

const OVERRIDES: [string, string] = ['[overrides...]', 'key=value config overrides, e.g. store.online=redis'];

async function withLake<T>(ctx: CommandContext, fn: (lake: ObjectLake) => Promise<T>): Promise<T> {
  const { openLake } = await import('../../lake/open.ts');
  const lake = await openLake(ctx.config);
  try {
    return await fn(lake);
  } finally {
    await lake.close();
  }
}

async function withStore<T>(ctx: CommandContext, fn: (store: OnlineStore) => Promise<T>): Promise<T> {
  const { openOnlineStore } = await import('../../features/online/open.ts');
  const store = await openOnlineStore(ctx.config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;

async function loadApplied(ctx: CommandContext, opts: Record<string, unknown>): Promise<AppliedRegistry> {
  const { RegistryStore } = await import('../../features/registry/store.ts');
  return new RegistryStore(ctx.config.workspace).load(typeof opts.registryVersion === 'string' ? opts.registryVersion : undefined);
}

function date(value: unknown, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new DfpError('USAGE', `${flag} '${String(value)}' is not a date; use ISO-8601, e.g. 2024-01-31 or 2024-01-31T12:00:00Z`);
  return d;
}

export function registerFeatures(program: Command): void {
  const features = program.command('features').description('the feature store: registry, point-in-time datasets, online store');

  withCommonOptions(
    withExamples(
      features
        .command('apply')
        .description('validate the feature registry against the lake and record it under its content-hash version')
        .option('--ref <ref>', 'lake ref to validate against (default: the default branch)')
        .argument(...OVERRIDES),
      [{ line: 'dfp features apply' }, { line: 'dfp features apply --ref main --json' }],
    ),
  ).action(
    defineAction(async (ctx, _args, opts): Promise<CommandOutput> => {
      const ref = typeof opts.ref === 'string' ? opts.ref : ctx.config.lake.default_branch;
      const [{ registryFile }, { applyRegistry }] = await Promise.all([import('../../features/registry/load.ts'), import('../../features/registry/apply.ts')]);
      const file = registryFile(ctx.config);
      const r = await withLake(ctx, (lake) => applyRegistry({ lake, workspace: ctx.config.workspace, file, ref }));
      const views = r.applied.registry.views.map((v) => ({ name: v.name, source: v.source, features: v.features.length, ttl_seconds: v.ttl_seconds }));
      const skipped = Object.entries(r.skipped).map(([v, cols]) => `  ${v}: left out ${cols.length} non-feature column(s): ${cols.join(', ')}`);
      return {
        result: { version: r.applied.version, unchanged: r.unchanged, file, lake_ref: ref, lake_commit: r.applied.lake_commit, views, skipped: r.skipped },
        human: [
          `registry ${r.applied.version.slice(0, 12)} ${r.unchanged ? '(unchanged)' : 'applied'} from ${file}`,
          ...views.map((v) => `  ${v.name.padEnd(12)} ${String(v.features).padStart(4)} features from ${v.source} (ttl ${v.ttl_seconds ? `${v.ttl_seconds}s` : 'none'})`),
          ...skipped,
        ].join('\n'),
      };
    }),
  );

  withCommonOptions(
    withExamples(
      features
        .command('dataset')
        .description('point-in-time correct training set: for each entity row, the latest feature values at or before its timestamp within the TTL')
        .requiredOption('--entities <file>', 'CSV or Parquet with sha256 and event_timestamp (other columns are kept)')
        .requiredOption('--out <file>', 'output Parquet; feature columns are named <view>__<feature>')
        .option('--features <refs>', 'comma-separated view:feature list')
        .option('--views <names>', 'comma-separated views (all their features); default: every view')
        .option('--ref <ref>', 'lake ref to read features from (default: the default branch)')
        .option('--registry-version <v>', 'registry version to use (default: the last applied)')
        .argument(...OVERRIDES),
      [
        { line: 'dfp features dataset --entities entities.csv --views syscalls,static --out train.parquet', note: 'entities.csv: sha256,event_timestamp' },
        { line: 'dfp features dataset --entities entities.csv --features syscalls:read,permissions:INTERNET --out x.parquet --json' },
      ],
    ),
  ).action(
    defineAction(async (ctx, _args, opts): Promise<CommandOutput> => {
      const applied = await loadApplied(ctx, opts);
      const [{ selectFeatures }, { buildDataset }, { engineOptions }] = await Promise.all([
        import('../../features/registry/select.ts'),
        import('../../features/offline/dataset.ts'),
        import('../../engine/duckdb/connection.ts'),
      ]);
      const selection = selectFeatures(applied.registry, { features: list(opts.features), views: list(opts.views) });
      const ref = typeof opts.ref === 'string' ? opts.ref : ctx.config.lake.default_branch;
      const r = await withLake(ctx, (lake) =>
        buildDataset({
          lake,
          ref,
          registry: applied.registry,
          selection,
          entities: resolve(String(opts.entities)),
          out: resolve(String(opts.out)),
          engine: engineOptions(ctx.config),
        }),
      );
      const result = { ...r, registry_version: applied.version, lake_ref: ref };
      const gaps = Object.entries(r.unmatched).filter(([, n]) => n > 0).map(([v, n]) => `${v}: ${n}`).join(', ');
      return {
        result,
        human: `${r.rows} rows × ${r.feature_columns.length} features → ${r.out} (registry ${applied.version.slice(0, 12)}, lake ${r.lake_commit.slice(0, 12)})${gaps ? `\nrows without a value in time: ${gaps}` : ''}`,
      };
    }),
  );

  withCommonOptions(
    withExamples(
      features
        .command('materialize')
        .description('write the latest value per entity into the online store; only new or changed entities are written')
        .option('--start <time>', 'consider only rows with event_timestamp at or after this time')
        .option('--end <time>', 'consider only rows with event_timestamp at or before this time (default: now)')
        .option('--views <names>', 'comma-separated views (default: every view)')
        .option('--ref <ref>', 'lake ref to read (default: the default branch)')
        .option('--full', 'forget what was materialized and write every entity again')
        .argument(...OVERRIDES),
      [{ line: 'dfp features materialize' }, { line: 'dfp features materialize --views syscalls --full --json' }],
    ),
  ).action(
    defineAction(async (ctx, _args, opts): Promise<CommandOutput> => {
      const applied = await loadApplied(ctx, {});
      const ref = typeof opts.ref === 'string' ? opts.ref : ctx.config.lake.default_branch;
      const start = date(opts.start, '--start');
      const end = date(opts.end, '--end');
      const [{ materialize }, { engineOptions }] = await Promise.all([import('../../features/materialize/materialize.ts'), import('../../engine/duckdb/connection.ts')]);
      const reports = await withLake(ctx, (lake) =>
        withStore(ctx, (store) =>
          materialize({
            lake,
            ref,
            store,
            applied,
            workspace: ctx.config.workspace,
            views: list(opts.views),
            ...(start ? { start } : {}),
            ...(end ? { end } : {}),
            full: Boolean(opts.full),
            engine: engineOptions(ctx.config),
            onProgress: (_v, n) => ctx.progress.update(n),
          }),
        ),
      );
      ctx.progress.stop();
      return {
        result: { store: ctx.config.store.online, registry_version: applied.version, views: reports },
        human: reports
          .map((r) => `${r.view.padEnd(12)} written ${r.written}, skipped ${r.skipped}${r.full_reason ? ` (full: ${r.full_reason})` : ''}; watermark ${r.watermark ?? '-'}`)
          .join('\n'),
      };
    }),
  );

  withCommonOptions(
    withExamples(
      features
        .command('get')
        .description('online feature values of one app; status PRESENT, NOT_FOUND or OUTSIDE_MAX_AGE (exit 0 for all)')
        .requiredOption('--entity <sha256>', 'the app: its sha256, 64 hex digits')
        .option('--features <refs>', 'comma-separated view:feature list (default: every feature)')
        .option('--views <names>', 'comma-separated views')
        .argument(...OVERRIDES),
      [
        { line: 'dfp features get --entity <sha256> --features syscalls:read --json', note: "an app's sha256 (64 hex digits)" },
        { line: 'dfp features get --entity <sha256> --views permissions' },
      ],
    ),
  ).action(
    defineAction(async (ctx, _args, opts): Promise<CommandOutput> => {
      // Checked first: a malformed id would otherwise read as an app that is NOT_FOUND, with every value null.
      const problem = appIdProblem(String(opts.entity));
      if (problem) throw new DfpError('USAGE', `--entity: ${problem}`, { key: '--entity' });
      const entity = normalizeAppId(String(opts.entity));
      const applied = await loadApplied(ctx, {});
      const { OnlineFeatureService } = await import('../../features/online/service.ts');
      const r = await withStore(ctx, async (store) => {
        const service = new OnlineFeatureService(store, applied);
        return service.getOne(entity, service.select({ features: list(opts.features), views: list(opts.views) }));
      });
      const shown = Object.entries(r.values);
      return {
        result: { sha256: r.sha256, status: r.status, values: r.values },
        human: [`${r.sha256}: ${r.status}`, ...shown.slice(0, 50).map(([k, v]) => `  ${k} = ${v === null ? 'null' : v}`), ...(shown.length > 50 ? [`  … ${shown.length - 50} more (use --json)`] : [])].join('\n'),
      };
    }),
  );

  withCommonOptions(
    withExamples(
      features
        .command('show')
        .description('the applied registry: version, views and their features')
        .option('--registry-version <v>', 'a version other than the current one')
        .argument(...OVERRIDES),
      [{ line: 'dfp features show' }, { line: 'dfp features show --json' }],
    ),
  ).action(
    defineAction(async (ctx, _args, opts): Promise<CommandOutput> => {
      const applied = await loadApplied(ctx, opts);
      return {
        result: applied,
        human: `registry ${applied.version} (applied ${applied.applied_at} against ${applied.lake_ref} ${applied.lake_commit.slice(0, 12)})\n${toJson(
          applied.registry.views.map((v) => ({ view: v.name, source: v.source, ttl_seconds: v.ttl_seconds, features: v.features.length })),
          2,
        )}`,
      };
    }),
  );
}
