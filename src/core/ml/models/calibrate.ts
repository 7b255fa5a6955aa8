// Calibration on held-out data: Platt scaling of classifier logits (thresholds come from core/ml/eval's thresholdForFpr).
import type { Platt } from './classifier.ts';

/** Platt scaling by damped Newton on the log-loss with Platt's smoothed targets (finite even when validation separates perfectly). */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  const n = logits.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += (labels[i] as number) > 0.5 ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return { a: 1, b: 0 };
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const target = (i: number) => ((labels[i] as number) > 0.5 ? hi : lo);
  const objective = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = a * (logits[i] as number) + b;
      const t = target(i);
      // t*log(1+e^-z) + (1-t)*log(1+e^z), written stably
      s += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return s;
  };
  let a = 1;
  let b = Math.log((pos + 1) / (neg + 1));
  let f = objective(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const x = logits[i] as number;
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      const d = p - target(i);
      const w = p * (1 - p);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    let da = det > 1e-300 ? (hbb * ga - hab * gb) / det : ga;
    let db = det > 1e-300 ? (haa * gb - hab * ga) / det : gb;
    // Backtracking: halve the step until the objective decreases.
    let step = 1;
    let next = objective(a - da, b - db);
    while (!(next < f) && step > 1e-10) {
      step /= 2;
      next = objective(a - step * da, b - step * db);
    }
    if (!(next < f)) break;
    da *= step;
    db *= step;
    a -= da;
    b -= db;
    const improved = f - next;
    f = next;
    if (improved < 1e-12 * Math.max(1, f)) break;
  }
  return Number.isFinite(a) && Number.isFinite(b) && a > 0 ? { a: Math.fround(a), b: Math.fround(b) } : { a: 1, b: 0 };
}
