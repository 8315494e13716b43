// Transmit engines (tx-engine.h): sendmmsg, PACKET_TX_RING and AF_XDP, each one lane's socket.
//
// TX ring slot (TPACKET_V3; V2 has the same shape with a 32-byte tpacket2_hdr):
//   0   tpacket3_hdr   tp_len (16) and tp_status (20) are ours to write; status hands it over:
//                      AVAILABLE (ours) -> SEND_REQUEST (the kernel's) -> AVAILABLE once sent
//   48  the frame      (TPACKET3_HDRLEN - sizeof(sockaddr_ll): where the kernel reads it)
// AF_XDP: a UMEM of XDP_FRAMES frames of XDP_FRAME bytes; a frame's address goes in a TX
// descriptor {addr, len}, and comes back in the completion ring once the kernel is done with it.
#include "tx-engine.h"
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <algorithm>
#include <net/if.h>
#include <unistd.h>
#include <time.h>
#include <cerrno>
#include <cstring>
#include <vector>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif
// Since Linux 6.17: how many descriptors one sendto() may send in copy mode (32 before, fixed).
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

namespace trawl {

namespace {

constexpr int SNDBUF_BYTES = 4 << 20;
// Room for any frame the Sender builds (a reply: 1,536 bytes at most) in a ring slot or UMEM frame.
constexpr unsigned SLOT = 2048;
constexpr unsigned RING_FRAMES = 1024;          // 2 MiB per lane
constexpr unsigned RING_BLOCK = 1 << 16;        // 32 slots per block (a block holds whole slots)
constexpr unsigned XDP_FRAMES = 2048;           // 4 MiB of UMEM per lane (locked memory)
constexpr unsigned XDP_TX = 1024, XDP_CQ = 2048, XDP_FQ = 64;  // the fill ring is required, unused

TxOpenError fail(const std::string& what, int e = errno) { return TxOpenError{e, what}; }

uint32_t loadAcquire(const volatile uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void storeRelease(volatile uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

int packetSocket(int ifindex) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: this socket never receives
  if (fd < 0) throw fail("socket(AF_PACKET)");
  int one = 1;
  // Bypass the qdisc: the scanner paces itself, and the qdisc lock costs on every packet.
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  int sndbuf = SNDBUF_BYTES;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return fd;
}

void bindPacket(int fd, int ifindex) {
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET; sll.sll_ifindex = ifindex; sll.sll_protocol = 0;
  if (bind(fd, (struct sockaddr*)&sll, sizeof sll) < 0) { int e = errno; ::close(fd); throw fail("bind to the interface", e); }
}

// sendmmsg: what the Sender always did. On a layer-3 link each message names its packet's
// protocol (IPv4 or IPv6, from the version nibble).
class MmsgTx : public TxEngine {
 public:
  MmsgTx(int ifindex, bool layer3) : layer3_(layer3) {
    fd_ = packetSocket(ifindex);
    bindPacket(fd_, ifindex);
    for (struct sockaddr_ll* a : {&ip4_, &ip6_}) {
      memset(a, 0, sizeof *a);
      a->sll_family = AF_PACKET; a->sll_ifindex = ifindex;
      a->sll_protocol = htons(a == &ip4_ ? ETH_P_IP : ETH_P_IPV6);
    }
  }
  ~MmsgTx() override { ::close(fd_); }
  size_t send(struct iovec* iov, size_t n, uint64_t* errors) override {
    if (msgs_.size() < n) msgs_.resize(n);
    for (size_t i = 0; i < n; i++) {
      memset(&msgs_[i], 0, sizeof(struct mmsghdr));
      msgs_[i].msg_hdr.msg_iov = &iov[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      if (layer3_) {
        msgs_[i].msg_hdr.msg_name = (((const uint8_t*)iov[i].iov_base)[0] >> 4) == 6 ? &ip6_ : &ip4_;
        msgs_[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_ll);
      }
    }
    size_t done = 0;
    while (done < n) {
      int r = sendmmsg(fd_, &msgs_[done], (unsigned)(n - done), 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno != ENOBUFS && errno != EAGAIN) (*errors)++;
        break;  // back-pressure (or an error): the caller offers the rest again
      }
      done += (size_t)r;
    }
    return done;
  }

 private:
  int fd_;
  bool layer3_;
  struct sockaddr_ll ip4_, ip6_;
  std::vector<struct mmsghdr> msgs_;
};

// PACKET_TX_RING: frames copied into slots, one send() per batch takes every slot marked
// SEND_REQUEST. A frame the device refuses for lack of room (ENOBUFS) stays marked and goes on the
// next kick; a full ring after a kick is back-pressure.
class RingTx : public TxEngine {
 public:
  explicit RingTx(int ifindex) {
    fd_ = packetSocket(ifindex);
    int v = TPACKET_V3;
    bool v3 = setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &v, sizeof v) == 0 && setRing(true);
    if (!v3) {   // V3 transmits since Linux 4.11 (fixed in 4.20); before that, V2
      v = TPACKET_V2;
      if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) { int e = errno; ::close(fd_); throw fail("PACKET_VERSION TPACKET_V2", e); }
      if (!setRing(false)) { int e = errno; ::close(fd_); throw fail("PACKET_TX_RING setsockopt (TPACKET_V2, 2 MiB)", e); }
    }
    v3_ = v3;
    dataOff_ = v3 ? TPACKET3_HDRLEN - sizeof(struct sockaddr_ll) : TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
    // A malformed frame is skipped (marked AVAILABLE) rather than stopping the ring for good.
    int one = 1;
    setsockopt(fd_, SOL_PACKET, PACKET_LOSS, &one, sizeof one);
    size_ = (size_t)RING_FRAMES * SLOT;
    void* m = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
    if (m == MAP_FAILED) { int e = errno; ::close(fd_); throw fail("mmap of the TX ring (2 MiB)", e); }
    ring_ = (uint8_t*)m;
    try { bindPacket(fd_, ifindex); } catch (...) { munmap(ring_, size_); throw; }
  }
  ~RingTx() override { munmap(ring_, size_); ::close(fd_); }

