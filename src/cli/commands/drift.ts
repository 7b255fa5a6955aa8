/** @module `dfp drift`: compares current apps with a reference set, per feature, per group and per month. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const num = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

export function registerDrift(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('drift')
        .description('how far current apps have moved from a reference set: PSI and KS / chi-square per feature, per group and per month')
        .requiredOption('--data <data>', 'the current apps: a KronoDroid file (CSV/Parquet/zip, either layout) or a lake ref')
        .requiredOption('--reference <data>', 'the apps to compare with (e.g. what the detector was trained on): a file or a lake ref')
        .option('--top <n>', 'drifted features to list', '15')
        .argument('[overrides...]', 'key=value config overrides'),
      [
        { line: 'dfp drift --reference main --data kronodroid-real-2019.csv', note: 'training_apps at the lake branch main against a file' },
        { line: 'dfp drift --reference emulator-export.csv --data kronodroid-real-2019.csv --json' },
      ],
      `
A feature drifts when its PSI (on the reference's deciles; missing values have a bin of their own) is at least
0.25, or at least 0.1 with a significant test: two-sample Kolmogorov-Smirnov for counts, 2x2 chi-square for
permission flags, with Benjamini-Hochberg control of false discoveries at 5 % over all features.`,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      if (typeof opts.data !== 'string' || typeof opts.reference !== 'string') throw new DfpError('USAGE', 'give --data and --reference');
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 0) throw new DfpError('USAGE', `--top must be a whole number, got '${String(opts.top)}'`);
      const { runDrift } = await import('../../drift/run.ts');
      const r = await runDrift({ config: ctx.config, data: opts.data, reference: opts.reference, progress: ctx.progress });
      const drifted = r.features.filter((f) => f.drifted).sort((a, b) => b.psi - a.psi);
      const human = [
        `${r.drifted ? 'DRIFTED' : 'no drift'}: ${drifted.length} of ${r.features.length} features (${String(r.current.rows)} current apps vs ${String(r.reference.rows)} reference apps)`,
        '',
        formatTable(['group', 'features', 'drifted', 'mean PSI'], Object.entries(r.groups).map(([g, v]) => [g, v.features, v.drifted, num(v.mean_psi)])),
        ...(drifted.length ? ['', formatTable(['feature', 'group', 'PSI', 'test', 'statistic', 'q-value', 'missing'], drifted.slice(0, top).map((f) => [f.name, f.group, num(f.psi), f.test, num(f.statistic), num(f.q_value, 4), num(f.missing)]))] : []),
        ...(r.months.length ? ['', formatTable(['month', 'apps', 'drifted features', 'mean PSI'], r.months.map((m) => [m.month, m.rows, m.drifted_features, num(m.mean_psi)]))] : []),
      ].join('\n');
      return { result: r, human };
    }),
  );
}
