// Sender: SYNs built from a template and sent in batches through an AF_PACKET socket with
// PACKET_QDISC_BYPASS (or written to a pcap file by the same code path), and the replies of the
// stateless exchange (ACK+probe, ACK of data, ACK+payload, RST) whose cookies are checked again
// before anything is sent. Both families: a batch may mix IPv4 and IPv6 targets, each patched
// from its family's template (frame.h, frame6.h), sent from that family's source address to that
// family's next hop; replies go to either family too. On a LAN, each on-link target's frames go
// to its own MAC from the neighbour table (neighbors.h) that blast fills with setNeighbors after
// asking with sendResolves (ARP requests and Neighbor Solicitations, batched like SYNs).
// UDP datagrams (sendUdp, frame-udp.h) and ICMP echo requests (sendEchoes) take the same paths.
//
// Transmit path: batches of 256 frames handed to the kernel by the lane's engine (tx-engine.h:
// sendmmsg on a blocking AF_PACKET socket, the default here; tx-ring; xdp); batches of >= 2048
// SYNs are shared by the calling thread and one helper thread, each with its own socket (xdp:
// its own queue), taking chunks of 256 in turn (`lanes: 1` turns the helper off). Why two lanes
// in chunks: the measurements are kept in test/bench/tx.bench.sh. The engines as it measured
// them (2 M SYNs into a veth drop sink, 2 cores shared with other jobs, kernel 6.18; four runs
// side by side, the table is in the bench), best of the first run's 5 rounds:
//   sendmmsg  2.352 M packets/s on 1 lane, 3.554 M on 2; 0.45-0.48 CPU us per packet
//   tx-ring   1.905 M and 3.909 M; 0.53-0.54 us (TPACKET_V3; copying into the ring and its
//             slot bookkeeping cost more than the sendmmsg headers they save; never fastest)
//   xdp       3.408 M and 6.410 M; 0.32-0.33 us (copy mode, one sendto() per batch)
// xdp was fastest in 3 of the 4 runs on either lane count, and blast's pipeline went faster
// with it in all 3 that measured it (1.297 against 0.981 M/s in one). The rates swing 2x
// between rounds here. The Sender's own default stays sendmmsg (it needs nothing beyond
// CAP_NET_RAW and works on any link); blast defaults to xdp and falls back to sendmmsg where
// xdp cannot start.
#include "common.h"
#include "frame6.h"
#include "frame-icmp.h"
#include "frame-udp.h"
#include "nd-frames.h"
#include "neighbors.h"
#include "siphash.h"
#include "tx-engine.h"
#include "replies.h"   // generated from shared/replies.ts (native/gen-replies-h.ts)
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/time.h>
#include <cerrno>
#include <vector>
#include <thread>
#include <mutex>
#include <condition_variable>
#include <atomic>
#include <unordered_map>

namespace trawl {

bool parseIpv4(const std::string& s, uint32_t* out) {
  struct in_addr a;
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  *out = ntohl(a.s_addr);
  return true;
}

constexpr size_t BATCH = 256;
constexpr size_t SYN_STRIDE = 128;
static_assert(MAX_SYN_LEN <= SYN_STRIDE && MAX_SYN6_LEN <= SYN_STRIDE, "a SYN fits its stride");
constexpr size_t REPLY_STRIDE = 1536;   // room for any reply frame: headers, TS option, 1400 bytes
static_assert(HDR6_LEN + 12 + reply::MAX_PAYLOAD <= REPLY_STRIDE, "a reply frame of either family fits its stride");
static_assert(UDP6_HDR + MAX_PROBE_LEN <= REPLY_STRIDE, "a UDP datagram of either family fits its stride");
// Split sendSyns between two threads only for batches worth a thread wake-up.
constexpr uint32_t SPLIT_MIN = 2048;
constexpr int PCAP_SNAPLEN = 65535;
// The longest text a probe's {ip} may become: an IPv6 address in brackets (frame6.h), 41 bytes
// (shared/probes/user.ts MAX_ADDRESS_LEN).
constexpr size_t MAX_ADDRESS_LEN = MAX_ADDRESS6_LEN;

// One transmit lane: its engine's socket (or the pcap dumper) plus its frame buffers.
struct Lane {
  std::unique_ptr<TxEngine> tx;
  std::vector<uint8_t> frames;
  std::vector<struct iovec> iov;
  uint64_t rng;
  uint64_t sent = 0, bytes = 0, errors = 0;
  Lane() : frames(BATCH * REPLY_STRIDE), iov(BATCH) {}
  uint16_t nextId() {  // xorshift64: a random IP ID per packet, no clock or state shared
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint16_t)(rng >> 32);
  }
};

