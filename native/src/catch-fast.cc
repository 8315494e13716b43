// catch's fast path (issue 17): the packets of a batch that are valid SYN-ACKs to us (IPv4, and
// IPv6 with TCP right after the fixed header), decoded, cookie-checked and their open record
// spelled in one pass, the C++ twin of
// shared/packet/decode.ts + shared/packet/tcp-options.ts + shared/catch/cookies.ts +
// RecordsOut.open (shared/catch/records-out.ts), which stay the reference: test/catch-fast.test.ts
// runs catch with this path on and off and compares every byte. A packet is taken only when the
// TypeScript path would make it a K_SYNACK candidate whose cookie checks out (to one of our
// addresses, to a keyed port, ack = ISN+1); anything else - other link types, IPv6 extension
// headers, fragments, bad checksums, RSTs, data, ICMP, forged cookies - is left to the
// TypeScript decoder (fast[i] = 0), so what catch does with it does not change.
//
// Ethernet 0 dst[6] 6 src[6] 12 type[2] (0x8100/0x88a8/0x9100: 2 TCI, then type again, 4 tags at most)
// SLL      14 protocol[2] 16 payload      SLL2  0 protocol[2] 20 payload      raw IP: 0 payload
// IPv4     0 ver|ihl 2 totlen 4 id 6 flags|frag 8 ttl 9 proto 10 csum 12 src 16 dst 20 options
// IPv6     0 ver|tc|flow[4] 4 payload length 6 next header 7 hop limit 8 src[16] 24 dst[16] 40 TCP
// TCP      0 sport 2 dport 4 seq 8 ack 12 doff<<4 13 flags 14 window 20 options
// Options  0 eol | 1 nop | 2 len 4 mss[2] | 3 len 3 shift | 4 len 2 | 8 len 10 tsval[4] tsecr[4]
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "common.h"
#include "siphash.h"

