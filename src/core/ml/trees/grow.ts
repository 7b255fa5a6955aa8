/**
 * @module Growing one regression tree on gradients and Hessians, leaf-wise (best-first): the leaf whose best
 * split gains most is split next, until `maxLeaves`. A leaf's histogram (per feature and bin: sum of g, sum of
 * h, rows) is built from its own rows only for the smaller child of a split; the larger child's is the
 * parent's minus it (the sibling-subtraction trick), so each level costs about half the rows.
 */
import type { BinMapper, BinnedMatrix } from './bins.ts';
import type { Tree } from './ensemble.ts';

export interface GrowParams {
  maxLeaves: number;
  /** 0 = unlimited. */
  maxDepth: number;
  minDataInLeaf: number;
  /** Least Hessian sum in a leaf. */
  minChildWeight: number;
  lambdaL2: number;
  minSplitGain: number;
  learningRate: number;
}

interface Split {
  gain: number;
  feature: number;
  /** Value bins ≤ bin go left. */
  bin: number;
  missingLeft: boolean;
  GL: number;
  HL: number;
  CL: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  G: number;
  H: number;
  C: number;
  depth: number;
  hist: Histogram | undefined;
  best: Split | undefined;
}

/**
 * A leaf's histogram: per slot (feature, bin) the sums of g and h and the row count, interleaved. Only the
 * features some row of the leaf has off its default bin are `touched`; the others hold garbage and mean
 * "every row in the default bin", so a small leaf costs its rows, not the thousands of slots.
 */
export interface Histogram {
  data: Float64Array;
  touched: Uint8Array;
}

/** Adds each row's g, h and 1 to the slots of its non-default bins: the hot loop of training. */
function accumulate(data: Float64Array, rowStart: Uint32Array, slot: Uint32Array, rows: Uint32Array, start: number, end: number, g: Float64Array, h: Float64Array): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gr = g[r]!;
    const hr = h[r]!;
    const to = rowStart[r + 1]!;
    for (let k = rowStart[r]!; k < to; k++) {
      const s = 3 * slot[k]!;
      data[s]! += gr;
      data[s + 1]! += hr;
      data[s + 2]! += 1;
    }
  }
}

/** Builds histograms into reusable buffers; one per training run (sized for the matrix). */
export class HistogramBuilder {
  private readonly free: Histogram[] = [];
  readonly defaultSlot: Uint32Array;
  private readonly slotFeature: Uint16Array;
  /** Sparse entries per row, on average: decides between lazy and full zeroing. */
  private readonly perRow: number;

  constructor(
    private readonly m: BinnedMatrix,
    mapper: BinMapper,
  ) {
    this.defaultSlot = Uint32Array.from(mapper.features, (f, i) => m.offset[i]! + f.defaultBin);
    this.slotFeature = new Uint16Array(m.slots);
    for (let f = 0; f < m.F; f++) this.slotFeature.fill(f, m.offset[f]!, m.offset[f + 1]!);
    this.perRow = m.rowStart[m.n]! / Math.max(1, m.n);
  }

  take(): Histogram {
    return this.free.pop() ?? { data: new Float64Array(3 * this.m.slots), touched: new Uint8Array(this.m.F) };
  }

  release(h: Histogram | undefined): void {
    if (h) this.free.push(h);
  }

  /** Histogram of rows[start, end): sparse bins row by row, then each touched feature's default bin from the totals. */
  build(rows: Uint32Array, start: number, end: number, g: Float64Array, h: Float64Array, G: number, H: number, C: number): Histogram {
    const { rowStart, slot, offset, F } = this.m;
    const hist = this.take();
    const { data, touched } = hist;
    // Many rows touch every feature anyway: zero all at once; few rows: zero a feature when a row first touches it.
    const lazy = (end - start) * this.perRow < this.m.slots;
    if (lazy) touched.fill(0);
    else {
      touched.fill(1);
      data.fill(0);
    }
    if (lazy) this.accumulateLazy(hist, rows, start, end, g, h);
    else accumulate(data, rowStart, slot, rows, start, end, g, h);
    for (let f = 0; f < F; f++) {
      if (touched[f] === 0) continue;
      let sg = 0;
      let sh = 0;
      let sc = 0;
      for (let s = offset[f]!; s < offset[f + 1]!; s++) {
        sg += data[3 * s]!;
        sh += data[3 * s + 1]!;
        sc += data[3 * s + 2]!;
      }
      const d = 3 * this.defaultSlot[f]!;
      data[d] = G - sg;
      data[d + 1] = H - sh;
      data[d + 2] = C - sc;
    }
    return hist;
  }

