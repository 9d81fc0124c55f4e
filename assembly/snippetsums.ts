/**
 * Column sums over all rows and over the even and the odd rows of a row-major f32 block: the same sums in
 * the same (row) order as the TS reference (src/kernels/snippetsums.ts), two columns per f64x2.
 */

/** pAll, pEven, pOdd (width f64 each) = the column sums of x (rows × width f32 at pX), overwritten. */
export function snippetSums(pX: usize, rows: i32, width: i32, pAll: usize, pEven: usize, pOdd: usize): void {
  const bytes = <usize>width << 3;
  memory.fill(pAll, 0, bytes);
  memory.fill(pEven, 0, bytes);
  memory.fill(pOdd, 0, bytes);
  for (let i = 0; i < rows; i++) {
    const src = pX + ((<usize>i * <usize>width) << 2);
    const half = i & 1 ? pOdd : pEven;
    let k = 0;
    for (; k + 2 <= width; k += 2) {
      const v = f64x2.promote_low_f32x4(v128.load64_zero(src + (<usize>k << 2)));
      const a = pAll + (<usize>k << 3);
      const h = half + (<usize>k << 3);
      v128.store(a, f64x2.add(v128.load(a), v));
      v128.store(h, f64x2.add(v128.load(h), v));
    }
    for (; k < width; k++) {
      const v = <f64>load<f32>(src + (<usize>k << 2));
      const a = pAll + (<usize>k << 3);
      const h = half + (<usize>k << 3);
      store<f64>(a, load<f64>(a) + v);
      store<f64>(h, load<f64>(h) + v);
    }
  }
}