namespace trawl {

namespace {

constexpr int DLT_EN10MB = 1, DLT_RAW_BSD = 12, DLT_RAW_OPENBSD = 14, DLT_RAW = 101, DLT_LINUX_SLL = 113,
  DLT_IPV4 = 228, DLT_IPV6 = 229, DLT_LINUX_SLL2 = 276;
constexpr int MAX_VLAN_TAGS = 4, MAX_KINDS = 40, KIND_BAD = 256;
constexpr uint8_t TH_SYN = 0x02, TH_RST = 0x04, TH_ACK = 0x10;
// The longest open record: RecordsOut's RECORD_MAX less what an IPv4 record cannot hold; a
// packet whose record would not fit the rest of the text buffer is left to TypeScript.
constexpr size_t RECORD_MAX = 512;

// The columns of the engine's candidate arrays this fills at the packet's index, in the order
// native/index.ts's SynAckColumns lists them.
enum Col { C_OUR, C_TARGET, C_SPORT, C_DPORT, C_SEQ, C_ACK, C_FLAGS, C_WINDOW, C_TTL, C_IPID, C_TCPOFF, C_TCPHL,
  C_PAYOFF, C_PAYLEN, C_PAYCAP, C_HASTS, C_TSVAL, C_TSECR, C_ISN, C_SLOT, C_FAM, C_OUR6, C_TARGET6, NCOLS };
const napi_typedarray_type COL_TYPE[NCOLS] = {
  napi_uint32_array, napi_uint32_array, napi_uint16_array, napi_uint16_array, napi_uint32_array, napi_uint32_array,
  napi_uint8_array, napi_uint16_array, napi_uint8_array, napi_uint16_array, napi_uint32_array, napi_uint8_array,
  napi_uint32_array, napi_uint32_array, napi_uint32_array, napi_uint8_array, napi_uint32_array, napi_uint32_array,
  napi_uint32_array, napi_int16_array, napi_uint8_array, napi_uint8_array, napi_uint8_array};
constexpr int WIDTH[NCOLS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 16, 16};

// shared/packet/link.ts for the link types whose network header is found without a guess: the
// offset of the IPv4 or IPv6 header (*v6 says which), or -1 (neither, or not sure: TypeScript
// decides).
inline long ipAt(int lt, const uint8_t* b, size_t off, size_t len, bool* v6) {
  *v6 = false;
  switch (lt) {
    case DLT_EN10MB: {
      if (len < 14) return -1;
      size_t p = off + 12;
      uint16_t type = get16(b + p);
      int tags = 0;
      while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (++tags > MAX_VLAN_TAGS) return -1;
        p += 4;
        if (p + 2 > off + len) return -1;
        type = get16(b + p);
      }
      *v6 = type == 0x86dd;
      return type == 0x0800 || type == 0x86dd ? (long)(p + 2) : -1;
    }
    case DLT_RAW: case DLT_RAW_BSD: case DLT_RAW_OPENBSD: case DLT_IPV4: case DLT_IPV6:
      if (len < 1) return -1;
      if ((b[off] >> 4) == 4 && lt != DLT_IPV6) return (long)off;
      *v6 = true;
      return (b[off] >> 4) == 6 && lt != DLT_IPV4 ? (long)off : -1;
    case DLT_LINUX_SLL: {
      if (len < 16) return -1;
      uint16_t type = get16(b + off + 14);
      *v6 = type == 0x86dd;
      return type == 0x0800 || type == 0x86dd ? (long)(off + 16) : -1;
    }
    case DLT_LINUX_SLL2: {
      if (len < 20) return -1;
      uint16_t type = get16(b + off);
      *v6 = type == 0x86dd;
      return type == 0x0800 || type == 0x86dd ? (long)(off + 20) : -1;
    }
    default:
      return -1;
  }
}

inline bool headerSumOk(const uint8_t* p, size_t hl) {
  uint32_t s = 0;
  for (size_t i = 0; i < hl; i += 2) s += get16(p + i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s == 0xffff;
}

// tcp-options.ts findTimestamps: the NOP NOP TS layout read directly, else a walk.
inline bool findTimestamps(const uint8_t* b, size_t o, size_t end, uint32_t* tsval, uint32_t* tsecr) {
  if (o + 12 <= end && b[o] == 1 && b[o + 1] == 1 && b[o + 2] == 8 && b[o + 3] == 10) {
    *tsval = get32(b + o + 4); *tsecr = get32(b + o + 8);
    return true;
  }
  while (o < end) {
    uint8_t kind = b[o];
    if (kind == 0) return false;
    if (kind == 1) { o++; continue; }
    if (o + 1 >= end) return false;
    uint8_t len = b[o + 1];
    if (len < 2 || o + len > end) return false;
    if (kind == 8 && len == 10) { *tsval = get32(b + o + 2); *tsecr = get32(b + o + 6); return true; }
    o += len;
  }
  return false;
}

struct Options { uint16_t kinds[MAX_KINDS + 2]; int n; long mss, wscale, tsval; bool sackOk; };

// tcp-options.ts parseTcpOptions.
inline void parseOptions(const uint8_t* b, size_t o, size_t end, Options& out) {
  out.n = 0; out.mss = -1; out.wscale = -1; out.sackOk = false; out.tsval = -1;
  int n = 0;
  while (o < end && n < MAX_KINDS) {
    uint8_t kind = b[o];
    out.kinds[n++] = kind;
    if (kind == 0) break;
    if (kind == 1) { o++; continue; }
    if (o + 1 >= end) { out.kinds[n++] = KIND_BAD; break; }
    uint8_t len = b[o + 1];
    if (len < 2 || o + len > end) { out.kinds[n++] = KIND_BAD; break; }
    if (kind == 2 && len == 4) out.mss = get16(b + o + 2);
    else if (kind == 3 && len == 3) out.wscale = b[o + 2];
    else if (kind == 4 && len == 2) out.sackOk = true;
    else if (kind == 8 && len == 10) out.tsval = get32(b + o + 2);
    o += len;
  }
  out.n = n;
}

// "00".."99": numbers are spelled two digits a step, as shared/ascii.ts does.
struct Pairs {
  char d[200];
  constexpr Pairs() : d() { for (int i = 0; i < 100; i++) { d[2 * i] = (char)('0' + i / 10); d[2 * i + 1] = (char)('0' + i % 10); } }
};
constexpr Pairs PAIRS;

// The record's text, as shared/ascii.ts and records-out.ts spell it.
struct Text {
  uint8_t* p;
  void lit(const char* s, size_t n) { memcpy(p, s, n); p += n; }
  template <size_t N> void lit(const char (&s)[N]) { lit(s, N - 1); }
  void uint(uint32_t v) {
    if (v < 10) { *p++ = (uint8_t)('0' + v); return; }
    int digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7
      : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    uint8_t* q = p + digits;
    p = q;
    while (v >= 100) { uint32_t r = v % 100; v /= 100; q -= 2; memcpy(q, PAIRS.d + 2 * r, 2); }
    if (v >= 10) { q -= 2; memcpy(q, PAIRS.d + 2 * v, 2); } else *--q = (uint8_t)('0' + v);
  }
  // A microsecond time (below 2^53), as putUint53: the digits above the last 8, then those 8.
  void uint53(uint64_t v) {
    if (v < 4294967296ULL) { uint((uint32_t)v); return; }
    uint64_t hi = v / 100000000;
    uint32_t lo = (uint32_t)(v - hi * 100000000);
    uint((uint32_t)hi);   // below 2^53 / 10^8
    pad8(lo);
  }
  void pad8(uint32_t lo) {
    for (int k = 6; k >= 0; k -= 2) { memcpy(p + k, PAIRS.d + 2 * (lo % 100), 2); lo /= 100; }
    p += 8;
  }
  // shared/targets/encode.ts writeIPv6: RFC 5952, IPv4-mapped addresses with their dotted quad.
  void ip6(const uint8_t* a) {
    static const char HEX[] = "0123456789abcdef";
    if (get32(a) == 0 && get32(a + 4) == 0 && get32(a + 8) == 0xffff) { lit("::ffff:"); ip(get32(a + 12)); return; }
    uint16_t g[8];
    for (int k = 0; k < 8; k++) g[k] = get16(a + 2 * k);
    int best = -1, bestLen = 1;
    for (int k = 0; k < 8;) {
      if (g[k] != 0) { k++; continue; }
      int e = k;
      while (e < 8 && g[e] == 0) e++;
      if (e - k > bestLen) { best = k; bestLen = e - k; }
      k = e;
    }
    for (int k = 0; k < 8; k++) {
      if (k == best) { *p++ = ':'; *p++ = ':'; k += bestLen - 1; continue; }
      if (k > 0 && k != best + bestLen) *p++ = ':';
      uint16_t v = g[k];
      if (v >= 0x1000) *p++ = HEX[v >> 12];
      if (v >= 0x100) *p++ = HEX[(v >> 8) & 15];
      if (v >= 0x10) *p++ = HEX[(v >> 4) & 15];
      *p++ = HEX[v & 15];
    }
  }
  void ip(uint32_t a) {
    uint(a >> 24); *p++ = '.'; uint((a >> 16) & 255); *p++ = '.'; uint((a >> 8) & 255); *p++ = '.'; uint(a & 255);
  }
};

const char* const KIND_NAMES[9] = {"eol", "nop", "mss", "ws", "sack", nullptr, nullptr, nullptr, "ts"};
const uint8_t KIND_LEN[9] = {3, 3, 3, 2, 4, 0, 0, 0, 2};

// The mss, wscale, sack_ok and options fields of the last option layout spelled (a scan meets a
// handful of layouts, one per server OS; RecordsOut keeps them the same way): reused while the
// next SYN-ACK's layout is the same.
struct OptBlock {
  int n = -1; uint16_t kinds[MAX_KINDS + 2]; long mss, wscale; bool sackOk;
  uint8_t text[MAX_KINDS * 6 + 96]; size_t len = 0;
  const uint8_t* get(const Options& op) {
    if (op.n != n || op.mss != mss || op.wscale != wscale || op.sackOk != sackOk ||
        memcmp(op.kinds, kinds, sizeof(uint16_t) * (size_t)op.n) != 0) {
      n = op.n; mss = op.mss; wscale = op.wscale; sackOk = op.sackOk;
      memcpy(kinds, op.kinds, sizeof(uint16_t) * (size_t)op.n);
      Text t{text};
      if (op.mss >= 0) { t.lit(",\"mss\":"); t.uint((uint32_t)op.mss); }
      if (op.wscale >= 0) { t.lit(",\"wscale\":"); t.uint((uint32_t)op.wscale); }
      if (op.sackOk) t.lit(",\"sack_ok\":true");
      t.lit(",\"options\":\"");
      for (int i = 0; i < op.n; i++) {
        if (i) *t.p++ = ',';
        uint16_t k = op.kinds[i];
        if (k == KIND_BAD) t.lit("bad");
        else if (k < 9 && KIND_NAMES[k]) t.lit(KIND_NAMES[k], KIND_LEN[k]);
        else t.uint(k);
      }
      *t.p++ = '"';
      len = (size_t)(t.p - text);
    }
    return text;
  }
};

// RecordsOut.open for a validated record that is not a repeat: the engine writes repeats itself.
// ip6: the IPv6 target's 16 bytes (then ip is not read, and there is no ipid), or null.
inline uint8_t* openRecord(uint8_t* p, uint32_t ip, const uint8_t* ip6, uint16_t port, uint16_t sport, uint8_t ttl,
                           uint16_t win, uint16_t ipid, const Options& op, OptBlock& ob, uint32_t seq, uint64_t time) {
  Text t{p};
  t.lit("{\"type\":\"open\",\"ip\":\"");
  if (ip6) t.ip6(ip6); else t.ip(ip);
  t.lit("\",\"port\":"); t.uint(port);
  t.lit(",\"sport\":"); t.uint(sport);
  t.lit(",\"ttl\":"); t.uint(ttl);
  t.lit(",\"window\":"); t.uint(win);
  if (!ip6) { t.lit(",\"ipid\":"); t.uint(ipid); }
  if (op.tsval >= 0) { t.lit(",\"tsval\":"); t.uint((uint32_t)op.tsval); }
  const uint8_t* block = ob.get(op);
  t.lit((const char*)block, ob.len);
  if (win == 0) t.lit(",\"zero_window\":true");
  t.lit(",\"seq\":"); t.uint(seq);
  t.lit(",\"time_us\":"); t.uint53(time);
  t.lit("}\n");
  return t.p;
}

// Whether the 16 bytes at a are one of ours6 (n entries of 16 bytes, the first starting a range
// of count addresses counted in the last 32 bits): engine.ts isOurs6.
inline bool ours6Has(const uint8_t* ours6, size_t n, uint32_t count, const uint8_t* a) {
  if (n && memcmp(ours6, a, 12) == 0 && get32(a + 12) - get32(ours6 + 12) < count) return true;
  for (size_t k = 1; k < n; k++) if (memcmp(ours6 + 16 * k, a, 16) == 0) return true;
  return false;
}

}  // namespace

// synAcks(key, sportBase, sportCount, ours, ours6, ours6Count, linktype, buf, meta, times, n, cols, text,
// spans, fast): for packet i < n taken (fast[i] = 1), its candidate fields at index i of each
// column (cols, in SynAckColumns' order; the IPv6 address columns 16 bytes an entry), its open
// record at text[spans[2i], spans[2i+1]). ours: our IPv4 addresses, sorted ascending (empty: any
// address is ours); ours6: our IPv6 addresses, 16 bytes each, the first starting a range of
// ours6Count (-1: any address is ours). Returns how many were taken.
static Napi::Value SynAcks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t klen, nours, nours6, blen, mlen, tlen, txlen, splen, flen;
  const uint8_t* key = typedArg<uint8_t>(env, info[0], napi_uint8_array, "synAcks: key", &klen);
  if (klen != 16) rangeError(env, "synAcks: key must be 16 bytes");
  uint32_t base = (uint32_t)intArg(env, info[1], 1, 65535, "synAcks: sportBase");
  uint32_t count = (uint32_t)intArg(env, info[2], 1, 65536 - base, "synAcks: sportCount");
  const uint32_t* ours = typedArg<uint32_t>(env, info[3], napi_uint32_array, "synAcks: ours", &nours);
  const uint8_t* ours6 = typedArg<uint8_t>(env, info[4], napi_uint8_array, "synAcks: ours6", &nours6);
  if (nours6 % 16) rangeError(env, "synAcks: ours6 must hold 16 bytes per address");
  nours6 /= 16;
  int64_t count6 = intArg(env, info[5], -1, 0xffffffffLL, "synAcks: ours6Count");
  int lt = (int)intArg(env, info[6], 0, 0xffffffffLL, "synAcks: linktype");
  const uint8_t* buf = typedArg<uint8_t>(env, info[7], napi_uint8_array, "synAcks: buf", &blen);
  const uint32_t* meta = typedArg<uint32_t>(env, info[8], napi_uint32_array, "synAcks: meta", &mlen);
  const double* times = typedArg<double>(env, info[9], napi_float64_array, "synAcks: times", &tlen);
  uint32_t n = (uint32_t)intArg(env, info[10], 0, 0xffffffffLL, "synAcks: n");
  if ((uint64_t)n * 3 > mlen) rangeError(env, "synAcks: n is larger than meta.length / 3");
  if (n > tlen) rangeError(env, "synAcks: n is larger than times.length");
  if (!info[11].IsArray() || info[11].As<Napi::Array>().Length() != NCOLS)
    typeError(env, "synAcks: cols must be an array of " + std::to_string(NCOLS) + " typed arrays");
  Napi::Array ca = info[11].As<Napi::Array>();
  void* col[NCOLS];
  for (uint32_t c = 0; c < NCOLS; c++) {
    size_t len;
    col[c] = typedArg<uint8_t>(env, ca.Get(c), COL_TYPE[c], "synAcks: cols[" + std::to_string(c) + "]", &len);
    if ((uint64_t)n * WIDTH[c] > len) rangeError(env, "synAcks: cols[" + std::to_string(c) + "] is too short for n");
  }
  uint8_t* text = typedArg<uint8_t>(env, info[12], napi_uint8_array, "synAcks: text", &txlen);
  uint32_t* spans = typedArg<uint32_t>(env, info[13], napi_uint32_array, "synAcks: spans", &splen);
  uint8_t* fast = typedArg<uint8_t>(env, info[14], napi_uint8_array, "synAcks: fast", &flen);
  if ((uint64_t)n * 2 > splen) rangeError(env, "synAcks: n is larger than spans.length / 2");
  if (n > flen) rangeError(env, "synAcks: n is larger than fast.length");

