import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { run } from "./main.js";

/**
 * `escalate export --standard sdtm|adam` (issue 19): one file per dataset, lower-case names, and every
 * Dataset-JSON file valid against CDISC's published Dataset-JSON v1.1 schema (bundled in the core's
 * test fixtures with its source).
 */
const schema = JSON.parse(readFileSync(new URL("../../core/test-fixtures/dataset-json-1.1.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
const dir = mkdtempSync(join(tmpdir(), "escalate-cdisc-"));
const trials = {
  trastuzumab: new URL("../../../examples/trastuzumab-dm1-phase1", import.meta.url).pathname,
  adc: new URL("../../../examples/trials/adc-first-in-human.yaml", import.meta.url).pathname,
  myeloma: new URL("../../../examples/hun901-dm1-myeloma-phase1", import.meta.url).pathname,
};

type DatasetJson = { name: string; records: number; columns: { name: string; label: string; dataType: string }[]; rows: unknown[][] };

async function exported(trial: string, standard: "sdtm" | "adam", format = "dataset-json"): Promise<string> {
  const out = join(dir, `${standard}-${format}-${Math.random().toString(36).slice(2)}`);
  const result = await run(["export", trial, "--standard", standard, "--format", format, "--out", out, "--json"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return out;
}

describe("CDISC export", () => {
  it.each(Object.entries(trials))("writes SDTM and ADaM Dataset-JSON for %s that the official v1.1 schema accepts", async (_, trial) => {
    for (const standard of ["sdtm", "adam"] as const) {
      const folder = await exported(trial, standard);
      for (const file of readdirSync(folder).filter((name) => name !== "trial.json")) {
        expect(file).toMatch(/^[a-z]+\.json$/);
        const document = JSON.parse(readFileSync(join(folder, file), "utf8")) as DatasetJson;
        expect(validate(document), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
        expect(document.records).toBe(document.rows.length);
        for (const row of document.rows) expect(row).toHaveLength(document.columns.length);
      }
    }
    // The schema does reject what is not Dataset-JSON v1.1.
    const dm = JSON.parse(readFileSync(join(await exported(trial, "sdtm"), "dm.json"), "utf8")) as Record<string, unknown>;
    expect(validate({ ...dm, datasetJSONVersion: "1.0" })).toBe(false);
    expect(validate({ ...dm, creationDateTime: "29/11/2026" })).toBe(false);
    const { columns: _columns, ...withoutColumns } = dm;
    expect(validate(withoutColumns)).toBe(false);
  });

  it("writes the SDTM domains with SDTMIG names, labels and types", async () => {
    const folder = await exported(trials.trastuzumab, "sdtm");
    expect(readdirSync(folder).sort()).toEqual([
      "ae.json",
      "dm.json",
      "ex.json",
      "lb.json",
      "pc.json",
      "rs.json",
      "suppdm.json",
      "tr.json",
      "trial.json",
      "ts.json",
      "tu.json",
      "vs.json",
    ]);
    const dm = JSON.parse(readFileSync(join(folder, "dm.json"), "utf8")) as DatasetJson;
    expect(dm.columns.slice(0, 3).map((c) => [c.name, c.label, c.dataType])).toEqual([
      ["STUDYID", "Study Identifier", "string"],
      ["DOMAIN", "Domain Abbreviation", "string"],
      ["USUBJID", "Unique Subject Identifier", "string"],
    ]);
    expect(dm.records).toBe(18);
    const ex = JSON.parse(readFileSync(join(folder, "ex.json"), "utf8")) as DatasetJson;
    const column = (d: DatasetJson, name: string) => d.columns.findIndex((c) => c.name === name);
    // Study day 1 is RFXSTDTC; a dose on day 22 is 21 days later.
    const first = ex.rows.find((r) => r[column(ex, "EXSTDY")] === 22)!;
    const rfx = dm.rows.find((r) => r[column(dm, "USUBJID")] === first[column(ex, "USUBJID")])![column(dm, "RFXSTDTC")] as string;
    expect(Date.parse(first[column(ex, "EXSTDTC")] as string) - Date.parse(rfx)).toBe(21 * 86_400_000);
    const rs = JSON.parse(readFileSync(join(folder, "rs.json"), "utf8")) as DatasetJson;
    expect(rs.rows.filter((r) => r[column(rs, "RSTESTCD")] === "BESTRSP").length).toBeGreaterThan(0);
  });

  it("writes ADaM with the DLT-evaluable population and DLT flags, toxicity grades and best response", async () => {
    const folder = await exported(trials.adc, "adam", "csv");
    expect(readdirSync(folder).sort()).toEqual(["adae.csv", "adex.csv", "adlb.csv", "adrs.csv", "adsl.csv"]);
    const adsl = parse(readFileSync(join(folder, "adsl.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(Object.keys(adsl[0]!)).toEqual(expect.arrayContaining(["USUBJID", "TRT01A", "SAFFL", "DLTEVLFL", "DLTFL", "BORRES"]));
    // The example: 101-006 had a DLT; 101-008 is still in the DLT window (not evaluable yet, no DLT flag).
    expect(adsl.find((r) => r.USUBJID === "101-006")).toMatchObject({ DLTEVLFL: "Y", DLTFL: "Y" });
    expect(adsl.find((r) => r.USUBJID === "101-008")).toMatchObject({ DLTEVLFL: "N", DLTFL: "" });
    const adae = parse(readFileSync(join(folder, "adae.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(adae.every((r) => /^[1-5]$/.test(r.ATOXGR!))).toBe(true);
    expect(adae.some((r) => r.TRTEMFL === "Y")).toBe(true);
    const adlb = parse(readFileSync(join(folder, "adlb.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    // Platelets of 22 × 10⁹/L on day 8 (101-006): grade 4, a low grade.
    expect(adlb.find((r) => r.USUBJID === "101-006" && r.PARAMCD === "PLAT" && r.ADY === "8")).toMatchObject({ ATOXGRL: "4", ATOXGRH: "" });
  });

  it.each(Object.entries(trials))("reads its own SDTM Dataset-JSON back to the same analysis (%s)", async (_, trial) => {
    const folder = await exported(trial, "sdtm");
    const fromSdtm = JSON.parse((await run(["analyze", folder, "--json"])).stdout);
    const fromSource = JSON.parse((await run(["analyze", trial, "--json"])).stdout);
    // Problems name the SDTM row instead of the source's record: the rest is the same.
    const withoutRecord = (analysis: unknown) =>
      JSON.parse(JSON.stringify(analysis, (key, value) => (key === "record" ? undefined : value)));
    expect(withoutRecord(fromSdtm)).toEqual(withoutRecord(fromSource));
  });

  it("names a wrong format", async () => {
    const result = await run(["export", trials.adc, "--standard", "sdtm", "--format", "md", "--out", join(dir, "x")]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--format: "md" is not allowed; must be dataset-json or csv with --standard/);
  });
});
