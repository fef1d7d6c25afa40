import type { Design } from "../designs/design.js";
import { createStep, type Step } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { decodeState, encodeState, type LastCohortReading, stateKeyWidth } from "../outcomes/state-key.js";
import { StateTable } from "../outcomes/state-table.js";
import { addCohort, type TrialState } from "../outcomes/trial-state.js";
import { binomialPmf } from "../stats/distributions.js";
import type { RandomStream } from "../stats/random.js";

/** Returned by `nodeOf` and `followOn` once the graph is full: the trial goes on with the engine. */
export const OUTSIDE = -3;
/** An edge not yet followed. */
const UNKNOWN = -2;
/** Returned by `walk` at an edge not yet followed. */
export const UNFOLLOWED = -4;

/**
 * A node's step in one integer: bits 0–7 the next dose + 1 (0 to stop), 8–15 the cohort size, 16–23
 * the MTD + 1 (0 for none), bit 24 set when the step starts the expansion cohort. Doses number at most
 * 100 (the spec's limit), cohorts fewer than 256 patients.
 */
function packStep(step: Step): number {
  return (step.dose + 1) | (step.cohortSize << 8) | ((step.mtd + 1) << 16) | (step.startsExpansion ? 1 << 24 : 0);
}
const doseOf = (packed: number) => (packed & 0xff) - 1;
const cohortSizeOf = (packed: number) => (packed >>> 8) & 0xff;
const mtdOf = (packed: number) => ((packed >>> 16) & 0xff) - 1;
const startsExpansion = (packed: number) => (packed & (1 << 24)) !== 0;

/**
 * A design's decisions memoised as a graph of trial states. A node is a state the simulation has
 * reached, holding the engine's step there (next dose and cohort size, or STOP and the MTD); its edges
 * lead, by the number of DLTs in that cohort, to the states that follow. A design whose decisions are a
 * function of the state alone (every design that can be enumerated exactly) gives the same step in the
 * same state, so a simulated trial walks the graph with two array reads per cohort, and the engine is
 * asked once per distinct state. The graph does not depend on the true DLT rates: one design's graph
 * serves every scenario and every block. Simulated trials revisit few states (10,000 trials of BOIN with
 * 20 cohorts of 3 take 126,000 steps through 18,000 states), so most steps are reads.
 *
 * Memory is bounded by `capacity` nodes; past it, trials that leave the graph are finished by the engine,
 * with the same results.
 */
export class DecisionGraph {
  /**
   * Per node, `stride` integers: its step (packStep), then per DLT count 0..cohort size the next node
   * (UNKNOWN until first followed). One small record, so a step reads one cache line.
   */
  nodes: Int32Array;
  readonly stride: number;
  /** The nodes' states, numbered as the nodes (entry e is node e): a walk keeps no state of its own. */
  private readonly table: StateTable;
  private readonly key: Int32Array;
  private readonly step: Step = createStep();
  private readonly lastCohort: LastCohortReading;
  /** Where the last walk stopped at an edge not yet followed. */
  private unfollowedNode = 0;
  private unfollowedDlts = 0;

  constructor(
    private readonly design: Design,
    readonly capacity = 1 << 18,
  ) {
    if (design.engine.cohortSize > 255) throw new Error("a decision graph holds cohorts of at most 255 patients");
    this.stride = 2 + design.engine.cohortSize;
    const width = stateKeyWidth(design.doseCount);
    this.table = new StateTable(width, Math.min(capacity, 1 << 14), 0);
    this.key = new Int32Array(width);
    this.lastCohort = design.lastCohortReading;
    const initial = Math.min(capacity, 1024);
    this.nodes = new Int32Array(initial * this.stride);
  }

  /** The node of `state`, asking the engine for its step the first time; OUTSIDE when the graph is full. */
  nodeOf(state: TrialState): number {
    encodeState(state, this.key, this.lastCohort);
    const known = this.table.indexOf(this.key);
    if (known >= 0) return known;
    if (this.size >= this.capacity) return OUTSIDE;
    if (this.size * this.stride === this.nodes.length) this.grow();
    const node = this.table.insert(this.key); // entries are numbered in order: the node's number
    const step = this.step;
    this.design.engine.step(state, step);
    if (step.cohortSize + 2 > this.stride) throw new Error(`a cohort of ${step.cohortSize} exceeds the design's cohort size`);
    const at = node * this.stride;
    this.nodes[at] = packStep(step);
    this.nodes.fill(UNKNOWN, at + 1, at + this.stride);
    return node;
  }