  auto* cOur = (uint32_t*)col[C_OUR]; auto* cTarget = (uint32_t*)col[C_TARGET];
  auto* cSport = (uint16_t*)col[C_SPORT]; auto* cDport = (uint16_t*)col[C_DPORT];
  auto* cSeq = (uint32_t*)col[C_SEQ]; auto* cAck = (uint32_t*)col[C_ACK]; auto* cFlags = (uint8_t*)col[C_FLAGS];
  auto* cWindow = (uint16_t*)col[C_WINDOW]; auto* cTtl = (uint8_t*)col[C_TTL]; auto* cIpid = (uint16_t*)col[C_IPID];
  auto* cTcpOff = (uint32_t*)col[C_TCPOFF]; auto* cTcpHl = (uint8_t*)col[C_TCPHL];
  auto* cPayOff = (uint32_t*)col[C_PAYOFF]; auto* cPayLen = (uint32_t*)col[C_PAYLEN]; auto* cPayCap = (uint32_t*)col[C_PAYCAP];
  auto* cHasTs = (uint8_t*)col[C_HASTS]; auto* cTsval = (uint32_t*)col[C_TSVAL]; auto* cTsecr = (uint32_t*)col[C_TSECR];
  auto* cIsn = (uint32_t*)col[C_ISN]; auto* cSlot = (int16_t*)col[C_SLOT];
  auto* cFam = (uint8_t*)col[C_FAM]; auto* cOur6 = (uint8_t*)col[C_OUR6]; auto* cTarget6 = (uint8_t*)col[C_TARGET6];

