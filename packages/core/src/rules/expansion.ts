import { z } from "zod";
import type { RuleModule } from "./rule.js";

export const expansionRule = z
  .object({
    type: z.literal("expansion"),
    /** Additional patients treated at the MTD once dose finding stops. */
    patients: z.number().int().min(1).max(10000),
  })
  .strict();

/** Applied when dose finding stops: the engine opens the expansion phase (designs/engine.ts). */
export const expansion: RuleModule<z.infer<typeof expansionRule>, typeof expansionRule> = {
  type: "expansion",
  schema: expansionRule,
  normalize(spec, into) {
    if (into.expansionPatients > 0)
      return [{ path: "rules", message: "only one expansion cohort may be given (counting the expansion key)" }];
    into.expansionPatients = spec.patients;
    return [];
  },
  describe: (rules) =>
    rules.expansionPatients > 0
      ? [`After dose finding, treat ${rules.expansionPatients} additional patients at the MTD (expansion cohort).`]
      : [],
};