  /** accumulate() for few rows: a feature's slots are zeroed when a row first touches it. */
  private accumulateLazy(hist: Histogram, rows: Uint32Array, start: number, end: number, g: Float64Array, h: Float64Array): void {
    const { rowStart, slot, offset } = this.m;
    const { data, touched } = hist;
    const slotFeature = this.slotFeature;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const gr = g[r]!;
      const hr = h[r]!;
      const to = rowStart[r + 1]!;
      for (let k = rowStart[r]!; k < to; k++) {
        const sl = slot[k]!;
        const f = slotFeature[sl]!;
        if (touched[f] === 0) {
          touched[f] = 1;
          data.fill(0, 3 * offset[f]!, 3 * offset[f + 1]!);
        }
        const s = 3 * sl;
        data[s]! += gr;
        data[s + 1]! += hr;
        data[s + 2]! += 1;
      }
    }
  }

  /** True when building a histogram of `rows` rows from them beats subtracting a full one. */
  cheaperToBuild(rows: number): boolean {
    return rows * this.perRow < this.m.slots;
  }

  /** parent -= small, in place: the parent's buffer becomes the larger sibling's histogram. */
  subtract(parent: Histogram, small: Histogram, G: number, H: number, C: number): void {
    const { offset, F } = this.m;
    const p = parent.data;
    const q = small.data;
    for (let f = 0; f < F; f++) {
      if (parent.touched[f] === 0) continue; // every row of both in the default bin: nothing to do
      if (small.touched[f] === 0) {
        // All of the small sibling's rows are in the default bin.
        const d = 3 * this.defaultSlot[f]!;
        p[d]! -= G;
        p[d + 1]! -= H;
        p[d + 2]! -= C;
        continue;
      }
      for (let i = 3 * offset[f]!, to = 3 * offset[f + 1]!; i < to; i++) p[i]! -= q[i]!;
    }
  }
}

/** Best split of a leaf over the allowed features, or undefined when none passes the constraints. */
function bestSplit(m: BinnedMatrix, histogram: Histogram, leaf: Leaf, allowed: Uint8Array, p: GrowParams): Split | undefined {
  const hist = histogram.data;
  const touched = histogram.touched;
  const { G, H, C } = leaf;
  const lambda = p.lambdaL2;
  const minData = Math.max(1, p.minDataInLeaf);
  const minHess = p.minChildWeight;
  const parent = (G * G) / (H + lambda);
  // Gains are compared as 2·gain + parent score: one multiply and subtract per candidate fewer.
  let bestScore = 2 * p.minSplitGain + parent;
  let best: Split | undefined;
  for (let f = 0; f < m.F; f++) {
    if (!allowed[f] || !touched[f]) continue; // untouched: every row in one bin
    const o = m.offset[f]!;
    const values = m.width[f]! - 1;
    if (values < 2 && hist[3 * (o + values) + 2] === 0) continue; // one value, nothing missing: cannot split
    const ms = 3 * (o + values);
    const Gm = hist[ms]!;
    const Hm = hist[ms + 1]!;
    const Cm = hist[ms + 2]!;
    let GL = 0;
    let HL = 0;
    let CL = 0;
    for (let b = 0; b < values; b++) {
      const s = 3 * (o + b);
      GL += hist[s]!;
      HL += hist[s + 1]!;
      CL += hist[s + 2]!;
      // Missing rows right (the only option when there are none)…
      if (CL >= minData && HL >= minHess) {
        const CR = C - CL;
        if (CR < minData) break; // the right side only shrinks from here
        const GR = G - GL;
        const HR = H - HL;
        if (HR >= minHess) {
          const sc = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda);
          if (sc > bestScore) {
            bestScore = sc;
            best = { gain: 0, feature: f, bin: b, missingLeft: false, GL, HL, CL };
          }
        }
      }
      // …or left.
      if (Cm > 0) {
        const gl = GL + Gm;
        const hl = HL + Hm;
        const cl = CL + Cm;
        const CR = C - cl;
        const GR = G - gl;
        const HR = H - hl;
        if (cl >= minData && hl >= minHess && CR >= minData && HR >= minHess) {
          const sc = (gl * gl) / (hl + lambda) + (GR * GR) / (HR + lambda);
          if (sc > bestScore) {
            bestScore = sc;
            best = { gain: 0, feature: f, bin: b, missingLeft: true, GL: gl, HL: hl, CL: cl };
          }
        }
      }
    }
  }
  if (best) best.gain = 0.5 * (bestScore - parent);
  return best;
}

/** Tree under construction: nodes as growable lists, turned into typed arrays at the end. */
class NodeList {
  feature: number[] = [];
  bin: number[] = [];
  missingLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  cover: number[] = [];

  add(value: number, cover: number): number {
    this.feature.push(-1);
    this.bin.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.cover.push(cover);
    return this.value.length - 1;
  }
}

export interface GrownTree {
  tree: Tree;
  /** Split bins of inner nodes (training-time traversal on binned rows). */
  bin: Int32Array;
}

/**
 * Grows one tree on the rows in rows[0, count) (reordered in place: each leaf's rows end up contiguous).
 * `allowed[f]` = 1 for the features this tree may split on.
 */
