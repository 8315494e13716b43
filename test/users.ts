// Test helper: a throwaway unprivileged local user (useradd, removed by remove()), and commands
// run as it with setpriv, to play the other user of a shared machine.
import { spawnSync, SpawnSyncOptions } from 'child_process';
import { Result, TRAWL } from './helpers';

export interface User { name: string; uid: number; gid: number; remove(): void }

/** Creates a system user with its own group and no home; null when not root or useradd fails. */
export function makeUser(tag: string): User | null {
  if (process.getuid?.() !== 0) return null;
  const name = `trawl-${tag}-${process.pid}`.slice(0, 31);
  // Other test runs may hold the passwd lock for a moment: try a few times.
  for (let i = 0; i < 20; i++) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { encoding: 'utf8' });
    if (r.status === 0) break;
    if (r.status === 9) spawnSync('userdel', [name]);   // left over from a killed run
    spawnSync('sleep', ['0.2']);
  }
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u'), gid = id('-g');
  if (!(uid > 0)) return null;
  return {
    name, uid, gid,
    remove() {
      for (let i = 0; i < 20 && spawnSync('userdel', [name]).status !== 0; i++) spawnSync('sleep', ['0.2']);
    },
  };
}

/** Runs argv as the user (real and effective ids, its groups only). */
export function asUser(u: User, argv: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync('setpriv', ['--reuid', String(u.uid), '--regid', String(u.gid), '--init-groups', '--', ...argv],
    { encoding: 'utf8', ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `trawl ...args` as the user. */
export function trawlAs(u: User, args: string[], opts: SpawnSyncOptions = {}): Result {
  return asUser(u, [process.execPath, TRAWL, ...args], opts);
}