  size_t send(struct iovec* iov, size_t n, uint64_t* errors) override {
    size_t put = 0;
    bool kicked = false;
    while (put < n) {
      uint8_t* s = ring_ + (size_t)head_ * SLOT;
      if (loadAcquire(status(s)) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) {   // still the kernel's
        if (kicked) break;    // still full after a kick: back-pressure
        kick(errors, true);   // the ring has come round to frames not yet done: wait for them
        kicked = true;
        continue;
      }
      memcpy(s + dataOff_, iov[put].iov_base, iov[put].iov_len);
      if (v3_) { ((struct tpacket3_hdr*)s)->tp_len = (uint32_t)iov[put].iov_len; ((struct tpacket3_hdr*)s)->tp_next_offset = 0; }
      else ((struct tpacket2_hdr*)s)->tp_len = (uint32_t)iov[put].iov_len;
      storeRelease(status(s), TP_STATUS_SEND_REQUEST);
      head_ = (head_ + 1) % RING_FRAMES;
      put++;
    }
    kick(errors, false);
    return put;
  }

  void drain() override {
    uint64_t ignored = 0;
    for (int tries = 0; tries < 1000 && pending(); tries++) {
      kick(&ignored, true);
      if (pending()) { struct timespec t{0, 1000000}; nanosleep(&t, nullptr); }
    }
  }

  std::string detail() const override { return v3_ ? "TPACKET_V3" : "TPACKET_V2"; }

