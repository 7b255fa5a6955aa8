// The protection-level table: every KronoDroid permission column has a level; the hand-kept supplement covers exactly
// the columns Android 10's platform lacks; and the generated table is what the generator makes from framework-res.apk
// today (skips visibly without the file).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PERMISSION_COLUMNS } from '../../core/kronodroid/schema.ts';
import { PERMISSION_COLUMN_OF } from '../features/static-features.ts';
import { FRAMEWORK_RES } from '../testing/apks.ts';
import { SUPPLEMENT, platformLevel } from './levels.ts';
import { PLATFORM_LEVELS } from './platform-levels.ts';
import { platformLevelsSource } from './generate.ts';

test('every one of the 166 permission columns has a full name and a protection level', () => {
  assert.equal(PERMISSION_COLUMN_OF.size, PERMISSION_COLUMNS.length);
  for (const name of PERMISSION_COLUMN_OF.keys()) assert.ok(platformLevel(name), `${name} has no protection level`);
  assert.equal(platformLevel('android.permission.READ_SMS'), 'dangerous');
  assert.equal(platformLevel('android.permission.INTERNET'), 'normal');
  assert.equal(platformLevel('android.permission.INSTALL_PACKAGES'), 'signature', 'signature|privileged counts as signature');
});

test('the supplement holds exactly the columns the platform table lacks', () => {
  const lacking = [...PERMISSION_COLUMN_OF.keys()].filter((n) => !(n in PLATFORM_LEVELS)).sort();
  assert.deepEqual(Object.keys(SUPPLEMENT).sort(), lacking);
});

test('platform-levels.ts is what scripts/gen-protection-levels.ts makes from framework-res.apk', { skip: existsSync(FRAMEWORK_RES) ? false : `${FRAMEWORK_RES} is missing (apt-get install android-framework-res)` }, async () => {
  const committed = readFileSync(join(import.meta.dirname, 'platform-levels.ts'), 'utf8');
  assert.equal(await platformLevelsSource(FRAMEWORK_RES), committed);
});
