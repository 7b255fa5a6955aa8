// Every example that `dfp --help` and `dfp <command> --help` print is run here, as printed, in a workspace made the way a
// new user makes one: `dfp ingest` of an emulator export, then `dfp run` on a real-device file (both small, self-made,
// KronoDroid-shaped). So an example cannot name a model, table, ref or file a user would not have. The examples come
// from the commands themselves (src/cli/examples.ts): adding one to a command's list adds it here.
//
// How each one runs, by its declaration:
// - the current directory holds the workspace (.dfp, put back as `dfp run` left it before every example, at the same
//   path so its cached steps stay cached, and so examples do not depend on each other's order) and the files a user brings, by the names the examples use: kronodroid-real-2019.csv,
//   emulator-export.csv, apps.csv (sha256 and features only, to score) and entities.csv (for features dataset);
// - `<placeholder>`s are replaced by the workspace's values (PLACEHOLDERS); `a && b` runs a, then b;
// - kind 'server' is started, probed (/healthz and /readyz answer 200), then stopped with SIGTERM; kind 'long' is
//   started and stopped once its first progress line says it is under way;
// - needs 'internet': the public archives are pointed at a port nothing listens on, and the example must fail with
//   the offline hint; other peers (MLflow, S3) are absent, and the example must succeed or name what is missing;
// - the exit code must be the declared one (0 by default) and, with --json, stdout must be one JSON document.
// The environment keeps training short (train.epochs) and gives `dfp serve` a free port: settings, not edits.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Command } from 'commander';
import { type Example, allExamples } from '../../src/cli/examples.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { TEST_MANIFESTS, aaptMissing, buildApk } from '../../src/fingerprint/testing/apks.ts';
import { OFFLINE_HINT } from '../../src/ingest/source.ts';
import { csvText, headerFor, rowFor, shaOf, writeTrainableCsv } from '../../src/ingest/testing.ts';
import { DFP_BIN } from '../support/cli.ts';
import { freePort } from '../../src/testing/free-port.ts';
import { until } from '../../src/testing/until.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-help-examples-'));
/** Where every example runs; `snapshot` holds it as it was after `dfp run`. */
const work = join(root, 'work');
const snapshot = join(root, 'snapshot');
after(() => rmSync(root, { recursive: true, force: true }));

/** Why the examples that read app.apk cannot run here (no aapt), or undefined. */
const APK_MISSING = aaptMissing();

/** Values of the `<placeholders>` examples may use, read from the workspace once it is made. */
const PLACEHOLDERS: Record<string, string> = {};

/** What a peer that is not there looks like in an example's error, when the example needs that peer. */
const PEER_MESSAGES: Record<string, RegExp> = {
  mlflow: /MLflow at http:\/\/127\.0\.0\.1:5000 unreachable/,
  s3: /s3:\/\/dfp\/lake: .*(ECONNREFUSED 127\.0\.0\.1:9000|credentials)/,
  redis: /cannot reach Redis at/,
};

let env: NodeJS.ProcessEnv = {};

