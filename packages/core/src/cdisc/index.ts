export { type DatasetJsonMeta, datasetCsvRows, datasetJson } from "./dataset-json.js";
export { adamDatasets, type Cell, type Column, type ColumnType, type Dataset, dateOfStudyDay, sdtmDatasets } from "./datasets.js";
