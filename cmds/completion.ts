// trawl completion: prints the bash completion script, made from every command's option table.
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { commandNames, loadCommand } from '../shared/commands';
import { bashCompletion } from '../shared/completion';
import { EXIT_OK, UsageError } from '../shared/exit';
import { IO } from '../shared/io';

export const info: CommandInfo = {
  name: 'completion',
  summary: 'print the shell completion script (bash)',
  synopsis: '[bash]',
  operand: 'shell',
  options: [CONF_OPTION, ECHO_OPTION, HELP_OPTION],
};

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io) => {
    if (opts._.length > 1) throw new UsageError(`one SHELL at most, got ${opts._.length}`);
    const shell = opts._[0] ?? 'bash';
    if (shell !== 'bash') throw new UsageError(`no completion for '${shell}' (only bash)`);
    io.stdout.write(bashCompletion(commandNames().map((n) => loadCommand(n)!.info)));
    return EXIT_OK;
  });
}