before(async () => {
  mkdirSync(work);
  writeTrainableCsv(work, 'kronodroid-real-2019.csv', 120, { layout: 'official-real', months: 11, families: 8 });
  writeTrainableCsv(work, 'emulator-export.csv', 40, { layout: 'official-emulator', first: 1000, months: 12 });
  // Apps to score: sha256 and the features only, no label, dates or package (what nobody knows of a new app).
  const unlabelled = headerFor('official-real').filter((h) => !['Package', 'Malware', 'MalFamily', 'EarliestModDate', 'HighestModDate', 'Scanners', 'Detection_Ratio', 'TimesSubmitted', 'NrContactedIps'].includes(h));
  writeFileSync(join(work, 'apps.csv'), csvText(unlabelled, Array.from({ length: 25 }, (_, k) => rowFor(unlabelled, 5000 + k))));
  // `dfp fingerprint` examples: an APK built by aapt (as the fingerprint tests build theirs) and an strace output
  if (!APK_MISSING) copyFileSync(buildApk(root, 'app', TEST_MANIFESTS.mixed!.xml), join(work, 'app.apk'));
  writeFileSync(join(work, 'app.strace'), '4242  12:00:00.000001 openat(AT_FDCWD, "/data/x", O_RDONLY) = 3 <0.000010>\n4242  12:00:00.000002 close(3) = 0 <0.000001>\n');
  writeFileSync(join(work, 'entities.csv'), `sha256,event_timestamp\n${[0, 1, 2, 3].map((i) => `${shaOf(i)},2020-01-01T00:00:00Z`).join('\n')}\n`);

  const dead = `http://127.0.0.1:${await freePort()}`;
  env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('DFP_') || k.startsWith('AWS_') || k === 'MLFLOW_TRACKING_URI' || k.startsWith('KAGGLE_')) delete env[k];
  Object.assign(env, {
    DFP_TRAIN__EPOCHS: '3',
    DFP_TRAIN__PATIENCE: '2',
    DFP_DATA__KRONODROID__REAL: `[${dead}/real_legitimate_v1.zip, ${dead}/real_malware_v1.zip]`,
    DFP_DATA__KRONODROID__EMULATOR: `[${dead}/emu_legitimate_v1.zip, ${dead}/emu_malware_v1.zip]`,
    DFP_DATA__DOWNLOAD_RETRIES: '0',
    // Credentials that no S3 accepts: an S3 example then reaches its endpoint and reports what is there (nothing).
    AWS_ACCESS_KEY_ID: 'dfp-test',
    AWS_SECRET_ACCESS_KEY: 'dfp-test',
  });

  for (const args of [['ingest', '--source', 'emulator-export.csv'], ['run', '--source', 'kronodroid-real-2019.csv']]) {
    const r = dfpSync(args, work);
    assert.equal(r.status, 0, `dfp ${args.join(' ')}: ${r.stderr}`);
  }
  cpSync(work, snapshot, { recursive: true });
  const summary = JSON.parse(readFileSync(join(work, '.dfp', 'runs', 'last-run.json'), 'utf8')) as { data_commit: string; models: Record<string, { run_id: string }> };
  PLACEHOLDERS.run_id = summary.models.kronodroid_detector!.run_id;
  PLACEHOLDERS.commit = summary.data_commit.slice(0, 7);
  PLACEHOLDERS.sha256 = shaOf(0);
});

function dfpSync(args: string[], cwd: string, extra: Record<string, string> = {}) {
  // The timeout only turns a hang into a failure; it says nothing about speed.
  return spawnSync(process.execPath, [DFP_BIN, ...args], { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
}

/** Shell words: whitespace-separated, with '…' and "…" quoting (all the examples need). */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) out.push(word);
  return out;
}

interface Step {
  env: Record<string, string>;
  args: string[];
}

/** The example's commands, placeholders filled, each as environment assignments and the arguments after `dfp`. */
function steps(e: Example): Step[] {
  const line = e.line.replace(/<(\w+)>/g, (m, name: string) => {
    const v = PLACEHOLDERS[name];
    assert.ok(v !== undefined, `example '${e.line}' uses ${m}, which the test has no value for (known: ${Object.keys(PLACEHOLDERS).join(', ')})`);
    return v;
  });
  return line.split(' && ').map((part) => {
    const w = words(part);
    const assigned: Record<string, string> = {};
    while (w.length && /^[A-Z][A-Z0-9_]*=/.test(w[0]!)) {
      const [k, ...v] = w.shift()!.split('=');
      assigned[k!] = v.join('=');
    }
    assert.equal(w.shift(), 'dfp', `'${part}' must run dfp`);
    return { env: assigned, args: w };
  });
}

function assertJson(stdout: string, what: string): void {
  assert.doesNotThrow(() => JSON.parse(stdout), `${what}: stdout is not one JSON document: ${stdout.slice(0, 300)}`);
}

/** Output of a child process so far. */
function collect(child: ChildProcess): { out: () => string; err: () => string; exit: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out: () => out, err: () => err, exit };
}

