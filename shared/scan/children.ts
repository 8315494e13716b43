// scan's pipeline stages: child processes of this same trawl binary, joined by pipes, with their
// exit codes collected in pipeline order.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable, Writable } from 'stream';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK } from '../exit';
import { NODE_FLAGS } from '../node-flags';

export const MAIN = path.join(__dirname, '..', 'main.js');

export function commandAvailable(name: string): boolean {
  return fs.existsSync(path.join(__dirname, '..', '..', 'cmds', `${name}.js`));
}

export interface Stage { name: string; child: ChildProcess; exit: Promise<number> }

export interface StageOptions {
  env?: Record<string, string>;   // added to ours
  label?: string;                 // who it is in a message ("trawl scan: catch", the default)
}

/** Set in a stage's environment: the pid of the scan that started it. */
export const PARENT_ENV = 'TRAWL_SCAN_PID';

/** Starts `trawl name ...args`; stderr goes to err (their messages already say "trawl name:"),
 *  stdout to a pipe (child.stdout) or to the file descriptor given (then child.stdout is null).
 *  A stdin stream (the previous stage's stdout) is handed over as a file descriptor, so the data
 *  flows from child to child without passing through scan (a hop that cost 15% of the send rate
 *  when targets fed blast through scan's event loop). */
export function startStage(name: string, args: string[], err: Writable, stdin: 'pipe' | 'ignore' | number | Readable = 'ignore',
  stdout: 'pipe' | number = 'pipe', opts: StageOptions = {}): Stage {
  // Each stage in a process group of its own: a terminal's Ctrl-C (SIGINT to the whole
  // foreground group) reaches scan alone, which stops the stages in pipeline order so every
  // record reaches the output (when each stage got it at once, fmt stopped reading before catch
  // flushed, and a second SIGINT from scan killed blast before its resume line). A stage ends
  // itself when scan is gone (watchParent), so no SYNs go out after a kill -9 of scan.
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN, name, ...args], {
    stdio: [stdin, stdout, 'pipe'], detached: true, env: { ...process.env, ...opts.env, [PARENT_ENV]: String(process.pid) },
  });
  // The child holds its own copy now; ours would keep the pipe open after the child exits.
  if (typeof stdin === 'object') stdin.destroy();
  child.stderr!.on('data', (d) => err.write(d));
  child.stdin?.on('error', () => { /* a stage that exits early closes its stdin: its exit code says why */ });
  const exit = new Promise<number>((resolve) => {
    child.on('error', () => resolve(EXIT_FAIL));
    child.on('close', (code, signal) => {
      if (code !== null) return resolve(code);
      if (signal === 'SIGINT' || signal === 'SIGTERM') return resolve(EXIT_INTERRUPTED);   // scan's own stop
      // Killed from outside (SIGKILL, the OOM killer): its output ended early, the scan failed.
      err.write(`${opts.label ?? `trawl scan: ${name}`} was killed by ${signal}\n`);
      resolve(EXIT_FAIL);
    });
  });
  return { name, child, exit };
}

/** In a stage: stop as on SIGTERM (flushing what was produced) once the scan that started it is
 *  gone, since a stage in its own process group gets no signal when scan dies. */
export function watchParent(): void {
  const parent = Number(process.env[PARENT_ENV]);
  if (!parent) return;
  const t = setInterval(() => {
    if (process.ppid !== parent) { clearInterval(t); process.kill(process.pid, 'SIGTERM'); }
  }, 500);
  t.unref();
}

/** The scan's exit code: 130 if interrupted, else the first failing stage's in pipeline order. */
export function pipelineCode(codes: number[], interrupted: boolean): number {
  if (interrupted) return EXIT_INTERRUPTED;
  for (const c of codes) if (c !== EXIT_OK) return c;
  return EXIT_OK;
}
