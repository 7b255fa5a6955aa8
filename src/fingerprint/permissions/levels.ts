/**
 * @module Protection level of a requested permission, as KronoDroid's `normal`, `dangerous` and `signature`
 * counts need it. The platform table is generated from Android's own manifest (platform-levels.ts, by
 * scripts/gen-protection-levels.ts); permissions that KronoDroid has columns for but that Android 10's platform does
 * not define yet come from SUPPLEMENT, with the level the Android reference documents for them.
 */
import { PLATFORM_LEVELS } from './platform-levels.ts';

export type ProtectionLevel = 'normal' | 'dangerous' | 'signature';

/** Base level of android:protectionLevel flags: 0 normal, 1 dangerous, 2 signature, 3 signatureOrSystem, 4 internal. */
export function baseLevel(flags: number | null): ProtectionLevel {
  if (flags === null) return 'normal';
  const base = flags & 0xf;
  return base === 0 ? 'normal' : base === 1 ? 'dangerous' : 'signature';
}

/**
 * KronoDroid permission columns that Android 10 (API 29) does not define, with the level developer.android.com's
 * Manifest.permission reference gives (the API that added them in brackets). Kept by hand; levels.test.ts checks it
 * covers exactly the columns the platform table lacks.
 */
export const SUPPLEMENT: Readonly<Record<string, ProtectionLevel>> = {
  'android.permission.BIND_CONTROLS': 'signature', // API 30
  'android.permission.BIND_QUICK_ACCESS_WALLET_SERVICE': 'signature', // API 30
  'android.permission.LOADER_USAGE_STATS': 'signature', // API 30, signature|privileged|appop
  'android.permission.MANAGE_EXTERNAL_STORAGE': 'signature', // API 30, signature|appop|preinstalled
  'android.permission.NFC_PREFERRED_PAYMENT_INFO': 'normal', // API 30
  'android.permission.QUERY_ALL_PACKAGES': 'normal', // API 30
};

/** Level of a permission the platform defines (full name), or undefined when it is not a platform permission. */
export function platformLevel(name: string): ProtectionLevel | undefined {
  return PLATFORM_LEVELS[name] ?? SUPPLEMENT[name];
}