class Sender : public Napi::ObjectWrap<Sender> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sender", {
      InstanceMethod("sendSyns", &Sender::SendSyns),
      InstanceMethod("sendReplies", &Sender::SendReplies),
      InstanceMethod("setProbe", &Sender::SetProbe),
      InstanceMethod("setSource", &Sender::SetSource),
      InstanceMethod("setNeighbors", &Sender::SetNeighbors),
      InstanceMethod("sendResolves", &Sender::SendResolves),
      InstanceMethod("sendEchoes", &Sender::SendEchoes),
      InstanceMethod("setUdpPayload", &Sender::SetUdpPayload),
      InstanceMethod("sendUdp", &Sender::SendUdp),
      InstanceMethod("stats", &Sender::Stats),
      InstanceMethod("close", &Sender::Close),
    });
  }

  Sender(const Napi::CallbackInfo& info);
  ~Sender() { shutdown(); }

 private:
  // fix: offsets in before of big-endian u16 lengths that grow by the inserted address's length
  // (a TLS hello whose server_name is the target); bare: the IPv6 address without brackets.
  struct Probe { std::vector<uint8_t> before, after; std::vector<uint16_t> fix; bool hasAfter = false, bare = false; };

  Napi::Value SendSyns(const Napi::CallbackInfo& info);
  Napi::Value SendReplies(const Napi::CallbackInfo& info);
  Napi::Value SetProbe(const Napi::CallbackInfo& info);
  Napi::Value SetSource(const Napi::CallbackInfo& info);
  Napi::Value SetNeighbors(const Napi::CallbackInfo& info);
  Napi::Value SendResolves(const Napi::CallbackInfo& info);
  Napi::Value SendEchoes(const Napi::CallbackInfo& info);
  Napi::Value SetUdpPayload(const Napi::CallbackInfo& info);
  Napi::Value SendUdp(const Napi::CallbackInfo& info);
  const UdpPayload* udpPayload(uint8_t slot, uint16_t port) const {
    if (slot != UDP_USER_SLOT) return udp_[slot].set ? &udp_[slot] : nullptr;
    auto it = udpUser_.find(port);
    return it == udpUser_.end() ? nullptr : &it->second;
  }
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::unique_ptr<TxEngine> openLane(Napi::Env env, const std::string& iface, int queue);
  size_t transmit(Lane& lane, size_t n, const size_t* lens);
  // One frame per entry, built into the main lane BATCH at a time and handed to transmit():
  // frame(j, i, f) writes entry j's frame at f (i: its place in the batch, 0 opens a batch) and
  // returns its length. Adds what went to *counter; returns how many went, from the front (a
  // full kernel queue ends the call there).
  template <typename Frame>
  uint32_t sendEach(uint32_t count, uint64_t* counter, Frame frame) {
    Lane& lane = main_;
    size_t lens[BATCH];
    uint32_t total = 0;
    while (total < count) {
      size_t k = std::min<size_t>(BATCH, count - total);
      for (size_t i = 0; i < k; i++) {
        uint8_t* f = lane.frames.data() + i * REPLY_STRIDE;
        lens[i] = frame(total + i, i, f);
        lane.iov[i].iov_base = f;
      }
      size_t sent = transmit(lane, k, lens);
      total += (uint32_t)sent;
      *counter += sent;
      if (sent < k) break;
    }
    return total;
  }
  // One sendSyns batch: families and addrs6 are null when every target is IPv4.
  struct Targets {
    const uint32_t* ips; const uint16_t* ports; const uint8_t* slots; const uint8_t* families; const uint8_t* addrs6;
    Targets from(uint32_t k) const {
      return {ips + k, ports + k, slots + k, families ? families + k : nullptr, addrs6 ? addrs6 + 16 * (size_t)k : nullptr};
    }
  };
  uint32_t synRange(Lane& lane, const Targets& t, uint32_t n);
  void setSource(Napi::Env env, int family, const std::string& ip, const std::string& mac, const char* where,
                 uint32_t count = 1);
  void helperLoop();
  void shutdown();
  void checkOpen(Napi::Env env, const char* fn) {
    if (closed_) throw Napi::Error::New(env, std::string(fn) + ": sender is closed");
  }
  // The optional (families, addrs6) arguments at info[at], info[at + 1] of a call over count
  // targets, checked, and each target's family against the sources set (what says "target" or
  // "entry" in the messages). Absent: every target is IPv4, and *fam and *addrs6 stay null.
  void familyArgs(Napi::Env env, const Napi::CallbackInfo& info, size_t at, uint32_t count, const std::string& fn,
                  const char* what, const uint8_t** fam, const uint8_t** addrs6) {
    *fam = nullptr; *addrs6 = nullptr;
    if (info.Length() > at && !info[at].IsUndefined()) {
      size_t nf, na;
      *fam = typedArg<uint8_t>(env, info[at], napi_uint8_array, fn + ": families", &nf);
      *addrs6 = typedArg<uint8_t>(env, info[at + 1], napi_uint8_array, fn + ": addrs6", &na);
      if (count > nf) rangeError(env, fn + ": count is larger than families.length");
      if ((uint64_t)count * 16 > na) rangeError(env, fn + ": addrs6 must hold 16 bytes per " + what);
    }
    for (uint32_t i = 0; i < count; i++) {
      int f = *fam ? (*fam)[i] : 4;
      if (f != 4 && f != 6) rangeError(env, fn + ": families[" + std::to_string(i) + "] must be 4 or 6");
      if (f == 6 ? !has6_ : !has4_)
        throw Napi::Error::New(env, fn + ": " + what + " " + std::to_string(i) + " is IPv" + std::to_string(f) +
                               " but the sender has no IPv" + std::to_string(f) + " source (setSource)");
    }
  }
  // Each call's frames reach the file before it returns; a full disk is an error, not silence.
  void flushPcap(Napi::Env env, const char* fn) {
    if (!dumper_) return;
    // errno is not cleared here: a frame's fwrite that failed earlier in this call left its
    // cause (ENOSPC) there, and a flush with nothing left to write succeeds without setting it.
    int rc = pcap_dump_flush(dumper_);
    if (rc < 0 || ferror(pcap_dump_file(dumper_)))  // a write may have failed before the flush
      throw Napi::Error::New(env, std::string(fn) + ": writing the pcap file failed" +
                             (errno ? std::string(": ") + strerror(errno) : std::string()));
  }

  bool closed_ = false;
  bool live_ = false;
  int ifindex_ = 0;
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  // 0 on Ethernet; ETH_HLEN on a layer-3 link (tun, WireGuard, PPP: options.linkHeader false),
  // where the frames, built with their Ethernet header as everywhere, leave from the IP header
  // on and the pcap file is DLT_RAW (the sendmmsg engine names each packet's protocol).
  size_t linkSkip_ = 0;
  TxKind engine_ = TxKind::Mmsg;
  int lanes_ = 1;
  uint8_t srcMac_[6], dstMac_[6];
  uint32_t srcIp_ = 0;
  // IPv6: our address and the next hop's MAC, when the sender has an IPv6 source.
  uint8_t srcIp6_[16] = {0}, dstMac6_[6] = {0};
  bool has4_ = false, has6_ = false;
  // --source-ip ranges: srcCount_ addresses from srcIp_ (IPv6: the last 32 bits counted on
  // from srcIp6_'s, no carry past them), each target's from cookieSrcIndex. 1: one address.
  uint32_t srcCount_ = 1, srcCount6_ = 1;
  void source6(uint32_t index, uint8_t out[16]) const {
    memcpy(out, srcIp6_, 16);
    uint32_t low = ((uint32_t)out[12] << 24 | out[13] << 16 | out[14] << 8 | out[15]) + index;
    out[12] = low >> 24; out[13] = (low >> 16) & 0xff; out[14] = (low >> 8) & 0xff; out[15] = low & 0xff;
  }
  SynLayout layout_ = SynLayout::Linux;
  uint8_t ttl_ = 64;
  SipKey key_{};
  uint32_t sportBase_ = 0, sportCount_ = 0;
  uint16_t probeWindow_ = 65535;   // a request's window 0 means this one
  SynTemplate syn_{};
  NeighborTable neighbors_;
  Syn6Template syn6_{};
  EchoTemplate echo_{};     // ICMP echo requests (frame-icmp.h)
  Echo6Template echo6_{};
  UdpPayload udp_[UDP_SLOTS];                         // UDP payloads by slot (frame-udp.h) ...
  std::unordered_map<uint16_t, UdpPayload> udpUser_;  // ... and slot 15's, by port (--udp-payloads)
  Probe probes_[CODES];   // by probe code: slot + 16 * variant
  Lane main_, aux_;
  uint64_t repliesSent_ = 0, repliesRejected_ = 0, resolvesSent_ = 0, echoesSent_ = 0, udpSent_ = 0;
  std::vector<size_t> frameAt_;  // sendReplies: where each frame of the call starts
  // A request's address pair: IPv4 numbers, or the frame's 16-byte fields (IPv6).
  struct Peer { bool v6; uint32_t saddr, daddr; const uint8_t* saddr6; const uint8_t* daddr6; };
  bool replyOk(const uint8_t* r, Peer* p) const;
  // One reply segment to p's target, of p's family (frame.h, frame6.h).
  size_t segment(Lane& lane, uint8_t* f, const Peer& p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, uint16_t window, const Timestamps& ts, const uint8_t* payload, size_t plen) {
    size_t n;
    if (p.v6) {
      n = buildSegment6(f, srcMac_, dstMac6_, p.saddr6, p.daddr6, ttl_, sport, dport, seq, ack, flags, window,
                        ts, payload, plen);
      neighbors_.patch6(f, p.daddr6);
    } else {
      n = buildSegment(f, srcMac_, dstMac_, p.saddr, p.daddr, ttl_, lane.nextId(), sport, dport, seq, ack, flags,
                       window, ts, payload, plen);
      neighbors_.patch4(f, p.daddr);
    }
    return n;
  }

  // The helper thread (live mode only): takes the second half of a large sendSyns batch.
  std::thread helper_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool jobReady_ = false, jobDone_ = false, stop_ = false;
  // The batch being shared: both lanes take chunks of BATCH targets in turn (work stealing, so a
  // lane that loses its core does not leave the other waiting at the end).
  Targets job_{};
  uint32_t jN_ = 0, jChunks_ = 0;
  std::atomic<uint32_t> jNext_{0};
  std::atomic<bool> jHalt_{false};
  std::vector<uint32_t> jSent_;  // frames sent per chunk
  void runChunks(Lane& lane);
};

