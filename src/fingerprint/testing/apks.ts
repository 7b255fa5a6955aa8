/**
 * @module Test APKs: real ones built by Debian's `aapt` against Android's framework-res.apk from manifests chosen to
 * exercise every feature (platform, custom and unknown permissions, all component kinds, intent filters that share
 * actions), and a small zip writer for the hostile archives no packaging tool would make. Tests and bench:apk only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { PERMISSION_COLUMNS } from '../../core/kronodroid/schema.ts';

export const FRAMEWORK_RES = process.env.DFP_FRAMEWORK_RES ?? '/usr/share/android-framework-res/framework-res.apk';
export const PYTHON = process.env.PYTHON ?? 'python3';
export const ANDROGUARD_PEER = join(import.meta.dirname, 'androguard_peer.py');

/** Why APKs cannot be built here, or undefined when aapt and framework-res.apk are installed. */
export function aaptMissing(): string | undefined {
  if (spawnSync('aapt', ['version'], { encoding: 'utf8' }).status !== 0) return 'aapt is not installed (apt-get install aapt android-framework-res)';
  if (!existsSync(FRAMEWORK_RES)) return `${FRAMEWORK_RES} is missing (apt-get install android-framework-res)`;
  return undefined;
}

/** Why androguard cannot be run, or undefined. */
export function androguardMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import androguard'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `androguard is not installed for ${PYTHON} (pip install androguard)`;
}

/** Builds `<dir>/<name>.apk` from a manifest's text with aapt (and optional asset files); returns its path. */
export function buildApk(dir: string, name: string, manifest: string, assets: Record<string, string | Buffer> = {}): string {
  const src = join(dir, `${name}.src`);
  mkdirSync(join(src, 'assets'), { recursive: true });
  writeFileSync(join(src, 'AndroidManifest.xml'), manifest);
  for (const [f, data] of Object.entries(assets)) writeFileSync(join(src, 'assets', f), data);
  const out = join(dir, `${name}.apk`);
  const args = ['package', '-f', '-M', join(src, 'AndroidManifest.xml'), '-I', FRAMEWORK_RES, '-F', out];
  if (Object.keys(assets).length) args.push('-A', join(src, 'assets'));
  const r = spawnSync('aapt', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`aapt failed for ${name}: ${r.stderr}`);
  return out;
}

const ANDROID = 'xmlns:android="http://schemas.android.com/apk/res/android"';

function component(tag: string, name: string, filters: { actions: string[]; categories?: string[]; data?: string[] }[] = []): string {
  const fs = filters.map((f) => `<intent-filter>${f.actions.map((a) => `<action android:name="${a}"/>`).join('')}${(f.categories ?? []).map((c) => `<category android:name="${c}"/>`).join('')}${(f.data ?? []).map((s) => `<data android:scheme="${s}"/>`).join('')}</intent-filter>`);
  return `<${tag} android:name="${name}">${fs.join('')}</${tag}>`;
}

/** What a test manifest declares, to compare a reading against. */
export interface ManifestSpec {
  package: string;
  permissions: string[];
  activities: ReturnType<typeof component>[];
  services: string[];
  receivers: string[];
  providers: string[];
  aliases: string[];
  declared: string[];
}

export function manifestXml(s: ManifestSpec): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<manifest ${ANDROID} package="${s.package}">
${s.permissions.map((p) => `  <uses-permission android:name="${p}"/>`).join('\n')}
${s.declared.join('\n')}
  <application android:label="t">
${[...s.activities, ...s.aliases, ...s.services, ...s.receivers, ...s.providers].map((c) => `    ${c}`).join('\n')}
  </application>