  SipKey k = sipKey(key);
  OptBlock ob;
  size_t tp = 0;
  uint32_t taken = 0;
  for (uint32_t i = 0; i < n; i++) {
    fast[i] = 0;
    size_t off = meta[3 * i], cap = meta[3 * i + 1], wire = meta[3 * i + 2];
    if (off > blen || cap > blen - off) continue;
    double tm = times[i];
    if (!(tm >= 0 && tm < 9007199254740992.0) || tm != std::floor(tm)) continue;
    if (tp + RECORD_MAX > txlen) continue;
    bool v6;
    long l3 = ipAt(lt, buf, off, cap, &v6);
    if (l3 < 0) continue;
    // The network header, as decode.ts decodePacket (IPv4) and decodeIpv6 check it: t is where
    // TCP starts, len its length in the packet, thave the bytes of it held.
    size_t ip = (size_t)l3, end = off + cap, t, len, thave;
    if (!v6) {
      if (ip + 20 > end || (buf[ip] >> 4) != 4) continue;
      size_t hl = (size_t)(buf[ip] & 15) * 4, tot = get16(buf + ip + 2);
      if (hl < 20 || tot < hl || ip + hl > end) continue;
      size_t have = end - ip;
      if (have > tot) have = tot;
      else if (have < tot && !(cap < wire)) continue;
      if (!headerSumOk(buf + ip, hl)) continue;
      if ((get16(buf + ip + 6) & 0x3fff) != 0 || buf[ip + 9] != 6) continue;
      t = ip + hl; len = tot - hl; thave = have - hl;
    } else {
      if (ip + 40 > end || (buf[ip] >> 4) != 6) continue;
      size_t tot = 40 + (size_t)get16(buf + ip + 4), have = end - ip;
      if (have > tot) have = tot;
      else if (have < tot && !(cap < wire)) continue;
      if (buf[ip + 6] != 6) continue;     // extension headers: TypeScript walks them
      t = ip + 40; len = tot - 40; thave = have - 40;
    }
    if (len < 20 || thave < 20) continue;
    size_t thl = (size_t)(buf[t + 12] >> 4) * 4;
    if (thl < 20 || thl > len || thl > thave) continue;
    uint8_t flags = buf[t + 13];
    if ((flags & (TH_SYN | TH_ACK | TH_RST)) != (TH_SYN | TH_ACK)) continue;
    // engine.ts tcpCandidate: to one of our addresses and ports; then the cookie (decide).
    uint16_t sport = get16(buf + t), dport = get16(buf + t + 2);
    if ((uint32_t)(dport - base) >= count) continue;
    uint32_t saddr = 0, daddr = 0, isn;
    int slot;
    const uint8_t *s6 = buf + ip + 8, *d6 = buf + ip + 24;
    if (!v6) {
      saddr = get32(buf + ip + 12); daddr = get32(buf + ip + 16);
      if (nours && !std::binary_search(ours, ours + nours, daddr)) continue;
      slot = cookieCheckSport(k, daddr, saddr, sport, dport, base, count);
      if (slot < 0) continue;
      isn = cookieIsn(k, daddr, saddr, dport, sport);
    } else {
      if (count6 >= 0 && !ours6Has(ours6, nours6, (uint32_t)count6, d6)) continue;
      slot = cookieCheckSport6(k, d6, s6, sport, dport, base, count);
      if (slot < 0) continue;
      isn = cookieIsn6(k, d6, s6, dport, sport);
    }
    uint32_t ack = get32(buf + t + 8);
    if (ack != isn + 1) continue;
    uint32_t seq = get32(buf + t + 4);
    uint16_t win = get16(buf + t + 14), ipid = v6 ? 0 : get16(buf + ip + 4);
    uint8_t ttl = buf[ip + (v6 ? 7 : 8)];
    cOur[i] = daddr; cTarget[i] = saddr; cSport[i] = dport; cDport[i] = sport;
    cFam[i] = v6 ? 6 : 4;
    if (v6) { memcpy(cOur6 + 16 * (size_t)i, d6, 16); memcpy(cTarget6 + 16 * (size_t)i, s6, 16); }
    cSeq[i] = seq; cAck[i] = ack; cFlags[i] = flags; cWindow[i] = win; cTtl[i] = ttl; cIpid[i] = ipid;
    cTcpOff[i] = (uint32_t)t; cTcpHl[i] = (uint8_t)thl;
    cPayOff[i] = (uint32_t)(t + thl); cPayLen[i] = (uint32_t)(len - thl); cPayCap[i] = (uint32_t)(thave - thl);
    uint32_t tsval = 0, tsecr = 0;
    bool has = thl > 20 && findTimestamps(buf, t + 20, t + thl, &tsval, &tsecr);
    cHasTs[i] = has ? 1 : 0; cTsval[i] = tsval; cTsecr[i] = tsecr;
    cIsn[i] = isn; cSlot[i] = (int16_t)slot;
    Options op;
    parseOptions(buf, t + 20, t + thl, op);
    spans[2 * i] = (uint32_t)tp;
    tp = (size_t)(openRecord(text + tp, saddr, v6 ? s6 : nullptr, sport, dport, ttl, win, ipid, op, ob, seq, (uint64_t)tm) - text);
    spans[2 * i + 1] = (uint32_t)tp;
    fast[i] = 1;
    taken++;
  }
  return Napi::Number::New(env, taken);
}

