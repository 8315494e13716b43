// An insertion-ordered map used as a queue by age: touch() moves a key to the back with the clock
// value of that moment, so the front is always the entry left alone longest.
export class LruMap<V> {
  private m = new Map<string, { v: V; at: number }>();

  get size(): number { return this.m.size; }
  get(key: string): V | undefined { return this.m.get(key)?.v; }
  has(key: string): boolean { return this.m.has(key); }
  delete(key: string): boolean { return this.m.delete(key); }

  /** Sets or refreshes a key: it becomes the newest entry. */
  touch(key: string, v: V, at: number): void {
    this.m.delete(key);
    this.m.set(flatKey(key), { v, at });
  }

  /** The entry left alone longest, or undefined when empty. */
  oldest(): { key: string; v: V; at: number } | undefined {
    for (const [key, e] of this.m) return { key, v: e.v, at: e.at };
    return undefined;
  }

  keys(): IterableIterator<string> { return this.m.keys(); }
}

/**
 * key, flattened before a table keeps it. V8 builds a string joined from parts (`${ip}|${port}`)
 * as a rope of them, and a Map kept every rope whole: 243 bytes an entry of a Map<string, number>
 * with 20,000 keys like "198.18.3.7|6379|40007", 90 once flattened (node 20). Reading a character
 * makes V8 flatten the rope in place; a flat string is returned as it is.
 */
export function flatKey(key: string): string {
  key.charCodeAt(0);
  return key;
}
