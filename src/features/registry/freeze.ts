// Checks a registry spec against one lake commit and freezes it: every view's source table and
// columns must exist, features must be numeric, `features: all` becomes the explicit column list.
// Pure over the commit's recorded schemas, so no table is read.
import { DfpError } from '../../core/errors.ts';
import type { FeatureDef, FeatureViewDef, FrozenRegistry } from '../../core/features/types.ts';
import { ALL_FEATURES, type RegistrySpec, parseFeatureRef, parseTtl } from '../../core/features/registry-spec.ts';
import { LABEL_COLUMN, LEAKING_COLUMNS, LINEAGE_COLUMNS } from '../../core/kronodroid/schema.ts';
import type { Commit } from '../../core/lake/types.ts';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|BOOLEAN|DECIMAL(\(\d+,\s*\d+\))?)$/i;
const TEMPORAL = /^(TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ|DATE)$/i;
/** Never features: they are (derived from) the label, see core/kronodroid/schema.ts. */
const FORBIDDEN = new Set<string>([LABEL_COLUMN, ...LEAKING_COLUMNS]);
/** Ingest lineage (`_source`, …); not a prefix rule, since `_llseek` is a real system call. */
const LINEAGE = new Set<string>(LINEAGE_COLUMNS);

export function isNumericType(type: string): boolean {
  return NUMERIC.test(type.trim());
}

export interface FreezeResult {
  registry: FrozenRegistry;
  /** Per view, columns that `features: all` left out because they are not numeric or leak the label. */
  skipped: Record<string, string[]>;
}

export function freezeRegistry(spec: RegistrySpec, commit: Commit, ref: string): FreezeResult {
  const entity = spec.entities[0]!;
  if (spec.entities.length > 1) throw new DfpError('CONFIG_INVALID', `feature registry: dfp has one entity (app keyed by sha256); found ${spec.entities.length}`);
  const skipped: Record<string, string[]> = {};
  const seen = new Set<string>();
  const views: FeatureViewDef[] = spec.feature_views.map((v) => {
    const where = `feature view '${v.name}'`;
    if (seen.has(v.name)) throw new DfpError('CONFIG_INVALID', `${where} is declared twice`, { view: v.name });
    seen.add(v.name);
    if (v.entity !== entity.name) throw new DfpError('CONFIG_INVALID', `${where}: entity '${v.entity}' is not declared (entities: ${entity.name})`, { view: v.name });
    const table = commit.tables[v.source];
    if (!table) {
      const names = Object.keys(commit.tables);
      throw new DfpError('NOT_FOUND', `${where}: source table '${v.source}' is not in the lake at ${ref} (${commit.id.slice(0, 12)}); tables: ${names.join(', ') || 'none'} — run the SQL models first`, {
        view: v.name,
        table: v.source,
      });
    }
    const types = new Map(table.columns.map((c) => [c.name, c.type]));
    const need = (column: string, what: string, ok: (t: string) => boolean, expected: string) => {
      const t = types.get(column);
      if (t === undefined) throw new DfpError('SCHEMA_MISMATCH', `${where}: ${what} '${column}' is not a column of ${v.source}`, { view: v.name, column });
      if (!ok(t)) throw new DfpError('SCHEMA_MISMATCH', `${where}: ${what} '${column}' in ${v.source} is ${t}, expected ${expected}`, { view: v.name, column, type: t });
    };
    need(entity.join_key, 'join key', () => true, 'any');
    need(v.timestamp_field, 'timestamp field', (t) => TEMPORAL.test(t), 'TIMESTAMP or DATE');

    let features: FeatureDef[];
    if (v.features === ALL_FEATURES) {
      const leftOut = new Set([entity.join_key, v.timestamp_field, ...v.exclude]);
      features = [];
      const skip: string[] = [];
      for (const c of table.columns) {
        if (leftOut.has(c.name)) continue;
        // Lineage columns (_source…), the label and its proxies are never features.
        if (LINEAGE.has(c.name) || FORBIDDEN.has(c.name) || !isNumericType(c.type)) skip.push(c.name);
        else features.push({ name: c.name, type: c.type });
      }
      if (skip.length) skipped[v.name] = skip;
      if (features.length === 0) throw new DfpError('SCHEMA_MISMATCH', `${where}: ${v.source} has no numeric feature columns`, { view: v.name });
    } else {
      const dup = v.features.find((f, i) => v.features.indexOf(f) !== i);
      if (dup) throw new DfpError('CONFIG_INVALID', `${where}: feature '${dup}' is listed twice`, { view: v.name, feature: dup });
      features = v.features.map((f) => {
        if (FORBIDDEN.has(f)) throw new DfpError('CONFIG_INVALID', `${where}: feature '${f}' leaks the label and cannot be a feature`, { view: v.name, feature: f });
        if (f === entity.join_key || f === v.timestamp_field) throw new DfpError('CONFIG_INVALID', `${where}: '${f}' is the key or timestamp, not a feature`, { view: v.name, feature: f });
        need(f, 'feature', isNumericType, 'a numeric type');
        return { name: f, type: types.get(f)! };
      });
    }
    return { name: v.name, entity: v.entity, source: v.source, timestamp_field: v.timestamp_field, ttl_seconds: parseTtl(v.ttl, where), features };
  });

  const byName = new Map(views.map((v) => [v.name, v]));
  const services = spec.feature_services.map((s) => ({
    name: s.name,
    features: s.features.flatMap((item) => {
      const where = `feature service '${s.name}'`;
      if (!item.includes(':')) {
        const view = byName.get(item);
        if (!view) throw new DfpError('CONFIG_INVALID', `${where}: view '${item}' is not declared (views: ${[...byName.keys()].join(', ')})`, { service: s.name });
        return view.features.map((f) => `${view.name}:${f.name}`);
      }
      const ref = parseFeatureRef(item);
      const view = byName.get(ref.view);
      if (!view?.features.some((f) => f.name === ref.feature)) {
        throw new DfpError('CONFIG_INVALID', `${where}: feature '${item}' is not in the registry`, { service: s.name, feature: item });
      }
      return [item];
    }),
  }));
  return { registry: { project: spec.project, entity: { name: entity.name, join_key: entity.join_key }, views, feature_services: services }, skipped };
}
