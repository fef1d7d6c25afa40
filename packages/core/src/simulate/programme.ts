import type { Design } from "../designs/design.js";
import type { TrialState } from "../outcomes/trial-state.js";
import { createRandomizedOutcome, type RandomizedOutcome, randomizedDoses, simulateRandomizedStage } from "../rules/randomized.js";
import type { RandomStream } from "../stats/random.js";
import { recordProgramme } from "./accumulator.js";

/**
 * The randomized stage of a simulated programme, run after dose finding ends (by monte-carlo.ts and
 * calendar.ts): which doses are compared, their patients added to the trial's counts, and the final
 * selection recorded in the programme sums.
 */
export class ProgrammeStage {
  private readonly admissible: Uint8Array;
  readonly outcome: RandomizedOutcome = createRandomizedOutcome();
  /** The 0-based doses of the last stage run, or null when it was not run. */
  doses: number[] | null = null;

  constructor(
    private readonly design: Design,
    private readonly acc: Float64Array,
    private readonly offset: number,
  ) {
    this.admissible = new Uint8Array(design.doseCount);
  }

  /**
   * Runs the stage for a trial whose dose finding selected `selected` (−1: none) from `state`; adds its
   * patients and DLTs to `state`, records the programme, and returns the dose finally selected.
   */
  run(state: TrialState, selected: number, truth: Float64Array, efficacy: Float64Array, random: RandomStream): number {
    const stage = this.design.engine.rules.randomized!;
    this.design.engine.markAdmissible(state, this.admissible);
    const doses = randomizedDoses(stage, selected, this.admissible);
    this.doses = doses;
    if (doses === null) {
      recordProgramme(this.acc, this.offset, this.design.doseCount, selected, -1, false);
      return selected;
    }
    const out = this.outcome;
    simulateRandomizedStage(stage.rose, doses, truth, efficacy, random, out);
    let patients = 0;
    doses.forEach((dose, arm) => {
      state.patients[dose]! += out.patients[arm]!;
      state.dlts[dose]! += out.dlts[arm]!;
      patients += out.patients[arm]!;
    });
    const final = doses[out.selectedArm]!;
    recordProgramme(this.acc, this.offset, this.design.doseCount, final, patients, out.early);
    return final;
  }
}
