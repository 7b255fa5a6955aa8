/** @module `dfp serve`: the scoring API (Fastify) on the model the registry alias points at, until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

export function registerServe(program: Command): void {
  withCommonOptions(withExamples(
    program
      .command('serve')
      .description('serve the scoring API (the verdict of serve.model, the detector by default, with the anomaly score of serve.fingerprint_model beside it): POST /v1/score, /v1/score/batch, GET /v1/models, /healthz, /readyz, /metrics, docs at /docs')
      .option('--port <n>', 'TCP port (default serve.port, 8080; 0 = any free port)')
      .option('--host <addr>', 'listen address (default serve.host, 127.0.0.1)')
      .argument('[overrides...]', 'key=value config overrides, e.g. serve.alias=staging serve.model_dir=./model'),
    [
      { line: 'dfp serve', note: 'on http://127.0.0.1:8080 (serve.port)', kind: 'server' },
      { line: 'dfp serve --port 0 --json', note: 'any free port: the URL is printed (stderr with --json)', kind: 'server' },
      { line: 'dfp serve serve.alias=candidate', note: 'the versions aliased candidate instead of production', kind: 'server' },
      { line: 'dfp serve serve.model_dir=.dfp/runs/<run_id>/model', note: "a run's model directory, no registry", kind: 'server' },
      { line: 'DFP_SERVE__API_KEY=secret dfp serve', note: 'enables /v1/admin/*', kind: 'server' },
    ],
  )).action(
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
      const fp = server.fingerprint;
      const fpRef = fp?.current?.batcher.scorer.ref;
      const fingerprint = !fp ? '' : fpRef ? `fingerprint: ${fpRef.name} version ${fpRef.version} beside it\n` : `fingerprint: ${fp.name ?? 'model'} not loaded (${fp.lastError ?? 'unknown'}); answers come without it\n`;
      const apk = server.apk;
      const apkRef = apk?.current?.batcher.scorer.ref;
      const apkLine = !apk ? '' : apkRef ? `APKs (POST /v1/score/apk): ${apkRef.name} version ${apkRef.version}\n` : `APKs (POST /v1/score/apk): ${apk.name ?? 'model'} not loaded (${apk.lastError ?? 'unknown'}); the route answers 503\n`;
      const hello = `dfp serve listening on ${server.url}\nAPI docs: ${server.docsUrl}\n${model ? `model: ${model.name} version ${model.version} (alias ${server.holder.alias})` : `no model loaded yet for alias ${server.holder.alias} (${server.holder.lastError ?? 'unknown'}); /readyz answers 503 until one is`}\n${fingerprint}${apkLine}`;
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
