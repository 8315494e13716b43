// Is a file private to the user running trawl? As ssh asks of a private key: owned by us, and
// no access for group or others. The key file and the replies FIFO are checked this way, on
// the descriptor actually opened (fstat), so a path swapped after the check changes nothing.
import * as fs from 'fs';

/** "alice (uid 1000)", or "uid 1000" when the passwd file does not name it. */
export function userLabel(uid: number): string {
  const name = userName(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/** The name chown takes for uid: the user's name, else the number. */
export function chownName(uid: number): string {
  return userName(uid) ?? String(uid);
}

function userName(uid: number): string | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && f[2] !== '' && Number(f[2]) === uid) return f[0];
    }
  } catch { /* no passwd file: the number alone */ }
  return null;
}

/** The effective uid, whose files trawl trusts. */
export function myUid(): number {
  return process.geteuid ? process.geteuid() : 0;
}

export interface PrivacyFix {
  owner: string;    // what to do when another user owns it (commands, advice)
  mode: string;     // what to do when group or others have access
}

/** Why st is not private to us, ending in the fix in parentheses, or null when it is. */
export function notPrivate(st: fs.Stats, fix: PrivacyFix): string | null {
  const me = myUid();
  if (st.uid !== me) return `owned by ${userLabel(st.uid)}, not by you (${userLabel(me)}) (${fix.owner})`;
  if (st.mode & 0o077) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return `mode ${mode} gives group or others access (${fix.mode})`;
  }
  return null;
}

/** A system error's text without its code and syscall ("ENOSPC: no space left on device,
 *  write" -> "no space left on device"), for a message that names the file itself. */
export function errnoText(e: unknown): string {
  return (e as Error).message.replace(/^[A-Z]+: /, '').replace(/, [a-z]+( '.*')?( -> '.*')?$/, '');
}

/** A path quoted for a shell command in a message (plain paths stay as they are). */
export function shellQuote(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
