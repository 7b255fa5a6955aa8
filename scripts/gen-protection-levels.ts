/**
 * Generates src/fingerprint/permissions/platform-levels.ts, the protection level of every permission Android's
 * platform defines, from the platform's own manifest in `framework-res.apk` (Debian: apt-get install
 * android-framework-res), decoded with dfp's own binary-XML reader. The Android version and the file's sha256 are
 * recorded in the output; src/fingerprint/permissions/levels.test.ts checks the committed file is current.
 *
 *   node --import tsx scripts/gen-protection-levels.ts [/usr/share/android-framework-res/framework-res.apk]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformLevelsSource } from '../src/fingerprint/permissions/generate.ts';

const apk = process.argv[2] ?? '/usr/share/android-framework-res/framework-res.apk';
const out = join(import.meta.dirname, '..', 'src', 'fingerprint', 'permissions', 'platform-levels.ts');
const text = await platformLevelsSource(apk);
writeFileSync(out, text);
console.log(`wrote ${text.split('\n').filter((l) => l.startsWith("  '")).length} permissions to ${out}`);
