import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { QUADRATURE_STEP } from "./crm/posterior.js";
import { createDesign } from "./design.js";
import { DEFAULT_SELECTION_PRIOR } from "./interval/isotonic-selection.js";
import { ELIMINATION_MIN_PATIENTS } from "./interval/safety.js";
import { MTPI_SELECTION_PRIOR } from "./mtpi2/mtpi2.js";
import { DESIGN_MODULES, DESIGN_NAMES, designModule, designSpec } from "./registry.js";

/** A minimal valid design file per design, for the checks every design must pass. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  boin: { design: "boin", target: 0.25, doses: 5 },
  "tite-boin": { design: "tite-boin", target: 0.25, doses: 5, window: 42 },
  keyboard: { design: "keyboard", target: 0.25, doses: 5 },
  mtpi2: { design: "mtpi2", target: 0.25, doses: 5 },
  "three-plus-three": { design: "three-plus-three", doses: 5 },
  crm: { design: "crm", target: 0.25, doses: 5, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] },
  "tite-crm": { design: "tite-crm", target: 0.25, doses: 5, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55], window: 28 },
  boin12: { design: "boin12", doses: 5 },
  blrm: { design: "blrm", doses: [1, 2, 4, 8, 12].map((amount) => ({ label: `${amount} mg/kg`, amount })), referenceDose: 8 },
};

describe("the design registry", () => {
  it("registers each design once, its schema in the union of design files", () => {
    expect(new Set(DESIGN_NAMES).size).toBe(DESIGN_MODULES.length);
    expect(designSpec.options.map((option) => option.shape.design.value)).toEqual([...DESIGN_NAMES]);
    expect(Object.keys(MINIMAL).sort()).toEqual([...DESIGN_NAMES].sort());
    expect(designModule("no-such-design")).toBeUndefined();
  });

  it.each(DESIGN_NAMES.map((name) => [name]))("%s: builds from its module, and its protocol text names it", (name) => {
    const design = createDesign(MINIMAL[name]);
    expect(design.module.name).toBe(name);
    const text = design.describe();
    expect(text).toContain(design.module.title);
    for (const reference of design.module.references) expect(text).toContain(reference);
    // A design with a decision table prints it in its protocol; a model-based design has none.
    let hasTable = true;
    try {
      design.boundaries();
    } catch {
      hasTable = false;
    }
    expect(hasTable).toBe(!design.module.capabilities.modelBased);
    if (hasTable) expect(text).toContain("| Patients at the current dose |");
    for (const field of design.module.keyFields) expect(Object.keys(design.module.schema.shape)).toContain(field);
    // Its published-values table: every entry's numbers are in the project's fixtures, and the protocol cites it.
    expect(design.module.published.length).toBeGreaterThan(0);
    for (const entry of design.module.published) {
      const [file, key] = entry.fixture.split("#") as [string, string];
      const fixture = JSON.parse(readFileSync(new URL(`../../test-fixtures/${file}`, import.meta.url), "utf8")) as Record<string, unknown>;
      expect(fixture[key], entry.fixture).toBeDefined();
      expect(text).toContain(`${entry.source}: ${entry.reproduces}.`);
    }
  });
});

describe("protocol text is built from the constants the code uses", () => {
  it("states the interval designs' selection priors and elimination threshold", () => {
    const boin = createDesign(MINIMAL.boin).describe();
    expect(boin).toContain(`Beta(${DEFAULT_SELECTION_PRIOR}, ${DEFAULT_SELECTION_PRIOR})`);
    expect(boin).toContain(`at least ${ELIMINATION_MIN_PATIENTS} patients at a dose`);
    expect(createDesign(MINIMAL.keyboard).describe()).toContain(`Beta(${DEFAULT_SELECTION_PRIOR}, ${DEFAULT_SELECTION_PRIOR})`);
    const mtpi2 = createDesign(MINIMAL.mtpi2).describe();
    expect(mtpi2).toContain(`(y + ${MTPI_SELECTION_PRIOR})/(n + ${2 * MTPI_SELECTION_PRIOR})`);
    expect(mtpi2).toContain(`Beta(${MTPI_SELECTION_PRIOR}, ${MTPI_SELECTION_PRIOR})`);
  });

  it("describes the CRM's posterior computation as the code does it (not Gauss–Hermite)", () => {
    const crm = createDesign(MINIMAL.crm).describe();
    expect(crm).toContain(`step ${QUADRATURE_STEP} in u`);
    expect(crm).toContain("sinh(u)");
    expect(crm).not.toMatch(/Hermite/);
  });
});

/**
 * Nothing outside a design's folder branches on its name: comparisons with a design name, `case` labels,
 * and lists of names, in every package's sources (tests and the registry itself excepted).
 */
describe("design names stay in their folders", () => {
  const packages = fileURLToPath(new URL("../../../", import.meta.url));
  const sources = (folder: string): string[] =>
    readdirSync(folder).flatMap((entry) => {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) return entry === "node_modules" || entry === "dist" ? [] : sources(path);
      return /\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) ? [path] : [];
    });
  const names = DESIGN_NAMES.map((name) => name.replace(/[-+]/g, "\\$&")).join("|");
  const branch = new RegExp(`(===|!==|case)\\s*"(${names})"|"(${names})"\\s*(===|!==)|\\[\\s*"(${names})"\\s*,`);
  const folders = new Set(
    readdirSync(join(packages, "core/src/designs")).filter((entry) => statSync(join(packages, "core/src/designs", entry)).isDirectory()),
  );

  it("finds no branch on a design's name outside designs/<name>/", () => {
    const offenders: string[] = [];
    for (const pkg of ["core", "server", "cli", "web"]) {
      for (const file of sources(join(packages, pkg, "src"))) {
        const path = relative(packages, file);
        const folder = path.match(/^core\/src\/designs\/([^/]+)\//)?.[1];
        if (folder !== undefined && folders.has(folder)) continue;
        readFileSync(file, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (branch.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
