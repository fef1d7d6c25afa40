export { canonicalTestCode, conversionFactor, convertValue, MOLAR_MASSES, type Reading, readUnit } from "./units.js";
