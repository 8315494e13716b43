// A target's host name (the `name` field of a target record, trawl.7): what its probe's TLS
// server_name and HTTP Host carry, so that one address serving many sites answers as the named one.
// Names are held to the DNS's own rules (RFC 1035 2.3.1 LDH labels, RFC 1123's leading digit,
// 253 characters), as the bytes go out as they are written: no case folding, no trailing dot.

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why s is no host name a target can carry, or undefined when it is one. */
export function checkTargetName(s: unknown): string | undefined {
  if (typeof s !== 'string') return 'target "name" is not a string';
  if (s.length === 0 || s.length > 253) return `target "name" must be 1 to 253 characters (${s.length})`;
  const shown = JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
  if (s.endsWith('.')) return `target "name" ${shown} ends with a dot: give the name without it`;
  const labels = s.split('.');
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `target "name" ${shown} is not a host name (labels of letters, digits and inner hyphens, 1 to 63 characters` +
      `${bad === '' ? ': an empty label' : `: ${JSON.stringify(bad.slice(0, 64))}`})`;
  }
  // An all-numeric last label is an address, which SNI does not take (RFC 6066 3).
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return `target "name" ${shown} is an address, not a host name`;
  return undefined;
}
