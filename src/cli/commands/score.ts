/**
 * @module `dfp score`: batch-score apps (labelled or not) from a file or lake table with a trained model, in constant
 * memory; or, with --apk, score APK files directly (fingerprinted, then the static-only detector, or the full one with
 * --trace).
 */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { type CommandContext, type CommandOutput, defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

export function registerScore(program: Command): void {
  withCommonOptions(withExamples(
    program
      .command('score')
      .description('batch-score apps, labelled or not: keeps sha256, adds score, is_malware (at the model threshold) and top_features; bad rows to a quarantine file. Or score APK files directly (--apk)')
      .option('--model <model>', 'run id printed by `dfp train`, a model directory, or a runs:/ or models:/ URI (with --apk: default the registry\'s, see below)')
      .option('--input <input>', 'a CSV/Parquet/zip file of sha256 + the model\'s features (a KronoDroid file of either layout works as is), a URL, or a lake table[@ref]')
      .option('--out <file>', 'output file; .parquet or .csv picks the format')
      .option('--apk <paths...>', 'score these APKs instead: files, folders of APKs, zips of APKs (as dfp fingerprint reads them)')
      .option('--trace <paths...>', 'with --apk: strace outputs of the apps (paired as dfp fingerprint pairs them); an app with one is scored by the full detector')
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
top_features (autoencoder only) lists the features whose reconstruction error stands out most, as [{name, z}].

--apk scores APKs without --input/--out: each is fingerprinted (dfp fingerprint) and scored through the model
runtime. An app without a trace is scored by the static-only detector (serve.static_model, default
kronodroid_detector_static, which dfp run trains without the system-call columns), never by a model that expects
system calls; an app with --trace by the full detector (serve.model); both at serve.alias (default production). The
output names the model and says when the system calls were absent; top_features come from the model's own explainer
(TreeSHAP for tree and blend detectors, occlusion for an MLP). An APK that cannot be read is reported with its reason
and the others are still scored.`,
      ),
    [
      { line: 'dfp score --apk app.apk', note: 'the static-only detector\'s verdict on an APK' },
      { line: 'dfp score --apk app.apk --trace app.strace --json', note: 'with the app\'s system calls: the full detector' },
      { line: 'dfp score --model models:/kronodroid_detector@production --input apps.csv --out scores.parquet', note: 'apps.csv: sha256 and the features' },
      { line: 'dfp score --model models:/kronodroid_autoencoder@production --input training_apps@main --out scores.csv --json', note: 'a lake table' },
    ],
  )).action(
    defineAction(async (ctx, _args, opts) => {
      if (opts.apk !== undefined) return scoreApks(ctx, opts);
      if (opts.trace !== undefined) throw new DfpError('USAGE', '--trace goes with --apk: dfp score --apk app.apk --trace app.strace');
      const missing = ['model', 'input', 'out'].filter((k) => typeof opts[k] !== 'string');
      if (missing.length) throw new DfpError('USAGE', `dfp score needs ${missing.map((k) => `--${k}`).join(', ')} (or --apk <apk…> to score APK files)`);
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

/** `dfp score --apk`: fingerprint, then one verdict per app (src/score/score-apk.ts). */
async function scoreApks(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandOutput> {
  const clash = ['input', 'out', 'quarantine'].filter((k) => opts[k] !== undefined);
  if (clash.length) throw new DfpError('USAGE', `--apk scores APK files and prints the verdicts: ${clash.map((k) => `--${k}`).join(', ')} cannot go with it`);
  const { runScoreApk } = await import('../../score/score-apk.ts');
  const r = await runScoreApk({
    config: ctx.config,
    inputs: opts.apk as string[],
    traces: (opts.trace as string[] | undefined) ?? [],
    ...(typeof opts.model === 'string' ? { model: opts.model } : {}),
    progress: ctx.progress,
  });
  const human = r.apps.map((a) => {
    if ('error' in a) return `${a.file}: error: ${a.error.message}`;
    const verdict = a.is_malware ? 'MALWARE' : 'benign';
    const top = a.top_features.map((f) => `${f.name} ${f.value >= 0 ? '+' : ''}${f.value.toFixed(3)}`).join(', ');
    return [
      `${a.file}: ${verdict} score ${a.score.toFixed(4)} (threshold ${a.threshold.toFixed(4)}) by ${a.model.name} v${a.model.version}${a.syscalls_absent ? ' (static-only: no trace, system calls absent)' : ' (with the trace\'s system calls)'}`,
      `  ${a.package || '(no package)'} sha256 ${a.sha256.slice(0, 12)}…${top ? `; top features (${a.explanation}): ${top}` : ''}`,
      ...a.warnings.map((w) => `  warning: ${w}`),
    ].join('\n');
  });
  human.push(`${r.scored} app(s) scored, ${r.flagged} flagged as malware${r.failed ? `, ${r.failed} could not be read` : ''}`);
  return { result: r, human: human.join('\n') };
}
