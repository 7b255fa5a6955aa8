/** @module `dfp serve`: the scoring API (Fastify) on the model the registry alias points at, until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';

export function registerServe(program: Command): void {
  withCommonOptions(
    program
      .command('serve')
      .description('serve the scoring API: POST /v1/score, /v1/score/batch, GET /v1/models, /healthz, /readyz, /metrics, docs at /docs')
      .option('--port <n>', 'TCP port (default serve.port, 8080; 0 = any free port)')
      .option('--host <addr>', 'listen address (default serve.host, 127.0.0.1)')
      .argument('[overrides...]', 'key=value config overrides, e.g. serve.alias=staging serve.model_dir=./model')
      .addHelpText(
        'after',
        '\nExamples:\n  dfp serve --port 8080\n  dfp serve serve.model_dir=./.dfp/models/latest\n  DFP_SERVE__API_KEY=secret dfp serve   # enables /v1/admin/*',
      ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      let port: number | undefined;
      if (opts.port !== undefined) {
        port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DfpError('USAGE', `--port must be a whole number from 0 to 65535, got '${String(opts.port)}'`);
      }
      const host = opts.host === undefined ? undefined : String(opts.host);
      const { startServer } = await import('../../serve/start.ts');
      const server = await startServer(ctx.config, { host, port, log: ctx.log });
      const model = server.holder.current?.batcher.scorer.ref;
      const hello = `dfp serve listening on ${server.url}\nAPI docs: ${server.docsUrl}\n${model ? `model: ${model.name} version ${model.version} (alias ${server.holder.alias})` : `no model loaded yet for alias ${server.holder.alias} (${server.holder.lastError ?? 'unknown'}); /readyz answers 503 until one is`}\n`;
      // With --json stdout carries one document at exit, so the greeting goes to stderr.
      (ctx.json ? process.stderr : process.stdout).write(hello);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      await server.close();
      return { result: { url: server.url, docs: server.docsUrl, stopped_by: signal }, human: `stopped (${signal})` };
    }),
  );
}
