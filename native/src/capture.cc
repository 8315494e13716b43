// Capture: libpcap live (nonblocking, BPF filter, wake-ups through a libuv poll on the pcap fd,
// ring sized by the caller) or offline (pcap and pcapng, "-" = stdin); packets are copied in
// batches into buffers the caller allocates.
//
// The live ring comes in two kinds, chosen by options.blockTimeoutMs:
// - above 0 (catch's default): TPACKET_V3 (PACKET_VERSION 2 in strace). libpcap turns immediate
//   mode off and packs packets one after another into blocks of 256 KiB (its largest snaplen),
//   so the ring's bytes hold as many packets as their sizes allow, whatever the snaplen. The
//   kernel hands a block over when it is full or, at the latest, blockTimeoutMs after its first
//   packet (its retire timer, tp_retire_blk_tov: libpcap passes pcap_set_timeout's value): the
//   poll wakes then, so a lone reply waits at most that long, and a block is handed over half empty
//   at low rates (the ring must have blocks for the time it absorbs, not only bytes).
// - 0 (the default here, blast's ARP/NDP capture): immediate mode, which makes libpcap use
//   TPACKET_V2 (PACKET_VERSION 1): every packet wakes the poll at once and takes a whole frame
//   sized by the snaplen (a power-of-two block at least snaplen + ~90 bytes), so the ring's
//   bytes are packets x frame (64 KiB frames for libpcap's default snaplen on veth, whose
//   GSO/GRO offloads make it size slots for 64 KiB: its default 2 MiB ring held ~32 packets).
// The kernel maps the whole ring at once and every page of it is resident from the start.
#include "common.h"
#include <pcap/pcap.h>
#include <uv.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <vector>
#include <deque>
#include <array>
#include <cerrno>

namespace trawl {

class Capture : public Napi::ObjectWrap<Capture> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Capture", {
      InstanceMethod("read", &Capture::Read),
      InstanceMethod("onReadable", &Capture::OnReadable),
      InstanceMethod("inject", &Capture::Inject),
      InstanceMethod("stats", &Capture::Stats),
      InstanceMethod("close", &Capture::Close),
      InstanceAccessor("linktype", &Capture::Linktype, nullptr),
    });
  }
  Capture(const Napi::CallbackInfo& info);
  ~Capture() { shutdown(); }

 private:
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value OnReadable(const Napi::CallbackInfo& info);
  Napi::Value Inject(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Linktype(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), linktype_); }

  void shutdown();
  [[noreturn]] void throwReadError(Napi::Env env) {
    Napi::Error e = Napi::Error::New(env, "read: " + error_);
    e.Set("frame", Napi::Number::New(env, (double)(offlineCount_ + 1)));
    throw e;
  }
  void checkOpen(Napi::Env env, const char* fn) {
    if (!p_) throw Napi::Error::New(env, std::string(fn) + ": capture is closed");
  }
  static void onPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes);
  static void onPoll(uv_poll_t* handle, int status, int events);

  // The batch being filled by read().
  struct Fill {
    Capture* self;
    uint8_t* buf; size_t bufLen, used;
    uint32_t* meta; double* times;
    uint32_t n, max;
    bool full;
    bool inDispatch;  // pcap_breakloop only inside pcap_dispatch, or the next dispatch returns at once
  };

  pcap_t* p_ = nullptr;
  bool live_ = false, eof_ = false;
  // A read error (a damaged record in a file): the packets before it are delivered first, then
  // every later read() throws it with the 1-based number of the frame that failed.
  std::string error_;
  int linktype_ = 0;
  uint64_t offlineCount_ = 0;
  // Packets read from libpcap that did not fit the caller's buffer, delivered first next time
  // (normally one: libpcap stops at pcap_breakloop; a queue in case a batch runs on).
  std::deque<std::pair<struct pcap_pkthdr, std::vector<uint8_t>>> pending_;

  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference cb_;
  Napi::AsyncContext* actx_ = nullptr;
  bool inCallback_ = false;
  bool refd_ = false;
  bool once_ = false;      // onReadable(cb, true): the poll stops after one callback until armed again
  napi_env env_ = nullptr;
};

