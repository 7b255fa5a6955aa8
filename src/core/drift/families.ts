/**
 * @module Malware families the reference never saw: among the current apps labelled malware with a family, how many
 * belong to a family with no app in the reference. New families are the drift a detector is weakest on (they are
 * what `dfp crossval` holds out), and no feature statistic names them.
 */

export interface FamilyShift {
  /** Current apps labelled malware that name a family. */
  malware: number;
  /** Of those, the apps whose family has no app in the reference. */
  unseen: number;
  share_unseen: number;
  /** The unseen families, most apps first (at most 20). */
  unseen_families: { name: string; apps: number }[];
}

/** null when no current app is labelled malware with a family (unlabelled data, or a layout without families). */
export function unseenFamilies(referenceFamilies: readonly (string | null)[], current: { family: readonly (string | null)[]; label: ArrayLike<number> }): FamilyShift | null {
  const known = new Set(referenceFamilies.filter((f): f is string => f !== null));
  const unseen = new Map<string, number>();
  let malware = 0;
  current.family.forEach((f, i) => {
    if (f === null || current.label[i] !== 1) return;
    malware++;
    if (!known.has(f)) unseen.set(f, (unseen.get(f) ?? 0) + 1);
  });
  if (malware === 0) return null;
  const apps = [...unseen.values()].reduce((a, b) => a + b, 0);
  const top = [...unseen].map(([name, n]) => ({ name, apps: n })).sort((a, b) => b.apps - a.apps || a.name.localeCompare(b.name));
  return { malware, unseen: apps, share_unseen: apps / malware, unseen_families: top.slice(0, 20) };
}
