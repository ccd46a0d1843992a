/** Index of the largest value in each row of a row-major count x classes matrix. */
export function argmaxRows(probabilities: ArrayLike<number>, classes: number): Int32Array {
  const count = probabilities.length / classes;
  const out = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[n * classes + c]! > probabilities[n * classes + best]!) best = c;
    out[n] = best;
  }
  return out;
}
