/**
 * An open-addressing hash table from fixed-length Int32 tuples (encoded trial states) to a number:
 * exact enumeration merges paths that reach the same state with it, and model-based designs memoise
 * their posterior per state. Keys live in one Int32Array; no per-entry objects or strings.
 */
export class StateTable {
  size = 0;
  private capacity: number;
  private keys: Int32Array;
  private used: Uint8Array;
  values: Float64Array;
  private order: Int32Array;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.keys = new Int32Array(this.capacity * width);
    this.used = new Uint8Array(this.capacity);
    this.values = new Float64Array(this.capacity);
    this.order = new Int32Array(this.capacity);
  }

  /** Adds `value` to the entry for `key`, creating it (value 0) first if needed. */
  add(key: Int32Array, value: number): void {
    if ((this.size + 1) * 2 > this.capacity) this.grow();
    const slot = this.find(key);
    if (this.used[slot] === 0) {
      this.used[slot] = 1;
      this.keys.set(key, slot * this.width);
      this.values[slot] = 0;
      this.order[this.size++] = slot;
    }
    this.values[slot]! += value;
  }

  /** The value stored for `key`, or `missing` when there is none. */
  get(key: Int32Array, missing = -1): number {
    const slot = this.find(key);
    return this.used[slot] === 1 ? this.values[slot]! : missing;
  }

  /** Visits entries in insertion order (deterministic), copying each key into `key`. */
  forEach(key: Int32Array, visit: (value: number) => void): void {
    const width = this.width;
    for (let i = 0; i < this.size; i++) {
      const slot = this.order[i]!;
      // Copied element by element: a subarray view per entry would allocate in the hottest loop.
      const base = slot * width;
      for (let j = 0; j < width; j++) key[j] = this.keys[base + j]!;
      visit(this.values[slot]!);
    }
  }

  clear(): void {
    this.used.fill(0);
    this.size = 0;
  }

  private find(key: Int32Array): number {
    const width = this.width;
    const mask = this.capacity - 1;
    let slot = hashKey(key, 0, width) & mask;
    for (;;) {
      if (this.used[slot] === 0) return slot;
      const base = slot * width;
      let same = true;
      for (let i = 0; i < width; i++) {
        if (this.keys[base + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldOrder = this.order;
    const width = this.width;
    this.capacity *= 2;
    this.keys = new Int32Array(this.capacity * width);
    this.used = new Uint8Array(this.capacity);
    this.values = new Float64Array(this.capacity);
    this.order = new Int32Array(this.capacity);
    // The keys are distinct: each goes to the first free slot of its probe, with no comparisons.
    const mask = this.capacity - 1;
    for (let i = 0; i < this.size; i++) {
      const from = oldOrder[i]! * width;
      let slot = hashKey(oldKeys, from, width) & mask;
      while (this.used[slot] === 1) slot = (slot + 1) & mask;
      this.used[slot] = 1;
      for (let j = 0; j < width; j++) this.keys[slot * width + j] = oldKeys[from + j]!;
      this.values[slot] = oldValues[oldOrder[i]!]!;
      this.order[i] = slot;
    }
  }
}

/** FNV-1a over the key's integers with a final avalanche (MurmurHash3's), so keys differing in a few low bits spread over the table instead of clustering into long probe runs. */
function hashKey(keys: Int32Array, from: number, width: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < width; i++) {
    h = Math.imul(h ^ keys[from + i]!, 0x01000193);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Rows of numbers memoised per dose-count state (patients and DLTs per dose): model-based designs keep
 * their posterior summaries here, because simulated trials revisit the same data often. A pure
 * function of the state is cached, so a hit returns exactly what recomputing would.
 */
export class StateMemo {
  private readonly table: StateTable;
  private readonly key: Int32Array;
  private rows = new Float64Array(0);

  constructor(
    readonly doseCount: number,
    /** Numbers stored per state. */
    readonly width: number,
    /** States kept before the memo starts afresh (bounds memory in long runs). */
    readonly capacity = 100_000,
  ) {
    this.table = new StateTable(2 * doseCount);
    this.key = new Int32Array(2 * doseCount);
  }

  /** Looks up the state; on a hit copies its row into `out` and returns true. */
  recall(patients: Int32Array, dlts: Int32Array, out: Float64Array): boolean {
    const key = this.key;
    for (let d = 0; d < this.doseCount; d++) {
      key[d] = patients[d]!;
      key[this.doseCount + d] = dlts[d]!;
    }
    const row = this.table.get(key);
    if (row < 0) return false;
    out.set(this.rows.subarray(row * this.width, (row + 1) * this.width));
    return true;
  }

  /** Stores `values` for the state last passed to `recall`. */
  remember(values: Float64Array): void {
    if (this.table.get(this.key) >= 0) return;
    if (this.table.size >= this.capacity) this.table.clear();
    const row = this.table.size;
    if ((row + 1) * this.width > this.rows.length) {
      const grown = new Float64Array(Math.max(2 * this.rows.length, (row + 1) * this.width));
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows.set(values.subarray(0, this.width), row * this.width);
    this.table.add(this.key, row);
  }
}
