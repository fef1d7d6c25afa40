import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { dosePaths, type PathNode } from "./paths.js";

const design = createDesign({ design: "boin", target: 0.3, doses: 5, cohorts: 10 });

function leaves(node: PathNode): PathNode[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leaves);
}

describe("dose-transition pathways", () => {
  it("lists one child per number of DLTs in the next cohort, non-DLT patients first", () => {
    const root = dosePaths(design, "", 1);
    expect(root).toMatchObject({ outcomes: "", cohort: null, dose: 1, action: "stay" });
    expect(root.children.map((child) => child.cohort)).toEqual(["1NNN", "1NNT", "1NTT", "1TTT"]);
    // BOIN at 3 patients: 0 DLTs escalate, 1 stays, 2 de-escalate (impossible at dose 1: stay), 3 eliminate → stop.
    expect(root.children.map((child) => child.dose)).toEqual([2, 1, 1, null]);
  });

  it("agrees with decide() at every node and grows to (cohort size + 1)^k leaves unless a path stops", () => {
    const root = dosePaths(design, "1NNN", 3);
    const all: PathNode[] = [];
    const walk = (node: PathNode) => {
      all.push(node);
      node.children.forEach(walk);
    };
    walk(root);
    for (const node of all) {
      const decision = design.decide(node.outcomes);
      expect({ dose: node.dose, stop: node.stop, mtd: node.mtd, action: node.action }).toEqual({
        dose: decision.dose,
        stop: decision.stop,
        mtd: decision.mtd,
        action: decision.action,
      });
      if (!node.stop && node.outcomes.split(" ").length < 4) expect(node.children).toHaveLength(4);
    }
    expect(leaves(root).length).toBeLessThanOrEqual(4 ** 3);
    expect(leaves(root).every((leaf) => leaf.outcomes.startsWith("1NNN"))).toBe(true);
  });

  it("rejects a depth that would list too many paths, naming the field", () => {
    expect(() => dosePaths(design, "", 0)).toThrow(/cohorts: 0 .*1..20/);
    expect(() => dosePaths(design, "", 12)).toThrow(/cohorts: 12 .*at most 200000 are listed/);
  });
});
