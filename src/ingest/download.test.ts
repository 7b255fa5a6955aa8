// HTTP sources against a real local server: a download that breaks mid-body resumes with a Range
// request (or restarts when the server cannot resume) and still yields the exact bytes; a 404 names
// the URL; the cache is keyed by content and revalidated with the ETag.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDfpError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { download } from './download.ts';
import { resolveSource } from './source.ts';
import { configFor, csvText, headerFor, prepare, rowFor, scratch, sendBytes, serve, zipBytes } from './testing.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A zip of a 300-row KronoDroid-shaped CSV: big enough to be cut in the middle. */
function archive(): Buffer {
  const header = headerFor();
  const csv = csvText(header, Array.from({ length: 300 }, (_, i) => rowFor(header, i)));
  return zipBytes([{ name: 'real_legitimate_v1.csv', data: Buffer.from(csv) }]);
}

const BODY = archive();
const HALF = Math.floor(BODY.length / 2);

/** The client's progress: `wrote` settles once it has some of the body on disk, the moment a server may cut it off. */
function clientProgress(): { wrote: Promise<void>; progress: Progress } {
  let wrote!: () => void;
  const p = new Promise<void>((r) => (wrote = r));
  return { wrote: p, progress: { start() {}, update: (done) => done > 0 && wrote(), stop() {} } };
}

test('a connection broken mid-body resumes with a Range request and yields the exact bytes', async (t) => {
  const client = clientProgress();
  const server = await serve((req, res, hit) => sendBytes(req, res, BODY, hit === 1 ? { breakAt: HALF, breakAfter: client.wrote } : {}));
  t.after(() => server.close());
  const got = await download(`${server.url}/real.zip`, { cacheDir: join(scratch(), 'cache'), retries: 3, backoffMs: 10, progress: client.progress });
  assert.equal(got.sha256, sha(BODY));
  assert.equal(got.bytes, BODY.length);
  assert.ok(readFileSync(got.path).equals(BODY));
  // The second request asks only for what is missing (the client holds at most the half it was sent).
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[0]?.range, undefined);
  const from = Number(/^bytes=(\d+)-$/.exec(server.requests[1]?.range ?? '')?.[1]);
  assert.ok(from > 0 && from <= HALF, `resumed from ${from}, sent ${HALF}`);
});

test('a server that cannot resume is asked again from the start', async (t) => {
  const client = clientProgress();
  const server = await serve((req, res, hit) => sendBytes(req, res, BODY, { ignoreRange: true, ...(hit <= 2 ? { breakAt: HALF, breakAfter: client.wrote } : {}) }));
  t.after(() => server.close());
  const got = await download(`${server.url}/real.zip`, { cacheDir: join(scratch(), 'cache'), retries: 3, backoffMs: 10, progress: client.progress });
  assert.ok(readFileSync(got.path).equals(BODY));
  assert.equal(server.requests.length, 3);
  assert.match(server.requests[1]?.range ?? '', /^bytes=\d+-$/, 'the client asked to resume and got the whole body');
});

test('a URL source downloads once, is cached by content hash and revalidated by ETag', async (t) => {
  const server = await serve((req, res, hit) => sendBytes(req, res, BODY, hit === 1 ? { breakAt: 1000 } : {}));
  t.after(() => server.close());
  const home = scratch();
  const config = configFor(home, ['data.download_retries=2']);
  const url = `${server.url}/kronodroid/real.zip`;
  const first = await resolveSource(url, { config, workDir: join(home, 'w1') });
  assert.deepEqual(first.sources, [{ uri: url, sha256: sha(BODY), bytes: BODY.length }]);
  assert.deepEqual(first.files.map((f) => f.name), [`${url}!/real_legitimate_v1.csv`]);
  assert.ok(readFileSync(join(home, 'cache/downloads/objects', sha(BODY))).equals(BODY));
  const p = await prepare(first.files);
  assert.deepEqual([p.inputRows, p.loadedRows, p.quarantinedRows], [300, 300, 0]);

  const before = server.requests.length;
  const second = await resolveSource(url, { config, workDir: join(home, 'w2') });
  assert.equal(second.sources[0]?.sha256, sha(BODY));
  assert.equal(server.requests.length, before + 1);
  assert.ok(server.requests.at(-1)?.ifNoneMatch, 'revalidated with If-None-Match');
});

test('a 404 is a NOT_FOUND error naming the URL, without retries', async (t) => {
  const server = await serve((_req, res) => res.writeHead(404).end('no'));
  t.after(() => server.close());
  const url = `${server.url}/missing/real_malware_v1.zip`;
  await assert.rejects(download(url, { cacheDir: join(scratch(), 'cache'), retries: 3, backoffMs: 10 }), (e: unknown) => {
    assert.ok(isDfpError(e));
    assert.equal(e.code, 'NOT_FOUND');
    assert.ok(e.message.includes(url), e.message);
    return true;
  });
  assert.equal(server.requests.length, 1);
});

test('a connection that keeps breaking fails with NETWORK after the configured retries', async (t) => {
  const server = await serve((req, res) => sendBytes(req, res, BODY, { breakAt: 100, ignoreRange: true }));
  t.after(() => server.close());
  await assert.rejects(download(`${server.url}/real.zip`, { cacheDir: join(scratch(), 'cache'), retries: 2, backoffMs: 10 }), (e: unknown) => {
    assert.ok(isDfpError(e));
    assert.equal(e.code, 'NETWORK');
    assert.match(e.message, /failed after 3 attempts.*download_retries/);
    return true;
  });
  assert.equal(server.requests.length, 3);
});
