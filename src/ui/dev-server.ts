// Runs the dashboard on its own until `dfp serve` mounts it: `node --import tsx src/ui/dev-server.ts [key=value …]`.
// Prints `listening <url>` on stdout once ready (the e2e tests wait for that line).
import Fastify from 'fastify';
import { loadConfig } from '../core/config/load.ts';
import { messageOf } from '../core/errors.ts';
import { uiPlugin } from './plugin.ts';

async function main(): Promise<void> {
  const { config } = loadConfig({ overrides: process.argv.slice(2) });
  const app = Fastify({ logger: { level: process.env.DFP_UI_LOG ?? 'warn' }, bodyLimit: config.serve.body_limit_bytes });
  await app.register(uiPlugin, { config });
  const url = await app.listen({ host: config.serve.host, port: config.serve.port });
  process.stdout.write(`listening ${url}\n`);
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`dfp ui: ${messageOf(e)}\n`);
  process.exit(1);
});
