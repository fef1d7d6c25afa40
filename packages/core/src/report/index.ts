export { exposureTables } from "./pk-tables.js";
export { doseEscalationPlot, pkPlot, swimmerPlot, type VegaLiteSpec, waterfallPlot } from "./plots.js";
export { standardTables } from "./standard-tables.js";
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