Capture::Capture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Capture>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  Napi::Object o = objArg(env, info, 0, "Capture: options");
  bool hasIface = o.Has("iface") && !o.Get("iface").IsUndefined();
  bool hasFile = o.Has("file") && !o.Get("file").IsUndefined();
  if (hasIface == hasFile) typeError(env, "Capture: give exactly one of options.iface and options.file");
  int snaplen = 2048;
  int64_t bufferBytes = 64LL << 20;
  std::string filter;
  if (o.Has("snaplen") && !o.Get("snaplen").IsUndefined())
    snaplen = (int)intArg(env, o.Get("snaplen"), 64, 262144, "Capture: options.snaplen");
  if (o.Has("bufferBytes") && !o.Get("bufferBytes").IsUndefined())
    bufferBytes = intArg(env, o.Get("bufferBytes"), 1 << 16, 1LL << 31, "Capture: options.bufferBytes");
  if (o.Has("filter") && !o.Get("filter").IsUndefined())
    filter = strArg(env, o.Get("filter"), "Capture: options.filter");
  std::string direction = "inout";
  if (o.Has("direction") && !o.Get("direction").IsUndefined())
    direction = strArg(env, o.Get("direction"), "Capture: options.direction");
  if (direction != "in" && direction != "out" && direction != "inout")
    typeError(env, "Capture: options.direction must be in, out or inout");
  bool promisc = o.Has("promisc") && o.Get("promisc").ToBoolean().Value();
  int blockTimeoutMs = 0;
  if (o.Has("blockTimeoutMs") && !o.Get("blockTimeoutMs").IsUndefined())
    blockTimeoutMs = (int)intArg(env, o.Get("blockTimeoutMs"), 0, 1000, "Capture: options.blockTimeoutMs");
  // Ethernet multicast groups the live capture's socket joins (PACKET_ADD_MEMBERSHIP): frames
  // sent to them pass the NIC's filter while the capture is open, as for a group the kernel joined.
  std::vector<std::array<uint8_t, 6>> groups;
  if (o.Has("multicast") && !o.Get("multicast").IsUndefined()) {
    if (!o.Get("multicast").IsArray()) typeError(env, "Capture: options.multicast must be an array of MAC addresses");
    Napi::Array a = o.Get("multicast").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string m = strArg(env, a.Get(i), "Capture: options.multicast[" + std::to_string(i) + "]");
      std::array<uint8_t, 6> g;
      if (!parseMac(m, g.data()) || !(g[0] & 1))
        typeError(env, "Capture: options.multicast[" + std::to_string(i) + "] is not a multicast MAC address: " + m);
      groups.push_back(g);
    }
  }

  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  if (hasFile) {
    std::string file = strArg(env, o.Get("file"), "Capture: options.file");
    if (file.empty()) typeError(env, "Capture: options.file is empty");
    p_ = pcap_open_offline(file.c_str(), errbuf);
    if (!p_) throw Napi::Error::New(env, "Capture: cannot read " + file + ": " + errbuf);
  } else {
    std::string iface = strArg(env, o.Get("iface"), "Capture: options.iface");
    if (iface.empty()) typeError(env, "Capture: options.iface is empty");
    p_ = pcap_create(iface.c_str(), errbuf);
    if (!p_) throw Napi::Error::New(env, "Capture: " + iface + ": " + errbuf);
    live_ = true;
    pcap_set_snaplen(p_, snaplen);
    pcap_set_promisc(p_, promisc ? 1 : 0);
    if (blockTimeoutMs > 0) {
      pcap_set_immediate_mode(p_, 0);   // TPACKET_V3: blocks handed over full or after the timeout
      pcap_set_timeout(p_, blockTimeoutMs);
    } else {
      pcap_set_immediate_mode(p_, 1);   // TPACKET_V2: a frame per packet, handed over at once
    }
    pcap_set_buffer_size(p_, (int)bufferBytes);
    int rc = pcap_activate(p_);
    if (rc < 0) {
      std::string why = rc == PCAP_ERROR_PERM_DENIED ? "capturing needs CAP_NET_RAW (run as root)"
                      : rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface" : pcap_geterr(p_);
      pcap_close(p_); p_ = nullptr;
      Napi::Error err = Napi::Error::New(env, "Capture: " + iface + ": " + why);
      if (rc == PCAP_ERROR_PERM_DENIED) err.Set("code", Napi::String::New(env, "EPERM"));
      throw err;
    }
    if (pcap_setnonblock(p_, 1, errbuf) < 0) {
      pcap_close(p_); p_ = nullptr;
      throw Napi::Error::New(env, std::string("Capture: nonblocking mode: ") + errbuf);
    }
    for (const auto& g : groups) {
      struct packet_mreq mr;
      memset(&mr, 0, sizeof mr);
      mr.mr_ifindex = (int)if_nametoindex(iface.c_str());
      mr.mr_type = PACKET_MR_MULTICAST; mr.mr_alen = 6;
      memcpy(mr.mr_address, g.data(), 6);
      if (setsockopt(pcap_fileno(p_), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
        int e = errno;
        pcap_close(p_); p_ = nullptr;
        throw Napi::Error::New(env, std::string("Capture: joining multicast group ") + formatMac(g.data()) + ": " + strerror(e));
      }
    }
    if (direction != "inout") {
      if (pcap_setdirection(p_, direction == "in" ? PCAP_D_IN : PCAP_D_OUT) < 0) {
        std::string why = pcap_geterr(p_);
        pcap_close(p_); p_ = nullptr;
        throw Napi::Error::New(env, "Capture: direction: " + why);
      }
    }
  }
  if (!filter.empty()) {
    struct bpf_program prog;
    if (pcap_compile(p_, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0) {
      std::string why = pcap_geterr(p_);
      pcap_close(p_); p_ = nullptr;
      throw Napi::TypeError::New(env, "Capture: options.filter: " + why);
    }
    int rc = pcap_setfilter(p_, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
      std::string why = pcap_geterr(p_);
      pcap_close(p_); p_ = nullptr;
      throw Napi::Error::New(env, "Capture: setting the filter: " + why);
    }
  }
  linktype_ = pcap_datalink(p_);
}

void Capture::shutdown() {
  if (poll_) {
    uv_poll_stop(poll_);
    uv_close((uv_handle_t*)poll_, [](uv_handle_t* h) { delete (uv_poll_t*)h; });
    poll_ = nullptr;
  }
  if (!cb_.IsEmpty()) cb_.Reset();
  if (!inCallback_) { delete actx_; actx_ = nullptr; }  // else onPoll frees it after the call
  if (p_) pcap_close(p_);
  p_ = nullptr;
}

// Copies one packet into the caller's batch; when it does not fit, keeps it for the next read.
void Capture::onPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
  Fill* f = (Fill*)user;
  size_t caplen = h->caplen;
  if (f->full || f->used + caplen > f->bufLen) {
    if (f->n > 0) {  // keep it for the next call
      Capture* c = f->self;
      c->pending_.emplace_back(*h, std::vector<uint8_t>(bytes, bytes + caplen));
      f->full = true;
      if (f->inDispatch) pcap_breakloop(c->p_);
      return;
    }
    caplen = f->bufLen - f->used;  // larger than the whole buffer: truncated to what fits
  }
  memcpy(f->buf + f->used, bytes, caplen);
  f->meta[3 * f->n] = (uint32_t)f->used;
  f->meta[3 * f->n + 1] = (uint32_t)caplen;
  // A record claiming fewer bytes on the wire than it holds is taken at what it holds (the
  // TypeScript reader does the same).
  f->meta[3 * f->n + 2] = h->len > h->caplen ? h->len : h->caplen;
  // libpcap widens the file's 32-bit seconds with a sign: unsigned, they last until 2106.
  f->times[f->n] = (double)(uint32_t)h->ts.tv_sec * 1e6 + (double)h->ts.tv_usec;
  f->used += caplen;
  f->n++;
  // Reaching maxPackets needs no breakloop: pcap_dispatch is given the remaining count.
  if (f->n >= f->max || f->used >= f->bufLen) f->full = true;
}

