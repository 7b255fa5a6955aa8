// Interrupting and resuming the training loop on synthetic data: an abort stops between two steps with the checkpoint
// kept; a resume starts after the checkpointed epoch; a member the interrupted run had finished is taken as it was.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { silentProgress } from '../core/progress.ts';
import { fitAutoencoder } from './fit.ts';
import { subset } from './split.ts';
import { synthDataset, testConfig } from './testing.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-resume-'));
const data = synthDataset(300, 7);
const train = subset(data, Array.from({ length: 220 }, (_, i) => i));
const validation = subset(data, Array.from({ length: 80 }, (_, i) => 220 + i));
const SMALL = ['model.autoencoder.hidden=[8]', 'model.autoencoder.latent=4', 'train.patience=1000', 'train.min_delta=0'];
const epochOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { epoch: number; complete?: unknown });

test('an abort stops training before the next step with INTERRUPTED; the checkpoint stays; a resume continues after it', async () => {
  const config = testConfig([...SMALL, 'train.epochs=50'], tmp());
  const ck = join(tmp(), 'ck');
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    fitAutoencoder({
      config,
      train,
      validation,
      progress: silentProgress,
      checkpointDir: ck,
      signal: controller.signal,
      onEpoch: (r) => {
        seen.push(r.epoch);
        if (r.epoch === 3) controller.abort(new DfpError('INTERRUPTED', 'test interrupt', { signal: 'SIGTERM' }));
      },
    }),
    (e: unknown) => e instanceof DfpError && e.code === 'INTERRUPTED' && e.details?.signal === 'SIGTERM',
  );
  assert.deepEqual(seen, [1, 2, 3], 'no epoch ran after the abort');
  const kept = epochOf(ck);
  assert.ok(kept.epoch >= 1 && kept.epoch <= 3 && kept.complete === undefined, JSON.stringify(kept));

  const next: number[] = [];
  const resumed = await fitAutoencoder({ config: testConfig([...SMALL, 'train.epochs=6'], tmp()), train, validation, progress: silentProgress, checkpointDir: join(tmp(), 'ck2'), resumeDir: ck, onEpoch: (r) => void next.push(r.epoch) });
  assert.deepEqual(next, Array.from({ length: 6 - kept.epoch }, (_, i) => kept.epoch + 1 + i));
  assert.deepEqual(resumed.loop.history.map((h) => h.epoch), [1, 2, 3, 4, 5, 6], 'history: the checkpoint’s epochs, then the new ones');
});

test('a checkpoint of a loop that finished is taken as it was: same model, no epoch trained', async () => {
  const config = testConfig([...SMALL, 'train.epochs=4'], tmp());
  const ck = join(tmp(), 'ck');
  const first = await fitAutoencoder({ config, train, validation, progress: silentProgress, checkpointDir: ck });
  assert.ok(epochOf(ck).complete, 'a finished loop marks its checkpoint complete');
  const epochs: number[] = [];
  const again = await fitAutoencoder({ config, train, validation, progress: silentProgress, checkpointDir: join(tmp(), 'ck2'), resumeDir: ck, onEpoch: (r) => void epochs.push(r.epoch) });
  assert.deepEqual(epochs, []);
  assert.deepEqual(Buffer.from(again.onnx), Buffer.from(first.onnx));
  assert.equal(again.loop.history.length, first.loop.history.length);
});

test('a checkpoint that does not fit the model is refused, naming it', async () => {
  const ck = join(tmp(), 'ck');
  await fitAutoencoder({ config: testConfig([...SMALL, 'train.epochs=1'], tmp()), train, validation, progress: silentProgress, checkpointDir: ck });
  assert.ok(existsSync(join(ck, 'checkpoint.bin')));
  await assert.rejects(
    fitAutoencoder({ config: testConfig(['model.autoencoder.hidden=[16]', 'train.epochs=1'], tmp()), train, validation, progress: silentProgress, checkpointDir: join(tmp(), 'ck2'), resumeDir: ck }),
    (e: unknown) => e instanceof DfpError && e.code === 'CONFIG_INVALID' && e.message.includes(ck) && /does not fit this model/.test(e.message),
  );
});
