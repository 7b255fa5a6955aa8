// The ceiling: a bare Fastify route that validates the same body the same way and returns a constant (no model).
import Fastify from 'fastify';
import { N_FEATURES } from '../../src/core/scoring/features.ts';
import { FeatureValidator } from '../../src/core/scoring/validate.ts';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ bodyLimit: 1024 * 1024 });
const validator = new FeatureValidator();
const row = new Float32Array(N_FEATURES);
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (e) {
    done(e as Error, undefined);
  }
});
const constant = { score: 0.5, is_malware: false, threshold: 1, model: { name: 'bare', version: '0' }, top_features: [] };
app.post('/v1/score', async (req) => {
  validator.classify(req.body);
  validator.fill(req.body as Record<string, unknown>, row, 0);
  return constant;
});
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
