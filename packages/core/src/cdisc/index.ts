export { type DatasetJsonMeta, datasetCsvRows, datasetJson } from "./dataset-json.js";
export { adamDatasets, type Cell, type Column, type ColumnType, type Dataset, sdtmDatasets } from "./datasets.js";
export { datasetRecords, type Records, trialFromSdtm } from "./read-sdtm.js";
