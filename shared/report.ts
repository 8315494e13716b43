// Diagnostics on stderr, always prefixed "trawl <cmd>: " so a pipeline's messages say who spoke.
// Every message goes through printable(): a message that quotes hostile input (an NDJSON line,
// a range file, a banner field, JSON.parse's own excerpt) cannot drive the terminal.
import type { Writable } from 'stream';
import { printable } from './quote';

export interface Reporter {
  cmd: string;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
}

export function reporter(cmd: string, stderr: Writable): Reporter {
  const say = (msg: string) => { stderr.write(`trawl ${cmd}: ${printable(msg)}\n`); };
  return {
    cmd,
    error: say,
    warn: (msg) => say(`warning: ${msg}`),
    info: say,
  };
}
