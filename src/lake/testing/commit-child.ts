// Test support: a separate process that commits one table, so a test can SIGKILL it at a named point
// (DFP_LAKE_PAUSE_AT). Usage: node --import tsx commit-child.ts <branch> <table> <file> [key]
// with DFP_LAKE_CHILD_SPEC (a StoreSpec as JSON) and DFP_LAKE_CHILD_CACHE (cache folder).
import { ObjectLake } from '../repository.ts';
import { type StoreSpec, storeFromSpec } from './store-spec.ts';

const [branch, table, file, key] = process.argv.slice(2);
const spec = JSON.parse(process.env.DFP_LAKE_CHILD_SPEC ?? 'null') as StoreSpec | null;
if (!branch || !table || !file || !spec) {
  process.stderr.write('usage: commit-child.ts <branch> <table> <file> [key] (with DFP_LAKE_CHILD_SPEC)\n');
  process.exit(2);
}
const lake = new ObjectLake({ store: storeFromSpec(spec), cacheDir: process.env.DFP_LAKE_CHILD_CACHE ?? '.', author: 'child' });
const result = await lake.commit({ branch, message: `child commit of ${table}`, tables: { [table]: { file, ...(key ? { key } : {}) } } });
process.stdout.write(`${JSON.stringify({ id: result.id, unchanged: result.unchanged })}\n`);
await lake.close();