static uint64_t seedRng() {
  uint64_t s = 0;
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd >= 0) { if (read(fd, &s, sizeof s) != sizeof s) s = 0; close(fd); }
  struct timeval tv; gettimeofday(&tv, nullptr);
  s ^= ((uint64_t)tv.tv_sec << 20) ^ (uint64_t)tv.tv_usec ^ ((uint64_t)getpid() << 40);
  return s ? s : 0x9e3779b97f4a7c15ULL;
}

// One lane's engine on the interface (queue: the lane's number). A missing privilege says how
// to get it (code EPERM); any other failure names the engine and what failed (code EENGINE).
std::unique_ptr<TxEngine> Sender::openLane(Napi::Env env, const std::string& iface, int queue) {
  try {
    return openTx(engine_, ifindex_, queue, linkSkip_ != 0);
  } catch (const TxOpenError& e) {
    bool perm = e.err == EPERM || e.err == EACCES;
    std::string others;
    for (TxKind k : {TxKind::Mmsg, TxKind::Ring, TxKind::Xdp})
      if (k != engine_) others += std::string(others.empty() ? "" : " or ") + txKindName(k);
    Napi::Error err = Napi::Error::New(env, perm && e.what.rfind("socket(", 0) == 0
      ? std::string("Sender: opening ") + (engine_ == TxKind::Xdp ? "an AF_XDP" : "an AF_PACKET") +
        " socket needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the node binary)"
      : std::string("Sender: the ") + txKindName(engine_) + " engine cannot start on " + iface + ": " + e.what +
        (e.err ? std::string(": ") + strerror(e.err) : std::string()) + "; another engine may: " + others);
    err.Set("code", Napi::String::New(env, perm ? "EPERM" : "EENGINE"));
    err.Set("engine", Napi::String::New(env, txKindName(engine_)));
    throw err;
  }
}

