// trawl key: writes a new 128-bit cookie key that blast and catch share.
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_OK, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { formatKey, newKey, writeKeyFile } from '../shared/key';

export const info: CommandInfo = {
  name: 'key',
  summary: 'write a new secret key for the stateless cookies (mode 0600)',
  synopsis: '[--force] [FILE | -]',
  operand: 'file',
  options: [
    { name: 'force', short: 'f', type: 'boolean', help: 'replace FILE if it exists (a new file is put in its place)' },
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io) => {
    if (opts._.length > 1) throw new UsageError(`one FILE at most, got ${opts._.length}`);
    const key = newKey();
    if (opts._.length === 0 || opts._[0] === '-') { io.stdout.write(formatKey(key)); return EXIT_OK; }
    writeKeyFile(opts._[0], key, opts.force);
    return EXIT_OK;
  });
}
