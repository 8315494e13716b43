// Knowing when catch is listening, without a protocol for it: its capture is an AF_PACKET socket,
// which appears in /proc/net/packet (this network namespace) once libpcap has opened it; we look
// for one whose inode is among the child's open file descriptors.
import * as fs from 'fs';

function packetInodes(): Set<string> {
  const s = new Set<string>();
  try {
    for (const line of fs.readFileSync('/proc/net/packet', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 9) s.add(f[8]);
    }
  } catch { /* no procfs: the caller falls back to its timeout */ }
  return s;
}

/** true once process pid holds an AF_PACKET socket. */
export function hasPacketSocket(pid: number): boolean {
  const inodes = packetInodes();
  let fds: string[];
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return false; }
  for (const fd of fds) {
    let link: string;
    try { link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1])) return true;
  }
  return false;
}

/** Resolves true when pid has its capture socket, false after timeoutMs or when alive() turns false. */
export async function waitForCapture(pid: number, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && alive()) {
    if (hasPacketSocket(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
