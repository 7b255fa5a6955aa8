// Applied registry versions in the workspace: features/registry/<version>.json (immutable, content
// addressed) and features/registry/CURRENT (the version commands use by default). Training records the
// version it used and reads that file back.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DfpError } from '../../core/errors.ts';
import type { AppliedRegistry, FeatureViewDef, FrozenRegistry } from '../../core/features/types.ts';
import { canonicalJson, sha256Hex } from '../../lake/canonical.ts';

/** The registry version: sha256 of the frozen content's canonical JSON. */
export function registryVersion(registry: FrozenRegistry): string {
  return sha256Hex(canonicalJson(registry));
}

/** Hash of one view's definition as stored online (feature list), so a changed list forces a rewrite. */
export function viewLayoutHash(view: FeatureViewDef): string {
  return sha256Hex(canonicalJson({ source: view.source, features: view.features.map((f) => f.name) })).slice(0, 16);
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export class RegistryStore {
  readonly dir: string;

  constructor(workspace: string) {
    this.dir = join(workspace, 'features', 'registry');
  }

  /** Records a frozen registry; `unchanged` when CURRENT already named this exact version. */
  save(registry: FrozenRegistry, lake: { ref: string; commit: string }): { applied: AppliedRegistry; unchanged: boolean } {
    mkdirSync(this.dir, { recursive: true });
    const version = registryVersion(registry);
    const file = join(this.dir, `${version}.json`);
    const previous = this.currentVersion();
    let applied: AppliedRegistry;
    if (existsSync(file)) applied = this.load(version);
    else {
      applied = { version, registry, applied_at: new Date().toISOString(), lake_ref: lake.ref, lake_commit: lake.commit };
      writeAtomic(file, `${JSON.stringify(applied, null, 2)}\n`);
    }
    writeAtomic(join(this.dir, 'CURRENT'), `${version}\n`);
    return { applied, unchanged: previous === version };
  }

  currentVersion(): string | null {
    try {
      return readFileSync(join(this.dir, 'CURRENT'), 'utf8').trim() || null;
    } catch {
      return null;
    }
  }

  /** A version (full or a unique prefix of at least 7 hex digits), or CURRENT when omitted. */
  load(version?: string): AppliedRegistry {
    const wanted = version ?? this.currentVersion();
    if (!wanted) throw new DfpError('NOT_FOUND', `no feature registry applied in ${this.dir}; run \`dfp features apply\` first`);
    const full = this.expand(wanted);
    const applied = JSON.parse(readFileSync(join(this.dir, `${full}.json`), 'utf8')) as AppliedRegistry;
    if (registryVersion(applied.registry) !== full) throw new DfpError('STORAGE', `feature registry ${full} in ${this.dir} is corrupt: its content does not hash to its version`);
    return applied;
  }

  private expand(prefix: string): string {
    if (!/^[0-9a-f]{7,64}$/.test(prefix)) throw new DfpError('USAGE', `registry version '${prefix}' must be hex (at least 7 digits)`);
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
    } catch {
      // no directory: reported as not found below
    }
    const hits = names.filter((n) => n.startsWith(prefix));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new DfpError('USAGE', `registry version '${prefix}' is ambiguous (${hits.length} versions); give more digits`);
    throw new DfpError('NOT_FOUND', `feature registry version '${prefix}' is not in ${this.dir}; applied versions: ${names.join(', ') || 'none'}`);
  }
}
