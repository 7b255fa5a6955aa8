// Runs the dashboard until `dfp serve` mounts it: `node --import tsx src/ui/dev-server.ts [key=value …]`.
// Mounts dfp serve's scoring API (buildServeApp) beside it, as `dfp serve` will; DFP_UI_STANDALONE=1 serves the dashboard alone.
// Prints `listening <url>` on stdout once ready (the e2e tests wait for that line).
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../core/config/load.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { messageOf } from '../core/errors.ts';
import { buildServeApp } from '../serve/app.ts';
import { ModelHolder } from '../serve/model-holder.ts';
import { openModelSource } from '../serve/start.ts';
import { uiPlugin } from './plugin.ts';

async function scoringApp(config: DfpConfig): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const s = config.serve;
  const source = await openModelSource(config);
  const holder = new ModelHolder({
    source,
    alias: s.alias,
    threads: s.threads,
    pollMs: s.poll_seconds * 1000,
    batcher: { maxRows: s.micro_batch_rows, maxWaitMs: s.micro_batch_wait_ms },
    onError: (e) => process.stderr.write(`dfp ui: scoring model not loaded: ${messageOf(e)}\n`),
  });
  await holder.start();
  const app = await buildServeApp({ holder, apiKey: s.api_key, bodyLimit: s.body_limit_bytes, maxBatchItems: s.max_batch_items });
  return {
    app,
    close: async () => {
      await holder.close();
      await source.close();
    },
  };
}

async function main(): Promise<void> {
  const { config } = loadConfig({ overrides: process.argv.slice(2) });
  const built = process.env.DFP_UI_STANDALONE === '1' ? undefined : await scoringApp(config);
  const app = built?.app ?? Fastify({ logger: false, bodyLimit: config.serve.body_limit_bytes });
  await app.register(uiPlugin, { config });
  const url = await app.listen({ host: config.serve.host, port: config.serve.port });
  process.stdout.write(`listening ${url}\n`);
  const stop = () => {
    void app
      .close()
      .then(() => built?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`dfp ui: ${messageOf(e)}\n`);
  process.exit(1);
});
