// Start-up cost: building the command tree must load only the CLI itself, so `dfp --help` and light commands
// do not pay for DuckDB, onnxruntime, Fastify, the AWS SDK and the rest. Command implementations are imported
// inside their actions; this test fails when someone imports one at the top of a command file again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../..');
const rootUrl = pathToFileURL(root).href + '/';

// A resolve hook (run on the loader thread) that reports every module URL the import graph reaches.
const HOOK = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }`;

const CHILD = `
import { register } from 'node:module';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)}, { data: { port: port2 }, transferList: [port2] });
const { buildProgram } = await import(${JSON.stringify(`${rootUrl}src/cli/main.ts`)});
buildProgram();
const urls = [];
for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) urls.push(m.message);
process.stdout.write(JSON.stringify(urls));
`;

/** Light modules outside src/cli and src/core that a command file may import at the top. */
const LIGHT_FILES = new Set(['src/export/formats.ts', 'src/transform/defaults.ts']);
/** The only package needed to build the command tree. */
const LIGHT_PACKAGES = new Set(['commander']);

function loadedByBuildProgram(): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as string[]).filter((u) => u.startsWith(rootUrl)).map((u) => u.slice(rootUrl.length));
}

function heavy(paths: string[]): string[] {
  return paths.filter((p) => {
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1];
    if (pkg !== undefined) return !LIGHT_PACKAGES.has(pkg);
    return !(p.startsWith('src/cli/') || p.startsWith('src/core/') || LIGHT_FILES.has(p));
  });
}

test('building the command tree loads no command implementation and no heavy package', () => {
  const loaded = loadedByBuildProgram();
  // The hook must have seen the command files, or an empty list would pass for the wrong reason.
  for (const file of ['src/cli/commands/train.ts', 'src/cli/commands/serve.ts', 'src/cli/commands/lake.ts', 'node_modules/commander/index.js']) {
    assert.ok(loaded.includes(file), `expected ${file} among the loaded modules: ${loaded.join(', ')}`);
  }
  assert.deepEqual(heavy(loaded), [], 'a command file imports an implementation at the top; import it inside the action instead');
});

test('the heavy-module filter flags implementations and packages (self-check)', () => {
  assert.deepEqual(
    heavy(['src/cli/commands/lake.ts', 'src/core/errors.ts', 'src/export/formats.ts', 'node_modules/commander/esm.mjs', 'src/train/run.ts', 'src/lake/open.ts', 'node_modules/@duckdb/node-api/lib/index.js', 'node_modules/zod/index.js']),
    ['src/train/run.ts', 'src/lake/open.ts', 'node_modules/@duckdb/node-api/lib/index.js', 'node_modules/zod/index.js'],
  );
});