Sender::Sender(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sender>(info) {
  Napi::Env env = info.Env();
  Napi::Object o = objArg(env, info, 0, "Sender: options");
  bool hasIface = o.Has("iface") && !o.Get("iface").IsUndefined();
  bool hasPcap = o.Has("pcapFile") && !o.Get("pcapFile").IsUndefined();
  if (hasIface == hasPcap) typeError(env, "Sender: give exactly one of options.iface and options.pcapFile");
  std::string s = strArg(env, o.Get("srcMac"), "Sender: options.srcMac");
  if (!parseMac(s, srcMac_)) typeError(env, "Sender: options.srcMac is not a MAC address: " + s);
  std::string dstMac = strArg(env, o.Get("dstMac"), "Sender: options.dstMac");
  ttl_ = (uint8_t)intArg(env, o.Get("ttl"), 1, 255, "Sender: options.ttl");
  s = strArg(env, o.Get("synOptions"), "Sender: options.synOptions");
  if (!parseSynLayout(s, &layout_)) typeError(env, "Sender: options.synOptions must be linux, windows, bsd or none");
  bool has4 = o.Has("srcIp") && !o.Get("srcIp").IsUndefined(), has6 = o.Has("srcIp6") && !o.Get("srcIp6").IsUndefined();
  if (!has4 && !has6) typeError(env, "Sender: give options.srcIp (IPv4), options.srcIp6 (IPv6) or both");
  auto countOpt = [&](const char* name) -> uint32_t {
    if (!o.Has(name) || o.Get(name).IsUndefined()) return 1;
    return (uint32_t)intArg(env, o.Get(name), 1, 1 << 24, (std::string("Sender: options.") + name).c_str());
  };
  if (has4) setSource(env, 4, strArg(env, o.Get("srcIp"), "Sender: options.srcIp"), dstMac, "Sender: options.srcIp",
                      countOpt("srcCount"));
  else if (!parseMac(dstMac, dstMac_)) typeError(env, "Sender: options.dstMac is not a MAC address: " + dstMac);
  if (has6) {
    bool own = o.Has("dstMac6") && !o.Get("dstMac6").IsUndefined();
    setSource(env, 6, strArg(env, o.Get("srcIp6"), "Sender: options.srcIp6"),
              own ? strArg(env, o.Get("dstMac6"), "Sender: options.dstMac6") : dstMac, "Sender: options.srcIp6",
              countOpt("srcCount6"));
  }
  size_t klen;
  uint8_t* key = typedArg<uint8_t>(env, o.Get("key"), napi_uint8_array, "Sender: options.key", &klen);
  if (klen != 16) rangeError(env, "Sender: options.key must be 16 bytes");
  key_ = sipKey(key);
  sportBase_ = (uint32_t)intArg(env, o.Get("sportBase"), 1, 65535, "Sender: options.sportBase");
  sportCount_ = (uint32_t)intArg(env, o.Get("sportCount"), 1, 65536 - sportBase_, "Sender: options.sportCount");
  if (o.Has("probeWindow") && !o.Get("probeWindow").IsUndefined())
    probeWindow_ = (uint16_t)intArg(env, o.Get("probeWindow"), 1, 65535, "Sender: options.probeWindow");
  if (o.Has("linkHeader") && !o.Get("linkHeader").IsUndefined()) {
    if (!o.Get("linkHeader").IsBoolean()) typeError(env, "Sender: options.linkHeader must be a boolean");
    if (!o.Get("linkHeader").As<Napi::Boolean>().Value()) linkSkip_ = ETH_HLEN;
  }
  if (o.Has("engine") && !o.Get("engine").IsUndefined()) {   // checked in pcap mode too, unused there
    std::string e = strArg(env, o.Get("engine"), "Sender: options.engine");
    if (!parseTxKind(e, &engine_)) typeError(env, "Sender: options.engine must be sendmmsg, tx-ring or xdp: " + e);
  }
  main_.rng = seedRng();
  aux_.rng = seedRng() ^ 0x5851f42d4c957f2dULL;

  if (hasPcap) {
    std::string file = strArg(env, o.Get("pcapFile"), "Sender: options.pcapFile");
    if (file.empty()) typeError(env, "Sender: options.pcapFile is empty");
    dead_ = pcap_open_dead(linkSkip_ ? DLT_RAW : DLT_EN10MB, PCAP_SNAPLEN);
    dumper_ = dead_ ? pcap_dump_open(dead_, file.c_str()) : nullptr;
    if (!dumper_) {
      std::string why = dead_ ? pcap_geterr(dead_) : "pcap_open_dead failed";
      if (dead_) pcap_close(dead_);
      dead_ = nullptr;
      throw Napi::Error::New(env, "Sender: cannot write pcap file " + file + ": " + why);
    }
    return;
  }
  std::string iface = strArg(env, o.Get("iface"), "Sender: options.iface");
  if (iface.empty() || iface.size() >= IFNAMSIZ) typeError(env, "Sender: options.iface is not an interface name");
  ifindex_ = (int)if_nametoindex(iface.c_str());
  if (!ifindex_) throw Napi::Error::New(env, "Sender: no such interface: " + iface);
  int lanes = 2;
  if (o.Has("lanes") && !o.Get("lanes").IsUndefined())
    lanes = (int)intArg(env, o.Get("lanes"), 1, 2, "Sender: options.lanes");
  // AF_XDP binds each lane to a queue of its own: one lane on a single-queue interface.
  if (engine_ == TxKind::Xdp && lanes == 2 && txQueues(ifindex_) < 2) lanes = 1;
  live_ = true;
  main_.tx = openLane(env, iface, 0);
  if (lanes == 2) {
    try { aux_.tx = openLane(env, iface, 1); } catch (...) { main_.tx.reset(); throw; }
    helper_ = std::thread([this] { helperLoop(); });
  }
  lanes_ = lanes;
}

void Sender::shutdown() {
  if (closed_) return;
  closed_ = true;
  if (helper_.joinable()) {
    { std::lock_guard<std::mutex> g(mu_); stop_ = true; }
    cv_.notify_all();
    helper_.join();
  }
  for (Lane* l : {&main_, &aux_}) {
    if (l->tx) l->tx->drain();   // a ring may still hold frames the kernel pushed back
    l->tx.reset();
  }
  if (dumper_) pcap_dump_close(dumper_);
  if (dead_) pcap_close(dead_);
  dumper_ = nullptr; dead_ = nullptr;
}

// Hands n built frames to the kernel (or the pcap file); returns how many went, from the front.
size_t Sender::transmit(Lane& lane, size_t n, const size_t* lens) {
  if (n == 0) return 0;
  if (dumper_) {
    struct pcap_pkthdr h;
    struct timeval tv; gettimeofday(&tv, nullptr);
    for (size_t i = 0; i < n; i++) {
      h.ts = tv; h.caplen = h.len = (bpf_u_int32)(lens[i] - linkSkip_);
      pcap_dump((u_char*)dumper_, &h, (const u_char*)lane.iov[i].iov_base + linkSkip_);
      lane.bytes += lens[i] - linkSkip_;
    }
    lane.sent += n;
    return n;
  }
  for (size_t i = 0; i < n; i++) {
    if (linkSkip_) lane.iov[i].iov_base = (uint8_t*)lane.iov[i].iov_base + ETH_HLEN;  // layer 3: from the IP header
    lane.iov[i].iov_len = lens[i] - linkSkip_;
  }
  size_t done = lane.tx->send(lane.iov.data(), n, &lane.errors);
  for (size_t i = 0; i < done; i++) lane.bytes += lens[i] - linkSkip_;
  lane.sent += done;
  return done;
}

uint32_t Sender::synRange(Lane& lane, const Targets& t, uint32_t n) {
  size_t lens[BATCH];
  uint32_t total = 0;
  while (total < n) {
    size_t k = std::min<size_t>(BATCH, n - total);
    for (size_t i = 0; i < k; i++) {
      size_t j = total + i;
      uint16_t dport = t.ports[j];
      uint8_t* f = lane.frames.data() + i * SYN_STRIDE;
      if (t.families && t.families[j] == 6) {
        const uint8_t* daddr = t.addrs6 + 16 * j;
        uint8_t sa[16];
        uint32_t idx = cookieSrcIndex6(key_, daddr, dport, srcCount6_);
        source6(idx, sa);
        uint16_t sport = cookieSport6(key_, sa, daddr, dport, t.slots[j], sportBase_, sportCount_);
        patchSyn6(f, syn6_, daddr, dport, sport, cookieIsn6(key_, sa, daddr, sport, dport));
        neighbors_.patch6(f, daddr);
        if (idx) {   // another address of the range than the template's: patch it in (saddr at 22)
          replaceChecksummed(f, 22, sa, 16, 70);
          memcpy(f + 22, sa, 16);
        }
        lens[i] = syn6_.len;
      } else {
        uint32_t daddr = t.ips[j];
        uint32_t idx = cookieSrcIndex(key_, daddr, dport, srcCount_), sa = srcIp_ + idx;
        uint16_t sport = cookieSport(key_, sa, daddr, dport, t.slots[j], sportBase_, sportCount_);
        patchSyn(f, syn_, daddr, dport, sport, cookieIsn(key_, sa, daddr, sport, dport), lane.nextId());
        neighbors_.patch4(f, daddr);
        if (idx) {   // saddr at 26, in the IP header checksum (24) and the TCP pseudo header (50)
          uint8_t b[4] = {(uint8_t)(sa >> 24), (uint8_t)(sa >> 16), (uint8_t)(sa >> 8), (uint8_t)sa};
          replaceChecksummed(f, 26, b, 4, 24);
          replaceChecksummed(f, 26, b, 4, 50);
          memcpy(f + 26, b, 4);
        }
        lens[i] = syn_.len;
      }
      lane.iov[i].iov_base = f;
    }
    size_t sent = transmit(lane, k, lens);
    total += (uint32_t)sent;
    if (sent < k) break;
  }
  return total;
}

// Takes chunks of the shared batch until none is left or a lane met back-pressure.
void Sender::runChunks(Lane& lane) {
  while (!jHalt_.load(std::memory_order_relaxed)) {
    uint32_t c = jNext_.fetch_add(1);
    if (c >= jChunks_) break;
    uint32_t from = c * (uint32_t)BATCH, len = std::min<uint32_t>((uint32_t)BATCH, jN_ - from);
    uint32_t sent = synRange(lane, job_.from(from), len);
    jSent_[c] = sent;
    if (sent < len) jHalt_.store(true);
  }
}

void Sender::helperLoop() {
  std::unique_lock<std::mutex> g(mu_);
  for (;;) {
    cv_.wait(g, [this] { return jobReady_ || stop_; });
    if (stop_) return;
    jobReady_ = false;
    g.unlock();
    runChunks(aux_);
    g.lock();
    jobDone_ = true;
    cv_.notify_all();
  }
}

Napi::Value Sender::SendSyns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "sendSyns");
  size_t nIps, nPorts, nSlots;
  const uint32_t* ips = typedArg<uint32_t>(env, info[0], napi_uint32_array, "sendSyns: ips", &nIps);
  const uint16_t* ports = typedArg<uint16_t>(env, info[1], napi_uint16_array, "sendSyns: ports", &nPorts);
  const uint8_t* slots = typedArg<uint8_t>(env, info[2], napi_uint8_array, "sendSyns: slots", &nSlots);
  uint32_t count = (uint32_t)intArg(env, info[3], 0, 0xffffffffLL, "sendSyns: count");
  if (count > nIps) rangeError(env, "sendSyns: count is larger than ips.length");
  if (count > nPorts) rangeError(env, "sendSyns: count is larger than ports.length");
  if (count > nSlots) rangeError(env, "sendSyns: count is larger than slots.length");
  Targets t{ips, ports, slots, nullptr, nullptr};
  for (uint32_t i = 0; i < count; i++) {
    if (slots[i] >= SLOTS && (slots[i] % SLOTS != VARIANT_SLOT || slots[i] >= CODES))
      rangeError(env, "sendSyns: slots[" + std::to_string(i) + "] must be 0..15, or 13 + 16 * variant (variant < 10)");
  }
  familyArgs(env, info, 4, count, "sendSyns", "target", &t.families, &t.addrs6);
  uint32_t sent;
  if (live_ && aux_.tx && count >= SPLIT_MIN) {
    // Two lanes in parallel, taking chunks of the batch in turn. The count returned is the
    // prefix of whole chunks sent, plus the part of the first short one. Chunks beyond it that the
    // other lane did send are offered again by the caller: a duplicate SYN is harmless (same
    // cookie), a lost one is not.
    {
      std::lock_guard<std::mutex> g(mu_);
      job_ = t; jN_ = count;
      jChunks_ = (count + (uint32_t)BATCH - 1) / (uint32_t)BATCH;
      jSent_.assign(jChunks_, 0);
      jNext_.store(0); jHalt_.store(false);
      jobReady_ = true; jobDone_ = false;
    }
    cv_.notify_all();
    runChunks(main_);
    std::unique_lock<std::mutex> g(mu_);
    cv_.wait(g, [this] { return jobDone_; });
    sent = 0;
    for (uint32_t c = 0; c < jChunks_; c++) {
      sent += jSent_[c];
      if (jSent_[c] < std::min<uint32_t>((uint32_t)BATCH, count - c * (uint32_t)BATCH)) break;
    }
  } else {
    sent = synRange(main_, t, count);
  }
  flushPcap(env, "sendSyns");
  return Napi::Number::New(env, sent);
}

