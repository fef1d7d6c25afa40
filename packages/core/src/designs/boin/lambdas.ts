// BOIN's boundaries, on their own (no imports): BOIN, TITE-BOIN, BOIN12 and backfill's rule use them.

/**
 * Bayesian optimal interval design (Liu & Yuan 2015, JRSS C 64:507–523).
 * With φ the target, φ1 = pSafe (default 0.6φ) and φ2 = pTox (default 1.4φ), the boundaries that
 * minimise the probability of a wrong decision are
 *   λe = log((1 − φ1)/(1 − φ)) / log(φ(1 − φ1) / (φ1(1 − φ))),
 *   λd = log((1 − φ)/(1 − φ2)) / log(φ2(1 − φ) / (φ(1 − φ2))).
 * Escalate when the observed rate y/n ≤ λe, de-escalate when y/n ≥ λd, otherwise stay.
 */
export interface BoinBoundaries {
  lambdaE: number;
  lambdaD: number;
}

export function boinLambdas(target: number, pSafe: number, pTox: number): BoinBoundaries {
  const lambdaE = Math.log((1 - pSafe) / (1 - target)) / Math.log((target * (1 - pSafe)) / (pSafe * (1 - target)));
  const lambdaD = Math.log((1 - target) / (1 - pTox)) / Math.log((pTox * (1 - target)) / (target * (1 - pTox)));
  return { lambdaE, lambdaD };
}

/** φ1 and φ2, defaulting to 0.6 and 1.4 times the target (Liu & Yuan 2015). */
export function resolvedBoinProbabilities(spec: { target: number; pSafe?: number | undefined; pTox?: number | undefined }): {
  pSafe: number;
  pTox: number;
} {
  return { pSafe: spec.pSafe ?? 0.6 * spec.target, pTox: spec.pTox ?? 1.4 * spec.target };
}

/** BOIN's move at a dose with y DLTs in n patients: 1 escalate (y/n ≤ λe), −1 de-escalate (y/n ≥ λd), 0 stay. */
export function boinMove({ lambdaE, lambdaD }: BoinBoundaries): (n: number, y: number) => 1 | 0 | -1 {
  return (n, y) => (y / n <= lambdaE ? 1 : y / n >= lambdaD ? -1 : 0);
}

/** BOIN's move with the default φ1 and φ2 at `target`: backfill's judgement for designs without boundaries of their own. */
export function boinMoveAt(target: number): (n: number, y: number) => 1 | 0 | -1 {
  const { pSafe, pTox } = resolvedBoinProbabilities({ target });
  return boinMove(boinLambdas(target, pSafe, pTox));
}
