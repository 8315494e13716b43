// Every output format, by name: `fmt -o NAME` looks them up here, --help and the man page list them.
import type { FormatModule } from './types';
import { ndjson } from './ndjson';
import { list } from './list';
import { grepable } from './grepable';
import { xml } from './xml';
import { json } from './json';
import { csv } from './csv';
import { hosts } from './hosts';
import { certs } from './certs';
import { text } from './text';
import { report } from './report';
import { sqlite } from './sqlite';
import { live } from './live';

export const FORMATS: FormatModule[] = [ndjson, text, list, grepable, xml, json, csv, hosts, certs, report, sqlite, live];

export function findFormat(name: string): FormatModule | undefined {
  return FORMATS.find((f) => f.name === name);
}
