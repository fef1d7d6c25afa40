import { binomialPmf } from "../stats/distributions.js";
import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * The randomized optimal selection design (ROSE; Wang, Yuan & Liu 2025), in the selection-design
 * framework of Simon, Wittes & Ellenberg (1985): patients are randomized equally among two or three
 * doses, and the lowest dose is kept unless a higher one shows enough more responses.
 *
 * Conventions (stated so the numbers can be checked):
 * - Arms are ordered by dose, lowest first, with `perArm` patients each. The rule compares response
 *   counts: the selected dose is the lowest one whose count is within `boundary` of the largest count
 *   (with two arms: keep the lower dose unless the higher one's count exceeds it by more than `boundary`).
 *   `boundary / perArm` is the paper's boundary on the difference in response rates.
 * - Correct selection is judged in K plateau scenarios: in scenario j the doses below j respond at
 *   `responseRate` and the doses from j upwards at `responseRate + difference`, so dose j is the optimal
 *   dose (the lowest dose with the full benefit). Scenario 1 (all equal) must be selected correctly with
 *   probability ≥ `pcsEqual`, every other scenario with probability ≥ `pcsBetter`.
 * - Two-stage ROSE (two arms): after `interimPerArm` patients per arm the lower dose is selected early
 *   when the higher dose's count exceeds the lower's by at most `interimBoundary`; otherwise both arms
 *   complete `perArm` and the final rule applies to all patients.
 * - All probabilities are exact: sums over binomial outcomes (the tests check them against brute force).
 */
export interface RoseDesign {
  /** Number of doses randomized: 2 or 3. */
  arms: number;
  /** Patients per arm at the end. */
  perArm: number;
  /** Counts: keep the lowest dose within `boundary` responses of the best. */
  boundary: number;
  /** Patients per arm at the interim (two arms only); absent for the one-stage design. */
  interimPerArm?: number;
  /** At the interim, select the lower dose if the higher's count exceeds it by at most this. */
  interimBoundary?: number;
}

export interface RoseSearch {
  /** Response rate of a dose without the added benefit (the lower dose when both are equal). */
  responseRate: number;
  /** The clinically meaningful gain in response rate that would justify the higher dose. */
  difference: number;
  /** Wanted probability of keeping the lowest dose when all doses respond alike (default 0.6). */
  pcsEqual?: number;
  /** Wanted probability of choosing the better dose when it responds better by `difference` (default 0.6). */
  pcsBetter?: number;
  /** Doses randomized, 2 or 3 (default 2). */
  arms?: number;
  /** Two-stage ROSE: the interim after this fraction of each arm (two arms only; default none). */
  interimFraction?: number;
  /** Largest number of patients per arm searched (default 100). */
  maxPerArm?: number;
}

export interface RoseScenario {
  /** The 1-based optimal dose (arm) in this scenario. */
  optimal: number;
  responseRates: number[];
  /** Probability of selecting each arm. */
  selection: number[];
  /** Probability of selecting the optimal arm. */
  correct: number;
  /** Expected patients per arm (perArm for the one-stage design). */
  expectedPerArm: number;
}

export interface RoseResult {
  design: RoseDesign;
  /** `boundary / perArm`: the boundary on the difference in response rates. */
  rateBoundary: number;
  scenarios: RoseScenario[];
  /** Required probabilities of correct selection (equal, better). */
  pcsEqual: number;
  pcsBetter: number;
}

type CheckedSearch = Required<Omit<RoseSearch, "interimFraction">> & { interimFraction: number | undefined };

export function checkRoseSearch(search: RoseSearch): CheckedSearch {
  const issues: ValidationIssue[] = [];
  const checked: CheckedSearch = {
    responseRate: search.responseRate,
    difference: search.difference,
    pcsEqual: search.pcsEqual ?? 0.6,
    pcsBetter: search.pcsBetter ?? 0.6,
    arms: search.arms ?? 2,
    interimFraction: search.interimFraction,
    maxPerArm: search.maxPerArm ?? 100,
  };
  const { responseRate, difference, pcsEqual, pcsBetter, arms, interimFraction, maxPerArm } = checked;
  if (!(responseRate >= 0 && responseRate < 1))
    issues.push({ path: "responseRate", value: responseRate, message: "must be a probability in [0, 1)" });
  if (!(difference > 0 && responseRate + difference <= 1))
    issues.push({ path: "difference", value: difference, message: `must be > 0 with responseRate + difference ≤ 1` });
  for (const [path, value] of [
    ["pcsEqual", pcsEqual],
    ["pcsBetter", pcsBetter],
  ] as const)
    if (!(value > 0.5 && value < 1)) issues.push({ path, value, message: "must be a probability in (0.5, 1)" });
  if (!(arms === 2 || arms === 3)) issues.push({ path: "arms", value: arms, message: "must be 2 or 3" });
  if (interimFraction !== undefined) {
    if (!(interimFraction > 0 && interimFraction < 1))
      issues.push({ path: "interimFraction", value: interimFraction, message: "must be in (0, 1)" });
    if (arms !== 2) issues.push({ path: "interimFraction", value: interimFraction, message: "an interim is defined for two arms" });
  }
  if (!(Number.isInteger(maxPerArm) && maxPerArm >= 2 && maxPerArm <= (arms === 3 ? 120 : 400)))
    issues.push({ path: "maxPerArm", value: maxPerArm, message: `must be an integer in 2..${arms === 3 ? 120 : 400}` });
  if (issues.length > 0) throw new ValidationError(issues, "ROSE design");
  return checked;
}

export function checkRoseDesign(design: RoseDesign, path = ""): ValidationIssue[] {
  const at = (field: string) => (path === "" ? field : `${path}.${field}`);
  const issues: ValidationIssue[] = [];
  const { arms, perArm, boundary, interimPerArm, interimBoundary } = design;
  if (!(arms === 2 || arms === 3)) issues.push({ path: at("arms"), value: arms, message: "must be 2 or 3" });
  if (!(Number.isInteger(perArm) && perArm >= 1 && perArm <= 400))
    issues.push({ path: at("perArm"), value: perArm, message: "must be an integer in 1..400" });
  if (!(Number.isInteger(boundary) && boundary >= 0 && boundary <= perArm))
    issues.push({ path: at("boundary"), value: boundary, message: `must be an integer in 0..${perArm} (perArm)` });
  if ((interimPerArm === undefined) !== (interimBoundary === undefined))
    issues.push({ path: at("interimBoundary"), value: interimBoundary, message: "interimPerArm and interimBoundary go together" });
  if (interimPerArm !== undefined) {
    if (arms !== 2) issues.push({ path: at("interimPerArm"), value: interimPerArm, message: "an interim is defined for two arms" });
    if (!(Number.isInteger(interimPerArm) && interimPerArm >= 1 && interimPerArm < perArm))
      issues.push({ path: at("interimPerArm"), value: interimPerArm, message: `must be an integer in 1..${perArm - 1}` });
    else if (!(Number.isInteger(interimBoundary) && interimBoundary! >= -interimPerArm && interimBoundary! <= interimPerArm))
      issues.push({
        path: at("interimBoundary"),
        value: interimBoundary,
        message: `must be an integer in ${-interimPerArm}..${interimPerArm}`,
      });
  }
  return issues;
}

/** Response rates of the K plateau scenarios: scenario j (0-based) has the benefit from arm j upwards. */
export function roseScenarioRates(arms: number, responseRate: number, difference: number): number[][] {
  return Array.from({ length: arms }, (_, j) =>
    Array.from({ length: arms }, (_, arm) => (arm >= j ? responseRate + (j === 0 ? 0 : difference) : responseRate)),
  );
}

function binomialRow(n: number, p: number): Float64Array {
  const row = new Float64Array(n + 1);
  for (let y = 0; y <= n; y++) row[y] = binomialPmf(y, n, p);
  return row;
}

/** pmf of D = Y_high − Y_low for independent binomials with n each; index d + n. */
function differencePmf(n: number, pLow: number, pHigh: number): Float64Array {
  const low = binomialRow(n, pLow);
  const high = binomialRow(n, pHigh);
  const pmf = new Float64Array(2 * n + 1);
  for (let a = 0; a <= n; a++) for (let b = 0; b <= n; b++) pmf[b - a + n]! += low[a]! * high[b]!;
  return pmf;
}

/** The arm (0-based) the final rule selects for response counts `counts`. */
export function roseSelectedArm(counts: ArrayLike<number>, boundary: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (let arm = 0; arm < counts.length; arm++) if (counts[arm]! > best) best = counts[arm]!;
  for (let arm = 0; arm < counts.length; arm++) if (best - counts[arm]! <= boundary) return arm;
  return counts.length - 1; // unreachable: the best arm is always within the boundary
}

/** Exact selection probabilities of a design when the arms respond at `rates`. */
export function roseSelection(design: RoseDesign, rates: readonly number[]): { selection: number[]; expectedPerArm: number } {
  const { arms, perArm: n, boundary, interimPerArm, interimBoundary } = design;
  if (rates.length !== arms) throw new RangeError(`rates must have ${arms} entries`);
  if (arms === 2) {
    if (interimPerArm === undefined || interimBoundary === undefined) {
      const pmf = differencePmf(n, rates[0]!, rates[1]!);
      let high = 0;
      for (let d = boundary + 1; d <= n; d++) high += pmf[d + n]!;
      return { selection: [1 - high, high], expectedPerArm: n };
    }
    const n1 = interimPerArm;
    const n2 = n - n1;
    const first = differencePmf(n1, rates[0]!, rates[1]!);
    const second = differencePmf(n2, rates[0]!, rates[1]!);
    let early = 0;
    let high = 0;
    for (let d1 = -n1; d1 <= n1; d1++) {
      const p1 = first[d1 + n1]!;
      if (d1 <= interimBoundary) {
        early += p1;
        continue;
      }
      // Continue: the higher dose is selected if d1 + d2 > boundary.
      for (let d2 = Math.max(-n2, boundary - d1 + 1); d2 <= n2; d2++) high += p1 * second[d2 + n2]!;
    }
    return { selection: [1 - high, high], expectedPerArm: n1 + (1 - early) * n2 };
  }
  // Three arms: the joint outcome, with the best-of-the-first-two folded in as we go.
  const rows = rates.map((p) => binomialRow(n, p));
  const selection = [0, 0, 0];
  for (let a = 0; a <= n; a++) {
    const pa = rows[0]![a]!;
    for (let b = 0; b <= n; b++) {
      const pab = pa * rows[1]![b]!;
      for (let c = 0; c <= n; c++) {
        const best = Math.max(a, b, c);
        const arm = best - a <= boundary ? 0 : best - b <= boundary ? 1 : 2;
        selection[arm]! += pab * rows[2]![c]!;
      }
    }
  }
  return { selection, expectedPerArm: n };
}

function evaluate(design: RoseDesign, search: CheckedSearch): RoseScenario[] {
  return roseScenarioRates(design.arms, search.responseRate, search.difference).map((responseRates, j) => {
    const { selection, expectedPerArm } = roseSelection(design, responseRates);
    return { optimal: j + 1, responseRates, selection, correct: selection[j]!, expectedPerArm };
  });
}

function meets(scenarios: RoseScenario[], search: CheckedSearch): boolean {
  return scenarios.every((s, j) => s.correct >= (j === 0 ? search.pcsEqual : search.pcsBetter) - 1e-12);
}

function result(design: RoseDesign, scenarios: RoseScenario[], search: CheckedSearch): RoseResult {
  return { design, rateBoundary: design.boundary / design.perArm, scenarios, pcsEqual: search.pcsEqual, pcsBetter: search.pcsBetter };
}

/**
 * Two-arm two-stage selection probabilities for one scenario and size, for every interim boundary at
 * once: with D1, D2 the stage differences (higher − lower), P(select higher) = Σ_{d1 > a} P(D1 = d1) ·
 * P(D2 > b − d1), a suffix sum over d1; P(stop early) = P(D1 ≤ a), a prefix sum.
 */
class TwoStageTables {
  private readonly first: Float64Array;
  /** secondAbove[k + n2 + 1] = P(D2 > k) for k = −n2 − 1..n2. */
  private readonly secondAbove: Float64Array;
  /** higherAbove[a + n1 + 1] = Σ_{d1 > a} P(D1 = d1) · P(D2 > b − d1), for the current boundary b. */
  private readonly higherAbove: Float64Array;
  /** stopAtMost[a + n1 + 1] = P(D1 ≤ a). */
  private readonly stopAtMost: Float64Array;
  private readonly n2: number;

  constructor(
    private readonly n: number,
    private readonly n1: number,
    rates: readonly number[],
  ) {
    this.n2 = n - n1;
    this.first = differencePmf(n1, rates[0]!, rates[1]!);
    const second = differencePmf(this.n2, rates[0]!, rates[1]!);
    this.secondAbove = new Float64Array(2 * this.n2 + 2);
    for (let k = this.n2 - 1; k >= -this.n2 - 1; k--)
      this.secondAbove[k + this.n2 + 1] = this.secondAbove[k + this.n2 + 2]! + second[k + 1 + this.n2]!;
    this.higherAbove = new Float64Array(2 * n1 + 2);
    this.stopAtMost = new Float64Array(2 * n1 + 2);
    for (let a = -n1; a <= n1; a++) this.stopAtMost[a + n1 + 1] = this.stopAtMost[a + n1]! + this.first[a + n1]!;
  }

  private above(k: number): number {
    if (k < -this.n2 - 1) return 1;
    if (k >= this.n2) return 0;
    return this.secondAbove[k + this.n2 + 1]!;
  }

  setBoundary(boundary: number): void {
    const { n1 } = this;
    this.higherAbove[2 * n1 + 1] = 0;
    for (let a = n1 - 1; a >= -n1 - 1; a--) {
      const d1 = a + 1;
      this.higherAbove[a + n1 + 1] = this.higherAbove[a + n1 + 2]! + this.first[d1 + n1]! * this.above(boundary - d1);
    }
  }

  /** P(select the lower dose) with interim boundary a (a < −n1: never stop). */
  selectLower(a: number): number {
    const index = Math.max(-this.n1 - 1, a) + this.n1 + 1;
    return 1 - this.higherAbove[index]!;
  }

  expectedPerArm(a: number): number {
    const stop = a < -this.n1 ? 0 : this.stopAtMost[a + this.n1 + 1]!;
    return this.n1 + (1 - stop) * (this.n - this.n1);
  }
}

/**
 * The smallest number of patients per arm (and its boundary) that meets both wanted probabilities of
 * correct selection, or null if none does up to `maxPerArm`. The probability of keeping the lowest dose
 * rises with the boundary and every other one falls, so for each n the boundaries are scanned upwards
 * and the first that keeps the lowest dose often enough is the only candidate worth checking. As with
 * Simon's designs, feasibility is not monotone in n (binomial saw-tooth): a larger n can fail.
 *
 * With `interimFraction`, the two-stage design: for each n (interim at round(fraction·n) per arm) the
 * interim and final boundaries meeting both probabilities with the smallest expected size (the mean over
 * the two scenarios) are kept; the result is the design with the smallest such expected size over n
 * (ties: smaller n). The one-stage design is the two-stage design that never stops early, so this never
 * needs more patients on average than the one-stage design.
 */
export function roseDesign(input: RoseSearch): RoseResult | null {
  const search = checkRoseSearch(input);
  const { arms, maxPerArm, interimFraction } = search;
  if (interimFraction === undefined) {
    for (let n = 1; n <= maxPerArm; n++) {
      for (let boundary = 0; boundary <= n; boundary++) {
        const design: RoseDesign = { arms, perArm: n, boundary };
        const scenarios = evaluate(design, search);
        if (scenarios[0]!.correct < search.pcsEqual - 1e-12) continue;
        if (meets(scenarios, search)) return result(design, scenarios, search);
        break; // larger boundaries only lower the other probabilities
      }
    }
    return null;
  }
  let best: { design: RoseDesign; expected: number } | null = null;
  const [equalRates, betterRates] = roseScenarioRates(2, search.responseRate, search.difference) as [number[], number[]];
  for (let n = 2; n <= maxPerArm; n++) {
    const n1 = Math.min(n - 1, Math.max(1, Math.round(interimFraction * n)));
    if (best && n1 >= best.expected) break; // every design from here on treats at least n1 per arm
    const equal = new TwoStageTables(n, n1, equalRates);
    const better = new TwoStageTables(n, n1, betterRates);
    for (let boundary = 0; boundary <= n; boundary++) {
      equal.setBoundary(boundary);
      better.setBoundary(boundary);
      // interimBoundary = −n1 − 1 never stops: the one-stage design. Raising the interim boundary stops
      // (selecting the lower dose) more often, which helps the equal scenario and hurts the better one.
      for (let interimBoundary = -n1 - 1; interimBoundary <= n1; interimBoundary++) {
        if (equal.selectLower(interimBoundary) < search.pcsEqual - 1e-12) continue;
        if (1 - better.selectLower(interimBoundary) < search.pcsBetter - 1e-12) break;
        const expected = (equal.expectedPerArm(interimBoundary) + better.expectedPerArm(interimBoundary)) / 2;
        if (!best || expected < best.expected - 1e-12) {
          const design: RoseDesign =
            interimBoundary < -n1 ? { arms: 2, perArm: n, boundary } : { arms: 2, perArm: n, boundary, interimPerArm: n1, interimBoundary };
          best = { design, expected };
        }
      }
    }
  }
  return best ? result(best.design, evaluate(best.design, search), search) : null;
}

export interface RoseDecision {
  /** "continue": the interim is not reached or not decisive yet; "select": the chosen dose is final. */
  action: "continue" | "select";
  /** 1-based arm selected, when action is "select". */
  selected: number | null;
  stage: "interim" | "final" | "enrolling";
  reasons: string[];
}

/**
 * The ROSE decision for `responses` among `patients` per arm (lowest dose first); patients still
 * awaiting their response assessment must not be counted. The analysis is due when the arms hold
 * `perArm` patients each in total (or `interimPerArm` at the interim). Allocation in conduct can leave
 * arms a few patients apart, so the rule compares response rates: the lowest dose whose rate is within
 * `boundary / perArm` of the best — with equal arms, exactly the rule on counts.
 */
export function roseDecision(
  design: RoseDesign,
  responses: readonly number[],
  patients: readonly number[],
  armNames?: readonly string[],
): RoseDecision {
  const issues = checkRoseDesign(design);
  if (responses.length !== design.arms) issues.push({ path: "responses", value: responses, message: `must have ${design.arms} entries` });
  if (patients.length !== design.arms) issues.push({ path: "patients", value: patients, message: `must have ${design.arms} entries` });
  const capacity = design.arms * design.perArm;
  patients.forEach((n, arm) => {
    if (!(Number.isInteger(n) && n >= 0 && n <= capacity))
      issues.push({ path: `patients.${arm}`, value: n, message: `must be an integer in 0..${capacity} (arms × perArm)` });
    const y = responses[arm];
    if (!(Number.isInteger(y) && y! >= 0 && y! <= n))
      issues.push({ path: `responses.${arm}`, value: y, message: `must be an integer in 0..${n} (patients)` });
  });
  const total = patients.reduce((a, b) => a + b, 0);
  if (issues.length === 0 && total > capacity)
    issues.push({ path: "patients", value: patients, message: `must total at most ${capacity} (arms × perArm)` });
  if (issues.length > 0) throw new ValidationError(issues, "ROSE decision");
  const name = (arm: number) => armNames?.[arm] ?? `dose ${arm + 1}`;
  const tally = responses.map((y, arm) => `${name(arm)} ${y}/${patients[arm]}`).join(", ");
  const { arms, perArm, boundary, interimPerArm, interimBoundary } = design;
  const rates = responses.map((y, arm) => (patients[arm]! > 0 ? y / patients[arm]! : 0));
  const equal = patients.every((n) => n === patients[0]);
  if (total === capacity) {
    const arm = equal ? roseSelectedArm(responses, boundary) : selectedByRate(rates, boundary / perArm);
    const within = equal ? `${boundary} response${boundary === 1 ? "" : "s"}` : `a response rate of ${formatRate(boundary / perArm)}`;
    const reason =
      arm === 0
        ? `Responses ${tally}: no higher dose exceeds ${name(0)} by more than ${within}; select ${name(0)}, the lowest dose.`
        : `Responses ${tally}: ${name(arm)} is the lowest dose within ${within} of the best, and every lower dose falls short by more; select ${name(arm)}.`;
    return { action: "select", selected: arm + 1, stage: "final", reasons: [reason] };
  }
  if (interimPerArm !== undefined && interimBoundary !== undefined && total === arms * interimPerArm) {
    const gain = equal ? responses[1]! - responses[0]! : (rates[1]! - rates[0]!) * interimPerArm;
    const gainText = equal
      ? `${gain}`
      : `${formatRate(rates[1]! - rates[0]!)} in rate (${formatRate(gain)} responses per ${interimPerArm})`;
    if (gain <= interimBoundary + 1e-9)
      return {
        action: "select",
        selected: 1,
        stage: "interim",
        reasons: [
          `Interim, ${interimPerArm} per arm: responses ${tally}; ${name(1)} exceeds ${name(0)} by ${gainText} (at most ${interimBoundary}): select ${name(0)} early.`,
        ],
      };
    return {
      action: "continue",
      selected: null,
      stage: "interim",
      reasons: [
        `Interim, ${interimPerArm} per arm: responses ${tally}; ${name(1)} exceeds ${name(0)} by ${gainText} (more than ${interimBoundary}): continue to ${perArm} per arm.`,
      ],
    };
  }
  const due = interimPerArm !== undefined && total < arms * interimPerArm ? arms * interimPerArm : capacity;
  return {
    action: "continue",
    selected: null,
    stage: "enrolling",
    reasons: [`Responses ${tally}; the analysis is due at ${due} patients assessed (${total} so far).`],
  };
}

function selectedByRate(rates: readonly number[], margin: number): number {
  const best = Math.max(...rates);
  const arm = rates.findIndex((rate) => best - rate <= margin + 1e-9);
  return arm < 0 ? rates.length - 1 : arm;
}

const formatRate = (x: number) => x.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
