// Node test-runner reporter: after the run, one line per suite (folder) with its files, tests and time, so CI shows
// where its minutes go. A file's time runs from its first test's start to its last test's end (hooks in between).
import { relative } from 'node:path';

/** The suite a test file belongs to: src/<area>, tests/interop/<peer>, tests/e2e, tests (cross-cutting). */
function suiteOf(file) {
  const parts = relative(process.cwd(), file).split(/[\\/]/);
  if (parts[0] === 'src') return `src/${parts[1]}`;
  if (parts[0] === 'tests' && parts[1] === 'interop') return `tests/interop/${parts[2]}`;
  if (parts[0] === 'tests' && parts.length > 2) return `tests/${parts[1]}`;
  return parts.length > 1 ? parts[0] : 'other';
}

export default async function* summary(source) {
  const files = new Map(); // file -> { start, end, pass, fail, skip }
  const t0 = Date.now();
  for await (const e of source) {
    const file = e.data?.file;
    if (!file) continue;
    const f = files.get(file) ?? { start: Infinity, end: 0, pass: 0, fail: 0, skip: 0 };
    files.set(file, f);
    if (e.type === 'test:start' && e.data.nesting === 0) f.start = Math.min(f.start, Date.now());
    if (e.type === 'test:pass' || e.type === 'test:fail') {
      // Counted at every level, as the spec reporter's own totals are.
      if (e.data.nesting === 0) {
        f.end = Math.max(f.end, Date.now());
        f.start = Math.min(f.start, Date.now() - (e.data.details?.duration_ms ?? 0));
      }
      if (e.data.details?.type === 'suite') continue; // describe() blocks: the spec reporter counts them apart
      if (e.data.skip || e.data.todo) f.skip++;
      else if (e.type === 'test:pass') f.pass++;
      else f.fail++;
    }
  }
  const suites = new Map();
  for (const [file, f] of files) {
    const name = suiteOf(file);
    const s = suites.get(name) ?? { files: 0, pass: 0, fail: 0, skip: 0, seconds: 0 };
    s.files++;
    s.pass += f.pass;
    s.fail += f.fail;
    s.skip += f.skip;
    s.seconds += f.end > 0 && Number.isFinite(f.start) ? (f.end - f.start) / 1000 : 0;
    suites.set(name, s);
  }
  const rows = [...suites].sort((a, b) => b[1].seconds - a[1].seconds);
  let out = `\nSuite durations (files run ${process.env.DFP_TEST_CONCURRENCY ?? '2'} at a time; wall time ${((Date.now() - t0) / 1000).toFixed(0)} s):\n`;
  for (const [name, s] of rows) {
    out += `  ${name.padEnd(26)} ${String(s.files).padStart(3)} files ${String(s.pass + s.fail + s.skip).padStart(4)} tests ${s.seconds.toFixed(1).padStart(7)} s${s.fail ? `  ${s.fail} FAILED` : ''}\n`;
  }
  const total = rows.reduce((a, [, s]) => ({ pass: a.pass + s.pass, fail: a.fail + s.fail, skip: a.skip + s.skip }), { pass: 0, fail: 0, skip: 0 });
  yield `${out}tests: ${total.pass} passed, ${total.fail} failed, ${total.skip} skipped\n`;
}
