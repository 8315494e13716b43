// scan's pipeline stages: child processes of this same trawl binary, joined by pipes, with their
// exit codes collected in pipeline order.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable, Writable } from 'stream';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK } from '../exit';

export const MAIN = path.join(__dirname, '..', 'main.js');

export function commandAvailable(name: string): boolean {
  return fs.existsSync(path.join(__dirname, '..', '..', 'cmds', `${name}.js`));
}

export interface Stage { name: string; child: ChildProcess; exit: Promise<number> }

/** Starts `trawl name ...args`; stderr goes to err (their messages already say "trawl name:").
 *  A stdin stream (the previous stage's stdout) is handed over as a file descriptor, so the data
 *  flows from child to child without passing through scan (a hop that cost 15% of the send rate
 *  when targets fed blast through scan's event loop). */
export function startStage(name: string, args: string[], err: Writable, stdin: 'pipe' | 'ignore' | Readable = 'ignore'): Stage {
  const child = spawn(process.execPath, [MAIN, name, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  // The child holds its own copy now; ours would keep the pipe open after the child exits.
  if (typeof stdin !== 'string') stdin.destroy();
  child.stderr!.on('data', (d) => err.write(d));
  child.stdin?.on('error', () => { /* a stage that exits early closes its stdin: its exit code says why */ });
  const exit = new Promise<number>((resolve) => {
    child.on('error', () => resolve(EXIT_FAIL));
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? EXIT_INTERRUPTED : EXIT_FAIL)));
  });
  return { name, child, exit };
}

/** The scan's exit code: 130 if interrupted, else the first failing stage's in pipeline order. */
export function pipelineCode(codes: number[], interrupted: boolean): number {
  if (interrupted) return EXIT_INTERRUPTED;
  for (const c of codes) if (c !== EXIT_OK) return c;
  return EXIT_OK;
}
