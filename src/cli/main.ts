/**
 * @module The dfp command line. Each capability registers its commands from its own file under
 * commands/; this file only assembles them and turns failures into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { lastExitCode, reportError } from './context.ts';
import { withExamples } from './examples.ts';
import { registerConfig } from './commands/config.ts';
import { registerCrossval } from './commands/crossval.ts';
import { registerBacktest } from './commands/backtest.ts';
import { registerDrift } from './commands/drift.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerExport } from './commands/export.ts';
import { registerFeatures } from './commands/features.ts';
import { registerFingerprint } from './commands/fingerprint.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerLake } from './commands/lake.ts';
import { registerModels } from './commands/models.ts';
import { registerRun } from './commands/run.ts';
import { registerRuns } from './commands/runs.ts';
import { registerScore } from './commands/score.ts';
import { registerServe } from './commands/serve.ts';
import { registerSynth } from './commands/synth.ts';
import { registerTrain } from './commands/train.ts';
import { registerTransform } from './commands/transform.ts';

export function buildProgram(): Command {
  const program = new Command('dfp')
    .description('Digital Fingerprinting: learn the behavioural fingerprint of Android apps and flag malware')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Configuration: presets in conf/ (data, model, engine, store, orchestration), overridden by
DFP_SECTION__KEY=value variables and key=value arguments, e.g. \`dfp config show lake.backend=s3\`.
Everything dfp writes goes to the workspace (./.dfp, or DFP_HOME).
Every command takes --json (one JSON document on stdout) and -v (logs on stderr).`,
    );
  withExamples(program, [
    { line: 'dfp run --source kronodroid-real-2019.csv', note: 'the whole job on a local KronoDroid file' },
    { line: 'dfp run', note: 'the same on the public archives (downloads them)', needs: 'internet' },
    { line: 'dfp serve', note: 'then the scoring API and dashboard on http://127.0.0.1:8080', kind: 'server' },
    { line: 'dfp lake head kronodroid_real -n 5' },
  ]);
  registerConfig(program);
  registerCrossval(program);
  registerEvaluate(program);
  registerBacktest(program);
  registerDrift(program);
  registerExport(program);
  registerFeatures(program);
  registerFingerprint(program);
  registerIngest(program);
  registerLake(program);
  registerModels(program);
  registerRun(program);
  registerRuns(program);
  registerScore(program);
  registerServe(program);
  registerSynth(program);
  registerTrain(program);
  registerTransform(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return lastExitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are "errors" to commander but successes to the user
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    return reportError(e, argv.includes('--json'));
  }
}
