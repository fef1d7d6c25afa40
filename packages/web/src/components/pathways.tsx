import type { PathNode } from "@escalate/core";
import { ScrollRegion } from "./ui.js";

/** A decision in words: "escalate to 2.4 mg/kg", "stay at 1.2 mg/kg", "stop". */
export const decisionInWords = (action: string, dose: string | null) =>
  dose === null ? action : `${action === "stay" ? "stay at" : `${action} to`} ${dose}`;

/** A cohort's outcome in words: "2 DLTs of 3 at 2.4 mg/kg" (the pathway notation "2NTT" beneath, for statisticians). */
function outcomeWords(doseName: (level: number) => string, cohort: string): string {
  const level = Number.parseInt(cohort, 10);
  const patients = cohort.length - String(level).length;
  const dlts = [...cohort].filter((c) => c === "T").length;
  return `${dlts} DLT${dlts === 1 ? "" : "s"} of ${patients} at ${doseName(level)}`;
}

/**
 * Dose-transition pathways as a table a committee reads: each row one possible outcome of the next
 * cohort and the decision it would lead to, then the same for the cohort after.
 */
export function Pathways({ node, doseName }: { node: PathNode; doseName: (level: number) => string }) {
  const rows = node.children.flatMap((first) =>
    (first.children.length > 0 ? first.children : [null]).map((second, i) => ({
      first,
      second,
      span: i === 0 ? Math.max(1, first.children.length) : 0,
    })),
  );
  const decision = (n: PathNode) => (n.stop ? "stop" : decisionInWords(n.action, n.dose === null ? null : doseName(n.dose)));
  return (
    <ScrollRegion label="Dose-transition pathways">
      <table className="pathways">
        <thead>
          <tr>
            <th scope="col">Next cohort</th>
            <th scope="col">Then</th>
            <th scope="col">The cohort after</th>
            <th scope="col">Then</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ first, second, span }) => (
            <tr key={second?.outcomes ?? first.outcomes}>
              {span > 0 && (
                <>
                  <th scope="row" rowSpan={span}>
                    {outcomeWords(doseName, first.cohort!)}
                    <code className="field-code">{first.cohort}</code>
                  </th>
                  <td rowSpan={span}>{decision(first)}</td>
                </>
              )}
              <td>
                {second ? (
                  <>
                    {outcomeWords(doseName, second.cohort!)}
                    <code className="field-code">{second.cohort}</code>
                  </>
                ) : (
                  "—"
                )}
              </td>
              <td>{second ? decision(second) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