// dedupPrefetch(table, slots, kind, targets, sports, dports, families, n[, out]): a hint, nothing
// more (out, for tests: the slot of each candidate, IPv6 ones 0xffffffff).
// The duplicate window's index (shared/catch/dedup.ts) is 1 MiB a generation at its default size,
// so each new reply's first probe of it misses the cache, one miss after another, in JavaScript,
// which cannot prefetch. Here the index slot of each IPv4 candidate of a batch (its key as DedupWindow.check makes
// it: hash(), range()) is prefetched at once, so the misses overlap before the engine's decide
// loop reads them. A slot computed differently (a rounding of range()'s double product) only
// fetches a useless line: the window's answers never depend on this.
static Napi::Value DedupPrefetch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t nt, n1, n2, n3, nf;
  const uint32_t* table = typedArg<uint32_t>(env, info[0], napi_uint32_array, "dedupPrefetch: table", &nt);
  uint64_t slots = (uint64_t)intArg(env, info[1], 1, 1LL << 30, "dedupPrefetch: slots");
  uint32_t kind = (uint32_t)intArg(env, info[2], 0, 255, "dedupPrefetch: kind");
  const uint32_t* targets = typedArg<uint32_t>(env, info[3], napi_uint32_array, "dedupPrefetch: targets", &n1);
  const uint16_t* sports = typedArg<uint16_t>(env, info[4], napi_uint16_array, "dedupPrefetch: sports", &n2);
  const uint16_t* dports = typedArg<uint16_t>(env, info[5], napi_uint16_array, "dedupPrefetch: dports", &n3);
  const uint8_t* fam = typedArg<uint8_t>(env, info[6], napi_uint8_array, "dedupPrefetch: families", &nf);
  size_t n = (size_t)intArg(env, info[7], 0, 1 << 24, "dedupPrefetch: n");
  size_t no = 0;
  uint32_t* out = info.Length() > 8 ? typedArg<uint32_t>(env, info[8], napi_uint32_array, "dedupPrefetch: out", &no) : nullptr;
  if (n > n1 || n > n2 || n > n3 || n > nf || nt < slots || (out && no < n)) rangeError(env, "dedupPrefetch: an array is shorter than n or the index than its slots");
  for (size_t j = 0; j < n; j++) {
    if (fam[j] == 6) { if (out) out[j] = 0xffffffffu; continue; }
    uint32_t ports = ((uint32_t)dports[j] << 16) | sports[j];
    uint32_t h = ((targets[j] ^ 0x9e3779b9u) * 0x85ebca6bu) ^ ((ports + kind * 0x27d4eb2fu) * 0xc2b2ae35u);
    h ^= h >> 15; h *= 0x2c1b3c6du; h ^= h >> 12; h *= 0x297a2d39u; h ^= h >> 15;
    uint64_t slot = ((uint64_t)h * slots) >> 32;
    if (out) out[j] = (uint32_t)slot;
    __builtin_prefetch(table + slot, 1);
  }
  return env.Undefined();
}


