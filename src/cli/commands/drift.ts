/** @module `dfp drift`: compares current apps with a reference set, per feature, per group, in the served models' scores and per month. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import type { ScoreDrift } from '../../core/drift/score.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const num = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : 'n/a');

export function registerDrift(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('drift')
        .description('how far current apps have moved from a reference set: per feature, per group, in the production models\' scores and per month')
        .requiredOption('--data <data>', 'the current apps: a KronoDroid file (CSV/Parquet/zip, either layout) or a lake ref')
        .option('--reference <data>', 'the apps to compare with: a file or a lake ref (default: the training data of serve.model@serve.alias, the production detector, read from the lake at its run\'s data commit)')
        .option('--plots <dir>', 'write the score histograms (reference vs current, per model) and the months chart here (SVG + PNG)')
        .option('--top <n>', 'drifted features to list', '15')
        .argument('[overrides...]', 'key=value config overrides'),
      [
        { line: 'dfp drift --data kronodroid-real-2019.csv', note: 'against the production detector\'s training data' },
        { line: 'dfp drift --data kronodroid-real-2019.csv --plots drift-plots/ --json' },
        { line: 'dfp drift --reference main --data kronodroid-real-2019.csv', note: 'training_apps at the lake branch main against a file' },
      ],
      `
A feature drifts when its PSI (on the reference's deciles; missing values have a bin of their own) is at least
drift.psi_major (0.25), or at least drift.psi_moderate (0.1) with a significant test: two-sample Kolmogorov-Smirnov
for counts, 2x2 chi-square for permission flags, with Benjamini-Hochberg control of false discoveries at drift.alpha
(5 %) over all features. The scores of serve.model and serve.fingerprint_model (at serve.alias) on both sides are
compared the same way (PSI and KS), with the shift of their mean and the alert rate at each model's threshold.
For labelled apps with families, the share of malware whose family has no app in the reference. --json prints
{reference, current, drifted, score: {psi, mean_shift, alert_rate, reference_alert_rate, …, fingerprint}, features,
groups, months, families, thresholds}; GET /v1/drift of \`dfp serve\` answers the same shape for its
most recent requests.`,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      if (typeof opts.data !== 'string') throw new DfpError('USAGE', 'give --data');
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 0) throw new DfpError('USAGE', `--top must be a whole number, got '${String(opts.top)}'`);
      const { runDrift } = await import('../../drift/run.ts');
      const r = await runDrift({
        config: ctx.config,
        data: opts.data,
        ...(typeof opts.reference === 'string' ? { reference: opts.reference } : {}),
        ...(typeof opts.plots === 'string' ? { plotsDir: opts.plots } : {}),
        progress: ctx.progress,
      });
      const drifted = r.features.filter((f) => f.drifted).sort((a, b) => b.psi - a.psi);
      const scores = r.score ? [r.score as ScoreDrift, ...(r.score.fingerprint ? [r.score.fingerprint] : [])] : [];
      const human = [
        `${r.drifted ? 'DRIFTED' : 'no drift'}: ${drifted.length} of ${r.features.length} features${scores.some((s) => s.drifted) ? ', model scores' : ''} (${String(r.current.rows)} current apps vs ${String(r.reference.rows)} reference apps: ${r.reference.source}${r.reference.commit ? ` @ ${r.reference.commit.slice(0, 12)}` : ''})`,
        ...(scores.length
          ? ['', formatTable(['model', 'version', 'score PSI', 'mean shift', 'alert rate', 'reference alert rate', 'drifted'], scores.map((s) => [s.model, s.version, num(s.psi), num(s.mean_shift, 4), pct(s.alert_rate), pct(s.reference_alert_rate), s.drifted ? 'yes' : 'no']))]
          : []),
        '',
        formatTable(['group', 'features', 'drifted', 'mean PSI'], Object.entries(r.groups).map(([g, v]) => [g, v.features, v.drifted, num(v.mean_psi)])),
        ...(drifted.length ? ['', `top drifted features:`, formatTable(['feature', 'group', 'PSI', 'test', 'statistic', 'q-value', 'missing'], drifted.slice(0, top).map((f) => [f.name, f.group, num(f.psi), f.test, num(f.statistic), num(f.q_value, 4), num(f.missing)]))] : []),
        ...(r.families ? ['', `malware of families unseen in the reference: ${r.families.unseen} of ${r.families.malware} (${pct(r.families.share_unseen)})${r.families.unseen_families.length ? `: ${r.families.unseen_families.slice(0, 5).map((f) => `${f.name} (${f.apps})`).join(', ')}` : ''}`] : []),
        ...(r.months.length ? ['', formatTable(['month', 'apps', 'drifted features', 'mean PSI', 'alert rate', 'score PSI'], r.months.map((m) => [m.month, m.rows, m.drifted_features, num(m.mean_psi), pct(m.alert_rate), num(m.score_psi)]))] : []),
        ...(r.plots ? ['', 'plots:', ...Object.values(r.plots).map((p) => `  ${p.svg}  ${p.png}`)] : []),
        ...r.notes.map((n) => `note: ${n}`),
      ].join('\n');
      return { result: r, human };
    }),
  );
}
