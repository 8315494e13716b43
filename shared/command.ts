// Wraps a command's body: parses its table and any -c FILE, prints --help or --echo, turns thrown
// errors into exit codes.
import { CommandInfo, Parsed, parseArgs, helpText } from './args';
import { applyConfig, echoConfig } from './config';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, FatalError, UsageError } from './exit';
import { IO, processIO } from './io';
import { reporter, Reporter } from './report';

export type Body = (opts: Parsed, io: IO, report: Reporter) => Promise<number>;

export async function runCommand(info: CommandInfo, argv: string[], io: IO = processIO(), body: Body): Promise<number> {
  const report = reporter(info.name, io.stderr);
  let opts: Parsed;
  try {
    opts = parseArgs(info, argv);
    if (opts.help) { io.stdout.write(helpText(info)); return EXIT_OK; }
    if (opts.conf?.length) opts = applyConfig(info, opts, opts.conf);
    if (opts.echo) { io.stdout.write(echoConfig(info, opts)); return EXIT_OK; }
  } catch (e) {
    if (e instanceof UsageError) { report.error(`${e.message}`); return EXIT_USAGE; }
    if (e instanceof FatalError) { report.error(e.message); return EXIT_FAIL; }
    throw e;
  }
  try {
    return await body(opts, io, report);
  } catch (e) {
    if (e instanceof UsageError) { report.error(e.message); return EXIT_USAGE; }
    if (e instanceof FatalError) { report.error(e.message); return EXIT_FAIL; }
    const err = e as NodeJS.ErrnoException;
    if (err && err.code === 'EPIPE') return EXIT_OK;
    // One message line per line of the trace: the reporter keeps each one printable.
    for (const l of `internal error: ${err && err.stack ? err.stack : String(e)}`.split('\n')) report.error(l);
    return EXIT_FAIL;
  }
}