// dedupCheck(index0, index1, entries0, entries1, bloom0, bloom1, state, kinds, targets, sports,
// dports, values, n, out): DedupWindow.check (shared/catch/dedup.ts) for candidates 0..n-1 of a
// batch, in order, on the window's own arrays: kinds[j] = 0xff skips j. state = [cur, count,
// window] in and out. Every step is check()'s (the same hash, the same double product in range(),
// the same probing and tags, Bloom bits and generation change), so the answers and the arrays
// equal what check() one by one would leave; test/catch-fast.test.ts compares both over
// generation changes. In JavaScript the window cost a third of a replay (one cache miss after
// another, ~200 ns a key); here the keys' index slots are hashed and prefetched for the whole
// batch first, so the misses overlap.
namespace {
constexpr uint32_t kTagShift = 23, kEntryMask = (1u << kTagShift) - 1, kTagMask = 511;
struct Window {
  uint32_t* index[2];
  uint32_t* entries[2];
  uint32_t* bloom[2];
  uint64_t slots, bits;
  uint32_t cur, count, window;
};
inline uint64_t rangeOf(uint32_t h, uint64_t n) {
  // JavaScript's Math.floor(h * n * 2^-32) in doubles, rounding included.
  return (uint64_t)std::floor(((double)h * (double)n) * 2.3283064365386963e-10);
}
inline uint32_t secondOf(uint32_t h) { h = (h ^ (h >> 16)) * 0x7feb352du; return h ^ (h >> 15); }
inline uint32_t hashOf(uint32_t kind, uint32_t ip, uint32_t ports) {
  uint32_t h = ((ip ^ 0x9e3779b9u) * 0x85ebca6bu) ^ ((ports + kind * 0x27d4eb2fu) * 0xc2b2ae35u);
  h ^= h >> 15; h *= 0x2c1b3c6du; h ^= h >> 12; h *= 0x297a2d39u; h ^= h >> 15;
  return h;
}
// The offset of the key's entry in generation g (>= 0), or -(the empty index slot where it
// would go) - 1.
inline int64_t findKey(const Window& w, uint32_t g, uint32_t h, uint32_t tag, uint32_t ip, uint32_t ports) {
  const uint32_t* idx = w.index[g];
  const uint32_t* t = w.entries[g];
  uint64_t i = rangeOf(h, w.slots);
  for (;;) {
    uint32_t x = idx[i];
    if (x == 0) return -(int64_t)i - 1;
    uint32_t e = x & kEntryMask;   // never past the window's entries, whatever the index holds
    if ((x >> kTagShift) == (h & kTagMask) && e <= w.window) {
      uint64_t s = (uint64_t)(e - 1) * 4;
      if (t[s] == tag && t[s + 1] == ip && t[s + 2] == ports) return (int64_t)s;
    }
    if (++i == w.slots) i = 0;
  }
}
inline bool mayHave(const Window& w, uint32_t g, uint32_t h) {
  const uint32_t* b = w.bloom[g];
  uint64_t a = rangeOf(h, w.bits), c = rangeOf(secondOf(h), w.bits);
  return (b[a >> 5] & (1u << (a & 31))) != 0 && (b[c >> 5] & (1u << (c & 31))) != 0;
}
inline void remember(Window& w, uint32_t g, uint32_t h) {
  uint32_t* b = w.bloom[g];
  uint64_t a = rangeOf(h, w.bits), c = rangeOf(secondOf(h), w.bits);
  b[a >> 5] |= 1u << (a & 31);
  b[c >> 5] |= 1u << (c & 31);
}
// check(): DEDUP_NEW 0, DEDUP_SAME 1, DEDUP_CHANGED 2.
uint8_t checkKey(Window& w, uint32_t kind, uint32_t ip, uint32_t ports, uint32_t value, uint32_t h) {
  uint32_t tag = kind + 1;
  uint32_t* cur = w.entries[w.cur];
  int64_t at = findKey(w, w.cur, h, tag, ip, ports);
  if (at >= 0) {
    if (cur[at + 3] == value) return 1;
    cur[at + 3] = value;
    return 2;
  }
  const uint32_t* old = w.entries[w.cur ^ 1];
  int64_t o = mayHave(w, w.cur ^ 1, h) ? findKey(w, w.cur ^ 1, h, tag, ip, ports) : -1;
  uint8_t result = o < 0 ? 0 : (old[o + 3] == value ? 1 : 2);
  if (result == 1) return result;
  int64_t slot = -at - 1;
  if (w.count >= w.window) {
    // Generation change: forget the oldest keys all at once (their entries are overwritten).
    w.cur ^= 1;
    std::memset(w.index[w.cur], 0, w.slots * 4);
    std::memset(w.bloom[w.cur], 0, w.bits / 8);
    w.count = 0;
    slot = -findKey(w, w.cur, h, tag, ip, ports) - 1;
  }
  uint32_t e = w.count;
  uint32_t* t = w.entries[w.cur] + (uint64_t)e * 4;
  t[0] = tag; t[1] = ip; t[2] = ports; t[3] = value;
  w.index[w.cur][slot] = ((h & kTagMask) << kTagShift) | (e + 1);
  remember(w, w.cur, h);
  w.count++;
  return result;
}
}  // namespace

