export { describeRules, type NormalizedRules, normalizeRules } from "./normalize.js";
export { RULE_TYPES, type RuleSpec, type RuleSpecInput, ruleSpec } from "./schema.js";
