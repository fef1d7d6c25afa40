/**
 * Weighted isotonic (non-decreasing) regression by the pool-adjacent-violators algorithm
 * (Barlow, Bartholomew, Bremner & Brunk 1972). Adjacent blocks that violate the order are pooled into
 * their weighted mean until the sequence is non-decreasing. O(k) amortised; writes into `out`. With
 * `length`, only the first `length` values (callers in hot loops pass it rather than allocate views).
 */
export function isotonicRegression(
  values: ArrayLike<number>,
  weights: ArrayLike<number>,
  out: Float64Array = new Float64Array(values.length),
  scratch: IsotonicScratch = createIsotonicScratch(values.length),
  length = values.length,
): Float64Array {
  const k = length;
  const { blockValue, blockWeight, blockSize } = scratch;
  let blocks = 0;
  for (let i = 0; i < k; i++) {
    let value = values[i]!;
    let weight = weights[i]!;
    let size = 1;
    // Pool with the previous block while it is larger (a violation).
    while (blocks > 0 && blockValue[blocks - 1]! > value) {
      const w = blockWeight[blocks - 1]!;
      value = (blockValue[blocks - 1]! * w + value * weight) / (w + weight);
      weight += w;
      size += blockSize[blocks - 1]!;
      blocks--;
    }
    blockValue[blocks] = value;
    blockWeight[blocks] = weight;
    blockSize[blocks] = size;
    blocks++;
  }
  let position = 0;
  for (let b = 0; b < blocks; b++) {
    const size = blockSize[b]!;
    for (let j = 0; j < size; j++) out[position++] = blockValue[b]!;
  }
  return out;
}

export interface IsotonicScratch {
  blockValue: Float64Array;
  blockWeight: Float64Array;
  blockSize: Int32Array;
}

export function createIsotonicScratch(length: number): IsotonicScratch {
  return {
    blockValue: new Float64Array(length),
    blockWeight: new Float64Array(length),
    blockSize: new Int32Array(length),
  };
}
