/**
 * Maximum-weight assignment on a rectangular matrix (the Hungarian method in its shortest-augmenting-path
 * form, O(r² c) for r ≤ c): every row of the smaller side gets a distinct column, maximising the sum.
 * Used to pair ground-truth units with sorted units; equivalent to scipy's linear_sum_assignment(-w).
 */

export interface Assignment {
  /** Column assigned to each row, or -1 (only when there are more rows than columns). */
  rowToCol: Int32Array;
  /** Row assigned to each column, or -1. */
  colToRow: Int32Array;
  /** Sum of the assigned weights. */
  total: number;
}

/**
 * Maximum-weight assignment. `weights` is row-major with `rows × cols` finite entries.
 * min(rows, cols) pairs are always made (zero-weight pairs included); callers drop pairs below a threshold.
 */
export function maxWeightAssignment(weights: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`assignment: matrix shape ${rows} × ${cols} is not a pair of non-negative integers`);
  }
  if (weights.length !== rows * cols) {
    throw new Error(`assignment: ${weights.length} weights for a ${rows} × ${cols} matrix`);
  }
  for (let i = 0; i < weights.length; i++) {
    if (!Number.isFinite(weights[i])) throw new Error(`assignment: weight ${i} is ${weights[i]}; weights must be finite`);
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, total: 0 };
  // The solver needs rows ≤ cols; transpose otherwise. Costs are negated weights (it minimises).
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) cost[i * m + j] = -(transpose ? weights[j * cols + i] : weights[i * cols + j]);
  }
  const match = minCostAssignment(cost, n, m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = match[i];
    const r = transpose ? j : i;
    const c = transpose ? i : j;
    rowToCol[r] = c;
    colToRow[c] = r;
    total += weights[r * cols + c];
  }
  return { rowToCol, colToRow, total };
}

/** Min-cost assignment of each of n rows to a distinct one of m ≥ n columns, via dual potentials. */
function minCostAssignment(cost: Float64Array, n: number, m: number): Int32Array {
  // 1-based arrays with a virtual column 0, as in the classical formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const colRow = new Int32Array(m + 1); // row (1-based) matched to column j, 0 = free
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    colRow[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = colRow[j0];
      let delta = Infinity;
      let j1 = 0;
      const base = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[base + j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[colRow[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (colRow[j0] !== 0);
    // Flip the augmenting path back to the root.
    do {
      const j1 = way[j0];
      colRow[j0] = colRow[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowCol = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (colRow[j] > 0) rowCol[colRow[j] - 1] = j - 1;
  return rowCol;
}
