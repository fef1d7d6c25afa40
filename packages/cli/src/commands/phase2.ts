import { simonDecision, simonDesigns, type TwoStageDesign } from "@escalate/core/phase2";
import { binomialInterval } from "@escalate/core/stats";
import { UsageError } from "../errors.js";
import type { Options } from "../options.js";
import { fixed, percent, renderTable } from "../table.js";
import type { CommandResult } from "./shared.js";

function required(options: Options, flag: "p0" | "p1" | "alpha" | "beta" | "responders" | "n"): number {
  const value = options[flag];
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
}

/** The contract's design fields, in the contract's order. */
function designFields(d: TwoStageDesign) {
  return { r1: d.r1, n1: d.n1, r: d.r, n: d.n, en0: d.en0, pet0: d.pet0, alpha: d.alpha, power: d.power };
}

export function simonCommand(_reference: string | undefined, options: Options): CommandResult {
  const p0 = required(options, "p0");
  const p1 = required(options, "p1");
  const designs = simonDesigns({
    p0,
    p1,
    alpha: required(options, "alpha"),
    beta: required(options, "beta"),
    ...(options["max-n"] === undefined ? {} : { maxN: options["max-n"] }),
  });
  if (options.patients !== undefined || options.responses !== undefined) {
    if (!designs.optimal) throw new UsageError("no design meets the constraints, so there is nothing to conduct");
    const decision = simonDecision(designs.optimal, options.responses ?? 0, options.patients ?? 0, p0, p1);
    if (options.json) return { json: { design: designFields(designs.optimal), ...decision } };
    return {
      text: [
        `Optimal design ${designs.optimal.r1}/${designs.optimal.n1}, ${designs.optimal.r}/${designs.optimal.n}: ${decision.action.toUpperCase()} (stage ${decision.stage})`,
        ...decision.reasons.map((reason) => `  • ${reason}`),
        `  P(promising at the end | data): ${percent(decision.successUnderP0)} if p = ${p0}, ${percent(decision.successUnderP1)} if p = ${p1}`,
      ].join("\n"),
    };
  }
  if (options.json) {
    return {
      json: {
        optimal: designs.optimal && designFields(designs.optimal),
        minimax: designs.minimax && designFields(designs.minimax),
        admissible: designs.admissible.map(designFields),
      },
    };
  }
  if (!designs.optimal || !designs.minimax)
    return { text: `No two-stage design with n ≤ ${options["max-n"] ?? 150} meets the constraints.` };
  const row = (name: string, d: TwoStageDesign) => [
    name,
    `${d.r1}/${d.n1}`,
    `${d.r}/${d.n}`,
    fixed(d.en0, 2),
    fixed(d.pet0, 3),
    fixed(d.alpha, 4),
    fixed(d.power, 4),
  ];
  const admissible = designs.admissible.filter((d) => d.n !== designs.optimal!.n && d.n !== designs.minimax!.n);
  return {
    text: [
      `Simon two-stage designs for p0 = ${p0}, p1 = ${p1} (stop if ≤ r1 of n1 respond; promising if > r of n)`,
      "",
      renderTable(
        ["design", "r1/n1", "r/n", "EN(p0)", "PET(p0)", "α", "power"],
        [
          row("optimal", designs.optimal),
          row("minimax", designs.minimax),
          ...admissible.map((d) => row(`admissible (q ${fixed(d.qFrom, 2)}–${fixed(d.qTo, 2)})`, d)),
        ],
      ),
    ].join("\n"),
  };
}

export function ciCommand(_reference: string | undefined, options: Options): CommandResult {
  const interval = binomialInterval(required(options, "responders"), required(options, "n"), options.method, options.level);
  const result = {
    estimate: interval.estimate,
    lower: interval.lower,
    upper: interval.upper,
    method: options.method,
    level: interval.level,
  };
  if (options.json) return { json: result };
  return {
    text: `${options.responders} of ${options.n} responded: ${percent(result.estimate)} (${percent(result.level, 0)} ${options.method} interval ${percent(result.lower)}–${percent(result.upper)})`,
  };
}
