import type { CalibrationResult } from "@escalate/core";
import { useRef, useState } from "react";
import { ErrorMessage, Field, ScrollRegion } from "../components/ui.js";
import { calibrateInBrowser } from "./simulation.js";

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Calibration by exact probability of correct selection, for designs that declare calibrated
 * parameters (the CRM: its skeleton's indifference half-width): run in a web worker; the best values
 * can be taken into the design, as the design file holds them.
 */
export function CalibrationPanel({
  spec,
  use,
}: {
  spec: Record<string, unknown>;
  /** Takes the calibrated fields (as the design file holds them) into the design. */
  use: (changes: Record<string, unknown>) => void;
}) {
  const [oddsRatio, setOddsRatio] = useState("2");
  const [running, setRunning] = useState<number | null>(null);
  const [result, setResult] = useState<CalibrationResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const start = async () => {
    setError(null);
    setResult(null);
    setRunning(0);
    abort.current = new AbortController();
    try {
      setResult(await calibrateInBrowser(spec, { oddsRatio: Number(oddsRatio) }, abort.current.signal, setRunning));
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === "AbortError"))
        setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setRunning(null);
    }
  };
  const names = result ? Object.keys(result.best.values) : [];
  return (
    <details className="calibration">
      <summary>Calibrate by probability of correct selection</summary>
      <p className="muted">
        Tries each half-width of the skeleton's indifference interval (Lee &amp; Cheung 2009) and keeps the one with the highest average
        probability of selecting the right dose, computed exactly, over scenarios where each dose in turn is the MTD.
      </p>
      <div className="row">
        <Field label="Odds ratio between neighbouring doses in the scenarios" hint="greater than 1, e.g. 2">
          <input inputMode="decimal" value={oddsRatio} onChange={(e) => setOddsRatio(e.target.value)} />
        </Field>
      </div>
      <div className="progress-row">
        <button type="button" onClick={start} disabled={running !== null}>
          Calibrate
        </button>
        {running !== null && (
          <>
            <progress max={1} value={running} aria-label="Calibration progress" />
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      {result && (
        <>
          <p>
            Best: {names.map((name) => `${name} ${result.best.values[name]}`).join(", ")}, average PCS{" "}
            <strong>{percent(result.best.averagePcs)}</strong>.{" "}
            {Object.keys(result.best.changes).length === 0 ? (
              "The design has it already."
            ) : (
              <button type="button" onClick={() => use(result.best.changes)}>
                Use it in the design
              </button>
            )}
          </p>
          <ScrollRegion label="Calibration">
            <table className="results-table calibration-table">
              <caption>Exact probability of correct selection by scenario (S1: the MTD is dose 1, …)</caption>
              <thead>
                <tr>
                  {names.map((name) => (
                    <th scope="col" key={name}>
                      {name}
                    </th>
                  ))}
                  <th scope="col">Average</th>
                  {result.scenarios.map((scenario, i) => (
                    <th scope="col" key={scenario.name} title={scenario.truth.map((p) => p.toFixed(3)).join(", ")}>
                      S{i + 1}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.candidates.map((candidate, i) => (
                  <tr key={names.map((name) => candidate.values[name]).join("/")} className={i === result.best.index ? "best" : undefined}>
                    {names.map((name) => (
                      <td key={name}>{candidate.values[name]}</td>
                    ))}
                    <td>{percent(candidate.averagePcs)}</td>
                    {candidate.pcs.map((pcs, s) => (
                      <td key={result.scenarios[s]!.name}>{percent(pcs)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </>
      )}
    </details>
  );
}
