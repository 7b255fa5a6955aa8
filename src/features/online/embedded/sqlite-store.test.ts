// The embedded (SQLite) online store against the shared online-store contract, plus WAL sharing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { onlineStoreContract } from '../../testing/online-contract.ts';
import { SqliteOnlineStore } from './sqlite-store.ts';

onlineStoreContract('embedded (SQLite)', {
  skipReason: () => null,
  open: async (fx, name) => new SqliteOnlineStore(join(fx.config.workspace, 'features', `${name}.sqlite`)),
});

test('two handles on one file (a CLI writing, a server reading) see each other in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-sqlite-'));
  const writer = new SqliteOnlineStore(join(dir, 'online.sqlite'));
  const reader = new SqliteOnlineStore(join(dir, 'online.sqlite'));
  try {
    assert.deepEqual((await reader.read('v', ['e'], ['f'])).values, [null]);
    await writer.write('v', { features: ['f'], entities: ['e'], eventTimestamps: [1], values: [[42]] });
    assert.deepEqual((await reader.read('v', ['e'], ['f'])).values, [[42]]);
  } finally {
    await writer.close();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