Napi::Value Capture::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "read");
  size_t bufLen, metaLen, timesLen;
  uint8_t* buf = typedArg<uint8_t>(env, info[0], napi_uint8_array, "read: buf", &bufLen);
  uint32_t* meta = typedArg<uint32_t>(env, info[1], napi_uint32_array, "read: meta", &metaLen);
  double* times = typedArg<double>(env, info[2], napi_float64_array, "read: times", &timesLen);
  uint32_t max = (uint32_t)intArg(env, info[3], 1, 0x7fffffff, "read: maxPackets");
  if ((uint64_t)max * 3 > metaLen) rangeError(env, "read: meta must hold 3 * maxPackets entries");
  if (max > timesLen) rangeError(env, "read: times must hold maxPackets entries");
  if (bufLen == 0) rangeError(env, "read: buf is empty");
  if (!error_.empty() && pending_.empty()) throwReadError(env);
  Fill f{this, buf, bufLen, 0, meta, times, 0, max, false, false};
  while (!pending_.empty() && !f.full) {
    auto& pk = pending_.front();
    if (f.n > 0 && f.used + pk.first.caplen > f.bufLen) { f.full = true; break; }  // keep the order
    onPacket((u_char*)&f, &pk.first, pk.second.data());
    pending_.pop_front();
  }
  f.inDispatch = true;
  while (!f.full && !eof_) {
    int r = pcap_dispatch(p_, (int)(f.max - f.n), &Capture::onPacket, (u_char*)&f);
    // A break requested at the end of the previous batch can surface now, with no packet read:
    // it is cleared by being reported, so go on.
    if (r == PCAP_ERROR_BREAK) { if (f.full) break; continue; }
    if (r == PCAP_ERROR) {
      // pcap_dispatch reports the error even when it delivered packets before it: keep them.
      error_ = pcap_geterr(p_);
      if (error_.empty()) error_ = "read error";
      eof_ = true;
      break;
    }
    if (r == 0) {
      if (!live_) eof_ = true;
      break;
    }
  }
  offlineCount_ += f.n;
  if (f.n == 0 && eof_ && pending_.empty()) {
    if (!error_.empty()) throwReadError(env);
    return Napi::Number::New(env, -1);
  }
  return Napi::Number::New(env, f.n);
}

