/** @module `dfp score`: batch-score apps (labelled or not) from a file or lake table with a trained model, in constant memory. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

export function registerScore(program: Command): void {
  withCommonOptions(withExamples(
    program
      .command('score')
      .description('batch-score apps, labelled or not: keeps sha256, adds score, is_malware (at the model threshold) and top_features; bad rows to a quarantine file')
      .requiredOption('--model <model>', 'run id printed by `dfp train`, a model directory, or a runs:/ or models:/ URI')
      .requiredOption('--input <input>', 'a CSV/Parquet/zip file of sha256 + the model\'s features (a KronoDroid file of either layout works as is), a URL, or a lake table[@ref]')
      .requiredOption('--out <file>', 'output file; .parquet or .csv picks the format')
      .option('--quarantine <file>', 'where rejected rows go, with reasons (default: <out>.quarantine.csv)')
      .option('--batch-rows <n>', 'rows per model call', '4096')
      .argument('[overrides...]', 'key=value config overrides, e.g. engine.memory_limit=1GB')
      .addHelpText(
        'after',
        `
Input needs the model's feature columns and sha256, nothing else: no label (that is \`dfp evaluate\`'s), no dates.
Without a sha256 column, rows are named by a generated row_id (<file>#<record number>), and a note says so.
Label, dates, package and family (Malware, EarliestModDate…, Package, MalFamily, Categories) are copied to the
output when present. A file lacking a feature the model needs is refused whole, naming the columns and the model.
Rows are checked like \`dfp ingest\` checks them (REBOOT → REBOOT_PERMISSION); a row that fails a check is written
to the quarantine file with its row number, column and reason, never scored and never fatal: input rows = scored +
quarantined. Rows stream through in batches, so memory stays flat on any size.
top_features (autoencoder only) lists the features whose reconstruction error stands out most, as [{name, z}].`,
      ),
    [
      { line: 'dfp score --model models:/kronodroid_detector@production --input apps.csv --out scores.parquet', note: 'apps.csv: sha256 and the features' },
      { line: 'dfp score --model models:/kronodroid_autoencoder@production --input training_apps@main --out scores.csv --json', note: 'a lake table' },
    ],
  )).action(
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
      // Also with --json (where they are in the document): a script's log should show them.
      for (const note of r.notes) process.stderr.write(`dfp score: note: ${note}\n`);
      return { result: r, human };
    }),
  );
}