// The target's address as a probe's {ip} takes it: dotted IPv4, or IPv6 in brackets.
static size_t addressText(bool v6, uint32_t a, const uint8_t* a6, uint8_t* out, bool bare = false) {
  if (v6 && bare) {   // without its brackets (a TLS server_name)
    uint8_t b[64];
    size_t n = bracketedAddr6(a6, b);
    memcpy(out, b + 1, n - 2);
    return n - 2;
  }
  if (v6) return bracketedAddr6(a6, out);
  return (size_t)snprintf((char*)out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static bool allZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) if (p[i]) return false;
  return true;
}

// A request this sender may act on: a kind it implements, from our address of its family (IPv4:
// the first 4 bytes of the field, the rest zero; IPv6: all 16, the target's keyed address of our
// range), and the cookie of a connection it started (ACK_PROBE: seq = ISN+1 on the keyed port of
// the slot; RST, ACK_DATA, ACK_PAYLOAD: seq = ISN+1+d, d <= MAX_PROBE_LEN). RST_LATER waits in
// blast's timed queue (shared/blast/rst-timer.ts), which hands it over as an RST: here it is
// refused. The caller checked the frame's MAC; this is the check that would hold even without
// it. Fills *p with the request's addresses.
bool Sender::replyOk(const uint8_t* r, Peer* p) const {
  namespace at = reply::at;
  uint8_t kind = r[at::kind], slot = r[at::slot];
  if (kind != reply::ACK_PROBE && kind != reply::RST && kind != reply::ACK_DATA && kind != reply::ACK_PAYLOAD) return false;
  if ((get16(r + at::payload_len) != 0) != (kind == reply::ACK_PAYLOAD)) return false;
  if (r[at::wscale] > 14 || (r[at::flags] & ~reply::F_TS) != 0) return false;
  uint16_t dport = get16(r + at::dport), sport = get16(r + at::sport);
  uint32_t seq = get32(r + at::seq);
  uint32_t isn;
  int keyed;
  if (r[at::family] == 6) {
    *p = Peer{true, 0, 0, r + at::saddr, r + at::daddr};
    uint8_t want[16];
    if (!has6_) return false;
    source6(cookieSrcIndex6(key_, p->daddr6, dport, srcCount6_), want);
    if (memcmp(p->saddr6, want, 16) != 0) return false;   // the target's keyed address of our range
    isn = cookieIsn6(key_, p->saddr6, p->daddr6, sport, dport);
    keyed = cookieCheckSport6(key_, p->saddr6, p->daddr6, dport, sport, sportBase_, sportCount_);
  } else {
    if (r[at::family] != 4 || !allZero(r + at::daddr + 4, reply::ADDR_LEN - 4) ||
        !allZero(r + at::saddr + 4, reply::ADDR_LEN - 4))
      return false;
    *p = Peer{false, get32(r + at::saddr), get32(r + at::daddr), nullptr, nullptr};
    if (!has4_ || p->saddr != srcIp_ + cookieSrcIndex(key_, p->daddr, dport, srcCount_)) return false;
    isn = cookieIsn(key_, p->saddr, p->daddr, sport, dport);
    keyed = cookieCheckSport(key_, p->saddr, p->daddr, dport, sport, sportBase_, sportCount_);
  }
  if (keyed < 0) return false;
  if (kind == reply::ACK_PROBE) return seq == isn + 1 && slot < CODES && keyed == (sportCount_ / SLOTS ? (int)slot : 0);
  return (uint32_t)(seq - isn - 1) <= MAX_PROBE_LEN;
}

