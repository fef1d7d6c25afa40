import type { Cell, Dataset } from "./datasets.js";

/**
 * A dataset as CDISC Dataset-JSON v1.1 (the exchange format FDA has asked for comment on as the
 * successor of SAS XPT): metadata, columns with item OIDs, labels, data types and key sequence, then
 * the rows as arrays in the columns' order.
 */
export interface DatasetJsonMeta {
  studyOID: string;
  /** ISO 8601 date-time of the file. */
  creationDateTime: string;
  /** ISO 8601 date-time the data were taken (the data cut). */
  asOfDateTime: string;
  sourceSystem: { name: string; version: string };
}

export function datasetJson(dataset: Dataset, meta: DatasetJsonMeta): Record<string, unknown> {
  return {
    datasetJSONVersion: "1.1.0",
    fileOID: `${meta.studyOID}.${dataset.name}`,
    creationDateTime: meta.creationDateTime,
    asOfDateTime: meta.asOfDateTime,
    originator: "Escalate",
    sourceSystem: meta.sourceSystem,
    studyOID: meta.studyOID,
    metaDataVersionOID: "MDV.ESCALATE.1",
    itemGroupOID: `IG.${dataset.name}`,
    isReferenceData: dataset.name === "TS",
    records: dataset.rows.length,
    name: dataset.name,
    label: dataset.label,
    columns: dataset.columns.map((column) => ({
      itemOID: `IT.${dataset.name}.${column.name}`,
      name: column.name,
      label: column.label,
      dataType: column.dataType,
      ...(column.key === undefined ? {} : { keySequence: column.key }),
    })),
    rows: dataset.rows,
  };
}

/** The dataset's rows as CSV cells (header first): numbers as written, null as an empty cell. */
export function datasetCsvRows(dataset: Dataset): string[][] {
  const cell = (value: Cell) => (value === null ? "" : typeof value === "boolean" ? (value ? "Y" : "N") : String(value));
  return [dataset.columns.map((column) => column.name), ...dataset.rows.map((row) => row.map(cell))];
}
