// masscan's -oL and -oG (and fmt's own list and grepable output, the same layouts) as trawl
// records, so scans in those files can be re-formatted, merged and loaded.
// -oL:  "open tcp 80 198.18.0.7 1700000000", "banner tcp 21 IP TIME SERVICE TEXT" (\xNN-escaped)
// -oG:  "[Timestamp: T<TAB>]Host: IP ()<TAB>Ports: 22/open/tcp//ssh//VERSION/, ...", and masscan's
//       "Host: IP ()<TAB>Port: 21<TAB>Service: ftp<TAB>Banner: TEXT"; "#" lines are headers.
import type { AnyRecord } from '../records';
import { unescapeBytes } from '../formats/escape';
import { fromNmapName } from '../formats/nmap-names';
import { base, banner, status } from './masscan';

export type LineHook = (line: string) => AnyRecord | AnyRecord[] | string | null;

/** A banner as masscan's adapter makes it, from \xNN-escaped text. */
function escapedBanner(ip: string, port: number, proto: string, svc: string, text: string, time: number | undefined): AnyRecord | string {
  return banner(base(ip, port, proto, ''), svc, unescapeBytes(text).toString('latin1'), undefined, time);
}

export function listLines(): LineHook {
  return (line) => {
    if (line.startsWith('#')) return null;
    const m = /^(open|closed) (\w+) (\d{1,5}) (\S+) (\d+)$/.exec(line);
    if (m) return status(base(m[4], Number(m[3]), m[2], ''), m[1], undefined, Number(m[5]) * 1e6);
    const b = /^banner (\w+) (\d{1,5}) (\S+) (\d+) (\S+) ?(.*)$/.exec(line);
    if (b) return escapedBanner(b[3], Number(b[2]), b[1], b[5], b[6], Number(b[4]) * 1e6);
    return 'not a masscan -oL line (open|closed|banner PROTO PORT IP TIME ...)';
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) text ("Thu Dec  3 16:27:30 2026") as microseconds, read as UTC as fmt writes it. */
export function ctimeUs(s: string): number | undefined {
  const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(s.trim());
  if (!m || !MONTHS.includes(m[1])) return undefined;
  return Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) * 1000;
}

/** A version column ("product version (info)") as service fields; grepable joins product and version. */
function versionFields(rec: AnyRecord, text: string): void {
  const m = /^(.*?)\s*\(([^()]*)\)$/.exec(text);
  const pv = m ? m[1] : text;
  if (pv) rec.product = pv;
  if (m && m[2]) rec.info = m[2];
}

// grepable field text back: '|' was '/', \xNN was a byte.
const ungrep = (s: string) => unescapeBytes(s.replace(/\|/g, '/')).toString('utf8');

export function grepableLines(): LineHook {
  let t: number | undefined;
  let scan: AnyRecord | null = null;   // from the header, sent with the first host line
  return (line) => {
    if (line.startsWith('#')) {
      const h = /^# (\S+) \S+ scan initiated (.+?)(?: as: (.*))?$/.exec(line);
      if (h) {
        t = ctimeUs(h[2]);
        // Our header over records without a scan record shows fmt's own command: not a scan.
        if (h[3] && !/^trawl fmt\b/.test(h[3])) scan = { type: 'scan', args: h[3], ...(t ? { time_us: t } : {}) };
      }
      const p = /^# Ports scanned: TCP\((\d+);([^)]*)\)/.exec(line);
      if (p && scan) { scan.ports = p[2]; scan.nports = Number(p[1]); }
      return null;
    }
    const f = new Map<string, string>();
    for (const part of line.split('\t')) {
      const c = part.indexOf(': ');
      if (c > 0) f.set(part.slice(0, c), part.slice(c + 2));
    }
    const host = /^(\S+) \(.*\)$/.exec(f.get('Host') ?? '');
    if (!host) return 'not a grepable line (Host: IP () and Ports:, Status: or Banner:)';
    const ip = host[1];
    const time = f.has('Timestamp') ? Number(f.get('Timestamp')) * 1e6 : t;
    const out: AnyRecord[] = [];
    if (scan) { out.push(scan); scan = null; }
    if (f.has('Banner')) {
      const r = escapedBanner(ip, Number(f.get('Port')), 'tcp', f.get('Service') ?? '', f.get('Banner')!, time);
      if (typeof r === 'string') return r;
      out.push(r);
    }
    for (const e of f.has('Ports') ? f.get('Ports')!.split(', ') : []) {
      const [port, state, proto, , name, , version] = e.split('/');
      if (!/^\d{1,5}$/.test(port ?? '') || version === undefined) return `bad port entry '${e.slice(0, 40)}' (port/state/proto//service//version/)`;
      if (state !== 'open' && state !== 'closed') continue;   // filtered: the line does not say who answered
      const r = status(base(ip, Number(port), proto, ''), state, undefined, time) as AnyRecord;
      out.push(r);
      if (version) {
        const svc = ungrep(name);
        const b: AnyRecord = { type: 'banner', ip, port: r.port, ...(r.proto ? { proto: r.proto } : {}), probe: null, data: '', len: 0,
          service: fromNmapName(svc.replace(/^ssl\//, ''), svc.startsWith('ssl/')), ...(time ? { time_us: time } : {}) };
        versionFields(b, ungrep(version));
        out.push(b);
      }
    }
    return out.length ? out : null;
  };
}