Napi::Value Sender::SendReplies(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "sendReplies");
  size_t len;
  const uint8_t* req = typedArg<uint8_t>(env, info[0], napi_uint8_array, "sendReplies: frames", &len);
  uint32_t count = (uint32_t)intArg(env, info[1], 0, 0xffffffffLL, "sendReplies: count");
  // The frames lie back to back, each as long as its length field says: walk them all first,
  // so a bad buffer is an error before anything is sent.
  if (count > len / reply::MIN_FRAME) rangeError(env, "sendReplies: count frames cannot fit in frames.length bytes");
  frameAt_.resize(count);
  for (size_t i = 0, off = 0; i < count; i++) {
    size_t fl = len - off >= reply::MIN_FRAME ? get16(req + off + reply::at::length) : 0;
    if (fl < reply::MIN_FRAME || fl > reply::MAX_FRAME || fl > len - off ||
        get16(req + off + reply::at::payload_len) != fl - reply::MIN_FRAME)
      rangeError(env, "sendReplies: frame " + std::to_string(i) + " has a bad length or runs past frames.length");
    frameAt_[i] = off;
    off += fl;
  }
  namespace at = reply::at;
  Lane& lane = main_;
  size_t lens[BATCH];
  uint32_t reqOf[BATCH];
  uint32_t i = 0;
  uint8_t payload[MAX_PROBE_LEN + 16];
  std::vector<uint32_t> rejected;  // request indices rejected in this batch
  while (i < count) {
    size_t k = 0;
    rejected.clear();
    for (; i < count && k < BATCH; i++) {
      const uint8_t* r = req + frameAt_[i];
      Peer peer;
      if (!replyOk(r, &peer)) { rejected.push_back(i); continue; }
      uint8_t kind = r[at::kind], slot = r[at::slot];
      uint16_t dport = get16(r + at::dport), sport = get16(r + at::sport);
      uint32_t seq = get32(r + at::seq), ack = get32(r + at::ack);
      uint16_t window = get16(r + at::window);
      if (window == 0) window = probeWindow_;
      Timestamps ts{(r[at::flags] & reply::F_TS) != 0, get32(r + at::tsval), get32(r + at::tsecr)};
      uint8_t* f = lane.frames.data() + k * REPLY_STRIDE;
      if (kind == reply::ACK_PROBE) {
        const Probe& p = probes_[slot];
        size_t plen = 0;
        memcpy(payload, p.before.data(), p.before.size()); plen = p.before.size();
        if (p.hasAfter) {
          size_t alen = addressText(peer.v6, peer.daddr, peer.daddr6, payload + plen, p.bare);
          plen += alen;
          memcpy(payload + plen, p.after.data(), p.after.size()); plen += p.after.size();
          for (uint16_t o : p.fix) {   // setProbe checked o + 1 < before's length
            uint16_t v = (uint16_t)(get16(payload + o) + alen);
            payload[o] = (uint8_t)(v >> 8); payload[o + 1] = (uint8_t)v;
          }
        }
        lens[k] = segment(lane, f, peer, sport, dport, seq, ack, plen ? tcpflag::PSH | tcpflag::ACK : tcpflag::ACK,
                          window, ts, payload, plen);
      } else if (kind == reply::ACK_DATA) {
        lens[k] = segment(lane, f, peer, sport, dport, seq, ack, tcpflag::ACK, window, ts, nullptr, 0);
      } else if (kind == reply::ACK_PAYLOAD) {
        lens[k] = segment(lane, f, peer, sport, dport, seq, ack, tcpflag::PSH | tcpflag::ACK, window, ts,
                          r + at::payload, get16(r + at::payload_len));
      } else {
        lens[k] = segment(lane, f, peer, sport, dport, seq, ack, tcpflag::RST | tcpflag::ACK, 0, ts, nullptr, 0);
      }
      lane.iov[k].iov_base = f;
      reqOf[k] = i;
      k++;
    }
    size_t sent = transmit(lane, k, lens);
    repliesSent_ += sent;
    // Consumed: everything before the first unsent frame's request (the caller offers the rest
    // again, so rejections after it are counted then, not now).
    uint32_t consumed = sent < k ? reqOf[sent] : i;
    for (uint32_t r : rejected) if (r < consumed) repliesRejected_++;
    if (sent < k) {
      flushPcap(env, "sendReplies");
      return Napi::Number::New(env, consumed);
    }
  }
  flushPcap(env, "sendReplies");
  return Napi::Number::New(env, count);
}

// The source address of one family and the MAC of its next hop; (re)builds that family's SYN
// template. where names the argument in errors.
void Sender::setSource(Napi::Env env, int family, const std::string& ip, const std::string& mac, const char* where,
                       uint32_t count) {
  uint8_t m[6];
  std::string w(where);
  if (!parseMac(mac, m)) typeError(env, w + ": the next hop's MAC is not a MAC address: " + mac);
  if (family == 4) {
    if (!parseIpv4(ip, &srcIp_)) typeError(env, w + " is not an IPv4 address: " + ip);
    memcpy(dstMac_, m, 6);
    if (count - 1 > 0xffffffffu - srcIp_) rangeError(env, w + ": the range of " + std::to_string(count) + " addresses runs past 255.255.255.255");
    srcCount_ = count;
    buildSynTemplate(&syn_, srcMac_, dstMac_, srcIp_, ttl_, layout_);
    buildEchoTemplate(&echo_, srcMac_, dstMac_, srcIp_, ttl_);
    has4_ = true;
  } else {
    if (!parseIpv6(ip, srcIp6_)) typeError(env, w + " is not an IPv6 address: " + ip);
    memcpy(dstMac6_, m, 6);
    uint32_t low = (uint32_t)srcIp6_[12] << 24 | srcIp6_[13] << 16 | srcIp6_[14] << 8 | srcIp6_[15];
    if (count - 1 > 0xffffffffu - low) rangeError(env, w + ": an IPv6 range may only vary the last 32 bits");
    srcCount6_ = count;
    buildSyn6Template(&syn6_, srcMac_, dstMac6_, srcIp6_, ttl_, layout_);
    buildEcho6Template(&echo6_, srcMac_, dstMac6_, srcIp6_, ttl_);
    has6_ = true;
  }
}

Napi::Value Sender::SetSource(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "setSource");
  int family = (int)intArg(env, info[0], 4, 6, "setSource: family");
  if (family == 5) rangeError(env, "setSource: family must be 4 or 6");
  uint32_t count = info.Length() > 3 && !info[3].IsUndefined()
    ? (uint32_t)intArg(env, info[3], 1, 1 << 24, "setSource: count") : 1;
  setSource(env, family, strArg(env, info[1], "setSource: srcIp"), strArg(env, info[2], "setSource: dstMac"),
            "setSource: srcIp", count);
  return env.Undefined();
}