static Napi::Value DedupCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t ni0, ni1, ne0, ne1, nb0, nb1, nst, nk, n1, n2, n3, nv, no;
  Window w;
  w.index[0] = typedArg<uint32_t>(env, info[0], napi_uint32_array, "dedupCheck: index0", &ni0);
  w.index[1] = typedArg<uint32_t>(env, info[1], napi_uint32_array, "dedupCheck: index1", &ni1);
  w.entries[0] = typedArg<uint32_t>(env, info[2], napi_uint32_array, "dedupCheck: entries0", &ne0);
  w.entries[1] = typedArg<uint32_t>(env, info[3], napi_uint32_array, "dedupCheck: entries1", &ne1);
  w.bloom[0] = typedArg<uint32_t>(env, info[4], napi_uint32_array, "dedupCheck: bloom0", &nb0);
  w.bloom[1] = typedArg<uint32_t>(env, info[5], napi_uint32_array, "dedupCheck: bloom1", &nb1);
  uint32_t* state = typedArg<uint32_t>(env, info[6], napi_uint32_array, "dedupCheck: state", &nst);
  const uint8_t* kinds = typedArg<uint8_t>(env, info[7], napi_uint8_array, "dedupCheck: kinds", &nk);
  const uint32_t* targets = typedArg<uint32_t>(env, info[8], napi_uint32_array, "dedupCheck: targets", &n1);
  const uint16_t* sports = typedArg<uint16_t>(env, info[9], napi_uint16_array, "dedupCheck: sports", &n2);
  const uint16_t* dports = typedArg<uint16_t>(env, info[10], napi_uint16_array, "dedupCheck: dports", &n3);
  const uint32_t* values = typedArg<uint32_t>(env, info[11], napi_uint32_array, "dedupCheck: values", &nv);
  size_t n = (size_t)intArg(env, info[12], 0, 1 << 24, "dedupCheck: n");
  uint8_t* out = typedArg<uint8_t>(env, info[13], napi_uint8_array, "dedupCheck: out", &no);
  if (ni0 != ni1 || ni0 == 0 || ne0 != ne1 || ne0 % 4 || nb0 != nb1 || nb0 == 0 || nst < 3)
    rangeError(env, "dedupCheck: the window's generations differ in size or its state is short");
  if (n > nk || n > n1 || n > n2 || n > n3 || n > nv || n > no) rangeError(env, "dedupCheck: an array is shorter than n");
  w.slots = ni0; w.bits = (uint64_t)nb0 * 32;
  w.cur = state[0] & 1; w.count = state[1]; w.window = state[2];
  if (w.window == 0 || w.window > kEntryMask || w.slots < 2 * (uint64_t)w.window || ne0 / 4 < w.window || w.count > w.window)
    rangeError(env, "dedupCheck: the index holds fewer than 2 slots a key or the entries fewer than the window");
  // Hashes first, each key's index slot prefetched (in the current generation: a generation
  // change in the batch only makes some of the hints useless), then the checks in order.
  static thread_local std::vector<uint32_t> hs;
  if (hs.size() < n) hs.resize(n);
  for (size_t j = 0; j < n; j++) {
    if (kinds[j] == 0xff) continue;
    uint32_t ports = ((uint32_t)dports[j] << 16) | sports[j];
    hs[j] = hashOf(kinds[j], targets[j], ports);
    __builtin_prefetch(w.index[w.cur] + rangeOf(hs[j], w.slots), 1);
  }
  for (size_t j = 0; j < n; j++) {
    if (kinds[j] == 0xff) continue;
    out[j] = checkKey(w, kinds[j], targets[j], ((uint32_t)dports[j] << 16) | sports[j], values[j], hs[j]);
  }
  state[0] = w.cur; state[1] = w.count;
  return env.Undefined();
}

void initCatchFast(Napi::Env env, Napi::Object exports) {
  exports.Set("synAcks", Napi::Function::New(env, SynAcks, "synAcks"));
  exports.Set("dedupPrefetch", Napi::Function::New(env, DedupPrefetch, "dedupPrefetch"));
  exports.Set("dedupCheck", Napi::Function::New(env, DedupCheck, "dedupCheck"));
}

}  // namespace trawl