void Capture::onPoll(uv_poll_t* handle, int status, int events) {
  Capture* self = (Capture*)handle->data;
  if (!self || self->cb_.IsEmpty()) return;
  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  // MakeCallback so that promises resolved by the callback run before we return to libuv.
  // The callback may close() the capture: the async context stays alive until the call returns.
  Napi::AsyncContext* ctx = self->actx_;
  // One-shot: libpcap keeps the block it last read (TPACKET_V3) until the next read, so the
  // fd stays readable while JavaScript works on a batch, and a standing poll called back
  // without end (6.2 million callbacks, half a core, in a 30 s scan at 1000 SYNs/s).
  if (self->once_) uv_poll_stop(handle);
  self->inCallback_ = true;
  try {
    Napi::Function fn = self->cb_.Value();
    fn.MakeCallback(env.Global(), {}, *ctx);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(self->env_, e.Value());
  }
  self->inCallback_ = false;
  if (!self->p_ && self->actx_) { delete self->actx_; self->actx_ = nullptr; }
}

Napi::Value Capture::OnReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "onReadable");
  if (info.Length() < 1 || !info[0].IsFunction()) typeError(env, "onReadable: cb must be a function");
  if (!live_) throw Napi::Error::New(env, "onReadable: only for live captures (call read() until it returns -1 for files)");
  cb_ = Napi::Persistent(info[0].As<Napi::Function>());
  once_ = info.Length() > 1 && info[1].ToBoolean().Value();
  if (!actx_) actx_ = new Napi::AsyncContext(env, "trawl.Capture");
  if (poll_) uv_poll_start(poll_, UV_READABLE, &Capture::onPoll);   // armed again (one-shot) or a new cb
  else {
    int fd = pcap_get_selectable_fd(p_);
    if (fd < 0) throw Napi::Error::New(env, "onReadable: the capture has no selectable fd");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) throw Napi::Error::New(env, "onReadable: no event loop");
    poll_ = new uv_poll_t;
    if (uv_poll_init(loop, poll_, fd) != 0) {
      delete poll_; poll_ = nullptr;
      throw Napi::Error::New(env, "onReadable: uv_poll_init failed");
    }
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &Capture::onPoll);
    // While polling, the object must outlive any JS reference to it (until close()).
    Ref();
    refd_ = true;
  }
  return env.Undefined();
}

Napi::Value Capture::Inject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "inject");
  size_t len;
  const uint8_t* frame = typedArg<uint8_t>(env, info[0], napi_uint8_array, "inject: frame", &len);
  if (len < 14 || len > 65535) rangeError(env, "inject: frame must be 14..65535 bytes");
  if (!live_) throw Napi::Error::New(env, "inject: only for live captures");
  if (pcap_inject(p_, frame, len) < 0) throw Napi::Error::New(env, std::string("inject: ") + pcap_geterr(p_));
  return env.Undefined();
}

Napi::Value Capture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkOpen(env, "stats");
  Napi::Object o = Napi::Object::New(env);
  if (live_) {
    struct pcap_stat st;
    if (pcap_stats(p_, &st) < 0) throw Napi::Error::New(env, std::string("stats: ") + pcap_geterr(p_));
    o.Set("received", Napi::Number::New(env, st.ps_recv));
    o.Set("dropped", Napi::Number::New(env, st.ps_drop));
    o.Set("ifdropped", Napi::Number::New(env, st.ps_ifdrop));
  } else {
    o.Set("received", Napi::Number::New(env, (double)offlineCount_));
    o.Set("dropped", Napi::Number::New(env, 0));
    o.Set("ifdropped", Napi::Number::New(env, 0));
  }
  return o;
}

Napi::Value Capture::Close(const Napi::CallbackInfo& info) {
  shutdown();
  if (refd_) { refd_ = false; Unref(); }
  return info.Env().Undefined();
}

void initCapture(Napi::Env env, Napi::Object exports) {
  exports.Set("Capture", Capture::Define(env));
}

}  // namespace trawl
