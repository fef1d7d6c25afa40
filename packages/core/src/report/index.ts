export { doseEscalationPlot, pkPlot, swimmerPlot, type VegaLiteSpec, waterfallPlot } from "./plots.js";
export {
  doseLabel,
  doseOptimizationTables,
  type Interval,
  noteText,
  type ReportNote,
  type ReportTable,
  type TrialReport,
  trialReport,
} from "./trial-report.js";
