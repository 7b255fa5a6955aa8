// {"sha256": …} requests: reads an app's features from the online store into model rows (FEATURE_COLUMNS order).
import { ScoringInputError } from '../core/scoring/errors.ts';
import { FEATURE_INDEX, N_FEATURES } from '../core/scoring/features.ts';
import type { Selection } from '../features/registry/select.ts';
import type { OnlineFeatureService } from '../features/online/service.ts';

export interface LookedUp {
  /** One row per sha256, N_FEATURES wide; NaN where the store holds no (fresh) value, which the model's preprocessing fills. */
  rows: Float32Array;
  /** Per sha256: how many features were filled. */
  imputed: number[];
}

export class FeatureLookup {
  private readonly selection: Selection;
  /** For each selected store column, its model input index, or -1 when it is not a model feature (labels, ids, ratios). */
  private readonly target: Int32Array;

  constructor(
    private readonly service: OnlineFeatureService,
    featureService?: string,
  ) {
    this.selection = service.select(featureService !== undefined ? { service: featureService } : {});
    this.target = Int32Array.from(this.selection.refs, (r) => FEATURE_INDEX.get(r.feature) ?? -1);
  }

  /** Throws a 404 ScoringInputError for the first app the store does not know (or only has stale values for). */
  async get(sha256s: string[]): Promise<LookedUp> {
    const res = await this.service.get(sha256s, this.selection);
    const rows = new Float32Array(sha256s.length * N_FEATURES).fill(NaN);
    const imputed: number[] = [];
    for (let i = 0; i < sha256s.length; i++) {
      let present = 0;
      let stale = 0;
      const seen = new Uint8Array(N_FEATURES);
      res.columns.forEach((col, k) => {
        const j = this.target[k]!;
        const status = col.statuses[i];
        if (status === 'OUTSIDE_MAX_AGE') stale++;
        if (j < 0 || status !== 'PRESENT') return;
        const v = col.values[i];
        if (typeof v === 'number' && Number.isFinite(v)) {
          rows[i * N_FEATURES + j] = v;
          seen[j] = 1;
        }
        present++;
      });
      if (present === 0) {
        throw new ScoringInputError(
          'sha256',
          stale > 0
            ? `app ${sha256s[i]} has only features older than their views' TTL in the online store; run \`dfp features materialize\` or send its features`
            : `app ${sha256s[i]} is not in the online store; send its features instead, or run \`dfp features materialize\``,
          404,
          'NOT_FOUND',
        );
      }
      imputed.push(N_FEATURES - seen.reduce((a, b) => a + b, 0));
    }
    return { rows, imputed };
  }
}