// setNeighbors(ips, macs, count[, families, addrs6]): entry i's MAC is macs[6i, 6i+6); its address
// ips[i], or with families[i] = 6 the 16 bytes at 16i of addrs6. Adds or replaces entries.
Napi::Value Sender::SetNeighbors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "setNeighbors");
  size_t nIps, nMacs;
  const uint32_t* ips = typedArg<uint32_t>(env, info[0], napi_uint32_array, "setNeighbors: ips", &nIps);
  const uint8_t* macs = typedArg<uint8_t>(env, info[1], napi_uint8_array, "setNeighbors: macs", &nMacs);
  uint32_t count = (uint32_t)intArg(env, info[2], 0, 0xffffffffLL, "setNeighbors: count");
  if (count > nIps) rangeError(env, "setNeighbors: count is larger than ips.length");
  if ((uint64_t)count * 6 > nMacs) rangeError(env, "setNeighbors: macs must hold 6 bytes per entry");
  const uint8_t *fam = nullptr, *addrs6 = nullptr;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    size_t nf, na;
    fam = typedArg<uint8_t>(env, info[3], napi_uint8_array, "setNeighbors: families", &nf);
    addrs6 = typedArg<uint8_t>(env, info[4], napi_uint8_array, "setNeighbors: addrs6", &na);
    if (count > nf) rangeError(env, "setNeighbors: count is larger than families.length");
    if ((uint64_t)count * 16 > na) rangeError(env, "setNeighbors: addrs6 must hold 16 bytes per entry");
    for (uint32_t i = 0; i < count; i++)
      if (fam[i] != 4 && fam[i] != 6) rangeError(env, "setNeighbors: families[" + std::to_string(i) + "] must be 4 or 6");
  }
  for (uint32_t i = 0; i < count; i++) {
    if (fam && fam[i] == 6) neighbors_.set6(addrs6 + 16 * (size_t)i, macs + 6 * (size_t)i);
    else neighbors_.set4(ips[i], macs + 6 * (size_t)i);
  }
  return Napi::Number::New(env, (double)neighbors_.size());
}

// sendResolves(ips, count[, families, addrs6, from6]): one ARP request (IPv4, from our first
// source address) or Neighbor Solicitation (IPv6, from from6 when given: the link-local address,
// so the answer comes to an address the kernel owns; else our first IPv6 source) per entry.
// Returns how many went, from the front, as sendSyns.
Napi::Value Sender::SendResolves(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "sendResolves");
  size_t nIps;
  const uint32_t* ips = typedArg<uint32_t>(env, info[0], napi_uint32_array, "sendResolves: ips", &nIps);
  uint32_t count = (uint32_t)intArg(env, info[1], 0, 0xffffffffLL, "sendResolves: count");
  if (count > nIps) rangeError(env, "sendResolves: count is larger than ips.length");
  const uint8_t *fam, *addrs6;
  familyArgs(env, info, 2, count, "sendResolves", "entry", &fam, &addrs6);
  uint8_t from6[16];
  memcpy(from6, srcIp6_, 16);
  if (info.Length() > 4 && !info[4].IsUndefined()) {
    std::string s = strArg(env, info[4], "sendResolves: from6");
    if (!parseIpv6(s, from6)) typeError(env, "sendResolves: from6 is not an IPv6 address: " + s);
  }
  if (linkSkip_) throw Napi::Error::New(env, "sendResolves: a layer-3 link has no neighbours to ask");
  uint32_t total = sendEach(count, &resolvesSent_, [&](size_t j, size_t, uint8_t* fr) -> size_t {
    if (fam && fam[j] == 6) { buildSolicitation(fr, srcMac_, from6, addrs6 + 16 * j); return NS_LEN; }
    buildArpRequest(fr, srcMac_, srcIp_, ips[j]);
    return ARP_LEN;
  });
  flushPcap(env, "sendResolves");
  return Napi::Number::New(env, total);
}

// sendEchoes(ips, count[, families, addrs6]): one ICMP echo request per target, addressed as in
// sendSyns, each from the target's keyed address of a --source-ip range (sourceIndex with port 0)
// and to its neighbour's MAC on a LAN; identifier, sequence and payload from the echo cookie
// (frame-icmp.h), the send time read once per batch of BATCH. Returns how many went, from the front.
Napi::Value Sender::SendEchoes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "sendEchoes");
  size_t nIps;
  const uint32_t* ips = typedArg<uint32_t>(env, info[0], napi_uint32_array, "sendEchoes: ips", &nIps);
  uint32_t count = (uint32_t)intArg(env, info[1], 0, 0xffffffffLL, "sendEchoes: count");
  if (count > nIps) rangeError(env, "sendEchoes: count is larger than ips.length");
  const uint8_t *fam, *addrs6;
  familyArgs(env, info, 2, count, "sendEchoes", "target", &fam, &addrs6);
  uint64_t now = 0;
  uint32_t total = sendEach(count, &echoesSent_, [&](size_t j, size_t i, uint8_t* f) -> size_t {
    if (i == 0) { struct timeval tv; gettimeofday(&tv, nullptr); now = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec; }
    if (fam && fam[j] == 6) {
      const uint8_t* daddr = addrs6 + 16 * j;
      uint8_t sa[16];
      source6(cookieSrcIndex6(key_, daddr, 0, srcCount6_), sa);
      patchEcho6(f, echo6_, key_, sa, daddr, now);
      neighbors_.patch6(f, daddr);
      return ECHO6_LEN;
    }
    uint32_t daddr = ips[j], sa = srcIp_ + cookieSrcIndex(key_, daddr, 0, srcCount_);
    patchEcho(f, echo_, key_, sa, daddr, main_.nextId(), now);
    neighbors_.patch4(f, daddr);
    return ECHO_LEN;
  });
  flushPcap(env, "sendEchoes");
  return Napi::Number::New(env, total);
}

// setUdpPayload(slot, bytes, idOffset, idLen[, port]): the payload of UDP slot 0..15, its id
// field (idOffset -1 and idLen 0: none) zeroed and filled per datagram with the cookie's low
// idLen bytes (frame-udp.h). Slot 15 (--udp-payloads) takes one payload per port: port is
// required there and refused elsewhere.
Napi::Value Sender::SetUdpPayload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "setUdpPayload");
  int slot = (int)intArg(env, info[0], 0, UDP_SLOTS - 1, "setUdpPayload: slot");
  size_t n;
  const uint8_t* b = typedArg<uint8_t>(env, info[1], napi_uint8_array, "setUdpPayload: bytes", &n);
  if (n > MAX_PROBE_LEN) rangeError(env, "setUdpPayload: payload is longer than " + std::to_string(MAX_PROBE_LEN) + " bytes");
  int off = (int)intArg(env, info[2], -1, MAX_PROBE_LEN, "setUdpPayload: idOffset");
  int len = (int)intArg(env, info[3], 0, 4, "setUdpPayload: idLen");
  if (off < 0 ? len != 0 : ((len != 2 && len != 4) || (size_t)off + (size_t)len > n))
    rangeError(env, "setUdpPayload: the id field must be 2 or 4 bytes inside the payload (or idOffset -1, idLen 0)");
  bool hasPort = info.Length() > 4 && !info[4].IsUndefined();
  if (hasPort != (slot == UDP_USER_SLOT)) rangeError(env, "setUdpPayload: a port is given for slot 15, and for it only");
  if (hasPort) {
    uint16_t port = (uint16_t)intArg(env, info[4], 1, 65535, "setUdpPayload: port");
    setUdpPayload(&udpUser_[port], b, n, off, len);
  } else setUdpPayload(&udp_[slot], b, n, off, len);
  return env.Undefined();
}

