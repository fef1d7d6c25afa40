export { type LogisticFit, logisticFit, type PowerModel, powerModel, studentTQuantile } from "./exposure.js";
export { type CompartmentModel, concentration, disposition, type Infusion, terminalHalfLife } from "./models.js";
export { LAMBDA_Z_TOLERANCE, type LambdaZ, type NcaInput, type NcaResult, nonCompartmental, terminalRate } from "./nca.js";
