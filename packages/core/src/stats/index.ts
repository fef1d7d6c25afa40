export { betaCdf, betaIntervalProbability, betaQuantile, betaUpperTail, binomialPmf } from "./distributions.js";
export { type BinomialInterval, clopperPearson } from "./intervals.js";
export { createIsotonicScratch, type IsotonicScratch, isotonicRegression } from "./isotonic.js";
export { createRandom, type RandomStream } from "./random.js";