 private:
  bool setRing(bool v3) {
    struct tpacket_req3 req;
    memset(&req, 0, sizeof req);
    req.tp_block_size = RING_BLOCK; req.tp_frame_size = SLOT;
    req.tp_block_nr = RING_FRAMES * SLOT / RING_BLOCK; req.tp_frame_nr = RING_FRAMES;
    return setsockopt(fd_, SOL_PACKET, PACKET_TX_RING, &req, v3 ? sizeof(struct tpacket_req3) : sizeof(struct tpacket_req)) == 0;
  }
  volatile uint32_t* status(uint8_t* s) const {
    return v3_ ? &((struct tpacket3_hdr*)s)->tp_status : &((struct tpacket2_hdr*)s)->tp_status;
  }
  bool pending() {
    for (unsigned i = 0; i < RING_FRAMES; i++) {
      uint32_t st = loadAcquire(status(ring_ + (size_t)i * SLOT));
      if (st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING) return true;
    }
    return false;
  }
  // Sends every slot marked SEND_REQUEST. wait: also until the kernel is done with them (a
  // blocking send waits for the last skb's destructor, which on veth runs when the peer has
  // taken the packet, possibly in ksoftirqd); otherwise that is left to the ring's next turn.
  void kick(uint64_t* errors, bool wait) {
    for (;;) {
      if (::send(fd_, nullptr, 0, wait ? 0 : MSG_DONTWAIT) >= 0) return;
      if (errno == EINTR) continue;
      if (errno != ENOBUFS && errno != EAGAIN) (*errors)++;
      return;
    }
  }

  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  size_t size_ = 0, dataOff_ = 0;
  unsigned head_ = 0;
  bool v3_ = true;
};

// AF_XDP, transmit only: the fill ring must exist for bind() but stays empty (no RX ring, so
// nothing is received and no XDP program is attached). Frames are copied into free UMEM frames,
// described in the TX ring, and kicked with sendto(); the completion ring gives frames back.
class XdpTx : public TxEngine {
 public:
  XdpTx(int ifindex, int queue) : queue_(queue) {
    fd_ = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw fail(errno == EAFNOSUPPORT ? "socket(AF_XDP): this kernel has no AF_XDP (CONFIG_XDP_SOCKETS)" : "socket(AF_XDP)");
    try { setup(ifindex); } catch (...) { release(); throw; }
  }
  ~XdpTx() override { release(); }

  size_t send(struct iovec* iov, size_t n, uint64_t* errors) override {
    reap();
    uint32_t space = XDP_TX - (prod_ - loadAcquire(txCons_));
    size_t k = std::min<size_t>(n, std::min<size_t>(space, free_.size()));
    for (size_t i = 0; i < k; i++) {
      uint64_t addr = free_.back();
      free_.pop_back();
      memcpy(umem_ + addr, iov[i].iov_base, iov[i].iov_len);
      struct xdp_desc* d = &txDesc_[(prod_ + (uint32_t)i) & (XDP_TX - 1)];
      d->addr = addr; d->len = (uint32_t)iov[i].iov_len; d->options = 0;
    }
    prod_ += (uint32_t)k;
    storeRelease(txProd_, prod_);
    kick(errors);
    return k;
  }

  void drain() override {
    uint64_t ignored = 0;
    for (int tries = 0; tries < 1000 && consumed() != prod_; tries++) {
      kick(&ignored);
      if (consumed() != prod_) { struct timespec t{0, 1000000}; nanosleep(&t, nullptr); }
    }
  }

  std::string detail() const override { return std::string(zc_ ? "zero-copy" : "copy") + " mode, queue " + std::to_string(queue_); }

