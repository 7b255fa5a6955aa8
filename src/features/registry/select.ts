// Turns what a user asks for (view:feature refs, view names, a feature service) into the registry's
// features, grouped by view in request order; unknown names are errors that list what exists.
import { DfpError } from '../../core/errors.ts';
import { parseFeatureRef } from '../../core/features/registry-spec.ts';
import type { FeatureRef, FeatureViewDef, FrozenRegistry } from '../../core/features/types.ts';

export interface Selection {
  refs: FeatureRef[];
  /** The views touched, each with its requested feature names in order. */
  byView: { view: FeatureViewDef; features: string[] }[];
}

export function viewByName(registry: FrozenRegistry, name: string): FeatureViewDef {
  const view = registry.views.find((v) => v.name === name);
  if (!view) throw new DfpError('NOT_FOUND', `feature view '${name}' is not in the registry; views: ${registry.views.map((v) => v.name).join(', ')}`, { view: name });
  return view;
}

export function selectFeatures(registry: FrozenRegistry, request: { features?: string[]; views?: string[]; service?: string }): Selection {
  let refs: FeatureRef[];
  if (request.service !== undefined) {
    const svc = registry.feature_services.find((s) => s.name === request.service);
    if (!svc) {
      throw new DfpError('NOT_FOUND', `feature service '${request.service}' is not in the registry; services: ${registry.feature_services.map((s) => s.name).join(', ') || 'none'}`, {
        service: request.service,
      });
    }
    refs = svc.features.map(parseFeatureRef);
  } else if (request.features && request.features.length > 0) {
    refs = request.features.map(parseFeatureRef);
  } else {
    const views = request.views && request.views.length > 0 ? request.views.map((n) => viewByName(registry, n)) : registry.views;
    refs = views.flatMap((v) => v.features.map((f) => ({ view: v.name, feature: f.name })));
  }
  const byView = new Map<string, { view: FeatureViewDef; features: string[] }>();
  const seen = new Set<string>();
  for (const ref of refs) {
    const view = viewByName(registry, ref.view);
    if (!view.features.some((f) => f.name === ref.feature)) {
      throw new DfpError('NOT_FOUND', `feature '${ref.view}:${ref.feature}' is not in view '${ref.view}' (${view.features.length} features, e.g. ${view.features.slice(0, 5).map((f) => f.name).join(', ')})`, {
        feature: `${ref.view}:${ref.feature}`,
      });
    }
    const key = `${ref.view}:${ref.feature}`;
    if (seen.has(key)) throw new DfpError('USAGE', `feature '${key}' is requested twice`, { feature: key });
    seen.add(key);
    let group = byView.get(view.name);
    if (!group) byView.set(view.name, (group = { view, features: [] }));
    group.features.push(ref.feature);
  }
  return { refs, byView: [...byView.values()] };
}
