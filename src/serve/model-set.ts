// The models one server serves: the primary, whose verdict answers /v1/score (serve.model, the detector by
// default), and optionally the fingerprint model beside it (serve.fingerprint_model, the autoencoder), whose
// anomaly score and top features come with each answer, and the static-only detector that answers
// POST /v1/score/apk (serve.static_model). `?model=<name>` asks one of them alone.
import { DfpError } from '../core/errors.ts';
import type { ModelHolder, Served } from '../runtime/holder.ts';

export type ModelRole = 'primary' | 'fingerprint' | 'static';

export class ServedModels {
  constructor(
    readonly primary: ModelHolder,
    /** Absent when serve.fingerprint_model is none or the primary itself (servedFingerprintModel). */
    readonly fingerprint?: ModelHolder,
    /** Absent when serve.static_model is none. */
    readonly staticOnly?: ModelHolder,
  ) {}

  /** Every holder with its role, primary first. */
  get all(): { role: ModelRole; holder: ModelHolder }[] {
    return [
      { role: 'primary', holder: this.primary },
      ...(this.fingerprint ? [{ role: 'fingerprint' as const, holder: this.fingerprint }] : []),
      ...(this.staticOnly ? [{ role: 'static' as const, holder: this.staticOnly }] : []),
    ];
  }

  /** The holder serving model `name`; NOT_FOUND (404) naming the models this server has. */
  pick(name: string): ModelHolder {
    const found = this.all.find((m) => m.holder.name === name);
    if (found) return found.holder;
    const names = this.all.map((m) => m.holder.name ?? '(not loaded)');
    throw new DfpError('NOT_FOUND', `model '${name}' is not served here; ?model= takes one of: ${names.join(', ')} (serve.model, serve.fingerprint_model, serve.static_model)`, { model: name });
  }

  /** The fingerprint model to score beside the primary's, when one is loaded. */
  fingerprintServing(): Served | undefined {
    return this.fingerprint?.current;
  }

  /** The holder whose model is `name`, else the primary (whose source then refuses a foreign name). */
  forPromotion(name: string): ModelHolder {
    return this.all.find((m) => m.holder.name === name)?.holder ?? this.primary;
  }
}
