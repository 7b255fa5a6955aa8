/** @module `dfp score`: batch-score a KronoDroid file or lake table with a trained model, in constant memory. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';

export function registerScore(program: Command): void {
  withCommonOptions(
    program
      .command('score')
      .description('batch-score apps: keeps sha256, adds score, is_malware (at the model threshold) and top_features; bad rows to a quarantine file')
      .requiredOption('--model <model>', 'run id printed by `dfp train`, a model directory, or a runs:/ or models:/ URI')
      .requiredOption('--input <input>', 'a KronoDroid CSV/Parquet/zip file (either layout), a URL, or a lake table[@ref]')
      .requiredOption('--out <file>', 'output file; .parquet or .csv picks the format')
      .option('--quarantine <file>', 'where rejected rows go, with reasons (default: <out>.quarantine.csv)')
      .option('--batch-rows <n>', 'rows per model call', '4096')
      .argument('[overrides...]', 'key=value config overrides, e.g. engine.memory_limit=1GB')
      .addHelpText(
        'after',
        `
Input is validated and normalised exactly like \`dfp ingest\` (both layouts, REBOOT → REBOOT_PERMISSION); a row
that fails a check is written to the quarantine file with its row number and reason, never scored and never
fatal: input rows = scored + quarantined. Rows stream through in batches, so memory stays flat on any size.
top_features (autoencoder only) lists the features whose reconstruction error stands out most, as [{name, z}].

Examples:
  dfp score --model models:/kronodroid_detector@production --input apps.csv --out scores.parquet
  dfp score --model <run_id> --input training_apps@main --out scores.csv --json`,
      ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const batchRows = Number(opts.batchRows);
      if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 1_000_000) throw new DfpError('USAGE', `--batch-rows must be a whole number from 1 to 1000000, got '${String(opts.batchRows)}'`);
      const { runScore } = await import('../../score/score.ts');
      const r = await runScore({
        config: ctx.config,
        model: String(opts.model),
        input: String(opts.input),
        out: String(opts.out),
        ...(typeof opts.quarantine === 'string' ? { quarantine: opts.quarantine } : {}),
        batchRows,
        progress: ctx.progress,
      });
      const human = [
        `scored ${r.scored_rows.toLocaleString('en')} of ${r.input_rows.toLocaleString('en')} rows with ${r.model.kind} ${r.model.run_id} in ${r.seconds.toFixed(1)}s (${r.rows_per_second.toLocaleString('en')} rows/s): ${r.flagged_rows.toLocaleString('en')} flagged as malware`,
        `wrote ${r.out}`,
        `${r.quarantined_rows.toLocaleString('en')} rows quarantined${r.reasons.length ? ` (${r.reasons.map((x) => `${x.reason} ${x.rows}`).join(', ')})` : ''}: ${r.quarantine}`,
      ].join('\n');
      return { result: r, human };
    }),
  );
}
