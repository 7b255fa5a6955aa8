/**
 * @module KronoDroid's static columns from an APK reading. Definitions (README.md in this folder gives the
 * evidence from the published data for each):
 * - the 166 permission flags: 1 when the manifest requests (uses-permission, -sdk-23) the platform permission of
 *   that column; `nr_permissions` is their sum and `normal`/`dangerous`/`signature` split it by protection level, so
 *   normal + dangerous + signature = nr_permissions;
 * - `nr_custom`: requested permissions outside the android.permission namespace that the platform does not define
 *   (an app's or a vendor's own, e.g. com.google.android.c2dm.permission.RECEIVE); `custom_yes` = nr_custom > 0;
 *   `total_perm` = nr_permissions + nr_custom. Platform permissions without a column and android.permission.* names
 *   the platform does not define (typos, other apps' providers) are counted nowhere and named in the warnings;
 * - `Activities`, `NrServices`: <activity> and <service> elements;
 * - `NrIntActivities`/`NrIntServices`/`NrIntReceivers`: components of that kind with at least one intent filter;
 *   `NrInt…Actions`: distinct action names over all of that kind's intent filters; `TotalIntentFilters` =
 *   NrIntActivities + NrIntServices + NrIntReceivers;
 * - `FilesInsideAPK`: file entries of the zip; `CFileSize`: the APK's size in bytes; `UFileSize`: the entries'
 *   uncompressed sizes summed; `EarliestModDate`/`HighestModDate`: the entries' modification dates.
 */
import { PERMISSION_COLUMNS, lakeName } from '../../core/kronodroid/schema.ts';
import type { ApkReading } from '../apk/read-apk.ts';
import type { Component } from '../manifest/manifest.ts';
import { type ProtectionLevel, platformLevel } from '../permissions/levels.ts';

/** Permissions whose KronoDroid column is not `android.permission.<column>` (Manifest.permission's constants). */
const NON_ANDROID_NAMES: Readonly<Record<string, string>> = {
  ADD_VOICEMAIL: 'com.android.voicemail.permission.ADD_VOICEMAIL',
  READ_VOICEMAIL: 'com.android.voicemail.permission.READ_VOICEMAIL',
  WRITE_VOICEMAIL: 'com.android.voicemail.permission.WRITE_VOICEMAIL',
  INSTALL_SHORTCUT: 'com.android.launcher.permission.INSTALL_SHORTCUT',
  UNINSTALL_SHORTCUT: 'com.android.launcher.permission.UNINSTALL_SHORTCUT',
  SET_ALARM: 'com.android.alarm.permission.SET_ALARM',
};

/** Full permission name → the lake column of its flag. */
export const PERMISSION_COLUMN_OF: ReadonlyMap<string, string> = new Map(
  PERMISSION_COLUMNS.map((c) => [NON_ANDROID_NAMES[c] ?? `android.permission.${c}`, lakeName(c)]),
);

const FLAG_COLUMNS: readonly string[] = PERMISSION_COLUMNS.map(lakeName);

/** Static column values (numbers, and the two date strings) plus what the reader should know. */
export interface StaticFeatures {
  features: Record<string, number | string>;
  warnings: string[];
}

function withFilters(cs: readonly Component[]): number {
  return cs.filter((c) => c.filters.some((f) => f.actions.length + f.categories.length + f.data > 0)).length;
}

function distinctActions(cs: readonly Component[]): number {
  return new Set(cs.flatMap((c) => c.filters.flatMap((f) => f.actions))).size;
}

export function staticFeatures(r: ApkReading): StaticFeatures {
  const features: Record<string, number | string> = {};
  const warnings: string[] = [];
  for (const c of FLAG_COLUMNS) features[c] = 0;
  const levels: Record<ProtectionLevel, number> = { normal: 0, dangerous: 0, signature: 0 };
  let flags = 0;
  let custom = 0;
  const noColumn: string[] = [];
  const unknown: string[] = [];
  for (const p of r.facts.usesPermissions) {
    const column = PERMISSION_COLUMN_OF.get(p);
    const level = platformLevel(p);
    if (column !== undefined) {
      features[column] = 1;
      flags++;
      levels[level ?? 'normal']++;
    } else if (level !== undefined) noColumn.push(p);
    else if (p.startsWith('android.permission.')) unknown.push(p);
    else custom++;
  }
  if (noColumn.length) warnings.push(`platform permissions without a KronoDroid column (not counted): ${noColumn.join(', ')}`);
  if (unknown.length) warnings.push(`permissions in the android.permission namespace that Android's platform does not define (not counted): ${unknown.join(', ')}`);
  const { activities, services, receivers } = r.facts;
  Object.assign(features, {
    nr_permissions: flags,
    normal: levels.normal,
    dangerous: levels.dangerous,
    signature: levels.signature,
    custom_yes: custom > 0 ? 1 : 0,
    nr_custom: custom,
    total_perm: flags + custom,
    CFileSize: r.size,
    UFileSize: r.archive.uncompressedTotal,
    FilesInsideAPK: r.archive.files,
    Activities: activities.length,
    NrIntServices: withFilters(services),
    NrIntServicesActions: distinctActions(services),
    NrIntActivities: withFilters(activities),
    NrIntActivitiesActions: distinctActions(activities),
    NrIntReceivers: withFilters(receivers),
    NrIntReceiversActions: distinctActions(receivers),
    TotalIntentFilters: withFilters(activities) + withFilters(services) + withFilters(receivers),
    NrServices: services.length,
    EarliestModDate: r.archive.earliestDate,
    HighestModDate: r.archive.highestDate,
  });
  if (!r.facts.package) warnings.push('the manifest names no package');
  return { features, warnings };
}
