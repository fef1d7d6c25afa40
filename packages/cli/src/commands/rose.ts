import { checkRoseDesign, type RoseDesign, type RoseResult, roseDecision, roseDesign, roseSelection } from "@escalate/core/randomized";
import { ValidationError } from "@escalate/core/validation";
import { loadDesign } from "../design-file.js";
import { UsageError } from "../errors.js";
import type { Options } from "../options.js";
import { fixed, percent, renderTable } from "../table.js";
import type { CommandResult } from "./shared.js";

/**
 * `escalate rose`: the randomized dose-comparison stage (ROSE). With --response-rate and --difference,
 * the smallest design meeting the wanted probabilities of correct selection; with a design (flags, or a
 * design file's randomized rule), its exact selection probabilities (--rates) or the decision (--counts).
 */
export function roseCommand(reference: string | undefined, options: Options): CommandResult {
  if (options["response-rate"] !== undefined || options.difference !== undefined) {
    if (reference !== undefined)
      throw new UsageError("give either a design (file or --per-arm, --boundary) or --response-rate and --difference to find one");
    return search(options);
  }
  const design = reference === undefined ? designFromFlags(options) : designFromFile(reference);
  if (options.counts !== undefined) {
    if (options.counts.length !== design.arms)
      throw new ValidationError(
        [
          {
            path: "--counts",
            value: options.counts.map((c) => c.join("/")).join(","),
            message: `must give ${design.arms} arms (the design's)`,
          },
        ],
        "option",
      );
    const decision = roseDecision(
      design,
      options.counts.map(([responses]) => responses),
      options.counts.map(([, patients]) => patients),
      Array.from({ length: design.arms }, (_, arm) => `arm ${arm + 1}`),
    );
    if (options.json) return { json: { design, ...decision } };
    const headline =
      decision.action === "select" ? `SELECT arm ${decision.selected} of ${design.arms} (arms by dose, lowest first)` : "CONTINUE";
    return { text: [`${headline} — ${decision.stage}`, ...decision.reasons.map((reason) => `  • ${reason}`)].join("\n") };
  }
  if (options.rates === undefined)
    throw new UsageError("give --rates (response rate per arm) for selection probabilities, or --counts for the decision");
  if (options.rates.length !== design.arms)
    throw new ValidationError(
      [{ path: "--rates", value: options.rates.join(","), message: `must give ${design.arms} rates (the design's arms)` }],
      "option",
    );
  options.rates.forEach((rate, i) => {
    if (!(rate >= 0 && rate <= 1))
      throw new ValidationError([{ path: `--rates (value ${i + 1})`, value: rate, message: "must be a probability in [0, 1]" }], "option");
  });
  const { selection, expectedPerArm } = roseSelection(design, options.rates);
  if (options.json) return { json: { design, rates: options.rates, selection, expectedPerArm } };
  return {
    text: [
      `${describe(design)}; response rates ${options.rates.join(", ")}`,
      "",
      renderTable(
        ["arm", "response rate", "P(selected)"],
        selection.map((p, arm) => [arm + 1, fixed(options.rates![arm]!, 3), percent(p)]),
      ),
      "",
      `Expected patients per arm: ${fixed(expectedPerArm, 1)} (exact)`,
    ].join("\n"),
  };
}

function search(options: Options): CommandResult {
  const [pcsEqual, pcsBetter] = options.pcs === undefined ? [undefined, undefined] : [options.pcs[0], options.pcs[1] ?? options.pcs[0]];
  if (options["response-rate"] === undefined) throw new UsageError("--response-rate is required");
  if (options.difference === undefined) throw new UsageError("--difference is required");
  const result = roseDesign({
    responseRate: options["response-rate"],
    difference: options.difference,
    ...(pcsEqual === undefined ? {} : { pcsEqual }),
    ...(pcsBetter === undefined ? {} : { pcsBetter }),
    ...(options.arms === undefined ? {} : { arms: options.arms }),
    ...(options.interim === undefined ? {} : { interimFraction: options.interim }),
    ...(options["max-n"] === undefined ? {} : { maxPerArm: options["max-n"] }),
  });
  if (options.json) return { json: result };
  if (result === null)
    return { text: `No ROSE design with at most ${options["max-n"] ?? 100} patients per arm meets the wanted probabilities.` };
  return { text: formatSearch(result) };
}

