// The JARM fingerprint of ten answers (shared/jarm/answer.ts), as the reference computes it:
// for each answer two hex digits for the chosen cipher (its 1-based place in the reference's
// list of 69, "00" for none, "46" for one not listed) and one letter for the version (a..f for
// 0300..0305 by the version's last digit, "0" for none): 30 characters, then the first 32 hex
// digits of SHA-256 over every answer's ALPN and extension list joined. No answer at all gives
// 62 zeros.
import { createHash } from 'node:crypto';

const CIPHERS = [
  0x0004, 0x0005, 0x0007, 0x000a, 0x0016, 0x002f, 0x0033, 0x0035, 0x0039, 0x003c, 0x003d, 0x0041, 0x0045, 0x0067,
  0x006b, 0x0084, 0x0088, 0x009a, 0x009c, 0x009d, 0x009e, 0x009f, 0x00ba, 0x00be, 0x00c0, 0x00c4, 0xc007, 0xc008,
  0xc009, 0xc00a, 0xc011, 0xc012, 0xc013, 0xc014, 0xc023, 0xc024, 0xc027, 0xc028, 0xc02b, 0xc02c, 0xc02f, 0xc030,
  0xc060, 0xc061, 0xc072, 0xc073, 0xc076, 0xc077, 0xc09c, 0xc09d, 0xc09e, 0xc09f, 0xc0a0, 0xc0a1, 0xc0a2, 0xc0a3,
  0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcc13, 0xcc14, 0xcca8, 0xcca9, 0x1301, 0x1302, 0x1303, 0x1304, 0x1305,
].map((c) => c.toString(16).padStart(4, '0'));

export const NO_ANSWER = '|||';
export const JARM_ZERO = '0'.repeat(62);

function cipherCode(c: string): string {
  if (c === '') return '00';
  const i = CIPHERS.indexOf(c);
  return (i < 0 ? CIPHERS.length + 1 : i + 1).toString(16).padStart(2, '0');
}

// The reference indexes "abcdef" by the fourth hex digit and fails on anything else: we write "0".
function versionCode(v: string): string {
  if (v === '') return '0';
  const d = v.charCodeAt(3) - 48;
  return d >= 0 && d <= 5 ? 'abcdef'[d] : '0';
}

/** The ten answers joined with commas, as the reference's verbose mode prints them. */
export function jarmRaw(answers: readonly string[]): string { return answers.join(','); }

/** The 62-character JARM of the raw string (ten answers joined by commas). */
export function jarmHash(raw: string): string {
  if (raw === Array(10).fill(NO_ANSWER).join(',')) return JARM_ZERO;
  let fuzzy = '', rest = '';
  for (const answer of raw.split(',')) {
    const [cipher = '', version = '', alpn = '', exts = ''] = answer.split('|');
    fuzzy += cipherCode(cipher) + versionCode(version);
    rest += alpn + exts;
  }
  return fuzzy + createHash('sha256').update(rest, 'utf8').digest('hex').slice(0, 32);
}
