export { describeRules, type NormalizedRules, normalizeRules } from "./normalize.js";
export type { RuleModule } from "./rule.js";
export { RULE_MODULES, RULE_TYPES, type RuleSpec, type RuleSpecInput, ruleSpec } from "./schema.js";
