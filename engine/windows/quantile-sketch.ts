/**
 * Quantile sketch with removal, for sliding-window percentiles within 1% relative error
 * (after DDSketch: logarithmic buckets whose bounds grow by a factor `GAMMA`, so any two
 * values sharing a bucket differ by less than that factor).
 *
 * Buckets are kept sparse, sorted by key: only buckets that hold values cost memory, not
 * the whole range between the smallest and the largest value. A Fenwick tree over the
 * bucket counts answers "which bucket holds the value of rank r" in O(log buckets), and
 * removal is a count decrement, so the sketch follows the window exactly as values enter
 * and leave. Each bucket reports a value actually added to it (the latest), not a bucket
 * midpoint: identical values come out exact, and others within the bucket's width.
 */

/** Ratio between consecutive bucket bounds; a quantile is off by less than `GAMMA - 1`. */
export const GAMMA = 1.0098;

/** Upper bound of the relative error of a quantile (for values of one sign). */
export const QUANTILE_RELATIVE_ERROR = GAMMA - 1;

const INV_LN_GAMMA = 1 / Math.log(GAMMA);

/**
 * Keys of positive values are `KEY_OFFSET + ceil(log_GAMMA(x))`, of negative values the
 * negation of their magnitude's key, of zero 0: the order of keys is the order of values.
 * Logarithms of finite doubles stay within about ±76,400 buckets, well inside the offset.
 */
const KEY_OFFSET = 1 << 18;

/** The key of the bucket holding `x` (finite). */
export function bucketKey(x: number): number {
  if (x > 0) return KEY_OFFSET + Math.ceil(Math.log(x) * INV_LN_GAMMA);
  if (x < 0) return -KEY_OFFSET - Math.ceil(Math.log(-x) * INV_LN_GAMMA);
  return 0;
}

/**
 * Sketch state as plain data: parallel arrays over the known buckets in key order, a
 * Fenwick tree over `counts` (1-based, `tree.length === keys.length + 1`), and the number of
 * values and of known buckets whose count dropped to 0 (kept until they outnumber the rest,
 * so a value that comes back often does not re-insert its bucket each time).
 */
export interface QuantileSketch {
  keys: number[];
  counts: number[];
  /** The latest value added to each bucket: the bucket's stand-in when ranked. */
  reps: number[];
  /** A number per bucket kept for the owner; moves with its bucket, -1 for a new bucket. */
  marks: number[];
  tree: number[];
  total: number;
  emptyBuckets: number;
}

/** An empty sketch. */
export function createSketch(): QuantileSketch {
  return { keys: [], counts: [], reps: [], marks: [], tree: [0], total: 0, emptyBuckets: 0 };
}

/** The index of bucket `key`, or of where it would go. */
function findSlot(keys: readonly number[], key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of bucket `key`, inserting an empty bucket when it is not known yet. */
export function sketchSlot(s: QuantileSketch, key: number): number {
  const { keys } = s;
  const lo = findSlot(keys, key);
  if (keys[lo] === key) return lo;
  keys.splice(lo, 0, key);
  s.counts.splice(lo, 0, 0);
  s.reps.splice(lo, 0, 0);
  s.marks.splice(lo, 0, -1);
  s.emptyBuckets++;
  rebuildTree(s);
  return lo;
}

/** Adds `count` values to the bucket at `slot`; `value` is one of them (the bucket's stand-in). */
export function sketchAddAt(s: QuantileSketch, slot: number, value: number, count: number): void {
  if (s.counts[slot] === 0) s.emptyBuckets--;
  s.counts[slot] += count;
  // 0 and -0 are one value; storing 0 keeps the stand-in stable through JSON.
  s.reps[slot] = value === 0 ? 0 : value;
  s.total += count;
  const { tree } = s;
  const n = tree.length - 1;
  for (let i = slot + 1; i <= n; i += i & -i) tree[i] += count;
}

/** Removes `count` values of bucket `key` (which must hold at least that many). */
export function sketchRemove(s: QuantileSketch, key: number, count: number): void {
  const slot = findSlot(s.keys, key);
  const left = (s.counts[slot] -= count);
  s.total -= count;
  const { tree } = s;
  const n = tree.length - 1;
  for (let i = slot + 1; i <= n; i += i & -i) tree[i] -= count;
  if (left === 0 && ++s.emptyBuckets > 16 && s.emptyBuckets * 2 > s.keys.length) dropEmptyBuckets(s);
}

/** Forgets buckets whose count is 0. */
function dropEmptyBuckets(s: QuantileSketch): void {
  const { keys, counts, reps, marks } = s;
  let j = 0;
  for (let i = 0; i < keys.length; i++) {
    if (counts[i] === 0) continue;
    keys[j] = keys[i];
    counts[j] = counts[i];
    reps[j] = reps[i];
    marks[j] = marks[i];
    j++;
  }
  keys.length = j;
  counts.length = j;
  reps.length = j;
  marks.length = j;
  s.emptyBuckets = 0;
  rebuildTree(s);
}

/** Recomputes the Fenwick tree from `counts` in O(buckets). */
function rebuildTree(s: QuantileSketch): void {
  const { counts, tree } = s;
  const n = counts.length;
  tree.length = n + 1;
  tree[0] = 0;
  for (let i = 1; i <= n; i++) tree[i] = counts[i - 1];
  for (let i = 1; i <= n; i++) {
    const parent = i + (i & -i);
    if (parent <= n) tree[parent] += tree[i];
  }
}

/** The stand-in of the value of 0-based `rank` in ascending order (`rank < total`). */
function valueAtRank(s: QuantileSketch, rank: number): number {
  const { tree } = s;
  const n = tree.length - 1;
  // Fenwick descent: the largest prefix of buckets holding at most `rank` values.
  let pos = 0;
  let rest = rank;
  for (let step = 1 << (31 - Math.clz32(n)); step > 0; step >>= 1) {
    const next = pos + step;
    if (next <= n && tree[next] <= rest) {
      pos = next;
      rest -= tree[next];
    }
  }
  return s.reps[pos];
}

/**
 * The `q`-quantile (0..1) of the values, or undefined when there are none. Defined as the
 * linear interpolation between the values of rank `floor(q * (n - 1))` and the next one
 * (like Prometheus `quantile_over_time` and NumPy's default), so p50 of 1, 2, 3, 4 is 2.5.
 */
export function sketchQuantile(s: QuantileSketch, q: number): number | undefined {
  const n = s.total;
  if (n === 0) return undefined;
  const rank = q * (n - 1);
  const lower = Math.floor(rank);
  const a = valueAtRank(s, lower);
  const frac = rank - lower;
  if (frac === 0) return a;
  const b = valueAtRank(s, lower + 1);
  return a + (b - a) * frac;
}
