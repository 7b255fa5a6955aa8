/** @module `dfp export`: write a model for on-device inference, ONNX (ONNX Runtime Mobile) or TFLite (LiteRT), with a parity check. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { type ExportFormat, FORMATS } from '../../export/formats.ts';
import type { FetchModelUri } from '../../export/index.ts';
import { type CommandContext, defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

/** Model URIs resolve through the tracking store (embedded or MLflow, as configured). */
function uriFetcher(ctx: CommandContext, scratch: string): FetchModelUri {
  return async (uri) => {
    const [{ fetchModel }, { openTracking }] = await Promise.all([import('../../tracking/log-model.ts'), import('../../tracking/open.ts')]);
    const t = await openTracking(ctx.config);
    try {
      return (await fetchModel(t, uri, scratch)).onnxPath;
    } finally {
      await t.close();
    }
  };
}

function defaultName(onnxPath: string): string {
  const file = basename(onnxPath).replace(/\.onnx$/, '');
  const name = file === 'model' ? basename(dirname(resolve(onnxPath))) : file;
  return /^[\w.-]+$/.test(name) ? name : 'model';
}

export function registerExport(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('export')
        .description('export a model for Android: ONNX (ONNX Runtime Mobile) or TFLite (LiteRT), checked against onnxruntime')
        .requiredOption('--model <uri|path>', 'runs:/<run_id>/model, models:/<name>/<version|@alias|Stage>, a model.onnx file or its directory')
        .requiredOption('--format <format>', `output format: ${FORMATS.join(' or ')}`)
        .requiredOption('--out <dir>', 'directory to write the exported file into')
        .option('--name <name>', 'file name without extension (default: the model directory or file name)')
        .option('--rows <n>', 'generated rows for the parity check', '8')
        .argument('[overrides...]', 'key=value config overrides, e.g. tracking.uri=http://127.0.0.1:5000'),
      [
        { line: 'dfp export --model models:/kronodroid_detector@production --format tflite --out dist/', note: 'the served detector, for LiteRT' },
        { line: 'dfp export --model models:/kronodroid_autoencoder/1 --format onnx --out dist/ --json', note: 'a version, for ONNX Runtime Mobile' },
      ],
      "ExecuTorch (.pte) is not offered: it is produced only by PyTorch's own export pipeline.",
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const format = String(opts.format) as ExportFormat;
      if (!FORMATS.includes(format)) throw new DfpError('USAGE', `--format must be ${FORMATS.join(' or ')}, got '${String(opts.format)}'${/executorch|pte/i.test(String(opts.format)) ? ' (ExecuTorch models come only from PyTorch\'s export pipeline; use onnx or tflite)' : ''}`);
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 1 || rows > 10000) throw new DfpError('USAGE', `--rows must be a whole number from 1 to 10000, got '${String(opts.rows)}'`);
      const { resolveExportModel, runExport } = await import('../../export/index.ts');
      const scratch = mkdtempSync(join(tmpdir(), 'dfp-export-'));
      try {
        const src = await resolveExportModel(String(opts.model), uriFetcher(ctx, scratch));
        const name = opts.name === undefined ? defaultName(src.onnxPath) : String(opts.name);
        const result = await runExport({ onnxPath: src.onnxPath, format, outDir: resolve(String(opts.out)), name, rows, metadata: src.metadata });
        const what = result.format === 'onnx' ? `opset ${result.opset}` : `ops ${result.ops?.join(', ')}`;
        const io = `inputs ${result.inputs.map((i) => `${i.name}[${i.shape}]`).join(', ')}; outputs ${result.outputs.map((o) => `${o.name}[${o.shape}]`).join(', ')}`;
        const human = `wrote ${result.path} (${what})\n${io}\nparity vs onnxruntime: max abs diff ${result.parity.max_abs_diff.toExponential(2)} (scaled ${result.parity.max_scaled_diff.toExponential(2)}) on ${result.parity.rows} rows (${result.parity.reference})`;
        return { result, human };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }),
  );
}
