// xml: nmap's -oX layout, valid against nmap.dtd (so nmap.xsl renders it and ndiff reads it).
// Hosts are grouped within --group-window (see group.ts); a port's banners become one
// <script id="banner">, as nmap's banner script writes one per port, their certificate and title
// its tables keyed as nmap's ssl-cert and http-title scripts (nmap-scripts.ts).
import type { AnyRecord } from '../records';
import type { FormatModule } from './types';
import { bannerBytes, escapeBytes, xmlEscape as x } from './escape';
import { ctime } from './fields';
import { Grouper, HostGroup, HostTally, hostUp, sortedPorts, PortEntry, upReason } from './group';
import { headerArgs, nmapService } from './nmap-names';
import { nmapTables } from './nmap-scripts';
import { VERSION } from '../version';
import { tcpPorts } from '../scan/record';


function service(p: PortEntry): string {
  const n = nmapService(p);
  if (!n.name) return '';
  let s = `<service name="${x(n.name)}"`;
  if (p.product) s += ` product="${x(p.product)}"`;
  if (p.version) s += ` version="${x(p.version)}"`;
  if (p.info) s += ` extrainfo="${x(p.info)}"`;
  if (n.tunnel) s += ' tunnel="ssl"';
  if (p.hostname) s += ` hostname="${x(p.hostname)}"`;
  if (p.os) s += ` ostype="${x(p.os)}"`;
  if (p.device) s += ` devicetype="${x(p.device)}"`;
  s += n.probed ? ' method="probed" conf="10"' : ' method="table" conf="3"';
  if (!p.cpe) return s + '/>';
  return s + '>' + p.cpe.map((c) => `<cpe>${x(c)}</cpe>`).join('') + '</service>';
}

/** The text of every banner of a port, one per line (each banner is one escaped line). */
export function bannerText(p: PortEntry): string {
  return (p.banners ?? []).map((b) => escapeBytes(bannerBytes(JSON.parse(b) as AnyRecord))).join('\n');
}

function port(p: PortEntry): string {
  let s = `<port protocol="${x(p.proto)}" portid="${p.port}"><state state="${p.state}" reason="${p.reason}" reason_ttl="${p.ttl}"`;
  if (p.reason_ip) s += ` reason_ip="${x(p.reason_ip)}"`;
  s += '/>' + service(p);
  if (p.banners?.length) {
    // Each banner's ssl-cert and http-title tables, once when banners repeat them.
    const tables = [...new Set(p.banners.map((b) => nmapTables(JSON.parse(b) as AnyRecord)))].join('');
    s += `<script id="banner" output="${x(bannerText(p))}"` + (tables ? `>${tables}</script>` : '/>');
  }
  return s + '</port>\n';
}

export function hostXml(h: HostGroup): string {
  const ports = sortedPorts(h);
  const up = hostUp(h);
  const first = upReason(h, ports) ?? { reason: 'no-response', ttl: 0 };
  const v6 = h.ip.includes(':');
  const a = h.alive;
  // A host found by a ping alone (nmap -sn) has no <ports>; an ARP/NDP answer gives its MAC.
  const mac = a?.mac ? `<address addr="${x(a.mac.toUpperCase())}" addrtype="mac"${a.vendor ? ` vendor="${x(a.vendor)}"` : ''}/>\n` : '';
  return `<host starttime="${Math.floor(h.first_us / 1e6)}" endtime="${Math.floor(h.last_us / 1e6)}">` +
    `<status state="${up ? 'up' : 'down'}" reason="${first.reason}" reason_ttl="${first.ttl}"/>\n` +
    `<address addr="${x(h.ip)}" addrtype="${v6 ? 'ipv6' : 'ipv4'}"/>\n${mac}<hostnames>\n</hostnames>\n` +
    (ports.length ? `<ports>${ports.map(port).join('')}</ports>\n` : '') +
    (a?.rtt_us !== undefined ? `<times srtt="${a.rtt_us}" rttvar="${a.rtt_us}" to="${Math.max(100000, 4 * a.rtt_us)}"/>\n` : '') +
    '</host>\n';
}

export const xml: FormatModule = {
  name: 'xml',
  summary: "nmap's -oX, valid against nmap.dtd",
  create(ctx) {
    const g = new Grouper(ctx.groupWindow);
    const t = new HostTally();
    return {
      header(first) {
        const start = t.begin(first, ctx.run?.start_us);
        const run = ctx.run;
        const tcp = tcpPorts(run?.ports ?? '');
        const note = run ? '' : '<!-- the input has no scan record: args are fmt\'s own and the scanned ports are unknown -->\n';
        return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n' +
          '<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>\n' +
          `<!-- trawl ${VERSION} fmt: nmap-style XML; scanner="nmap" because nmap.dtd allows no other -->\n` + note +
          `<nmaprun scanner="nmap" args="${x(headerArgs(ctx))}" start="${start}" startstr="${ctime(start)}" version="trawl-${VERSION}" xmloutputversion="1.05">\n` +
          // The TCP ports only; a scan with none (a ping or ARP sweep) has no scaninfo, as nmap -sn writes.
          (tcp.count || !run?.nports ? `<scaninfo type="syn" protocol="tcp" numservices="${tcp.count}" services="${x(tcp.list)}"/>\n` : '') +
          '<verbose level="0"/>\n<debugging level="0"/>\n';
      },
      record: (rec) => t.write(g.add(rec), hostXml),
      *drain() { for (const h of g.drain()) yield t.write([h], hostXml); },
      trailer(reason) {
        const end = t.end;
        const summary = `trawl done at ${ctime(end)}; ${t.summary()}`;
        const exit = reason === 'end' ? 'exit="success"' : 'exit="error" errormsg="interrupted"';
        const text = `<runstats><finished time="${end}" timestr="${ctime(end)}" summary="${x(summary)}" elapsed="${end - t.start}" ${exit}/>` +
          `<hosts up="${t.up}" down="${t.total - t.up}" total="${t.total}"/>\n</runstats>\n</nmaprun>\n`;
        t.restart();   // the next document (a rotated file) counts its own hosts
        return text;
      },
    };
  },
};
