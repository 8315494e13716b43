// The command registry: every cmds/<name>.js is a command; main dispatches through it and
// `trawl completion` reads every command's option table from it.
import * as fs from 'fs';
import * as path from 'path';
import type { CommandInfo } from './args';
import type { IO } from './io';

export interface CommandModule { info: CommandInfo; run(argv: string[], io?: IO): Promise<number> }

const cmdDir = path.join(__dirname, '..', 'cmds');

export function commandNames(): string[] {
  return fs.readdirSync(cmdDir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
}

/** The command's module, or null for a name that is no command. */
export function loadCommand(name: string): CommandModule | null {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !commandNames().includes(name)) return null;
  return require(path.join(cmdDir, name)) as CommandModule;
}
