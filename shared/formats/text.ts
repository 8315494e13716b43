// text: nmap's normal output (-oN), for people: per host a port table with state, service and
// version, and under a port its HTTP title and server and its TLS certificate, as nmap's scripts
// print them. Every string from a banner is made terminal-safe (controls as \xNN).
import type { AnyRecord } from '../records';
import type { FormatModule } from './types';
import { bannerBytes, escapeBytes } from './escape';
import { ctime } from './fields';
import { Grouper, HostGroup, HostTally, PortEntry, hostUp, sortedPorts, upReason } from './group';
import { headerArgs, nmapService, nmapServiceText, versionText } from './nmap-names';
import { VERSION } from '../version';

const HEX = '0123456789abcdef';

/** Text safe to print on a terminal: C0 and C1 controls and DEL as \xNN (no escape sequences). */
export function safe(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\\]/g, (c) => { const n = c.charCodeAt(0); return '\\x' + HEX[n >> 4] + HEX[n & 15]; });
}

/** An ISO date (YYYY-MM-DD) of microseconds since the epoch. */
export function isoDate(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The script-style lines nmap would print under a port: HTTP title and server, TLS certificate. */
export function portNotes(p: PortEntry): string[] {
  const out: string[] = [];
  let title: string | undefined, server: string | undefined, cert: string | undefined, raw: string | undefined;
  for (const b of p.banners ?? []) {
    const r = JSON.parse(b) as AnyRecord;
    title ??= str(r.http_title);
    server ??= str(r.http_server);
    if (!cert && (str(r.cert_subject) || str(r.cert_subject_cn))) {
      const parts = [`Subject: ${str(r.cert_subject) ?? `CN=${r.cert_subject_cn}`}`];
      if (str(r.cert_issuer)) parts.push(`Issuer: ${r.cert_issuer}`);
      if (str(r.cert_key_type)) parts.push(`Public Key type: ${r.cert_key_type}${typeof r.cert_key_bits === 'number' ? ` ${r.cert_key_bits} bits` : ''}`);
      if (typeof r.cert_not_after_us === 'number') parts.push(`Not valid after: ${isoDate(r.cert_not_after_us)}`);
      if (r.cert_self_signed === true || r.cert_self_issued === true) parts.push('self-signed');
      cert = parts.join('; ');
    }
    raw ??= typeof r.data === 'string' && r.data ? escapeBytes(bannerBytes(r)).slice(0, 100) : undefined;
  }
  if (title !== undefined) out.push(`http-title: ${safe(title)}`);
  if (server !== undefined) out.push(`http-server-header: ${safe(server)}`);
  if (cert !== undefined) out.push(`ssl-cert: ${safe(cert)}`);
  // A banner nothing else describes is shown as nmap's banner script shows it.
  if (out.length === 0 && !p.product && raw !== undefined) out.push(`banner: ${raw}`);
  return out.map((l, i) => (i === out.length - 1 ? '|_' : '| ') + l);
}

function serviceInfo(ports: PortEntry[]): string {
  const hosts = new Set<string>(), oses = new Set<string>(), devices = new Set<string>(), cpes = new Set<string>();
  for (const p of ports) {
    if (p.hostname) hosts.add(p.hostname);
    if (p.os) oses.add(p.os);
    if (p.device) devices.add(p.device);
    for (const c of p.cpe ?? []) if (/^cpe:\/[oh]:/.test(c)) cpes.add(c);
  }
  const parts: string[] = [];
  if (hosts.size) parts.push(`Host${hosts.size > 1 ? 's' : ''}: ${[...hosts].join(', ')}`);
  if (oses.size) parts.push(`OS${oses.size > 1 ? 's' : ''}: ${[...oses].join(', ')}`);
  if (devices.size) parts.push(`Device${devices.size > 1 ? 's' : ''}: ${[...devices].join(', ')}`);
  if (cpes.size) parts.push(`CPE: ${[...cpes].join(', ')}`);
  return parts.length ? `Service Info: ${safe(parts.join('; '))}\n` : '';
}

export function hostText(h: HostGroup): string {
  const ports = sortedPorts(h);
  const rows = ports.map((p) => [`${p.port}/${p.proto}`, p.state, safe(nmapServiceText(nmapService(p)) || 'unknown'), safe(versionText(p))]);
  const w = [0, 1, 2].map((i) => Math.max(['PORT', 'STATE', 'SERVICE'][i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `${r[0].padEnd(w[0])} ${r[1].padEnd(w[1])} ${r[3] ? r[2].padEnd(w[2]) + ' ' + r[3] : r[2]}`.trimEnd() + '\n';
  const withVersion = rows.some((r) => r[3]);
  const first = upReason(h, ports) ?? { reason: 'no-response', ttl: 0 };
  const a = h.alive;
  const latency = a?.rtt_us !== undefined ? ` (${(a.rtt_us / 1e6).toFixed(5)}s latency)` : '';
  let s = `Nmap scan report for ${h.ip}\n`;
  s += hostUp(h) ? `Host is up, received ${first.reason}${first.ttl ? ` ttl ${first.ttl}` : ''}${latency}.\n` : 'Host seems down (only routers answered).\n';
  if (a?.mac) s += `MAC Address: ${safe(a.mac.toUpperCase())}${a.vendor ? ` (${safe(a.vendor)})` : ''}\n`;
  // A host found by a ping alone (nmap -sn): no port table.
  if (!ports.length) return s + '\n';
  s += '\n' + line(['PORT', 'STATE', 'SERVICE', withVersion ? 'VERSION' : '']);
  ports.forEach((p, i) => {
    s += line(rows[i]);
    for (const n of portNotes(p)) s += n + '\n';
  });
  return s + serviceInfo(ports) + '\n';
}

export const text: FormatModule = {
  name: 'text',
  summary: "nmap's normal output: a port table per host, for people (the default on a terminal)",
  create(ctx) {
    const g = new Grouper(ctx.groupWindow);
    const t = new HostTally();
    return {
      header(first) {
        const note = ctx.run ? '' : ' (the input has no scan record: this is fmt\'s own command)';
        return `# trawl ${VERSION} scan initiated ${ctime(t.begin(first, ctx.run?.start_us))} as: ${safe(headerArgs(ctx))}${note}\n`;
      },
      record: (rec) => t.write(g.add(rec), hostText),
      *drain() { for (const h of g.drain()) yield t.write([h], hostText); },
      trailer(reason) {
        const note = reason === 'end' ? '' : ' (interrupted)';
        const text = `# trawl done at ${ctime(t.end)} -- ${t.summary()}${note}\n`;
        t.restart();
        return text;
      },
    };
  },
};
