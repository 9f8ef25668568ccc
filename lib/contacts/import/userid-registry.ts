/**
 * Remembers the last row of every accepted userid, to report a userid that appears twice. A
 * million-row file means a million userids held to the end: as a Map<string, number> that is
 * about 70 MB and a third of the CPU time of reading a CSV. This keeps a 64-bit fingerprint of
 * each userid instead (two independent 32-bit hashes) in an open-addressing table of typed
 * arrays: 12 bytes a slot at most half full, so 48 MB for 2,000,000 rows. Two different userids
 * share a fingerprint with a probability of about n²/2⁶⁵ (3 in 100 million for a million rows),
 * and then the only effect is a "same userid" warning that names both rows, never a lost row.
 */
export class UseridRegistry {
  private capacity = 1 << 16;
  private count = 0;
  /** Three words a slot, side by side so one probe touches one cache line: hash A, hash B, row (0 = empty). */
  private slots = new Uint32Array(this.capacity * 3);

  get size(): number {
    return this.count;
  }

  /** Records `userid` at `rowNumber` (≥ 1); returns the row it was last seen on, if any. */
  remember(userid: string, rowNumber: number): number | undefined {
    fingerprint(userid);
    const a = hashA;
    const b = hashB;
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const row = slots[at + 2]!;
      if (row === 0) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = rowNumber;
        this.count++;
        return undefined;
      }
      if (slots[at] === a && slots[at + 1] === b) {
        slots[at + 2] = rowNumber;
        return row;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * 3);
    const mask = this.capacity - 1;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === 0) continue;
      let slot = old[at]! & mask;
      while (this.slots[slot * 3 + 2] !== 0) slot = (slot + 1) & mask;
      const to = slot * 3;
      this.slots[to] = old[at]!;
      this.slots[to + 1] = old[at + 1]!;
      this.slots[to + 2] = old[at + 2]!;
    }
  }
}

// The fingerprint's two halves, returned through module variables: no array per call.
let hashA = 0;
let hashB = 0;

/** FNV-1a and a Murmur-style multiply-rotate over UTF-16 units, each finished with Murmur3's fmix32. */
function fingerprint(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    b ^= Math.imul(k, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  hashA = fmix32(a) >>> 0;
  hashB = fmix32(b ^ text.length) >>> 0;
}

function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
