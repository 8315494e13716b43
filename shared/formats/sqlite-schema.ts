// The tables of fmt -o sqlite (trawl-fmt(1) documents them): a table per record type with the
// service fields as columns and banner bytes as blobs, certificates once per fingerprint, and a
// scans table, so several scans live in one file. Read by the writer, the sink and merge.

/** Columns per table: [column, record key]; every other key of a record goes to `extra` (JSON). */
const COMMON: [string, string][] = [['ip', 'ip'], ['port', 'port'], ['proto', 'proto'], ['sport', 'sport'], ['ttl', 'ttl'], ['time_us', 'time_us']];
export const TABLES: Record<string, [string, string][]> = {
  open: [...COMMON, ['window', 'window'], ['ipid', 'ipid'], ['mss', 'mss'], ['wscale', 'wscale'], ['sack_ok', 'sack_ok'], ['tsval', 'tsval'], ['options', 'options'], ['zero_window', 'zero_window'], ['validated', 'validated']],
  closed: [...COMMON, ['window', 'window'], ['ipid', 'ipid'], ['validated', 'validated']],
  unreachable: [...COMMON, ['from_ip', 'from'], ['icmp_type', 'icmp_type'], ['icmp_code', 'icmp_code'], ['validated', 'validated']],
  banner: [...COMMON, ['probe', 'probe'], ['flags', 'flags'], ['len', 'len'], ['truncated', 'truncated'], ['data', 'data'],
    ['service', 'service'], ['product', 'product'], ['version', 'version'], ['info', 'info'], ['os', 'os'], ['device', 'device'],
    ['hostname', 'hostname'], ['cpe', 'cpe'], ['cert_sha256', 'cert_sha256'], ['validated', 'validated']],
};

// Certificate fields kept in certs, by fingerprint, instead of on every banner.
export const CERT: [string, string][] = [['subject', 'cert_subject'], ['subject_cn', 'cert_subject_cn'], ['issuer', 'cert_issuer'],
  ['issuer_cn', 'cert_issuer_cn'], ['serial', 'cert_serial'], ['not_before_us', 'cert_not_before_us'], ['not_after_us', 'cert_not_after_us'],
  ['key_type', 'cert_key_type'], ['key_bits', 'cert_key_bits'], ['sans', 'cert_sans'], ['self_signed', 'cert_self_signed'], ['der', 'cert_der']];

export const INT = new Set(['port', 'sport', 'ttl', 'time_us', 'window', 'ipid', 'mss', 'wscale', 'tsval', 'icmp_type', 'icmp_code', 'len', 'not_before_us', 'not_after_us', 'key_bits']);
export const BOOL = new Set(['sack_ok', 'zero_window', 'validated', 'truncated', 'self_signed']);
export const BLOB = new Set(['data', 'der']);

const q = (c: string) => `"${c}"`;
const type = (c: string) => (INT.has(c) || BOOL.has(c) ? 'INTEGER' : BLOB.has(c) ? 'BLOB' : 'TEXT');

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, args TEXT, ports TEXT, nports INTEGER, seed TEXT,
    start_us INTEGER, end_us INTEGER, records INTEGER, formatted_by TEXT)`,
  ...Object.entries(TABLES).map(([t, cols]) =>
    `CREATE TABLE IF NOT EXISTS ${t} (scan_id INTEGER NOT NULL REFERENCES scans(id), ${cols.map(([c]) => `${q(c)} ${type(c)}`).join(', ')}, extra TEXT)`),
  `CREATE TABLE IF NOT EXISTS certs (sha256 TEXT PRIMARY KEY, ${CERT.map(([c]) => `${q(c)} ${type(c)}`).join(', ')}, first_scan_id INTEGER, first_seen_us INTEGER)`,
  'CREATE TABLE IF NOT EXISTS other (scan_id INTEGER NOT NULL REFERENCES scans(id), type TEXT, record TEXT)',
];

// (ip, port) finds a host and its ports; (port, scan_id) a service across scans or in one.
export const INDEXES = Object.keys(TABLES).flatMap((t) => [
  `CREATE INDEX IF NOT EXISTS ${t}_ip ON ${t}(ip, port)`, `CREATE INDEX IF NOT EXISTS ${t}_port ON ${t}(port, scan_id)`,
]).concat(['CREATE INDEX IF NOT EXISTS certs_not_after ON certs(not_after_us)']);
