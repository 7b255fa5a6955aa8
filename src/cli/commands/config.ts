/** @module `dfp config show`: the resolved configuration and where it came from. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
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
  withCommonOptions(
    withExamples(
      config
        .command('keys')
        .description('every config key with its type, default, current value and what it does')
        .argument('[prefix]', 'only keys under this prefix, e.g. model.classifier.trees'),
      [{ line: 'dfp config keys model.classifier' }, { line: 'dfp config keys train --json' }],
    ),
  ).action(
    defineAction(async (ctx, args) => {
      const { configKeys } = await import('../../core/config/keys.ts');
      const prefix = args[0] ?? '';
      const keys = configKeys(prefix);
      if (keys.length === 0) throw new DfpError('USAGE', `no config key starts with '${prefix}'; \`dfp config keys\` lists them all`, { key: prefix });
      const current = (key: string) => key.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), ctx.config);
      const rows = keys.map((k) => ({ ...k, value: current(k.key) }));
      const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
      // Descriptions on their own lines: they are sentences, too long for a table cell.
      const human = rows
        .map((k) => {
          const value = show(k.value);
          const head = `${k.key}  ${k.type}  default ${show(k.default) || '(none)'}${value !== show(k.default) ? `  now ${value || '(unset)'}` : ''}`;
          return k.description ? `${head}\n    ${k.description}` : head;
        })
        .join('\n');
      return { result: { keys: rows }, human };
    }),
  );
}