 private:
  void setup(int ifindex) {
    umemLen_ = (size_t)XDP_FRAMES * SLOT;
    void* m = mmap(nullptr, umemLen_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) throw fail("mmap of the UMEM (4 MiB)");
    umem_ = (uint8_t*)m;
    struct xdp_umem_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.addr = (uint64_t)(uintptr_t)umem_; reg.len = umemLen_; reg.chunk_size = SLOT; reg.headroom = 0;
    if (setsockopt(fd_, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) < 0)
      throw fail(errno == ENOBUFS || errno == EPERM || errno == ENOMEM
        ? "registering the UMEM (4 MiB of locked memory: raise RLIMIT_MEMLOCK or run as root)" : "registering the UMEM (XDP_UMEM_REG)");
    unsigned fq = XDP_FQ, cq = XDP_CQ, tx = XDP_TX;
    if (setsockopt(fd_, SOL_XDP, XDP_UMEM_FILL_RING, &fq, sizeof fq) < 0) throw fail("XDP_UMEM_FILL_RING");
    if (setsockopt(fd_, SOL_XDP, XDP_UMEM_COMPLETION_RING, &cq, sizeof cq) < 0) throw fail("XDP_UMEM_COMPLETION_RING");
    if (setsockopt(fd_, SOL_XDP, XDP_TX_RING, &tx, sizeof tx) < 0) throw fail("XDP_TX_RING");
    struct xdp_mmap_offsets off;
    socklen_t ol = sizeof off;
    if (getsockopt(fd_, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol) < 0) throw fail("XDP_MMAP_OFFSETS");
    if (ol != sizeof off) throw fail("XDP_MMAP_OFFSETS: this kernel's ring layout is older than Linux 5.4's", 0);
    txLen_ = off.tx.desc + XDP_TX * sizeof(struct xdp_desc);
    m = mmap(nullptr, txLen_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, XDP_PGOFF_TX_RING);
    if (m == MAP_FAILED) throw fail("mmap of the AF_XDP TX ring");
    txMap_ = (uint8_t*)m;
    txProd_ = (volatile uint32_t*)(txMap_ + off.tx.producer);
    txCons_ = (volatile uint32_t*)(txMap_ + off.tx.consumer);
    txDesc_ = (struct xdp_desc*)(txMap_ + off.tx.desc);
    cqLen_ = off.cr.desc + XDP_CQ * sizeof(uint64_t);
    m = mmap(nullptr, cqLen_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, XDP_UMEM_PGOFF_COMPLETION_RING);
    if (m == MAP_FAILED) throw fail("mmap of the AF_XDP completion ring");
    cqMap_ = (uint8_t*)m;
    cqProd_ = (volatile uint32_t*)(cqMap_ + off.cr.producer);
    cqCons_ = (volatile uint32_t*)(cqMap_ + off.cr.consumer);
    cqAddr_ = (uint64_t*)(cqMap_ + off.cr.desc);
    struct sockaddr_xdp sa;
    memset(&sa, 0, sizeof sa);
    // Copy (SKB) mode, the mode measured (veth has no other): zero-copy would have the driver
    // reconfigure the queue under the kernel's own traffic, and is untested here.
    sa.sxdp_family = AF_XDP; sa.sxdp_flags = XDP_COPY; sa.sxdp_ifindex = (uint32_t)ifindex; sa.sxdp_queue_id = (uint32_t)queue_;
    // A socket closed a moment ago (the last blast's) lets go of its queue in a kernel work
    // item, after close() has returned: EBUSY for a while. A second before saying so.
    int r, e = 0;
    for (int tries = 0; (r = bind(fd_, (struct sockaddr*)&sa, sizeof sa)) < 0 && (e = errno) == EBUSY && tries < 100; tries++) {
      struct timespec t{0, 10000000};
      nanosleep(&t, nullptr);
    }
    if (r < 0) {
      throw fail("bind to queue " + std::to_string(queue_) + " of the interface" +
                 (e == EBUSY ? " (another AF_XDP socket holds that queue)" : e == EINVAL ? " (no such queue?)" : ""), e);
    }
    struct xdp_options xo{};
    socklen_t xl = sizeof xo;
    if (getsockopt(fd_, SOL_XDP, XDP_OPTIONS, &xo, &xl) == 0) zc_ = (xo.flags & XDP_OPTIONS_ZEROCOPY) != 0;
    // Copy mode sends at most 32 descriptors per sendto() unless told more (Linux >= 6.17).
    unsigned budget = XDP_TX;
    setsockopt(fd_, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof budget);
    prod_ = kc_ = *txProd_;
    cons_ = *cqCons_;
    free_.reserve(XDP_FRAMES);
    for (unsigned i = XDP_FRAMES; i-- > 0;) free_.push_back((uint64_t)i * SLOT);
  }

  void release() {
    if (txMap_) munmap(txMap_, txLen_);
    if (cqMap_) munmap(cqMap_, cqLen_);
    if (fd_ >= 0) ::close(fd_);
    if (umem_) munmap(umem_, umemLen_);   // after close: the kernel has let go of the pages
    txMap_ = cqMap_ = umem_ = nullptr; fd_ = -1;
  }

  // Frames the kernel is done with go back on the free list.
  void reap() {
    uint32_t p = loadAcquire(cqProd_);
    for (; cons_ != p; cons_++) free_.push_back(cqAddr_[cons_ & (XDP_CQ - 1)] & ~(uint64_t)(SLOT - 1));
    storeRelease(cqCons_, cons_);
  }

  // How far the kernel has consumed the TX ring. It publishes its consumer index only when a
  // kick sent something, so after a kick that only dropped a frame the published index lags by
  // one: kc_ keeps the kernel's own count.
  uint32_t consumed() {
    uint32_t c = loadAcquire(txCons_);
    if ((int32_t)(c - kc_) > 0) kc_ = c;
    return kc_;
  }

