// Online retrieval with Feast's semantics on top of any OnlineStore: one read per view, then a status
// per value — NOT_FOUND (no row), OUTSIDE_MAX_AGE (older than the view's TTL; value withheld),
// NULL_VALUE (row present, value null), PRESENT. Statuses are data, never errors.
import type { AppliedRegistry, FeatureRef, FeatureStatus, OnlineStore } from '../../core/features/types.ts';
import { type Selection, selectFeatures } from '../registry/select.ts';

/** Column-wise like Feast's response: columns[k] holds feature k for every entity. */
export interface OnlineFeatures {
  entities: string[];
  refs: FeatureRef[];
  columns: { ref: FeatureRef; values: (number | null)[]; statuses: FeatureStatus[]; eventTimestamps: (number | null)[] }[];
}

export interface FeatureRequest {
  /** `view:feature` references. */
  features?: string[];
  views?: string[];
  service?: string;
}

export class OnlineFeatureService {
  constructor(
    readonly store: OnlineStore,
    readonly applied: AppliedRegistry,
    /** Injectable for TTL tests. */
    private readonly now: () => number = Date.now,
  ) {}

  select(request: FeatureRequest): Selection {
    return selectFeatures(this.applied.registry, request);
  }

  async get(entities: string[], selection: Selection): Promise<OnlineFeatures> {
    const now = this.now();
    const byRef = new Map<string, OnlineFeatures['columns'][number]>();
    const reads = await Promise.all(selection.byView.map((g) => this.store.read(g.view.name, entities, g.features)));
    selection.byView.forEach((group, gi) => {
      const read = reads[gi]!;
      const ttlMs = group.view.ttl_seconds * 1000;
      const entityStatus: FeatureStatus[] = read.eventTimestamps.map((ts) =>
        ts === null ? 'NOT_FOUND' : ttlMs > 0 && now - ts > ttlMs ? 'OUTSIDE_MAX_AGE' : 'PRESENT',
      );
      group.features.forEach((feature, j) => {
        const values = new Array<number | null>(entities.length);
        const statuses = new Array<FeatureStatus>(entities.length);
        for (let i = 0; i < entities.length; i++) {
          const status = entityStatus[i]!;
          const v = status === 'PRESENT' ? (read.values[i]?.[j] ?? null) : null;
          values[i] = v;
          statuses[i] = status === 'PRESENT' && v === null ? 'NULL_VALUE' : status;
        }
        byRef.set(`${group.view.name}:${feature}`, { ref: { view: group.view.name, feature }, values, statuses, eventTimestamps: read.eventTimestamps });
      });
    });
    return { entities, refs: selection.refs, columns: selection.refs.map((r) => byRef.get(`${r.view}:${r.feature}`)!) };
  }

  /** One entity summarised as `dfp features get` prints it. */
  async getOne(entity: string, selection: Selection): Promise<{ sha256: string; status: 'PRESENT' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE'; values: Record<string, number | null>; event_timestamps: Record<string, string | null> }> {
    const res = await this.get([entity], selection);
    const values: Record<string, number | null> = {};
    const eventTimestamps: Record<string, string | null> = {};
    let found = false;
    let stale = false;
    for (const col of res.columns) {
      values[`${col.ref.view}:${col.ref.feature}`] = col.values[0] ?? null;
      const s = col.statuses[0];
      if (s !== 'NOT_FOUND') found = true;
      if (s === 'OUTSIDE_MAX_AGE') stale = true;
      const ts = col.eventTimestamps[0];
      eventTimestamps[col.ref.view] = ts === null || ts === undefined ? null : new Date(ts).toISOString();
    }
    return { sha256: entity, status: !found ? 'NOT_FOUND' : stale ? 'OUTSIDE_MAX_AGE' : 'PRESENT', values, event_timestamps: eventTimestamps };
  }
}

/** Row-major copy for scoring: rows[i][k] is feature k (in request order) of entity i; null when missing or stale. */
export function toRows(res: OnlineFeatures): (number | null)[][] {
  return res.entities.map((_, i) => res.columns.map((c) => c.values[i] ?? null));
}
