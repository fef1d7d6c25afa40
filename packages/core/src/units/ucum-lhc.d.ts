// The parts of the NLM's UCUM library (@lhncbc/ucum-lhc, untyped) that Escalate uses.
declare module "@lhncbc/ucum-lhc" {
  interface ConvertResult {
    status: "succeeded" | "failed" | "error";
    toVal: number | null;
    msg: string[];
  }
  interface ValidateResult {
    status: "valid" | "invalid" | "error";
    ucumCode: string | null;
    msg: string[];
  }
  interface UcumLhcUtils {
    convertUnitTo(
      from: string,
      value: number,
      to: string,
      options?: { suggest?: boolean; molecularWeight?: number | null; charge?: number | null },
    ): ConvertResult;
    validateUnitString(unit: string, suggest?: boolean): ValidateResult;
  }
  export const UcumLhcUtils: { getInstance(): UcumLhcUtils };
}
