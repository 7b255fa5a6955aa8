/** @module `dfp config show`: the resolved configuration and where it came from. */
import type { Command } from 'commander';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the resolved configuration');
  withCommonOptions(
    withExamples(
      config
        .command('show')
        .description('print the configuration after presets, DFP_* variables and key=value overrides')
        .argument('[overrides...]', 'key=value overrides or group=preset choices'),
      [
        { line: 'dfp config show' },
        { line: 'dfp config show model=classifier lake.backend=s3 --json' },
        { line: 'DFP_LAKE__BACKEND=s3 dfp config show', note: 'DFP_SECTION__KEY=value sets section.key' },
      ],
    ),
  ).action(
    defineAction(async (ctx) => {
      const { default: YAML } = await import('yaml');
      return {
        result: { config: ctx.config, presets: ctx.loaded.presets, sources: ctx.loaded.sources },
        human: `# presets: ${Object.entries(ctx.loaded.presets).map(([g, p]) => `${g}=${p}`).join(' ')}\n${YAML.stringify(ctx.config)}`,
      };
    }),
  );
}
