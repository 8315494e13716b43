// Keeping the kernel out of the connections a scan makes from an address the kernel owns.
//
// A SYN-ACK to one of the kernel's addresses, for a connection it did not open, is answered with
// an RST (RFC 793: seq from the segment's ack, no ACK flag) before the server sends its banner.
// For scan --banners without --source-ip, scan installs an nftables table of its own for the
// run: its output chain drops exactly those RSTs, from our address and source ports with RST set
// and ACK clear. blast's own packets leave through an AF_PACKET socket and never reach the
// output hook, and a local application's abort (RST with ACK) is let through. The table is
// named after scan's pid, deleted at the end (Ctrl-C and SIGTERM included), and tables left by
// a scan that was killed outright are deleted by the next one.
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import type { Sources } from '../source-ip';
import type { PortRange } from '../source-port';

const PREFIX = 'trawl_scan_';

export interface KernelRstRule {
  table: string;
  /** The RSTs dropped so far (the rule's counter), or null when it cannot be read. */
  dropped(): number | null;
  remove(): void;
}

function nft(script: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8' });
  if (r.error) return { ok: false, out: '', err: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'nft is not installed' : r.error.message };
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

/** The nft script that adds the table (also printed for users who cannot run it themselves). */
export function ruleScript(table: string, sources: Sources, ports: PortRange): string {
  const range = ports.count === 1 ? `${ports.base}` : `${ports.base}-${ports.base + ports.count - 1}`;
  const rules = [
    ...(sources.v4 ? [`ip saddr ${sources.v4}`] : []),
    ...(sources.v6 ? [`ip6 saddr ${sources.v6}`] : []),
  ].map((from) => `add rule inet ${table} out ${from} tcp sport ${range} tcp flags & (rst | ack) == rst counter drop`);
  return [`add table inet ${table}`, `add chain inet ${table} out { type filter hook output priority 0; policy accept; }`, ...rules].join('\n') + '\n';
}

/** Deletes the tables of scans whose process is gone (killed before they could clean up). */
function removeStale(): void {
  const r = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
  if (r.status !== 0) return;
  for (const m of r.stdout.matchAll(new RegExp(`^table inet (${PREFIX}(\\d+))$`, 'gm'))) {
    if (!fs.existsSync(`/proc/${m[2]}`)) nft(`delete table inet ${m[1]}\n`);
  }
}

/** Installs the rule; an error message (what nft said) when it cannot. */
export function installKernelRstRule(sources: Sources, ports: PortRange): KernelRstRule | string {
  removeStale();
  const table = `${PREFIX}${process.pid}`;
  nft(`delete table inet ${table}\n`);   // a table of a recycled pid
  const r = nft(ruleScript(table, sources, ports));
  if (!r.ok) return r.err || 'nft failed';
  let removed = false;
  return {
    table,
    dropped() {
      const l = spawnSync('nft', ['list', 'table', 'inet', table], { encoding: 'utf8' });
      if (l.status !== 0) return null;
      return [...l.stdout.matchAll(/counter packets (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    },
    remove() {
      if (removed) return;
      removed = true;
      nft(`delete table inet ${table}\n`);
    },
  };
}
