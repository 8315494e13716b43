#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1 --max-inlined-bytecode-size-cumulative=300
// `trawl <command> [options]`: dispatches to cmds/<command>, which returns an exit code.
import { processIO, standardOutputError } from './io';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from './exit';
import { VERSION } from './version';
import { printable } from './quote';
import { watchParent } from './scan/children';
import { commandNames, loadCommand } from './commands';

function usage(): string {
  const names = commandNames(), w = Math.max(...names.map((n) => n.length)) + 2;
  const rows = names.map((n) => `  ${n.padEnd(w)}${loadCommand(n)!.info.summary}`);
  return `usage: trawl <command> [options]\n\ncommands:\n${rows.join('\n')}\n\n` +
    `trawl <command> --help lists a command's options; man trawl explains the pipeline.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { processIO().stdout.write(usage()); return name ? EXIT_OK : EXIT_USAGE; }
  if (name === '--version' || name === '-V') {
    processIO().stdout.write(VERSION + '\n');
    return EXIT_OK;
  }
  const mod = loadCommand(name);
  if (!mod) { process.stderr.write(`trawl: unknown command '${printable(name)}' (see trawl --help)\n`); return EXIT_USAGE; }
  return mod.run(rest);
}

// Exit once stdout has drained: a native capture handle or a stray timer must not keep a
// finished command alive, and a closed pipe (EPIPE) must not hang the exit either.
function exitWhenFlushed(code: number) {
  const out = processIO().stdout;
  // setImmediate: a failed write reports its error on a later tick; let it arrive first.
  const done = () => setImmediate(() => {
    // A write error outside the commands' writers (key, --help): EPIPE is the reader leaving
    // (| true), anything else (a full disk) makes a zero status 1.
    const err = standardOutputError();
    if (code === 0 && err && err.code !== 'EPIPE') {
      process.stderr.write(`trawl: cannot write standard output: ${printable(err.message)}\n`);
      code = 1;
    }
    process.exit(code);
  });
  if (out.writableLength === 0 || out.destroyed) { done(); return; }
  out.once('drain', done).once('error', done).once('close', done);
}

watchParent();
main(process.argv.slice(2)).then(exitWhenFlushed, (e) => {
  process.stderr.write(`trawl: internal error: ${printable(String(e && e.stack ? e.stack : e)).replace(/\\x0a/g, '\n')}\n`);
  exitWhenFlushed(EXIT_FAIL);
});
