/**
 * A hash table from fixed-length Int32 tuples (encoded trial states) to a few numbers per entry: exact
 * enumeration merges paths that reach the same state with it (probability and path count), the decision
 * graph numbers its states, and model-based designs memoise their posterior per state. Entries are kept
 * densely in insertion order, each one record of its key and then its numbers, so merging into an entry
 * touches one record (not a key array and a value array apart), visiting every entry reads memory in
 * order, and growing re-indexes without moving records. The open-addressing index holds only entry
 * numbers, each with a few bits of its key's hash. No per-entry objects or strings.
 */
/** Entries per slot of the index at most (a power-of-two index times it is a whole number of entries). */
const MAX_LOAD = 0.75;

export class StateTable {
  size = 0;
  /** The records as integers: entry e's key is data[keyOffset(e), keyOffset(e) + width). */
  data: Int32Array;
  /**
   * The same records as Float64: entry e's number j is numbers[valueIndex(e, j)]. Both arrays are replaced
   * when `insert` grows the table: read them after it, never hold them across one.
   */
  numbers: Float64Array;
  /** Integers per record: the key, padded to a Float64 boundary when numbers follow, then the numbers. */
  readonly stride: number;
  private readonly numbersAt: number;
  /**
   * Open-addressing index, one integer per slot (see TAG below). Filled up to three quarters (MAX_LOAD)
   * before it doubles: with a hash tag in the slots, longer probes cost little, and a smaller index
   * misses the cache less.
   */
  private slots: Int32Array;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
    /** Float64 numbers per entry, each 0 when the entry is created. */
    readonly valuesPerEntry = 1,
    /**
     * Memory for the records, reused from an earlier table (its `data.buffer`; its contents do not
     * matter): records are written there until they outgrow it, so a table as large as the last one
     * allocates only its index.
     */
    records?: ArrayBufferLike,
  ) {
    const keyWords = valuesPerEntry > 0 ? width + (width & 1) : width;
    this.stride = keyWords + 2 * valuesPerEntry;
    this.numbersAt = keyWords >> 1;
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.slots = new Int32Array(capacity);
    const words = capacity * MAX_LOAD * this.stride;
    this.data = records !== undefined && records.byteLength >= 4 * words ? new Int32Array(records) : new Int32Array(words);
    this.numbers = new Float64Array(this.data.buffer);
  }

  keyOffset(entry: number): number {
    return entry * this.stride;
  }

  valueIndex(entry: number, value = 0): number {
    return entry * (this.stride >> 1) + this.numbersAt + value;
  }

  /** The entry number of `key`, or −1. */
  indexOf(key: Int32Array): number {
    return (this.slots[this.find(key, hashKey(key, this.width))]! & ENTRY) - 1;
  }

  /** The entry number of `key`, creating the entry (numbers 0) if needed; entries are numbered 0, 1, 2… in order of creation. */
  insert(key: Int32Array): number {
    const width = this.width;
    const hash = hashKey(key, width);
    let slot = this.find(key, hash);
    const known = this.slots[slot]!;
    if (known !== 0) return (known & ENTRY) - 1;
    if (this.size === MAX_ENTRIES) throw new RangeError(`a state table holds at most ${MAX_ENTRIES} entries`);
    if (this.size + 1 > this.slots.length * MAX_LOAD) {
      this.grow();
      slot = this.find(key, hash);
    }
    const entry = this.size++;
    const data = this.data;
    const base = entry * this.stride;
    for (let i = 0; i < width; i++) data[base + i] = key[i]!;
    const first = this.valueIndex(entry);
    for (let j = 0; j < this.valuesPerEntry; j++) this.numbers[first + j] = 0;
    this.slots[slot] = (hash & TAG) | (entry + 1);
    return entry;
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: Int32Array, hash: number): number {
    const width = this.width;
    const stride = this.stride;
    const slots = this.slots;
    const data = this.data;
    const mask = slots.length - 1;
    const tag = hash & TAG;
    let slot = hash & mask;
    for (;;) {
      const held = slots[slot]!;
      if (held === 0) return slot;
      if ((held & TAG) === tag) {
        const base = ((held & ENTRY) - 1) * stride;
        let same = true;
        for (let i = 0; i < width; i++) {
          if (data[base + i] !== key[i]) {
            same = false;
            break;
          }
        }
        if (same) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Doubles the index, and the records' memory if they outgrow it; entries keep their numbers and records do not move. */
  private grow(): void {
    const capacity = 2 * this.slots.length;
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let entry = 0; entry < this.size; entry++) {
      const hash = hashKey(this.data, this.width, entry * this.stride);
      let slot = hash & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = (hash & TAG) | (entry + 1);
    }
    this.slots = slots;
    const words = capacity * MAX_LOAD * this.stride;
    if (this.data.length >= words) return;
    const data = new Int32Array(words);
    data.set(this.data.subarray(0, this.size * this.stride));
    this.data = data;
    this.numbers = new Float64Array(data.buffer);
  }
}

/**
 * An index slot is one integer: the entry number + 1 in the low 25 bits (0: empty) and the top 7 bits of
 * the key's hash, so a probe compares a key only when those agree (1 in 128 otherwise). Four bytes per
 * slot rather than eight (with the whole hash) keep more of the index in cache: exact enumeration of
 * the 20-cohort BOIN is about 7% faster. Growing rehashes the keys from the records.
 */
const TAG = 0xfe000000 | 0;
const ENTRY = 0x01ffffff;
const MAX_ENTRIES = ENTRY - 1;

/**
 * FNV-1a over the key's integers with a final avalanche (MurmurHash3's), so keys differing in a few low
 * bits spread over the table instead of clustering into long probe runs. (A shift per integer as well
 * gave the same probe lengths and collisions on exact enumeration's states, at a few percent more time.)
 */
function hashKey(key: Int32Array, width: number, offset = 0): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < width; i++) {
    h = Math.imul(h ^ key[offset + i]!, 0x01000193);
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

  constructor(
    readonly doseCount: number,
    /** Numbers stored per state. */
    readonly width: number,
    /** States kept before the memo starts afresh (bounds memory in long runs). */
    readonly capacity = 100_000,
  ) {
    this.table = new StateTable(2 * doseCount, 1024, width);
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
    const first = this.table.valueIndex(row);
    const numbers = this.table.numbers;
    for (let i = 0; i < this.width; i++) out[i] = numbers[first + i]!;
    return true;
  }

  /** Stores `values` for the state last passed to `recall`. */
  remember(values: Float64Array): void {
    if (this.table.indexOf(this.key) >= 0) return;
    if (this.table.size >= this.capacity) this.table.clear();
    const row = this.table.insert(this.key);
    const first = this.table.valueIndex(row);
    const numbers = this.table.numbers;
    for (let i = 0; i < this.width; i++) numbers[first + i] = values[i]!;
  }
}