</manifest>
`;
}

const MAIN = { actions: ['android.intent.action.MAIN'], categories: ['android.intent.category.LAUNCHER'] };
const VIEW = { actions: ['android.intent.action.VIEW'], categories: ['android.intent.category.DEFAULT'], data: ['https'] };

/** The test manifests: name → text, with the counts each must give (what the manifest says, by construction). */
export const TEST_MANIFESTS: Record<string, { xml: string; expect: Record<string, number> }> = {
  minimal: {
    xml: `<?xml version="1.0" encoding="utf-8"?>\n<manifest ${ANDROID} package="org.dfp.minimal"/>\n`,
    expect: { nr_permissions: 0, nr_custom: 0, total_perm: 0, Activities: 0, NrServices: 0, TotalIntentFilters: 0 },
  },
  mixed: {
    xml: manifestXml({
      package: 'org.dfp.mixed',
      permissions: [
        'android.permission.INTERNET', // normal
        'android.permission.READ_SMS', // dangerous
        'android.permission.REBOOT', // signature; column REBOOT_PERMISSION
        'android.permission.INSTALL_PACKAGES', // signatureOrSystem → signature
        'com.android.launcher.permission.INSTALL_SHORTCUT', // a column outside android.permission
        'android.permission.QUERY_ALL_PACKAGES', // API 30: from the supplement
        'android.permission.INTERNET', // twice: counted once
        'org.dfp.mixed.permission.C2D_MESSAGE', // custom, declared below
        'com.google.android.c2dm.permission.RECEIVE', // custom (a vendor's)
        'android.permission.ACCESS_DOWNLOAD_MANAGER', // android namespace, not the platform's: unknown
        'android.permission.NOT_A_PERMISSION', // unknown
        'android.permission.MANAGE_USERS', // platform, no KronoDroid column
      ],
      declared: ['  <permission android:name="org.dfp.mixed.permission.C2D_MESSAGE" android:protectionLevel="signature"/>'],
      activities: [
        component('activity', '.Main', [MAIN, VIEW]),
        component('activity', 'Second'),
        component('activity', 'org.dfp.mixed.Third', [VIEW]),
        component('activity', '.OnlyCategory', [{ actions: [], categories: ['android.intent.category.DEFAULT'] }]),
      ],
      aliases: [`<activity-alias android:name=".Alias" android:targetActivity=".Main">${'<intent-filter><action android:name="android.intent.action.SEND"/></intent-filter>'}</activity-alias>`],
      services: [component('service', '.Sync', [{ actions: ['android.content.SyncAdapter'] }]), component('service', '.Plain'), component('service', '.Push', [{ actions: ['com.google.firebase.MESSAGING_EVENT'] }, { actions: ['com.google.firebase.INSTANCE_ID_EVENT'] }])],
      receivers: [
        component('receiver', '.Boot', [{ actions: ['android.intent.action.BOOT_COMPLETED', 'android.intent.action.QUICKBOOT_POWERON'] }, { actions: ['android.intent.action.BOOT_COMPLETED'] }]),
        component('receiver', '.Sms', [{ actions: ['android.provider.Telephony.SMS_RECEIVED'] }]),
        component('receiver', '.Quiet'),
      ],
      providers: ['<provider android:name=".Files" android:authorities="org.dfp.mixed.files" android:exported="false"/>'],
    }),
    expect: {
      INTERNET: 1, READ_SMS: 1, REBOOT_PERMISSION: 1, INSTALL_PACKAGES: 1, INSTALL_SHORTCUT: 1, QUERY_ALL_PACKAGES: 1,
      nr_permissions: 6, normal: 3, dangerous: 1, signature: 2, nr_custom: 2, custom_yes: 1, total_perm: 8,
      Activities: 4, NrServices: 3, NrIntActivities: 3, NrIntActivitiesActions: 2, NrIntServices: 2, NrIntServicesActions: 3,
      NrIntReceivers: 2, NrIntReceiversActions: 3, TotalIntentFilters: 7,
    },
  },
  many: {
    // 40 activities behind the same two actions: distinct actions (2) far below activities with filters (40), the
    // pattern of KronoDroid's large apps
    xml: manifestXml({
      package: 'org.dfp.many',
      permissions: PERMISSION_COLUMNS.map((c) => (['ADD_VOICEMAIL', 'READ_VOICEMAIL', 'WRITE_VOICEMAIL'].includes(c) ? `com.android.voicemail.permission.${c}` : c.endsWith('_SHORTCUT') ? `com.android.launcher.permission.${c}` : c === 'SET_ALARM' ? `com.android.alarm.permission.${c}` : `android.permission.${c}`)),
      declared: [],
      activities: Array.from({ length: 40 }, (_, i) => component('activity', `.A${i}`, [i === 0 ? MAIN : VIEW])),
      aliases: [],
      services: Array.from({ length: 5 }, (_, i) => component('service', `.S${i}`)),
      receivers: [],
      providers: [],
    }),
    expect: { nr_permissions: 166, total_perm: 166, nr_custom: 0, Activities: 40, NrIntActivities: 40, NrIntActivitiesActions: 2, NrServices: 5, NrIntServices: 0, TotalIntentFilters: 40 },
  },
};

/** Builds every test manifest into `<dir>/<name>.apk`. */
export function buildTestApks(dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(TEST_MANIFESTS).map(([name, m]) => [name, buildApk(dir, name, m.xml, name === 'mixed' ? { 'data.bin': Buffer.alloc(4096, 7), 'note.txt': 'hello' } : {})]));
}

export interface ZipEntrySpec {
  name: string;
  data: Buffer;
  /** 'deflate' (default) or 'store'. */
  method?: 'deflate' | 'store';
}

/** A plain zip (local headers, central directory, end record) of the entries, as given: duplicates and odd names kept. */
export function zipBytes(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const deflate = (e.method ?? 'deflate') === 'deflate';
    const body = deflate ? deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data) >>> 0;
    const dosDate = ((2019 - 1980) << 9) | (11 << 5) | 11; // 2019-11-11
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