function formatSearch(result: RoseResult): string {
  const { design } = result;
  const arms = design.arms;
  const rows = result.scenarios.map((s) => [
    s.optimal === 1 ? "all equal" : `benefit from arm ${s.optimal}`,
    s.responseRates.map((r) => fixed(r, 2)).join(" / "),
    s.optimal,
    ...s.selection.map((p) => percent(p)),
    percent(s.correct),
    percent(s.optimal === 1 ? result.pcsEqual : result.pcsBetter, 0),
    fixed(s.expectedPerArm, 1),
  ]);
  const interim =
    design.interimPerArm === undefined ? [] : [`    interim: { perArm: ${design.interimPerArm}, boundary: ${design.interimBoundary} }`];
  return [
    `ROSE: ${describe(design)} — ${arms * design.perArm} patients at most`,
    "",
    renderTable(
      [
        "scenario",
        "response rates",
        "optimal arm",
        ...Array.from({ length: arms }, (_, arm) => `P(arm ${arm + 1})`),
        "P(correct)",
        "wanted",
        "E(patients per arm)",
      ],
      rows,
    ),
    "",
    "Probabilities are exact (binomial enumeration). In a design file, after dose finding:",
    "  rules:",
    "  - type: randomized",
    `    doses: ${arms === 2 ? "selected-and-lower" : "selected-and-two-lower"}`,
    `    perArm: ${design.perArm}`,
    `    boundary: ${design.boundary}`,
    ...interim,
  ].join("\n");
}

function describe(design: RoseDesign): string {
  const base = `${design.arms} arms of ${design.perArm}; keep the lowest dose within ${design.boundary} response${design.boundary === 1 ? "" : "s"} of the best (rate difference ${fixed(design.boundary / design.perArm, 3)})`;
  return design.interimPerArm === undefined
    ? base
    : `${base}; interim at ${design.interimPerArm} per arm selects the lower dose if the higher exceeds it by at most ${design.interimBoundary}`;
}

function designFromFlags(options: Options): RoseDesign {
  const perArm = options["per-arm"];
  const boundary = options.boundary;
  if (perArm === undefined || boundary === undefined)
    throw new UsageError(
      "give a design file with a randomized rule, or --per-arm and --boundary (or --response-rate and --difference to find them)",
    );
  const arms = options.arms ?? options.rates?.length ?? options.counts?.length ?? 2;
  const design: RoseDesign = {
    arms,
    perArm,
    boundary,
    ...(options["interim-per-arm"] === undefined ? {} : { interimPerArm: options["interim-per-arm"] }),
    ...(options["interim-boundary"] === undefined ? {} : { interimBoundary: options["interim-boundary"] }),
  };
  const issues = checkRoseDesign(design).map((issue) => ({
    ...issue,
    path: `--${flagOf(issue.path)}`,
    message: issue.message
      .replace("interimPerArm and interimBoundary", "--interim-per-arm and --interim-boundary")
      .replace("(perArm)", "(--per-arm)"),
  }));
  if (issues.length > 0) throw new ValidationError(issues, "option");
  return design;
}

function flagOf(field: string): string {
  return (
    { perArm: "per-arm", boundary: "boundary", interimPerArm: "interim-per-arm", interimBoundary: "interim-boundary", arms: "arms" }[
      field
    ] ?? field
  );
}

function designFromFile(reference: string): RoseDesign {
  const stage = loadDesign(reference).engine.rules.randomized;
  if (stage === null) throw new UsageError(`${reference} has no randomized stage (a rule of type randomized)`);
  return stage.rose;
}
