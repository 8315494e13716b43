// A MAC's vendor from the IEEE OUI list (MA-L, 24-bit prefixes) of Debian's ieee-data package,
// read once, on first use, into a map of at most MAX_ENTRIES; a missing or unreadable list means
// no vendors (never an error: the package is optional).
//
// oui.csv:  Registry,Assignment,Organization Name,Organization Address
//           MA-L,005056,"VMware, Inc.",3401 Hillview Avenue PALO ALTO CA US 94304
// (RFC 4180 quoting: a quoted field may hold commas and "" for a quote.)
import * as fs from 'fs';

export const OUI_FILE = '/usr/share/ieee-data/oui.csv';
const MAX_BYTES = 64 << 20;       // the 2022 list is 3 MB
const MAX_ENTRIES = 1 << 17;      // it has about 33,000
const MAX_NAME = 120;

let table: Map<number, string> | null = null;
let tableFile = '';

/** The first three fields of one CSV line (fewer when the line has fewer). */
function fields3(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < 3 && i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { s += line.slice(i); i = line.length + 1; break; }
        s += line.slice(i, q);
        if (line[q + 1] === '"') { s += '"'; i = q + 2; continue; }
        i = q + 2;   // past the quote and the comma after it
        break;
      }
      out.push(s);
    } else {
      const c = line.indexOf(',', i);
      const e = c < 0 ? line.length : c;
      out.push(line.slice(i, e));
      i = e + 1;
    }
  }
  return out;
}

/** Parses oui.csv text into prefix (24 bits) -> organization name. */
export function parseOuiCsv(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('MA-L,')) continue;
    const f = fields3(line.replace(/\r$/, ''));
    if (f.length < 3 || !/^[0-9A-Fa-f]{6}$/.test(f[1])) continue;
    // Names are shown in XML and on terminals: printable text only, bounded.
    const name = f[2].replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, MAX_NAME);
    if (name && !m.has(parseInt(f[1], 16))) m.set(parseInt(f[1], 16), name);
    if (m.size >= MAX_ENTRIES) break;
  }
  return m;
}

/** The vendor of the MAC's first three bytes, or null (no list, no entry). file: tests. */
export function macVendor(mac: Uint8Array, file = OUI_FILE): string | null {
  if (table === null || tableFile !== file) {
    tableFile = file;
    table = new Map();
    try {
      if (fs.statSync(file).size <= MAX_BYTES) table = parseOuiCsv(fs.readFileSync(file, 'utf8'));
    } catch { /* no list: no vendors */ }
  }
  return table.get((mac[0] << 16) | (mac[1] << 8) | mac[2]) ?? null;
}
