// The one service schema (man/trawl.7): service, product, version, info, hostname, os, device and
// cpe (a list), filled from each parser's protocol fields and from nmap's match rules, with one
// precedence rule. Protocol fields stay under their own prefixes (ssh_software, http_server...).
import type { Fields } from './types';
import { UDP_DESCRIBE } from './service-udp';

export interface ServiceFields {
  product?: string;
  version?: string;
  info?: string;
  hostname?: string;
  os?: string;
  device?: string;
  cpe?: string[];
}

/** The schema's fields besides `service`, in the order records and man/trawl.7 list them. */
export const SERVICE_FIELDS = ['product', 'version', 'info', 'hostname', 'os', 'device', 'cpe'] as const;

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** "nginx/1.22.1", "OpenSSH_9.2p1", "Apache/2.4.57 (Debian)", "vsFTPd 3.0.3" as product, version, info. */
export function productVersion(text: string | undefined): ServiceFields {
  if (!text) return {};
  const m = /^([A-Za-z][\w.+-]*?)[/_ ]v?(\d[\w.+~:-]*)(?:\s+\(([^()]{1,80})\))?/.exec(text);
  if (!m) return { product: text.split(' ')[0] };
  return { product: m[1], version: m[2], ...(m[3] ? { info: m[3] } : {}) };
}

/**
 * What each parser's fields say in the schema, by parser name. Only what the protocol states:
 * a product and version the server announces, the host name it greets with, the OS it reports.
 */
export const DESCRIBE: Record<string, (f: Fields) => ServiceFields> = {
  ssh: (f) => ({ ...productVersion(s(f.ssh_software)), ...(s(f.ssh_version) ? { info: `protocol ${f.ssh_version}` } : {}) }),
  http: (f) => productVersion(s(f.http_server)),
  ftp: (f) => ({ ...productVersion(s(f.ftp_software)), ...(s(f.ftp_hostname) ? { hostname: s(f.ftp_hostname) } : {}) }),
  smtp: (f) => ({ ...productVersion(s(f.smtp_software)), ...(s(f.smtp_hostname) ? { hostname: s(f.smtp_hostname) } : {}) }),
  pop3: (f) => ({ ...productVersion(s(f.pop3_software)), ...(s(f.pop3_hostname) ? { hostname: s(f.pop3_hostname) } : {}) }),
  imap: (f) => ({ ...productVersion(s(f.imap_software)), ...(s(f.imap_hostname) ? { hostname: s(f.imap_hostname) } : {}) }),
  redis: (f) => (s(f.redis_version) ? { product: 'Redis', version: s(f.redis_version), ...(s(f.redis_os) ? { os: (f.redis_os as string).split(' ')[0] } : {}) } : {}),
  memcached: (f) => (s(f.memcached_version) ? { product: 'memcached', version: s(f.memcached_version) } : {}),
  mysql: (f) => (s(f.mysql_version) ? { product: f.mysql_mariadb === true ? 'MariaDB' : 'MySQL', version: s(f.mysql_version) } : {}),
  postgres: (f) => (f.postgres_protocol !== undefined || f.postgres_severity !== undefined ? { product: 'PostgreSQL', ...(s(f.postgres_version) ? { version: s(f.postgres_version) } : {}) } : {}),
  vnc: (f) => (s(f.vnc_version) ? { info: `protocol ${f.vnc_version}` } : {}),
  amqp: (f) => (s(f.amqp_product) ? { product: s(f.amqp_product), ...(s(f.amqp_product_version) ? { version: s(f.amqp_product_version) } : {}) } : {}),
  ...UDP_DESCRIBE,
};

// nmap's template fields as the matcher returns them, to the schema's names.
const NMAP_FIELD: Record<string, keyof ServiceFields> = {
  nmap_product: 'product', nmap_version: 'version', nmap_info: 'info', nmap_hostname: 'hostname', nmap_os: 'os', nmap_device: 'device',
};

/** The schema's fields of an nmap match, and the match without them (service, probe, line stay nmap_). */
export function fromNmap(m: Fields): { schema: ServiceFields; rest: Fields } {
  const schema: ServiceFields = {};
  const rest: Fields = {};
  for (const [k, v] of Object.entries(m)) {
    if (NMAP_FIELD[k]) (schema as Record<string, unknown>)[NMAP_FIELD[k]] = v;
    else if (k === 'nmap_cpe') schema.cpe = String(v).split(' ').filter(Boolean);
    else rest[k] = v;
  }
  return { schema, rest };
}

/**
 * The precedence rule. nmap's hard match wins for product, version and info together (a
 * product from one side never gets the other side's version): its rules are curated per product
 * and name versions and CPEs as nmap's tools and vulnerability databases expect, while the
 * parsers report what the protocol says verbatim (kept in their own fields, e.g. ssh_software).
 * hostname, os, device and cpe: nmap's where it has them, else the parser's. `service` is
 * decided elsewhere: the parser's name (it prefixes the protocol fields), nmap's only when no
 * parser knew the bytes.
 */
export function merge(parser: ServiceFields, nmap: ServiceFields | null): ServiceFields {
  if (!nmap) return parser;
  const nmapNames = nmap.product !== undefined || nmap.version !== undefined;
  const pick = nmapNames ? nmap : parser;
  const out: ServiceFields = {};
  if (pick.product !== undefined) out.product = pick.product;
  if (pick.version !== undefined) out.version = pick.version;
  if (pick.info !== undefined) out.info = pick.info;
  for (const k of ['hostname', 'os', 'device'] as const) { const v = nmap[k] ?? parser[k]; if (v !== undefined) out[k] = v; }
  const cpe = nmap.cpe?.length ? nmap.cpe : parser.cpe;
  if (cpe?.length) out.cpe = cpe;
  return out;
}
