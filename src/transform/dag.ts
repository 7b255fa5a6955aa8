// The model graph: run order from ref() edges (topological, ties broken by name so runs are
// reproducible), cycle detection that names the cycle, and --select (a model plus everything upstream).
import { DfpError } from '../core/errors.ts';

/** deps: model → the models it refs. Returns every model, each after all of its dependencies. */
export function topoOrder(deps: ReadonlyMap<string, readonly string[]>): string[] {
  const cycle = findCycle(deps);
  if (cycle) throw new DfpError('INPUT_INVALID', `models form a cycle: ${cycle.join(' → ')}; break it by removing one of these ref()s`, { cycle });
  const order: string[] = [];
  const done = new Set<string>();
  const remaining = [...deps.keys()].sort();
  while (remaining.length > 0) {
    const i = remaining.findIndex((m) => (deps.get(m) ?? []).every((d) => done.has(d) || !deps.has(d)));
    const next = remaining.splice(i, 1)[0] as string;
    order.push(next);
    done.add(next);
  }
  return order;
}

/** A cycle as a closed path (a → b → a), or undefined. Depth-first with an explicit on-stack path. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (m: string): string[] | undefined => {
    state.set(m, 'visiting');
    path.push(m);
    for (const d of [...(deps.get(m) ?? [])].sort()) {
      if (!deps.has(d)) continue;
      if (state.get(d) === 'visiting') return [...path.slice(path.indexOf(d)), d];
      if (!state.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    path.pop();
    state.set(m, 'done');
    return undefined;
  };
  for (const m of [...deps.keys()].sort()) {
    if (state.has(m)) continue;
    const found = visit(m);
    if (found) return found;
  }
  return undefined;
}

/**
 * `--select a,b` runs a and b and everything they need upstream (dbt's `+a`); upstream models whose
 * inputs and SQL are unchanged are then skipped as cached like any other. No selection: every model.
 */
export function selectModels(deps: ReadonlyMap<string, readonly string[]>, select: readonly string[]): Set<string> {
  if (select.length === 0) return new Set(deps.keys());
  const chosen = new Set<string>();
  const add = (m: string) => {
    if (chosen.has(m)) return;
    chosen.add(m);
    for (const d of deps.get(m) ?? []) add(d);
  };
  for (const s of select) {
    if (!deps.has(s)) throw new DfpError('NOT_FOUND', `--select: no model '${s}'; models: ${[...deps.keys()].sort().join(', ')}`, { model: s });
    add(s);
  }
  return chosen;
}
