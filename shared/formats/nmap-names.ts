// Service names as nmap's readers expect them (xml, grepable, text): nmap's word for each trawl
// service, TLS as `ssl` with the inner service named and tunnel="ssl" where it is known, and the
// port's /etc/services name (method "table") for a port no banner identified; the scan's command
// line for their headers.
import type { FormatContext } from './types';
import type { PortEntry } from './group';
import { serviceName } from './services';
import { lookup } from '../records';

// trawl's service names where nmap-service-probes uses another word.
const NMAP_WORD: Record<string, string> = {
  tls: 'ssl', rdp: 'ms-wbt-server', smb: 'microsoft-ds', postgres: 'postgresql',
  // The UDP parsers' (nmap-service-probes' and nmap-services' names).
  dns: 'domain', netbios: 'netbios-ns', ssdp: 'upnp',
};

/** trawl's name for a service nmap's output names ("ssl" is tls; a tunnel ssl/http is tls too). */
export function fromNmapName(name: string, tunnel = false): string {
  if (tunnel) return 'tls';
  for (const k in NMAP_WORD) if (NMAP_WORD[k] === name) return k;
  return name;
}

// The service inside TLS, from the ALPN protocol the server chose...
const ALPN_INNER: Record<string, string> = { h2: 'http', 'http/1.1': 'http', 'http/1.0': 'http', imap: 'imap', pop3: 'pop3', ftp: 'ftp', smtp: 'smtp' };
// ...or from a port whose registered service is the TLS form of another (https = http over TLS).
const TLS_PORT_INNER: Record<string, string> = { https: 'http', imaps: 'imap', pop3s: 'pop3', ftps: 'ftp', submissions: 'smtp', smtps: 'smtp', ldaps: 'ldap', 'https-alt': 'http' };

export interface NmapService {
  name: string;          // '' when nothing names the port
  tunnel: boolean;       // tunnel="ssl"
  probed: boolean;       // a banner named it (method "probed"), else the port table did
}

export function nmapService(p: PortEntry): NmapService {
  const probed = Boolean(p.service || p.product);
  const svc = p.service && p.service !== 'unknown' ? p.service : '';
  if (!svc) return { name: serviceName(p.port, p.proto) || (probed ? 'unknown' : ''), tunnel: false, probed };
  // An HTTP response read inside TLS (the https probe): what nmap -sV calls http over an ssl tunnel.
  if (svc === 'https') return { name: 'http', tunnel: true, probed };
  const word = lookup(NMAP_WORD, svc) ?? svc;
  if (word !== 'ssl') return { name: word, tunnel: false, probed };
  const inner = (p.alpn && lookup(ALPN_INNER, p.alpn)) || lookup(TLS_PORT_INNER, serviceName(p.port, p.proto));
  return inner ? { name: inner, tunnel: true, probed } : { name: 'ssl', tunnel: false, probed };
}

/** The name as nmap's text and grepable output show it: "ssl/http" for a tunnel. */
export function nmapServiceText(s: NmapService): string {
  return s.tunnel ? `ssl/${s.name}` : s.name;
}

/** nmap's version column: "product version (info)". */
export function versionText(p: PortEntry): string {
  return [p.product, p.version, p.info ? `(${p.info})` : ''].filter(Boolean).join(' ');
}

/** The command line for headers: the scan's (from its record), else fmt's own. */
export function headerArgs(ctx: FormatContext): string {
  return ctx.run ? ctx.run.args : ctx.args;
}