async function runServer(e: Example, s: Step, cwd: string): Promise<void> {
  const port = String(await freePort());
  const child = spawn(process.execPath, [DFP_BIN, ...s.args], { cwd, env: { ...env, DFP_SERVE__PORT: port, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const io = collect(child);
  let exited: number | null | undefined;
  void io.exit.then((c) => (exited = c));
  try {
    const url = await until(`'${e.line}' to say where it listens`, () => {
      if (exited !== undefined) throw new Error(`'${e.line}' exited with ${exited} before listening: ${io.err()}`);
      return /listening on (http:\/\/\S+)/.exec(io.out() + io.err())?.[1];
    });
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 200, `${e.line}: GET ${path} → ${res.status} ${await res.text()}`);
    }
  } finally {
    if (exited === undefined) child.kill('SIGTERM');
  }
  assert.equal(await io.exit, e.exit ?? 0, `${e.line}: ${io.err()}`);
  if (s.args.includes('--json')) assertJson(io.out(), e.line);
}

async function runLong(e: Example, s: Step, cwd: string): Promise<void> {
  const child = spawn(process.execPath, [DFP_BIN, ...s.args], { cwd, env: { ...env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const io = collect(child);
  let exited: number | null | undefined;
  void io.exit.then((c) => (exited = c));
  // Under way once a progress line says a phase with a known size started; a job that finishes first is fine too.
  await until(`'${e.line}' to report progress`, () => exited !== undefined || /: started, /.test(io.err()));
  if (exited === undefined) {
    child.kill('SIGTERM');
    await io.exit;
    return;
  }
  assert.equal(exited, e.exit ?? 0, `${e.line}: ${io.err()}`);
}

async function runExample(e: Example): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  cpSync(snapshot, work, { recursive: true });
  const all = steps(e);
  for (const [i, s] of all.entries()) {
    const lastStep = i === all.length - 1;
    if (lastStep && e.kind === 'server') return runServer(e, s, work);
    if (lastStep && e.kind === 'long') return runLong(e, s, work);
    const r = dfpSync(s.args, work, s.env);
    const what = `dfp ${s.args.join(' ')}`;
    if (lastStep && e.needs === 'internet') {
      assert.equal(r.status, 1, `${what} offline: ${r.stderr}`);
      assert.ok(r.stderr.includes(OFFLINE_HINT), `${what} offline must say what to do: ${r.stderr}`);
    } else if (lastStep && e.needs !== undefined && r.status !== 0) {
      assert.match(r.stderr, PEER_MESSAGES[e.needs]!, `${what} without ${e.needs}: ${r.stderr}`);
    } else {
      assert.equal(r.status, lastStep ? (e.exit ?? 0) : 0, `${what} exited ${r.status}: ${r.stderr}`);
    }
    if (s.args.includes('--json')) assertJson(r.stdout, what);
  }
}

const program = buildProgram();
const declared = allExamples(program);

for (const { command, examples } of declared) {
  for (const e of examples) {
    const skip = e.line.includes('app.apk') && APK_MISSING ? `needs an APK built with aapt: ${APK_MISSING}` : false;
    test(`dfp ${command}${command ? ' ' : ''}--help: ${e.line}`, { skip }, () => runExample(e));
  }
}

/** The --help text of a command, as printed. */
function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

function commandAt(path: string): Command {
  let cmd = program;
  for (const name of path ? path.split(' ') : []) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd;
}

test('every command that does something has examples, and every help text shows them only from its list', () => {
  assert.ok(declared.length > 30, `found only ${declared.length} commands`);
  for (const { command, examples } of declared) {
    const cmd = commandAt(command);
    if (cmd.commands.length === 0) assert.ok(examples.length > 0, `dfp ${command} declares no examples (add them with withExamples)`);
    const help = helpOf(cmd);
    const blocks = help.match(/^Examples?:$/gm) ?? [];
    assert.equal(blocks.length, examples.length ? 1 : 0, `dfp ${command} --help has ${blocks.length} example block(s): written by hand instead of declared with withExamples?\n${help}`);
    for (const e of examples) assert.ok(help.includes(e.line.slice(0, 60)), `dfp ${command} --help does not show '${e.line}'`);
  }
});

test('every example runs its own command', () => {
  for (const { command, examples } of declared) {
    for (const e of examples) {
      const runs = e.line.split(' && ').map((p) => p.replace(/^(?:[A-Z][A-Z0-9_]*=\S*\s+)*dfp\s*/, ''));
      assert.ok(command === '' || runs.some((r) => `${r} `.startsWith(`${command} `)), `'${e.line}' is listed under dfp ${command}`);
    }
  }
});

test('words() splits like a shell for the quoting examples use', () => {
  assert.deepEqual(words(`dfp crossval --candidate "a: x=1 y=2" -m 'one two' k=v`), ['dfp', 'crossval', '--candidate', 'a: x=1 y=2', '-m', 'one two', 'k=v']);
  assert.deepEqual(words(`dfp x --name="quoted value"`), ['dfp', 'x', '--name=quoted value']);
});
