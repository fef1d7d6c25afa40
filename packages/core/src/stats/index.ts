export { betaCdf, betaIntervalProbability, betaQuantile, betaUpperTail, binomialPmf } from "./distributions.js";
export {
  type BinomialInterval,
  type BinomialIntervalMethod,
  binomialInterval,
  clopperPearson,
  INTERVAL_METHODS,
  jeffreys,
  wilson,
} from "./intervals.js";
export { createIsotonicScratch, type IsotonicScratch, isotonicRegression } from "./isotonic.js";
export { gaussLegendre, type QuadratureRule } from "./quadrature.js";
export { createRandom, type RandomStream } from "./random.js";
