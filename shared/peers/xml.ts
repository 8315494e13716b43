// nmap-style XML (masscan -oX, nmap -oX, fmt -o xml) as trawl records, one <host> element at a
// time: masscan writes a host per line, nmap and fmt over several lines, so lines are gathered
// up to </host> (bounded: a host longer than the line limit is an error). Ports become open and
// closed records; a probed <service>, masscan's banner attribute and the banner script become
// banner records with the service fields.
import type { AnyRecord } from '../records';
import { unescapeBytes, xmlUnescape } from '../formats/escape';
import { fromNmapName } from '../formats/nmap-names';
import type { LineHook } from './text';

function attrs(tag: string): Map<string, string> {
  const a = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) a.set(m[1], xmlUnescape(m[2]));
  return a;
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

const SERVICE_FIELDS: [string, string][] = [['product', 'product'], ['version', 'version'], ['extrainfo', 'info'],
  ['ostype', 'os'], ['devicetype', 'device'], ['hostname', 'hostname']];

function hostRecords(host: string): AnyRecord[] | string {
  const addr = /<address\b([^>]*)>/.exec(host);
  const ip = addr && attrs(addr[1]).get('addr');
  if (!ip) return '<host> without an <address addr=...>';
  const h = attrs(/<host\b([^>]*)>/.exec(host)?.[1] ?? '');
  const secs = num(h.get('endtime')) ?? num(h.get('starttime'));
  const time = secs !== undefined ? secs * 1e6 : undefined;
  const out: AnyRecord[] = [];
  for (const pm of host.matchAll(/<port\b([^>]*)>([\s\S]*?)<\/port>/g)) {
    const pa = attrs(pm[1]);
    const port = num(pa.get('portid'));
    if (port === undefined || port > 65535) return `bad portid "${pa.get('portid')}"`;
    const proto = pa.get('protocol') ?? 'tcp';
    const st = attrs(/<state\b([^>]*)>/.exec(pm[2])?.[1] ?? '');
    const state = st.get('state');
    const base = (type: string): AnyRecord => ({ type, ip, port, ...(proto !== 'tcp' ? { proto } : {}) });
    const ttl = num(st.get('reason_ttl'));
    // A banner's own port line (masscan: reason "response") is not a second SYN-ACK.
    if ((state === 'open' && st.get('reason') !== 'response') || state === 'closed') {
      out.push({ ...base(state), ...(ttl !== undefined ? { ttl } : {}), ...(time !== undefined ? { time_us: time } : {}) });
    }
    const svcTag = /<service\b([^>]*?)\/?>/.exec(pm[2]);
    const sv = attrs(svcTag?.[1] ?? '');
    const script = /<script\b[^>]*\bid="banner"[^>]*\boutput="([^"]*)"/.exec(pm[2]);
    const texts = sv.has('banner') ? [sv.get('banner')!] : script ? xmlUnescape(script[1]).split('\n') : [];
    const probed = sv.get('method') === 'probed' || sv.has('banner');
    if (!probed && texts.length === 0) continue;
    const fields: AnyRecord = { type: 'banner' };
    if (sv.has('name')) fields.service = fromNmapName(sv.get('name')!, sv.get('tunnel') === 'ssl');
    for (const [a, k] of SERVICE_FIELDS) if (sv.get(a)) fields[k] = sv.get(a);
    const cpe = [...pm[2].matchAll(/<cpe>([^<]*)<\/cpe>/g)].map((m) => xmlUnescape(m[1]));
    if (cpe.length) fields.cpe = cpe;
    for (const [i, text] of (texts.length ? texts : ['']).entries()) {
      const bytes = unescapeBytes(text);
      const b: AnyRecord = { ...base('banner'), ...(ttl !== undefined ? { ttl } : {}), probe: null, data: bytes.toString('base64'), len: bytes.length };
      if (i === 0) Object.assign(b, fields, { type: 'banner' });
      else if (fields.service) b.service = fields.service;
      if (time !== undefined) b.time_us = time;
      out.push(b);
    }
  }
  return out;
}

/** The line hook: null until a host is complete, then its records (the scan record first). */
export function xmlLines(maxHost: number): LineHook {
  let buf: string[] | null = null;
  let size = 0;
  let head = '';          // <nmaprun> and <scaninfo> text, until the first host
  let scanDone = false;
  const scan = (): AnyRecord[] => {
    scanDone = true;
    const run = attrs(/<nmaprun\b([^>]*)>/.exec(head)?.[1] ?? '');
    const info = attrs(/<scaninfo\b([^>]*)>/.exec(head)?.[1] ?? '');
    head = '';
    const args = run.get('args');
    // Our own XML over records without a scan record carries fmt's command: not a scan.
    if (!args || /^trawl fmt\b/.test(args)) return [];
    const start = num(run.get('start'));
    return [{ type: 'scan', args, ports: info.get('services') ?? '', nports: num(info.get('numservices')) ?? 0, ...(start !== undefined ? { time_us: start * 1e6 } : {}) }];
  };
  return (line) => {
    let rest = line;
    const out: AnyRecord[] = [];
    for (;;) {
      if (!buf) {
        const i = rest.indexOf('<host');
        if (i < 0 || !/^<host[\s>]/.test(rest.slice(i, i + 6))) {
          if (!scanDone && head.length < 65536) head += rest + '\n';
          return out.length ? out : null;
        }
        if (!scanDone) { head += rest.slice(0, i); out.push(...scan()); }
        buf = [];
        size = 0;
        rest = rest.slice(i);
      }
      const end = rest.indexOf('</host>');
      if (end < 0) {
        buf.push(rest);
        size += rest.length + 1;
        if (size > maxHost) { buf = null; return `a <host> element longer than ${maxHost} bytes`; }
        return out.length ? out : null;
      }
      buf.push(rest.slice(0, end));
      const recs = hostRecords(buf.join('\n'));
      buf = null;
      if (typeof recs === 'string') return recs;
      out.push(...recs);
      rest = rest.slice(end + 7);
    }
  };
}