export function growTree(
  m: BinnedMatrix,
  mapper: BinMapper,
  builder: HistogramBuilder,
  g: Float64Array,
  h: Float64Array,
  rows: Uint32Array,
  count: number,
  allowed: Uint8Array,
  p: GrowParams,
  scratch: Uint32Array,
): GrownTree {
  const nodes = new NodeList();
  const leafValue = (G: number, H: number) => (-G / (H + p.lambdaL2)) * p.learningRate;
  let G = 0;
  let H = 0;
  for (let i = 0; i < count; i++) {
    G += g[rows[i]!]!;
    H += h[rows[i]!]!;
  }
  const root: Leaf = { node: nodes.add(leafValue(G, H), H), start: 0, end: count, G, H, C: count, depth: 0, hist: undefined, best: undefined };
  const canSplit = (l: Leaf) => l.C >= 2 * p.minDataInLeaf && (p.maxDepth <= 0 || l.depth < p.maxDepth);
  const search = (l: Leaf) => {
    l.best = l.hist ? bestSplit(m, l.hist, l, allowed, p) : undefined;
    if (!l.best) {
      builder.release(l.hist);
      l.hist = undefined;
    }
  };
  if (canSplit(root)) {
    root.hist = builder.build(rows, 0, count, g, h, G, H, count);
    search(root);
  }
  const leaves: Leaf[] = [root];
  while (leaves.length < p.maxLeaves) {
    let pick = -1;
    for (let i = 0; i < leaves.length; i++) {
      const b = leaves[i]!.best;
      if (b && (pick < 0 || b.gain > leaves[pick]!.best!.gain)) pick = i;
    }
    if (pick < 0) break;
    const leaf = leaves[pick]!;
    const s = leaf.best!;
    // Stable partition of the leaf's rows: left rows first, in their order, then right rows.
    const col = s.feature * m.n;
    const missing = mapper.missingBin(s.feature);
    let nl = leaf.start;
    let nr = 0;
    for (let i = leaf.start; i < leaf.end; i++) {
      const r = rows[i]!;
      const b = m.cols[col + r]!;
      if (b === missing ? s.missingLeft : b <= s.bin) rows[nl++] = r;
      else scratch[nr++] = r;
    }
    rows.set(scratch.subarray(0, nr), nl);
    const GR = leaf.G - s.GL;
    const HR = leaf.H - s.HL;
    const CR = leaf.C - s.CL;
    const left: Leaf = { node: nodes.add(leafValue(s.GL, s.HL), s.HL), start: leaf.start, end: nl, G: s.GL, H: s.HL, C: s.CL, depth: leaf.depth + 1, hist: undefined, best: undefined };
    const right: Leaf = { node: nodes.add(leafValue(GR, HR), HR), start: nl, end: leaf.end, G: GR, H: HR, C: CR, depth: leaf.depth + 1, hist: undefined, best: undefined };
    nodes.feature[leaf.node] = s.feature;
    nodes.bin[leaf.node] = s.bin;
    nodes.missingLeft[leaf.node] = s.missingLeft ? 1 : 0;
    nodes.left[leaf.node] = left.node;
    nodes.right[leaf.node] = right.node;
    const [small, large] = left.C <= right.C ? [left, right] : [right, left];
    const parentHist = leaf.hist!;
    leaf.hist = undefined;
    if (canSplit(small) || canSplit(large)) {
      const smallHist = builder.build(rows, small.start, small.end, g, h, small.G, small.H, small.C);
      if (canSplit(large) && builder.cheaperToBuild(large.C)) {
        // Few rows: adding them up costs less than subtracting every slot of the parent.
        builder.release(parentHist);
        large.hist = builder.build(rows, large.start, large.end, g, h, large.G, large.H, large.C);
      } else if (canSplit(large)) {
        builder.subtract(parentHist, smallHist, small.G, small.H, small.C);
        large.hist = parentHist;
      } else builder.release(parentHist);
      if (canSplit(small)) small.hist = smallHist;
      else builder.release(smallHist);
      search(small);
      search(large);
    } else builder.release(parentHist);
    leaves.splice(pick, 1, left, right);
  }
  for (const l of leaves) builder.release(l.hist);

  // The last value bin also holds values above any seen: its split ("all values left, missing right") is +inf.
  const threshold = nodes.feature.map((f, i) => {
    if (f < 0) return 0;
    const upper = mapper.features[f]!.upper;
    return nodes.bin[i]! >= upper.length - 1 ? Infinity : upper[nodes.bin[i]!]!;
  });
  return {
    tree: {
      feature: Int32Array.from(nodes.feature),
      threshold: Float64Array.from(threshold),
      missingLeft: Uint8Array.from(nodes.missingLeft),
      left: Int32Array.from(nodes.left),
      right: Int32Array.from(nodes.right),
      value: Float64Array.from(nodes.value),
      cover: Float64Array.from(nodes.cover),
    },
    bin: Int32Array.from(nodes.bin),
  };
}
