// A stage's stderr, split into lines: its status records (--status-ndjson) go to a callback that
// may keep them, every other line goes on whole to the real stderr.
import { Writable } from 'stream';

/** take(rec) returns true when it consumed the status record; false passes it on. */
export function statusTap(err: Writable, take: (rec: Record<string, number>) => boolean, prefix = ''): Writable {
  let rest = '';
  const line = (l: string) => {
    if (l.startsWith('{"type":"status"')) {
      try { if (take(JSON.parse(l))) return; } catch { /* not ours after all: pass it on */ }
    }
    err.write(`${prefix}${l}\n`);
  };
  return new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) line(p);
      cb();
    },
    final: (cb) => { if (rest) line(rest); cb(); },
  });
}
