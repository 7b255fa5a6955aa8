// Classifier configurations for `dfp crossval`: the built-in grids (full: the one the shipped preset was chosen from;
// quick: the preset and its ablations), which grid a command line asks for, and --candidate parsing.
import { DfpError } from '../core/errors.ts';

export interface Candidate {
  name: string;
  /** key=value overrides on top of the baseline config. */
  overrides: string[];
}

/** The name of the baseline, the resolved config itself; every delta is paired against it. */
export const BASELINE = 'config';

const C = 'model.classifier';

/**
 * The preset the grid explored from: holdout calibration, dropout 0.2, no label smoothing. Every built-in candidate
 * states these knobs, so its name describes the same model whatever the baseline config sets them to.
 */
const FORMER = [`${C}.kind=mlp`, `${C}.calibration=holdout`, `${C}.dropout=0.2`, `${C}.label_smoothing=0`];
const CF = `${C}.calibration=crossfit`;
const SHARE10 = [`${C}.syscall_share=true`, `${C}.syscall_share_scale=10`];
const USED = `${C}.syscall_used=true`;

/**
 * The options the former preset left off, alone and combined, capacity and regularisation, and cross-fitting
 * (the K fold members are the model, calibrated out of fold); each at target FPR 0.5 % and 1 %.
 * cf+ls0.05+drop0.4@0.005 is the shipped preset (conf/model/classifier.yaml).
 */
export function builtinCandidates(fprs: readonly number[] = [0.005, 0.01]): Candidate[] {
  const holdout: [string, string[]][] = [
    ['former', []],
    ['share', [`${C}.syscall_share=true`]],
    ['share10', SHARE10],
    ['used', [USED]],
    ['share10+used', [...SHARE10, USED]],
    ['ens5', [`${C}.ensemble=5`]],
    ['share10+used+ens5', [...SHARE10, USED, `${C}.ensemble=5`]],
    ['wd1e-4', [`${C}.weight_decay=0.0001`]],
    ['ls0.05', [`${C}.label_smoothing=0.05`]],
    ['ls0.1', [`${C}.label_smoothing=0.1`]],
    ['ls0.2', [`${C}.label_smoothing=0.2`]],
    ['ls0.1+ens5', [`${C}.label_smoothing=0.1`, `${C}.ensemble=5`]],
    // Capacity and regularisation bear on unseen families more than the extra inputs do.
    ['wd1e-3', [`${C}.weight_decay=0.001`]],
    ['drop0.4', [`${C}.dropout=0.4`]],
    ['h32', [`${C}.hidden=[32]`]],
    ['h128-64', [`${C}.hidden=[128,64]`]],
    ['clip2', ['model.clip=2']],
  ];
  const crossfit: [string, string[]][] = [
    ['cf', []],
    ['cf+f10', [`${C}.folds=10`]],
    ['cf+share10', SHARE10],
    ['cf+used', [USED]],
    ['cf+share10+used', [...SHARE10, USED]],
    ['cf+ls0.05', [`${C}.label_smoothing=0.05`]],
    ['cf+ls0.1', [`${C}.label_smoothing=0.1`]],
    ['cf+ls0.05+used', [`${C}.label_smoothing=0.05`, USED]],
    ['cf+ls0.05+drop0.4', [`${C}.label_smoothing=0.05`, `${C}.dropout=0.4`]],
    ['cf+ls0.05+f10', [`${C}.label_smoothing=0.05`, `${C}.folds=10`]],
    ['cf+drop0.4', [`${C}.dropout=0.4`]],
    ['cf+h32', [`${C}.hidden=[32]`]],
    ['cf+h128-64', [`${C}.hidden=[128,64]`]],
  ];
  const all = [...holdout.map(([n, o]) => [n, [...FORMER, ...o]] as const), ...crossfit.map(([n, o]) => [n, [...FORMER, CF, ...o]] as const)];
  // Later overrides win, so each candidate's own settings replace the former preset's.
  return all.flatMap(([name, o]) => fprs.map((fpr) => ({ name: `${name}@${fpr}`, overrides: [...o, `model.target_fpr=${fpr}`] })));
}

/** The built-in grids: `full` is every candidate above (hours on a 2-core machine), `quick` a subset that runs in minutes. */
export type Grid = 'quick' | 'full';

/**
 * The quick grid: the shipped preset (cf+ls0.05+drop0.4) and its ablations, each of its three choices taken away in
 * turn (cross-fitting: former; label smoothing: cf+drop0.4; dropout: cf+ls0.05), at both target FPRs. The @0.01 twins
 * reuse the @0.005 fits, so it is 4 configurations: three cross-fitted (5 members each) and one holdout, about 5
 * minutes on the 2019 subset on a 2-core machine (13 minutes measured with 5 configurations on one ~7x oversubscribed).
 */
export const QUICK_GRID = ['cf+ls0.05+drop0.4', 'cf+ls0.05', 'cf+drop0.4', 'former'] as const;

/** Repeats when --repeats is not given: one for the quick grid (minutes), three otherwise (as the preset was chosen). */
export const DEFAULT_REPEATS: Record<Grid | 'none', number> = { quick: 1, full: 3, none: 3 };

export function gridCandidates(grid: Grid): Candidate[] {
  const all = builtinCandidates();
  if (grid === 'full') return all;
  const keep = new Set<string>(QUICK_GRID);
  return all.filter((c) => keep.has(c.name.slice(0, c.name.lastIndexOf('@'))));
}

/**
 * The grid a command line asks for. `--grid` alone is quick; `builtin` is the former name of full. Without --grid,
 * a bare `dfp crossval --data f` (no --candidate, no key=value) runs the quick grid, since there is nothing else to
 * compare; with candidates or overrides the user asked a question of their own, so no grid is added.
 */
export function resolveGrid(flag: unknown, given: { candidates: number; overrides: number }): Grid | 'none' {
  if (flag === true) return 'quick';
  if (flag === undefined) return given.candidates === 0 && given.overrides === 0 ? 'quick' : 'none';
  const v = String(flag);
  if (v === 'quick' || v === 'full' || v === 'none') return v;
  if (v === 'builtin') return 'full';
  if (v.includes('=')) throw new DfpError('USAGE', `--grid took '${v}' as its value; write --grid quick (or full, none) before key=value overrides`, { key: '--grid' });
  throw new DfpError('USAGE', `unknown --grid '${v}'; allowed: quick (the default), full (alias builtin), none`, { key: '--grid' });
}

/** `--candidate "<name>: key=value key=value"`; the name is what the table and --json call it. */
export function parseCandidate(spec: string): Candidate {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? '' : spec.slice(0, colon)).trim();
  if (!name || /\s|=/.test(name)) {
    throw new DfpError('USAGE', `--candidate '${spec}' is not "<name>: key=value key=value" (example: --candidate "drop0.3: model.classifier.dropout=0.3")`);
  }
  const overrides = spec.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
  const bad = overrides.find((o) => !/^[+\w.-]+=/.test(o));
  if (bad !== undefined) throw new DfpError('USAGE', `--candidate '${name}': '${bad}' is not key=value (example: model.classifier.dropout=0.3)`);
  return { name, overrides };
}

/** Candidate names must be unique, and not the baseline's, so results can be told apart. */
export function checkNames(candidates: readonly Candidate[]): void {
  const seen = new Set<string>([BASELINE]);
  for (const c of candidates) {
    if (seen.has(c.name)) throw new DfpError('USAGE', `candidate name '${c.name}' is used twice${c.name === BASELINE ? ` ('${BASELINE}' is the baseline)` : ''}; give each --candidate its own name`);
    seen.add(c.name);
  }
}
