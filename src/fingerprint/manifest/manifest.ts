/**
 * @module The facts of an AndroidManifest.xml that KronoDroid's static features are made of: package name,
 * requested and declared permissions, components (activities, services, receivers, providers) and their intent
 * filters. Reads the element tree of `axml.ts`; attributes are found by resource id first (obfuscators blank or
 * rename attribute strings, Android itself goes by the id), then by name in the android namespace.
 */
import { type AxmlAttribute, type AxmlElement, TYPE_INT_DEC, TYPE_INT_HEX } from './axml.ts';

export const ANDROID_NS = 'http://schemas.android.com/apk/res/android';
/** Attribute resource ids (android.R.attr, stable since API 1). */
export const ATTR_NAME = 0x01010003;
export const ATTR_PROTECTION_LEVEL = 0x01010009;

export interface IntentFilter {
  actions: string[];
  categories: string[];
  /** Number of <data> elements. */
  data: number;
}

export interface Component {
  /** android:name, made absolute against the package as Android does ('.Main' → 'com.x.Main'). */
  name: string;
  filters: IntentFilter[];
}

export interface DeclaredPermission {
  name: string;
  /** android:protectionLevel as its raw flags (base level in the low 4 bits), or null when absent (= normal). */
  protectionLevel: number | null;
}

export interface ManifestFacts {
  package: string;
  /** <uses-permission> and <uses-permission-sdk-23> names, in order, duplicates removed. */
  usesPermissions: string[];
  /** <permission> elements: permissions the app defines. */
  declaredPermissions: DeclaredPermission[];
  activities: Component[];
  activityAliases: Component[];
  services: Component[];
  receivers: Component[];
  providers: Component[];
}

/** A manifest whose structure is not the one Android requires. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** The attribute Android would read: by resource id, else by name in the android namespace, else by bare name. */
export function attr(el: AxmlElement, resId: number, name: string): AxmlAttribute | undefined {
  return (
    (resId !== 0 ? el.attrs.find((a) => a.resId === resId) : undefined) ??
    el.attrs.find((a) => a.name === name && a.ns === ANDROID_NS) ??
    el.attrs.find((a) => a.name === name && a.ns === '')
  );
}

function stringAttr(el: AxmlElement, resId: number, name: string): string | undefined {
  const a = attr(el, resId, name);
  if (a === undefined || a.value === null) return undefined;
  return String(a.value);
}

/** Android's rule for component class names: a leading dot or no dot at all means "in the package". */
export function absoluteName(value: string, pkg: string): string {
  if (!pkg) return value;
  if (value.startsWith('.')) return pkg + value;
  if (!value.includes('.')) return `${pkg}.${value}`;
  return value;
}

function filtersOf(el: AxmlElement): IntentFilter[] {
  return el.children
    .filter((c) => c.name === 'intent-filter')
    .map((f) => ({
      actions: f.children.filter((c) => c.name === 'action').flatMap((c) => stringAttr(c, ATTR_NAME, 'name') ?? []),
      categories: f.children.filter((c) => c.name === 'category').flatMap((c) => stringAttr(c, ATTR_NAME, 'name') ?? []),
      data: f.children.filter((c) => c.name === 'data').length,
    }));
}

/** Reads the manifest facts from a decoded AndroidManifest.xml. */
export function readManifest(root: AxmlElement): ManifestFacts {
  if (root.name !== 'manifest') throw new ManifestError(`the root element is <${root.name}>, not <manifest>`);
  const pkg = root.attrs.find((a) => a.name === 'package' && (a.ns === '' || a.resId === 0));
  const packageName = pkg && typeof pkg.value === 'string' ? pkg.value : '';
  const facts: ManifestFacts = { package: packageName, usesPermissions: [], declaredPermissions: [], activities: [], activityAliases: [], services: [], receivers: [], providers: [] };
  const seen = new Set<string>();
  for (const el of root.children) {
    if (el.name === 'uses-permission' || el.name === 'uses-permission-sdk-23' || el.name === 'uses-permission-sdk-m') {
      const name = stringAttr(el, ATTR_NAME, 'name');
      if (name !== undefined && !seen.has(name)) {
        seen.add(name);
        facts.usesPermissions.push(name);
      }
    } else if (el.name === 'permission') {
      const name = stringAttr(el, ATTR_NAME, 'name');
      const level = attr(el, ATTR_PROTECTION_LEVEL, 'protectionLevel');
      if (name !== undefined) {
        facts.declaredPermissions.push({ name, protectionLevel: level && (level.type === TYPE_INT_HEX || level.type === TYPE_INT_DEC) && typeof level.value === 'number' ? level.value >>> 0 : null });
      }
    } else if (el.name === 'application') {
      for (const c of el.children) {
        const list =
          c.name === 'activity' ? facts.activities
            : c.name === 'activity-alias' ? facts.activityAliases
              : c.name === 'service' ? facts.services
                : c.name === 'receiver' ? facts.receivers
                  : c.name === 'provider' ? facts.providers
                    : undefined;
        const name = list && stringAttr(c, ATTR_NAME, 'name');
        if (list && name !== undefined) list.push({ name: absoluteName(name, packageName), filters: filtersOf(c) });
      }
    }
  }
  return facts;
}
