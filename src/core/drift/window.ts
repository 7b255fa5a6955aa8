/**
 * @module A count-based rolling window: the last `capacity` rows pushed (each `width` floats), oldest dropped first.
 * `dfp serve` keeps the feature rows and the scores of its most recent requests in these, so a drift check compares
 * the newest traffic with the reference however fast or slow it arrives (a time window would hold 3 apps at night and
 * 300,000 at noon). Pushing copies into one preallocated ring: no allocation per request.
 */
import { DfpError } from '../errors.ts';

export class RollingWindow {
  private readonly ring: Float32Array;
  /** Rows pushed since the start (the next row goes to slot total % capacity). */
  private total = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new DfpError('CONFIG_INVALID', `a rolling window holds at least 1 row, got ${capacity}`);
    this.ring = new Float32Array(capacity * width);
  }

  /** Rows held now (at most capacity). */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Rows ever pushed. */
  get seen(): number {
    return this.total;
  }

  /** Copies `rows` rows of x (row-major, `width` wide) starting at row `from`. */
  push(x: Float32Array, rows: number, from = 0): void {
    const w = this.width;
    // The newest `capacity` rows are all that can stay.
    const skip = Math.max(0, rows - this.capacity);
    this.total += skip;
    let r = skip;
    while (r < rows) {
      const slot = this.total % this.capacity;
      const n = Math.min(rows - r, this.capacity - slot);
      this.ring.set(x.subarray((from + r) * w, (from + r + n) * w), slot * w);
      this.total += n;
      r += n;
    }
  }

  /** The rows held, oldest first, as a fresh matrix. */
  snapshot(): { x: Float32Array; n: number } {
    const n = this.size;
    const w = this.width;
    const x = new Float32Array(n * w);
    const start = this.total <= this.capacity ? 0 : this.total % this.capacity;
    const head = (this.capacity - start) * w;
    if (this.total <= this.capacity) x.set(this.ring.subarray(0, n * w));
    else {
      x.set(this.ring.subarray(start * w), 0);
      x.set(this.ring.subarray(0, start * w), head);
    }
    return { x, n };
  }

  clear(): void {
    this.total = 0;
  }
}
