// A FIFO of targets in parallel typed arrays, so a contiguous run goes to the native sender as
// subarray views (no copying, no object per target). `tag` is the record's index i for new
// targets, or the due time (ms) for retries; `left` is how many more attempts remain. IPv6
// targets are marked 6 in `families` with their address in `addrs6` (16 bytes at 16 * slot);
// both arrays exist only once an IPv6 target was pushed, so an IPv4 run carries neither.
export class TargetRing {
  ips: Uint32Array;
  ports: Uint16Array;
  slots: Uint8Array;
  left: Uint8Array;
  tag: Float64Array;
  families: Uint8Array | null = null;
  addrs6: Uint8Array | null = null;
  head = 0;
  count = 0;

  constructor(public capacity: number, private maxCapacity = capacity) {
    this.ips = new Uint32Array(capacity);
    this.ports = new Uint16Array(capacity);
    this.slots = new Uint8Array(capacity);
    this.left = new Uint8Array(capacity);
    this.tag = new Float64Array(capacity);
  }

  get full(): boolean { return this.count >= this.capacity && this.capacity >= this.maxCapacity; }

  /** Appends one IPv4 target; false when the ring is at its maximum size. */
  push(ip: number, port: number, slot: number, left: number, tag: number): boolean {
    const k = this.slotFor();
    if (k < 0) return false;
    this.ips[k] = ip; this.ports[k] = port; this.slots[k] = slot; this.left[k] = left; this.tag[k] = tag;
    if (this.families) this.families[k] = 4;
    this.count++;
    return true;
  }

  /** Appends one IPv6 target, its address the 16 bytes of addr from off. */
  push6(addr: Uint8Array, off: number, port: number, slot: number, left: number, tag: number): boolean {
    const k = this.slotFor();
    if (k < 0) return false;
    if (!this.families) {
      this.families = new Uint8Array(this.capacity).fill(4);
      this.addrs6 = new Uint8Array(16 * this.capacity);
    }
    this.families[k] = 6;
    this.addrs6!.set(addr.subarray(off, off + 16), 16 * k);
    this.ips[k] = 0; this.ports[k] = port; this.slots[k] = slot; this.left[k] = left; this.tag[k] = tag;
    this.count++;
    return true;
  }

  /**
   * Appends entries from..to of a walk batch (TargetWalk.fill's arrays; ports the TCP ports,
   * slots by port) as far as there is room, with typed-array copies rather than a call per
   * target; how many were appended. Room is the ring's current capacity (it does not grow).
   */
  pushMany(fam: Uint8Array, ips: Uint32Array, a6: Uint8Array, ports: Uint32Array, slotOf: Uint8Array, idx: Float64Array,
    from: number, to: number, left: number, v6: boolean): number {
    const n = Math.min(to - from, this.capacity - this.count);
    if (n <= 0) return 0;
    if (v6 && !this.families) {
      this.families = new Uint8Array(this.capacity).fill(4);
      this.addrs6 = new Uint8Array(16 * this.capacity);
    }
    let at = (this.head + this.count) % this.capacity;
    for (let done = 0; done < n;) {
      const len = Math.min(n - done, this.capacity - at), a = from + done, b = a + len;
      this.ips.set(ips.subarray(a, b), at);
      this.ports.set(ports.subarray(a, b), at);   // port keys below 65536: the ports themselves
      for (let k = 0; k < len; k++) this.slots[at + k] = slotOf[ports[a + k]];
      this.left.fill(left, at, at + len);
      this.tag.set(idx.subarray(a, b), at);
      if (this.families) {
        this.families.set(fam.subarray(a, b), at);
        if (v6) {
          this.addrs6!.set(a6.subarray(16 * a, 16 * b), 16 * at);
          for (let k = 0; k < len; k++) if (fam[a + k] === 6) this.ips[at + k] = 0;   // as push6
        }
      }
      done += len;
      at = (at + len) % this.capacity;
    }
    this.count += n;
    return n;
  }

  /** Appends a copy of entry p of ring `from` (a retry), with its attempts left and tag. */
  pushFrom(from: TargetRing, p: number, left: number, tag: number): boolean {
    if (from.families && from.families[p] === 6) return this.push6(from.addrs6!, 16 * p, from.ports[p], from.slots[p], left, tag);
    return this.push(from.ips[p], from.ports[p], from.slots[p], left, tag);
  }

  /** How many entries from head can be read without wrapping. */
  contiguous(): number {
    return Math.min(this.count, this.capacity - this.head);
  }

  drop(n: number): void {
    this.head = (this.head + n) % this.capacity;
    this.count -= n;
    if (this.count === 0) this.head = 0;
  }

  // Where the next entry goes, growing the ring up to its maximum; -1 when full.
  private slotFor(): number {
    if (this.count >= this.capacity) {
      if (this.capacity >= this.maxCapacity) return -1;
      this.grow();
    }
    return (this.head + this.count) % this.capacity;
  }

  private grow(): void {
    const cap = Math.min(this.maxCapacity, this.capacity * 2);
    const first = Math.min(this.count, this.capacity - this.head);
    // Entries are `w` elements wide (addrs6: 16 bytes each).
    const move = <T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, b: T, w = 1): T => {
      b.set(a.subarray(w * this.head, w * (this.head + first)), 0);
      b.set(a.subarray(0, w * (this.count - first)), w * first);
      return b;
    };
    this.ips = move(this.ips, new Uint32Array(cap));
    this.ports = move(this.ports, new Uint16Array(cap));
    this.slots = move(this.slots, new Uint8Array(cap));
    this.left = move(this.left, new Uint8Array(cap));
    this.tag = move(this.tag, new Float64Array(cap));
    if (this.families) {
      this.families = move(this.families, new Uint8Array(cap).fill(4));
      this.addrs6 = move(this.addrs6!, new Uint8Array(16 * cap), 16);
    }
    this.head = 0;
    this.capacity = cap;
  }
}
