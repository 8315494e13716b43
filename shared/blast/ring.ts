// A FIFO of targets in parallel typed arrays, so a contiguous run goes to the native sender as
// subarray views (no copying, no object per target). `tag` is the record's index i for new
// targets, or the due time (ms) for retries; `left` is how many more attempts remain.
export class TargetRing {
  ips: Uint32Array;
  ports: Uint16Array;
  slots: Uint8Array;
  left: Uint8Array;
  tag: Float64Array;
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

  /** Appends one target; false when the ring is at its maximum size. */
  push(ip: number, port: number, slot: number, left: number, tag: number): boolean {
    if (this.count >= this.capacity) {
      if (this.capacity >= this.maxCapacity) return false;
      this.grow();
    }
    const k = (this.head + this.count) % this.capacity;
    this.ips[k] = ip; this.ports[k] = port; this.slots[k] = slot; this.left[k] = left; this.tag[k] = tag;
    this.count++;
    return true;
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

  private grow(): void {
    const cap = Math.min(this.maxCapacity, this.capacity * 2);
    const move = <T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, b: T): T => {
      const first = Math.min(this.count, this.capacity - this.head);
      b.set(a.subarray(this.head, this.head + first), 0);
      b.set(a.subarray(0, this.count - first), first);
      return b;
    };
    this.ips = move(this.ips, new Uint32Array(cap));
    this.ports = move(this.ports, new Uint16Array(cap));
    this.slots = move(this.slots, new Uint8Array(cap));
    this.left = move(this.left, new Uint8Array(cap));
    this.tag = move(this.tag, new Float64Array(cap));
    this.head = 0;
    this.capacity = cap;
  }
}
