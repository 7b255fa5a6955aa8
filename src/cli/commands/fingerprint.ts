/** @module `dfp fingerprint`: KronoDroid feature rows from APK files and strace outputs (src/fingerprint/). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

const LABELS: Record<string, 0 | 1> = { benign: 0, '0': 0, malware: 1, '1': 1 };

export function registerFingerprint(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('fingerprint')
        .description("extract KronoDroid's features from APKs (manifest, archive) and strace outputs (system calls)")
        .argument('[inputs...]', 'APK files, folders of APKs, zips of APKs (and key=value config overrides)')
        .option('--trace <paths...>', 'strace outputs of the app (files, or folders of strace -ff files): `strace -f` lines with or without -t/-tt/-T, or the -c table')
        .option('--out <file>', 'also write the rows in the KronoDroid layout: .csv or .parquet (for dfp ingest / dfp score)')
        .option('--label <label>', 'Malware column of the rows written: benign (0) or malware (1); empty when not given'),
      [
        { line: 'dfp fingerprint app.apk --json', note: 'permissions, components, intent filters, archive sizes and dates' },
        { line: 'dfp fingerprint app.apk --trace app.strace --out app.csv --label benign', note: 'a full KronoDroid row: static features plus system calls' },
        { line: 'dfp fingerprint --trace app.strace --json', note: 'system-call columns of a trace alone' },
      ],
      `Each file is read on its own: one that cannot be read (not a zip, truncated, no or damaged manifest, zip bomb,
'../' paths, two manifests) is reported with its reason, and the others are still processed. The exit code is 0
when at least one app was read, 1 (INPUT_INVALID) when none could be. With several APKs, a trace goes to the APK
whose file stem or package its own name starts with (then '.', '_' or '-'). Rows without a trace have empty
system-call columns, which \`dfp ingest\` quarantines (to score an APK without a trace: dfp score --apk, which uses the static-only detector).`,
    ),
  ).action(
    defineAction(async (ctx, args, opts) => {
      const [{ fingerprintInputs }, { writeRows }] = await Promise.all([import('../../fingerprint/fingerprint.ts'), import('../../fingerprint/output.ts')]);
      const traces = (opts.trace as string[] | undefined) ?? [];
      if (args.length === 0 && traces.length === 0) throw new DfpError('USAGE', 'give at least one APK, folder or zip of APKs, or --trace <strace output>');
      const labelText = opts.label === undefined ? undefined : String(opts.label).toLowerCase();
      if (labelText !== undefined && !(labelText in LABELS)) throw new DfpError('USAGE', `--label must be benign or malware (or 0/1), not '${String(opts.label)}'`);
      const out = opts.out === undefined ? undefined : resolve(String(opts.out));
      if (out !== undefined && !/\.(csv|parquet)$/i.test(out)) throw new DfpError('USAGE', `--out must end in .csv or .parquet: ${String(opts.out)}`);
      const apps = await fingerprintInputs(args, traces, { progress: ctx.progress });
      const read = apps.filter((a) => !a.error);
      if (read.length === 0) {
        throw new DfpError('INPUT_INVALID', `no app could be read: ${apps.map((a) => a.error?.message).join('; ')}`, { apps });
      }
      const rows = out === undefined ? undefined : await writeRows(apps, out, labelText === undefined ? undefined : LABELS[labelText]);
      const human = apps.map((a) => {
        if (a.error) return `${a.file}: error: ${a.error.message.slice(a.file.length + 2)}`;
        const f = a.features ?? {};
        const head = a.sha256 !== undefined
          ? `${a.file}: ${a.package || '(no package)'} sha256 ${a.sha256.slice(0, 12)}… ${f.nr_permissions} permissions (+${f.nr_custom} custom), ${f.Activities} activities, ${f.NrServices} services, ${f.TotalIntentFilters} components with intent filters`
          : `${a.file}: trace only`;
        const trace = a.has_trace ? `, ${Number(f.nr_syscalls).toLocaleString('en')} system calls` : '';
        return [head + trace, ...a.warnings.map((w) => `  warning: ${w}`)].join('\n');
      });
      if (out !== undefined) human.push(`wrote ${rows} row(s) to ${out}`);
      return { result: { apps, ...(out !== undefined ? { out, rows } : {}) }, human: human.join('\n') };
    }),
  );
}
