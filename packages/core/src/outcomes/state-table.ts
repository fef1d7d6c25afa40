/**
 * A hash table from fixed-length Int32 tuples (encoded trial states) to a number: exact enumeration
 * merges paths that reach the same state with it, the decision graph numbers its states, and model-based
 * designs memoise their posterior per state. Entries are kept densely in insertion order (keys, values
 * and hashes in typed arrays, entry e's key at e × width); the open-addressing index holds only entry
 * numbers. So visiting every entry reads memory in order, growing re-indexes without moving keys, and
 * there are no per-entry objects or strings.
 */
export class StateTable {
  size = 0;
  /** Entry e's key is keys[e × width, (e + 1) × width). */
  keys: Int32Array;
  values: Float64Array;
  private hashes: Int32Array;
  /**
   * Open-addressing index, two integers per slot: entry number + 1 (0 for an empty slot) and the entry's
   * hash, so a probe reads one cache line and compares keys only when the hashes agree.
   */
  private slots: Int32Array;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.slots = new Int32Array(2 * capacity);
    this.keys = new Int32Array((capacity / 2) * width);
    this.values = new Float64Array(capacity / 2);
    this.hashes = new Int32Array(capacity / 2);
  }

  /** The entry number of `key`, or −1. */
  indexOf(key: Int32Array): number {
    return this.slots[2 * this.find(key, hashKey(key, 0, this.width))]! - 1;
  }

  /** The entry number of `key`, creating the entry (value 0) if needed; entries are numbered 0, 1, 2… in order of creation. */
  insert(key: Int32Array): number {
    const hash = hashKey(key, 0, this.width);
    let slot = this.find(key, hash);
    const known = this.slots[2 * slot]!;
    if (known > 0) return known - 1;
    if ((this.size + 1) * 4 > this.slots.length) {
      this.grow();
      slot = this.find(key, hash);
    }
    const entry = this.size++;
    const width = this.width;
    for (let i = 0; i < width; i++) this.keys[entry * width + i] = key[i]!;
    this.values[entry] = 0;
    this.hashes[entry] = hash;
    this.slots[2 * slot] = entry + 1;
    this.slots[2 * slot + 1] = hash;
    return entry;
  }

  /** Adds `value` to the entry for `key`, creating it (value 0) first if needed. */
  add(key: Int32Array, value: number): void {
    const entry = this.insert(key); // first: it may replace `values` as it grows
    this.values[entry]! += value;
  }

  /** The value stored for `key`, or `missing` when there is none. */
  get(key: Int32Array, missing = -1): number {
    const entry = this.indexOf(key);
    return entry >= 0 ? this.values[entry]! : missing;
  }

  /** Visits entries in insertion order (deterministic), copying each key into `key`. */
  forEach(key: Int32Array, visit: (value: number) => void): void {
    const width = this.width;
    for (let entry = 0; entry < this.size; entry++) {
      // Copied element by element: a subarray view per entry would allocate in the hottest loop.
      const base = entry * width;
      for (let j = 0; j < width; j++) key[j] = this.keys[base + j]!;
      visit(this.values[entry]!);
    }
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: Int32Array, hash: number): number {
    const width = this.width;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[2 * slot]! - 1;
      if (entry < 0) return slot;
      if (slots[2 * slot + 1] === hash) {
        const base = entry * width;
        let same = true;
        for (let i = 0; i < width; i++) {
          if (this.keys[base + i] !== key[i]) {
            same = false;
            break;
          }
        }
        if (same) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Doubles the index and the entry arrays; entries keep their numbers and their keys do not move. */
  private grow(): void {
    const capacity = this.slots.length; // the new number of slots: twice the old
    const slots = new Int32Array(2 * capacity);
    const mask = capacity - 1;
    for (let entry = 0; entry < this.size; entry++) {
      const hash = this.hashes[entry]!;
      let slot = hash & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = entry + 1;
      slots[2 * slot + 1] = hash;
    }
    this.slots = slots;
    const entries = capacity / 2;
    const keys = new Int32Array(entries * this.width);
    keys.set(this.keys);
    this.keys = keys;
    const values = new Float64Array(entries);
    values.set(this.values);
    this.values = values;
    const hashes = new Int32Array(entries);
    hashes.set(this.hashes);
    this.hashes = hashes;
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
    const row = this.table.indexOf(key);
    if (row < 0) return false;
    const width = this.width;
    for (let i = 0; i < width; i++) out[i] = this.rows[row * width + i]!;
    return true;
  }

  /** Stores `values` for the state last passed to `recall`. */
  remember(values: Float64Array): void {
    if (this.table.indexOf(this.key) >= 0) return;
    if (this.table.size >= this.capacity) this.table.clear();
    const row = this.table.insert(this.key); // entries are numbered in order: the row
    const width = this.width;
    if ((row + 1) * width > this.rows.length) {
      const grown = new Float64Array(Math.max(2 * this.rows.length, (row + 1) * width));
      grown.set(this.rows);
      this.rows = grown;
    }
    for (let i = 0; i < width; i++) this.rows[row * width + i] = values[i]!;
  }
}
