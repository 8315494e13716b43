// Diagnostics on stderr, always prefixed "trawl <cmd>: " so a pipeline's messages say who spoke.
import type { Writable } from 'stream';

export interface Reporter {
  cmd: string;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
}

export function reporter(cmd: string, stderr: Writable): Reporter {
  const say = (msg: string) => { stderr.write(`trawl ${cmd}: ${msg}\n`); };
  return {
    cmd,
    error: say,
    warn: (msg) => say(`warning: ${msg}`),
    info: say,
  };
}
