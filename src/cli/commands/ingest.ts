/** @module `dfp ingest`: load KronoDroid data from a file, folder, URL or Kaggle into the versioned lake. */
import type { Command } from 'commander';
import type { IngestResult } from '../../ingest/ingest.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

const n = (v: number) => v.toLocaleString('en-US');

/** `dataTable`: the configured data.table, to point out when this ingest filled another capture than transform reads. */
export function humanSummary(r: IngestResult, dataTable?: string): string {
  const lines = [
    `${r.status === 'committed' ? 'committed' : 'unchanged, no new commit:'} ${r.commit.slice(0, 12)} on ${r.branch}`,
    `input ${n(r.input_rows)} rows: ${n(r.loaded_rows)} loaded, ${n(r.quarantined_rows)} quarantined`,
  ];
  for (const [name, t] of Object.entries(r.tables)) {
    lines.push(`  ${name}: ${n(t.rows)} rows (${n(t.added)} added, ${n(t.replaced)} replaced, ${n(t.unchanged)} unchanged)`);
  }
  if (r.quarantined_rows > 0) {
    lines.push(`top quarantine reasons: ${r.reasons.slice(0, 5).map((x) => `${x.reason} ${n(x.rows)}`).join(', ')}`);
    lines.push(`quarantined rows: ${r.quarantine}${r.quarantine_table ? ` (and lake table '${r.quarantine_table}')` : ''}`);
  }
  const written = Object.keys(r.tables);
  if (dataTable !== undefined && written.length > 0 && !written.includes(dataTable)) {
    // Ingest writes by layout; transform reads data.table. Say so instead of letting a transform read the other capture.
    lines.push(`note: dfp transform reads data.table=${dataTable}, not ${written.join(', ')}; to transform this data: dfp transform data.table=${written[0] ?? ''}`);
  }
  return lines.join('\n');
}

export function registerIngest(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('ingest')
        .description('validate, normalise and commit KronoDroid data to the lake (upsert by sha256)')
        .argument('[overrides...]', 'key=value config overrides, e.g. data.download_retries=8')
        .option('--source <src>', 'a .csv/.csv.gz/.zip/.parquet file or folder, an http(s) URL, kaggle:<owner>/<dataset> or kronodroid:real|emulator (default: data.source)')
        .option('--branch <name>', 'branch to commit to (default: lake.default_branch)')
        .option('-m, --message <text>', 'commit message (default: "ingest <source>")')
        .option('--table <name>', 'target table (default: kronodroid_real or kronodroid_emulator, by layout; dfp transform reads data.table)'),
      [
        { line: 'dfp ingest --source kronodroid-real-2019.csv' },
        { line: 'dfp ingest --source emulator-export.csv -m "emulator capture"', note: 'an emulator-layout file goes to kronodroid_emulator' },
        { line: 'dfp ingest', note: 'data.source: the public real-device archives (internet)', needs: 'internet' },
        { line: 'dfp ingest data=kronodroid_emulator', note: 'the emulator archives; then: dfp transform data=kronodroid_emulator', needs: 'internet' },
      ],
      `
Every input row is either loaded or quarantined (with file, row, column and reason); a file missing
required columns is refused and nothing is committed. Re-ingesting the same data is "unchanged".
Without internet, give --source a local KronoDroid file.
Kaggle credentials: KAGGLE_API_TOKEN, KAGGLE_USERNAME + KAGGLE_KEY, or ~/.kaggle/kaggle.json.`,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const [{ runIngest }, { openLake }, { withOfflineHint }] = await Promise.all([import('../../ingest/ingest.ts'), import('../../lake/open.ts'), import('../../ingest/source.ts')]);
      const source = typeof opts.source === 'string' ? opts.source : ctx.config.data.source;
      const lake = await openLake(ctx.config);
      try {
        const result = await runIngest({
          source,
          branch: typeof opts.branch === 'string' ? opts.branch : ctx.config.lake.default_branch,
          message: typeof opts.message === 'string' ? opts.message : undefined,
          table: typeof opts.table === 'string' ? opts.table : undefined,
          config: ctx.config,
          lake,
          progress: ctx.progress,
        });
        return { result, human: humanSummary(result, ctx.config.data.table) };
      } catch (e) {
        throw withOfflineHint(e, source);
      } finally {
        await lake.close();
      }
    }),
  );
}
