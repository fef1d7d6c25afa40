import { useEffect, useRef } from "react";

/** Single-view charts take the container's width, so they fit a phone as well as a desktop. */
function responsive(spec: Record<string, unknown>): Record<string, unknown> {
  const composite = ["facet", "hconcat", "vconcat", "concat", "repeat"].some((key) => key in spec);
  return composite || typeof spec.width !== "number"
    ? spec
    : { ...spec, width: "container", autosize: { type: "fit-x", contains: "padding" } };
}

/** A Vega-Lite chart (the same specifications as the reports), rendered as SVG, with a text alternative. */
export function VegaChart({ spec, title, description }: { spec: Record<string, unknown>; title: string; description: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!container.current) return;
    let finalize: (() => void) | undefined;
    let cancelled = false;
    const element = container.current;
    // Vega is loaded on first use, so pages without charts start faster. Its expressions are interpreted,
    // not compiled with eval, so the server's Content-Security-Policy needs no 'unsafe-eval'.
    Promise.all([import("vega-embed"), import("vega-interpreter")])
      .then(([{ default: embed }, { expressionInterpreter }]) =>
        embed(element, responsive(spec) as never, { actions: false, renderer: "svg", ast: true, expr: expressionInterpreter }),
      )
      .then((result) => {
        if (cancelled) result.finalize();
        else finalize = () => result.finalize();
      });
    return () => {
      cancelled = true;
      finalize?.();
    };
  }, [spec]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={description} className="chart-body" />
    </figure>
  );
}