  /**
   * Walks a trial from `node`, drawing each cohort's DLTs from `random`, to the node where it stops, or
   * to an edge not yet followed: then returns UNFOLLOWED, and `followOn` takes the trial across it. The
   * loop calls nothing that builds the graph, so the code the JIT makes of it while the graph grows
   * stays as tight as once it has grown.
   */
  walk(node: number, sampler: CohortDltSampler, random: RandomStream): number {
    const stride = this.stride;
    const nodes = this.nodes;
    const stop = STOP; // a local: an imported binding is read from its module at every use
    for (;;) {
      const at = node * stride;
      const step = nodes[at]!;
      const dose = (step & 0xff) - 1; // doseOf, inlined by hand like the next two
      if (dose === stop) return node;
      const dlts = sampler.draw(dose, (step >>> 8) & 0xff, random.nextUniform());
      const next = nodes[at + 1 + dlts]!;
      if (next < 0) {
        this.unfollowedNode = node;
        this.unfollowedDlts = dlts;
        return UNFOLLOWED;
      }
      node = next;
    }
  }

  /**
   * Takes the trial whose walk returned UNFOLLOWED across that edge: leaves the next state in `state`
   * and returns its node, or OUTSIDE when the graph is full (then `state` is where the engine goes on).
   */
  followOn(state: TrialState): number {
    const node = this.unfollowedNode;
    const dlts = this.unfollowedDlts;
    this.stateOf(node, state);
    const at = node * this.stride;
    const step = this.nodes[at]!;
    if (startsExpansion(step)) state.expansionDose = doseOf(step);
    addCohort(state, doseOf(step), cohortSizeOf(step), dlts);
    const next = this.nodeOf(state);
    if (next !== OUTSIDE) this.nodes[at + 1 + dlts] = next;
    return next;
  }

  /** Nodes so far (the table's entries). */
  get size(): number {
    return this.table.size;
  }

  /** The MTD selected at a node where the trial stops (−1 for none). */
  mtdAt(node: number): number {
    return mtdOf(this.nodes[node * this.stride]!);
  }

  /** Writes the state of `node` into `state`. */
  stateOf(node: number, state: TrialState): void {
    decodeState(this.table.data, state, this.table.keyOffset(node));
  }

  private grow(): void {
    const count = Math.min(this.capacity, 2 * this.size);
    const nodes = new Int32Array(count * this.stride);
    nodes.set(this.nodes);
    this.nodes = nodes;
  }
}

const graphs = new WeakMap<Design, DecisionGraph>();

/** The design's graph, built as its simulations go and kept while the design lives. */
export function decisionGraphOf(design: Design): DecisionGraph {
  let graph = graphs.get(design);
  if (!graph) {
    graph = new DecisionGraph(design);
    graphs.set(design, graph);
  }
  return graph;
}

/**
 * The number of DLTs in a cohort, drawn from one uniform by the inverse of the binomial distribution
 * function: cumulative probabilities per dose and cohort size are computed once per scenario.
 */
export class CohortDltSampler {
  private readonly cdf: Float64Array;
  private readonly stride: number;

  constructor(
    truth: Float64Array,
    readonly maxCohortSize: number,
  ) {
    this.stride = maxCohortSize + 1;
    this.cdf = new Float64Array(truth.length * this.stride * this.stride);
    for (let dose = 0; dose < truth.length; dose++) {
      for (let size = 1; size <= maxCohortSize; size++) {
        const base = (dose * this.stride + size) * this.stride;
        let cumulative = 0;
        for (let k = 0; k < size; k++) {
          cumulative += binomialPmf(k, size, truth[dose]!);
          this.cdf[base + k] = cumulative;
        }
      }
    }
  }

  /** DLTs among `size` patients at `dose`, for a uniform `u` in [0, 1): the least k with u < P(X ≤ k). */
  draw(dose: number, size: number, u: number): number {
    const base = (dose * this.stride + size) * this.stride;
    let k = 0;
    while (k < size && u >= this.cdf[base + k]!) k++;
    return k;
  }
}
