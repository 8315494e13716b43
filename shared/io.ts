// The three streams a command talks to, injectable so tests can run commands in-process.
import type { Readable, Writable } from 'stream';

export interface IO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export function processIO(): IO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
