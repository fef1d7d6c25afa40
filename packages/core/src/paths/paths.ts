import type { Action, Design } from "../designs/design.js";
import { formatOutcomes } from "../outcomes/notation.js";
import { ValidationError } from "../validation.js";

/** One node of the dose-transition pathways: the decision after a history. */
export interface PathNode {
  /** The full history at this node. */
  outcomes: string;
  /** The cohort that led here (e.g. "2NNT"); null at the root. */
  cohort: string | null;
  action: Action;
  /** 1-based next dose, null when stopping. */
  dose: number | null;
  stop: boolean;
  mtd: number | null;
  /** One child per possible number of DLTs in the next cohort (0, 1, …), absent at stops and the last level. */
  children: PathNode[];
}

export const MAX_PATH_NODES = 200_000;

/**
 * Dose-transition pathways (Yap et al. 2017): every outcome of the next `cohorts` cohorts from a
 * history. Within a cohort only the number of DLTs matters, so each node has cohortSize + 1 children,
 * written with the non-DLT patients first ("2NNT").
 */
export function dosePaths(design: Design, history: string, cohorts: number): PathNode {
  if (!Number.isInteger(cohorts) || cohorts < 1 || cohorts > 20) {
    throw new ValidationError([{ path: "cohorts", value: cohorts, message: "must be an integer in 1..20" }], "pathways");
  }
  const start = formatOutcomes(design.parseHistory(history));
  const size = design.spec.cohortSize;
  if ((size + 1) ** cohorts > MAX_PATH_NODES) {
    throw new ValidationError(
      [{ path: "cohorts", value: cohorts, message: `gives up to ${(size + 1) ** cohorts} paths; at most ${MAX_PATH_NODES} are listed` }],
      "pathways",
    );
  }
  const build = (outcomes: string, cohort: string | null, depth: number): PathNode => {
    const decision = design.decide(outcomes, { estimates: false });
    const node: PathNode = {
      outcomes,
      cohort,
      action: decision.action,
      dose: decision.dose,
      stop: decision.stop,
      mtd: decision.mtd,
      children: [],
    };
    if (decision.dose !== null && depth < cohorts) {
      const n = decision.cohortSize ?? size;
      for (let dlts = 0; dlts <= n; dlts++) {
        const next = `${decision.dose}${"N".repeat(n - dlts)}${"T".repeat(dlts)}`;
        node.children.push(build(outcomes === "" ? next : `${outcomes} ${next}`, next, depth + 1));
      }
    }
    return node;
  };
  return build(start, null, 0);
}
