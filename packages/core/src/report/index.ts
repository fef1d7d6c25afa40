export { doseEscalationPlot, pkPlot, swimmerPlot, type VegaLiteSpec, waterfallPlot } from "./plots.js";
export { doseLabel, type TrialReport, trialReport } from "./trial-report.js";
