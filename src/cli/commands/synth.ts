/** @module `dfp synth`: synthetic KronoDroid-shaped rows for scale tests, benchmarks and offline demos. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

export function registerSynth(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('synth')
        .description('write SYNTHETIC KronoDroid-shaped rows with per-column distributions fitted from a real file')
        .requiredOption('--rows <n>', 'number of rows to write')
        .requiredOption('--out <file>', 'output file: .csv, .csv.gz or .parquet')
        .requiredOption('--from <file>', 'real KronoDroid file (.csv, .csv.gz, .parquet) to fit sparsity, ranges, label balance and months on')
        .option('--seed <n>', 'random seed (same seed, same file)', '42')
        .argument('[overrides...]', 'key=value config overrides'),
      [
        { line: 'dfp synth --from kronodroid-real-2019.csv --rows 1000000 --out synth-1m.csv', note: 'a few minutes; progress on stderr', kind: 'long' },
        { line: 'dfp synth --from kronodroid-real-2019.csv --rows 5000 --out synth.parquet --seed 7 --json' },
      ],
      'The rows are synthetic: realistic per-column marginals, no real apps, no cross-column correlation.\nProgress goes to stderr: a bar on a terminal, otherwise a line every 10 seconds.',
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const [{ engineOptions }, { synthesize }] = await Promise.all([import('../../engine/duckdb/connection.ts'), import('../../synth/synthesize.ts')]);
      const result = await synthesize({
        from: resolve(String(opts.from)),
        out: resolve(String(opts.out)),
        rows: Number(opts.rows),
        seed: Number(opts.seed),
        engine: engineOptions(ctx.config),
        progress: ctx.progress,
      });
      return {
        result,
        human: `wrote ${result.rows.toLocaleString('en')} SYNTHETIC rows to ${result.out} (fitted on ${result.fitted_on}; malware share ${(result.malware_fraction * 100).toFixed(1)}%, seed ${result.seed})`,
      };
    }),
  );
}
