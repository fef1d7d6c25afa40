/**
 * Seeded pseudo-random numbers with independent, addressable streams.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 32-bit state words, so it runs at full speed on
 * JavaScript's 32-bit integer arithmetic. A stream is addressed by (seed, stream index): its state is
 * filled by SplitMix32-style hashing of both numbers, so trial i of a simulation always sees the same
 * numbers however the trials are split between threads. The state lives in one Uint32Array that
 * `reseed` overwrites in place, so a simulation reuses a single generator and allocates nothing per trial.
 * (pure-rand offers these generators too, but as immutable objects or with O(i) jumps to reach stream i.)
 */
export interface RandomStream {
  /** Uniform number in [0, 1) with 32 bits of resolution. */
  nextUniform(): number;
  /** Re-address this generator to stream `stream` of `seed`, in place. */
  reseed(seed: number, stream: number): void;
}

const TWO_POW_32 = 4294967296;

/** One round of a 32-bit integer hash (the finaliser of SplitMix32 / Murmur3-style mixing). */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A class, not closures: every generator shares one `nextUniform`, so the simulation loops that call
 * it stay monomorphic (and inlined) however many generators the blocks create.
 */
class Xoshiro128 implements RandomStream {
  private readonly s = new Uint32Array(4);
  /** The seed's part of the hash, kept: a simulation reseeds with one seed for every trial. */
  private seed = Number.NaN;
  private seedHash = 0;

  constructor(seed: number, stream: number) {
    this.reseed(seed, stream);
  }

  reseed(seedValue: number, streamIndex: number): void {
    const s = this.s;
    // Split both numbers into 32-bit halves so seeds and stream indices up to 2^53 stay distinct.
    if (seedValue !== this.seed) {
      const seedLo = seedValue >>> 0;
      const seedHi = Math.floor(seedValue / TWO_POW_32) >>> 0;
      this.seedHash = mix32(mix32(seedLo ^ 0x9e3779b9) ^ seedHi ^ 0x7f4a7c15);
      this.seed = seedValue;
    }
    const streamLo = streamIndex >>> 0;
    const streamHi = Math.floor(streamIndex / TWO_POW_32) >>> 0;
    let h = mix32(this.seedHash ^ streamLo ^ 0x632be5ab);
    h = mix32(h ^ streamHi ^ 0x1b873593);
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      s[i] = mix32(h);
    }
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1; // the all-zero state is a fixed point
  }

  nextUniform(): number {
    const s = this.s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const s2 = s[2]!;
    const s3 = s[3]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
    return result / TWO_POW_32;
  }
}

export function createRandom(seed: number, stream = 0): RandomStream {
  return new Xoshiro128(seed, stream);
}