  // Sends what the TX ring holds. Copy mode sends a budget of descriptors per call (EAGAIN: more
  // left), and a frame the device drops for lack of room (veth: the peer's backlog is full) is
  // consumed with EBUSY: that one is described again, from a fresh frame, at the end of the
  // ring, and the rest wait for the next kick.
  void kick(uint64_t* errors) {
    for (int round = 0; round < 64 && consumed() != prod_; round++) {
      uint32_t before = kc_;
      if (sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) continue;
      int e = errno;
      if (e == EINTR || e == EAGAIN) { reap(); continue; }
      if (e == EBUSY) {
        // Frames sent before the drop published the index just past it; none sent: the drop
        // was the first descriptor this call took.
        uint32_t c = loadAcquire(txCons_);
        uint32_t d = (int32_t)(c - before) > 0 ? c - 1 : before;
        kc_ = d + 1;
        requeue(d, errors);
        return;
      }
      if (e != ENOBUFS) (*errors)++;
      return;
    }
  }

  void requeue(uint32_t at, uint64_t* errors) {
    const struct xdp_desc d = txDesc_[at & (XDP_TX - 1)];
    uint8_t copy[SLOT];
    memcpy(copy, umem_ + d.addr, d.len);   // before its frame can come back and be reused
    reap();
    if (free_.empty() || XDP_TX - (prod_ - loadAcquire(txCons_)) == 0) { (*errors)++; return; }   // not expected: a frame lost
    uint64_t addr = free_.back();
    free_.pop_back();
    memcpy(umem_ + addr, copy, d.len);
    struct xdp_desc* nd = &txDesc_[prod_ & (XDP_TX - 1)];
    nd->addr = addr; nd->len = d.len; nd->options = 0;
    storeRelease(txProd_, ++prod_);
  }

  int fd_ = -1, queue_;
  bool zc_ = false;
  uint8_t* umem_ = nullptr;
  size_t umemLen_ = 0, txLen_ = 0, cqLen_ = 0;
  uint8_t *txMap_ = nullptr, *cqMap_ = nullptr;
  volatile uint32_t *txProd_ = nullptr, *txCons_ = nullptr, *cqProd_ = nullptr, *cqCons_ = nullptr;
  struct xdp_desc* txDesc_ = nullptr;
  uint64_t* cqAddr_ = nullptr;
  uint32_t prod_ = 0, cons_ = 0;   // our copies of the TX producer and completion consumer
  uint32_t kc_ = 0;                // the kernel's TX consumer (consumed())
  std::vector<uint64_t> free_;
};

}  // namespace

bool parseTxKind(const std::string& s, TxKind* out) {
  if (s == "sendmmsg") *out = TxKind::Mmsg;
  else if (s == "tx-ring") *out = TxKind::Ring;
  else if (s == "xdp") *out = TxKind::Xdp;
  else return false;
  return true;
}

const char* txKindName(TxKind k) {
  return k == TxKind::Mmsg ? "sendmmsg" : k == TxKind::Ring ? "tx-ring" : "xdp";
}

std::unique_ptr<TxEngine> openTx(TxKind kind, int ifindex, int queue, bool layer3) {
  if (layer3 && kind != TxKind::Mmsg)
    throw TxOpenError{0, "a layer-3 link (tun, WireGuard, PPP) needs each packet's protocol named, which only sendmmsg does"};
  switch (kind) {
    case TxKind::Mmsg: return std::unique_ptr<TxEngine>(new MmsgTx(ifindex, layer3));
    case TxKind::Ring: return std::unique_ptr<TxEngine>(new RingTx(ifindex));
    case TxKind::Xdp: return std::unique_ptr<TxEngine>(new XdpTx(ifindex, queue));
  }
  return nullptr;
}

int txQueues(int ifindex) {
  char name[IF_NAMESIZE];
  if (!if_indextoname((unsigned)ifindex, name)) return 1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 1;
  struct ethtool_channels ch;
  memset(&ch, 0, sizeof ch);
  ch.cmd = ETHTOOL_GCHANNELS;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, strnlen(name, IF_NAMESIZE - 1));   // zeroed above: stays terminated
  ifr.ifr_data = (char*)&ch;
  int n = ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? (int)(ch.tx_count + ch.combined_count) : 1;
  ::close(fd);
  return n > 0 ? n : 1;
}

}  // namespace trawl