// sendUdp(ips, ports, slots, count[, families, addrs6]): one datagram per target, addressed as in
// sendSyns (source address of a --source-ip range, neighbour MACs), its source port keyed for the
// payload slot slots[i] & 15 exactly as a SYN's for that slot (blast's ring marks UDP entries with
// the high bits), its payload that slot's (slot 15: the port's) with the cookie in its id field.
// Throws, sending nothing, for a slot (or port) without a payload or a family without a source.
// Returns how many went, from the front.
Napi::Value Sender::SendUdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "sendUdp");
  size_t nIps, nPorts, nSlots;
  const uint32_t* ips = typedArg<uint32_t>(env, info[0], napi_uint32_array, "sendUdp: ips", &nIps);
  const uint16_t* ports = typedArg<uint16_t>(env, info[1], napi_uint16_array, "sendUdp: ports", &nPorts);
  const uint8_t* slots = typedArg<uint8_t>(env, info[2], napi_uint8_array, "sendUdp: slots", &nSlots);
  uint32_t count = (uint32_t)intArg(env, info[3], 0, 0xffffffffLL, "sendUdp: count");
  if (count > nIps) rangeError(env, "sendUdp: count is larger than ips.length");
  if (count > nPorts) rangeError(env, "sendUdp: count is larger than ports.length");
  if (count > nSlots) rangeError(env, "sendUdp: count is larger than slots.length");
  const uint8_t *fam, *addrs6;
  familyArgs(env, info, 4, count, "sendUdp", "target", &fam, &addrs6);
  for (uint32_t i = 0; i < count; i++) {
    if (!udpPayload(slots[i] & 15, ports[i]))
      rangeError(env, "sendUdp: target " + std::to_string(i) + ": no payload for UDP slot " + std::to_string(slots[i] & 15) +
                 ((slots[i] & 15) == UDP_USER_SLOT ? " and port " + std::to_string(ports[i]) : std::string()) + " (setUdpPayload)");
  }
  uint8_t mac4[12], mac6[12];
  memcpy(mac4, dstMac_, 6); memcpy(mac4 + 6, srcMac_, 6);
  memcpy(mac6, dstMac6_, 6); memcpy(mac6 + 6, srcMac_, 6);
  uint32_t total = sendEach(count, &udpSent_, [&](size_t j, size_t, uint8_t* f) -> size_t {
    uint16_t dport = ports[j];
    uint8_t slot = slots[j] & 15;
    const UdpPayload& p = *udpPayload(slot, dport);
    if (fam && fam[j] == 6) {
      const uint8_t* daddr = addrs6 + 16 * j;
      uint8_t sa[16];
      source6(cookieSrcIndex6(key_, daddr, dport, srcCount6_), sa);
      uint16_t sport = cookieSport6(key_, sa, daddr, dport, slot, sportBase_, sportCount_);
      size_t len = buildUdp6(f, mac6, sa, daddr, sport, dport, ttl_, p, cookieIsn6(key_, sa, daddr, sport, dport));
      neighbors_.patch6(f, daddr);
      return len;
    }
    uint32_t daddr = ips[j], sa = srcIp_ + cookieSrcIndex(key_, daddr, dport, srcCount_);
    uint16_t sport = cookieSport(key_, sa, daddr, dport, slot, sportBase_, sportCount_);
    size_t len = buildUdp4(f, mac4, sa, daddr, sport, dport, ttl_, main_.nextId(), p, cookieIsn(key_, sa, daddr, sport, dport));
    neighbors_.patch4(f, daddr);
    return len;
  });
  flushPcap(env, "sendUdp");
  return Napi::Number::New(env, total);
}

Napi::Value Sender::SetProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "setProbe");
  int slot = (int)intArg(env, info[0], 0, CODES - 1, "setProbe: slot");
  if (slot >= SLOTS && slot % SLOTS != VARIANT_SLOT) rangeError(env, "setProbe: slot must be 0..15, or 13 + 16 * variant (variant < 10)");
  size_t nb, na = 0;
  const uint8_t* before = typedArg<uint8_t>(env, info[1], napi_uint8_array, "setProbe: before", &nb);
  const uint8_t* after = nullptr;
  bool hasAfter = info.Length() > 2 && !info[2].IsUndefined();
  if (hasAfter) after = typedArg<uint8_t>(env, info[2], napi_uint8_array, "setProbe: after", &na);
  size_t total = nb + na + (hasAfter ? MAX_ADDRESS_LEN : 0);
  if (total > MAX_PROBE_LEN)
    rangeError(env, "setProbe: probe is longer than " + std::to_string(MAX_PROBE_LEN) + " bytes (with the address: " +
               std::to_string(total) + ")");
  std::vector<uint16_t> fix;
  bool bare = false;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    size_t nfix;
    const uint16_t* f = typedArg<uint16_t>(env, info[3], napi_uint16_array, "setProbe: fix", &nfix);
    for (size_t i = 0; i < nfix; i++) {
      if (!hasAfter || (size_t)f[i] + 2 > nb) rangeError(env, "setProbe: fix offsets need after and must lie in before");
      fix.push_back(f[i]);
    }
  }
  if (info.Length() > 4 && !info[4].IsUndefined()) bare = info[4].ToBoolean().Value();
  Probe& p = probes_[slot];
  p.before.assign(before, before + nb);
  p.after.assign(after ? after : before, after ? after + na : before);
  p.hasAfter = hasAfter;
  p.fix = std::move(fix);
  p.bare = bare;
  return env.Undefined();
}

Napi::Value Sender::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("sent", Napi::Number::New(env, (double)(main_.sent + aux_.sent)));
  o.Set("bytes", Napi::Number::New(env, (double)(main_.bytes + aux_.bytes)));
  o.Set("errors", Napi::Number::New(env, (double)(main_.errors + aux_.errors)));
  o.Set("replies_sent", Napi::Number::New(env, (double)repliesSent_));
  o.Set("replies_rejected", Napi::Number::New(env, (double)repliesRejected_));
  o.Set("resolves_sent", Napi::Number::New(env, (double)resolvesSent_));
  o.Set("echoes_sent", Napi::Number::New(env, (double)echoesSent_));
  o.Set("udp_sent", Napi::Number::New(env, (double)udpSent_));
  if (live_) {
    std::string how = main_.tx ? main_.tx->detail() : std::string();
    o.Set("engine", Napi::String::New(env, std::string(txKindName(engine_)) + (how.empty() ? "" : " (" + how + ")")));
    o.Set("lanes", Napi::Number::New(env, lanes_));
  }
  return o;
}

Napi::Value Sender::Close(const Napi::CallbackInfo& info) {
  shutdown();
  return info.Env().Undefined();
}

void initSender(Napi::Env env, Napi::Object exports) {
  exports.Set("Sender", Sender::Define(env));
}

}  // namespace trawl
