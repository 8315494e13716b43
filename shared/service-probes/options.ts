// The --service-probes options of banners and scan: nmap's rules are applied by default when
// nmap's own file is installed (the summary says so), another file can be named, or none.
import * as fs from 'fs';
import type { OptionSpec } from '../args';

export const NMAP_PROBES_FILE = '/usr/share/nmap/nmap-service-probes';

export const SERVICE_PROBES_OPTIONS: OptionSpec[] = [
  { name: 'service-probes', type: 'string', arg: 'FILE',
    help: `apply nmap's match rules from FILE for product, version, info, os, device, cpe (default: ${NMAP_PROBES_FILE} when nmap is installed)` },
  { name: 'no-service-probes', type: 'boolean', help: "apply no nmap rules (trawl's parsers only; faster)" },
];

export interface ProbesChoice { file: string | null; implicit: boolean }

/** The rules file the options name: the given one, nmap's when installed, or none. */
export function probesFile(opts: Record<string, any>): ProbesChoice {
  if (opts['no-service-probes']) return { file: null, implicit: false };
  if (opts['service-probes'] !== undefined) return { file: opts['service-probes'], implicit: false };
  return fs.existsSync(NMAP_PROBES_FILE) ? { file: NMAP_PROBES_FILE, implicit: true } : { file: null, implicit: false };
}
