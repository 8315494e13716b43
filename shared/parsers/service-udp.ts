// What the UDP parsers' fields say in the service schema (shared/parsers/service.ts DESCRIBE):
// only what the answer states, in the words nmap's own UDP rules use where they name the same
// thing (NTP "v4", "SNMPv1 server"), so the two sides read alike in -oX.
import type { Fields } from './types';
import type { ServiceFields } from './service';

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

// SNMP engine IDs (RFC 3411 5) start with the agent's IANA enterprise number, high bit set.
const SNMP_ENTERPRISES: Record<number, string> = { 8072: 'net-snmp', 9: 'Cisco SNMP service', 311: 'Microsoft SNMP service', 2021: 'ucd-snmp' };

/** version.bind's text as product and version: "unbound 1.17.1", "dnsmasq-2.89", "Knot DNS 3.2.6",
 *  "PowerDNS Recursor 4.8.4"; a bare version ("9.18.49-1~deb12u3-Debian", which BIND gives) is a
 *  version without a product (the answer does not name one). */
function dnsVersion(text: string | undefined): ServiceFields {
  if (!text) return {};
  if (/^\d/.test(text)) return { version: text.split(' ')[0] };
  const m = /^([A-Za-z][\w .]*?)[- ]v?(\d[\w.+~:-]*)/.exec(text);
  return m ? { product: m[1], version: m[2] } : { info: text };
}

/** UPnP's SERVER header (UDA 1.1 1.3.3: "OS/version UPnP/1.1 product/version"): the product is
 *  the last token, the OS the first. */
function ssdpServer(text: string | undefined): ServiceFields {
  if (!text) return {};
  const m = /^(.*?)[ ,]+UPnP\/[\d.]+[ ,]+(.+)$/i.exec(text);
  if (!m) return { info: text };
  const slash = m[2].lastIndexOf('/');
  const product = slash > 0 ? m[2].slice(0, slash) : m[2], version = slash > 0 ? m[2].slice(slash + 1) : '';
  const os = m[1].split('/')[0];
  return { product, ...(version ? { version } : {}), ...(os ? { os } : {}) };
}

function snmp(f: Fields): ServiceFields {
  const v = s(f.snmp_version);
  if (!v) return {};
  if (v === '3') {
    const id = s(f.snmp_engine_id);
    // 8 hex digits: the enterprise number with the format bit (0x80000000) set.
    const ent = id && id.length >= 8 && parseInt(id[0], 16) >= 8 ? parseInt(id.slice(0, 8), 16) - 0x80000000 : undefined;
    const product = ent !== undefined ? SNMP_ENTERPRISES[ent] : undefined;
    return { ...(product ? { product } : {}), info: 'SNMPv3 server' };
  }
  const out: ServiceFields = { product: `SNMPv${v} server` };
  const c = s(f.snmp_community);
  if (c) out.info = c;
  const descr = s(f.snmp_sys_descr);
  if (descr && /^(Linux|FreeBSD|OpenBSD|NetBSD|SunOS|Darwin) /.test(descr)) out.os = descr.split(' ')[0];
  else if (descr && /^Hardware:.*Software: Windows/.test(descr)) out.os = 'Windows';
  return out;
}

export const UDP_DESCRIBE: Record<string, (f: Fields) => ServiceFields> = {
  dns: (f) => dnsVersion(s(f.dns_version)),
  ntp: (f) => {
    if (typeof f.ntp_version !== 'number' || f.ntp_mode !== 'server') return {};
    const st = f.ntp_stratum;
    // leap 3 (alarm) or stratum 0/16: the server has no time to give yet.
    const info = f.ntp_leap === 3 || st === 0 || st === 16 ? 'unsynchronized' : st === 1 ? 'primary server' : typeof st === 'number' ? `stratum ${st}` : undefined;
    return { product: 'NTP', version: `v${f.ntp_version}`, ...(info ? { info } : {}) };
  },
  snmp,
  ssdp: (f) => ssdpServer(s(f.ssdp_server)),
  // The computer name only: info goes with a product and version (service.ts merge), which a
  // name table does not state.
  netbios: (f) => (s(f.netbios_name) ? { hostname: s(f.netbios_name) } : {}),
};
