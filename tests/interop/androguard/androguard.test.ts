// androguard (PyPI), an independent reading of the same APKs, must agree with dfp fingerprint on every test APK and on
// Android's framework-res.apk: package, requested permissions, activities, services, receivers, providers, each
// component's intent-filter actions and categories, and the KronoDroid component counts computed from them.
// Skips visibly without aapt or androguard (CI installs both: .ci/run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readApkManifest } from '../../../src/fingerprint/apk/read-apk.ts';
import { fingerprintApk } from '../../../src/fingerprint/fingerprint.ts';
import type { Component } from '../../../src/fingerprint/manifest/manifest.ts';
import { ANDROGUARD_PEER, FRAMEWORK_RES, PYTHON, aaptMissing, androguardMissing, buildTestApks } from '../../../src/fingerprint/testing/apks.ts';

const missing = aaptMissing() ?? androguardMissing();
if (missing) process.stderr.write(`\n  SKIPPING androguard parity: ${missing}\n\n`);

interface Peer {
  file: string;
  package: string;
  permissions: string[];
  activities: string[];
  services: string[];
  receivers: string[];
  providers: string[];
  filters: Record<'activity' | 'service' | 'receiver', Record<string, { action?: string[]; category?: string[] }>>;
  counts: Record<string, number>;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** Per component name: actions and categories of all its filters, as androguard's get_intent_filters merges them. */
function merged(cs: readonly Component[]): Record<string, { action: string[]; category: string[] }> {
  const out: Record<string, { action: string[]; category: string[] }> = {};
  for (const c of cs) {
    const m = (out[c.name] ??= { action: [], category: [] });
    for (const f of c.filters) {
      for (const a of f.actions) if (!m.action.includes(a)) m.action.push(a);
      for (const k of f.categories) if (!m.category.includes(k)) m.category.push(k);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([n, m]) => [n, { action: sorted(m.action), category: sorted(m.category) }]));
}

function peerMerged(fs: Peer['filters']['activity']): Record<string, { action: string[]; category: string[] }> {
  return Object.fromEntries(Object.entries(fs).map(([n, f]) => [n, { action: sorted(f.action ?? []), category: sorted(f.category ?? []) }]));
}

test('dfp fingerprint reads every test APK and framework-res.apk as androguard does', { skip: missing }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-androguard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = [...Object.values(buildTestApks(dir)), FRAMEWORK_RES];
  const r = spawnSync(PYTHON, [ANDROGUARD_PEER, ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const peers = (JSON.parse(r.stdout) as { apps: Peer[] }).apps;
  assert.equal(peers.length, files.length);
  for (const p of peers) {
    const { facts } = await readApkManifest({ name: p.file, path: p.file });
    const what = p.file;
    assert.equal(facts.package, p.package, `${what}: package`);
    assert.deepEqual(sorted(facts.usesPermissions), sorted(p.permissions), `${what}: permissions`);
    assert.deepEqual(sorted(facts.activities.map((c) => c.name)), sorted(p.activities), `${what}: activities`);
    assert.deepEqual(sorted(facts.services.map((c) => c.name)), sorted(p.services), `${what}: services`);
    assert.deepEqual(sorted(facts.receivers.map((c) => c.name)), sorted(p.receivers), `${what}: receivers`);
    assert.deepEqual(sorted(facts.providers.map((c) => c.name)), sorted(p.providers), `${what}: providers`);
    // androguard lists a component's filters as {} when it has none; dfp as no filters: compare those that have some
    const nonEmpty = (m: Record<string, { action: string[]; category: string[] }>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v.action.length + v.category.length > 0));
    assert.deepEqual(nonEmpty(merged(facts.activities)), nonEmpty(peerMerged(p.filters.activity)), `${what}: activity intent filters`);
    assert.deepEqual(nonEmpty(merged(facts.services)), nonEmpty(peerMerged(p.filters.service)), `${what}: service intent filters`);
    assert.deepEqual(nonEmpty(merged(facts.receivers)), nonEmpty(peerMerged(p.filters.receiver)), `${what}: receiver intent filters`);
    const mine = (await fingerprintApk({ name: p.file, path: p.file })).features!;
    for (const [col, v] of Object.entries(p.counts)) assert.equal(mine[col], v, `${what}: ${col}`);
  }
});

