// IPv6 next hops: ndpResolve (a Neighbor Solicitation on an AF_PACKET socket, the Advertisement
// awaited off the event loop by an AsyncWorker: the IPv6 twin of arp.cc) and neighbors (the
// kernel's neighbour table of one family, dumped over rtnetlink). The Solicitation's layout is in
// nd-frames.h.
// Neighbor Advertisement (what we wait for): 54 type 136 ... 62 target[16], then options; the
// MAC is the target link-layer address option (type 2), else the frame's source MAC.
#include "common.h"
#include "linksock.h"
#include "nd-frames.h"
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>
#include <time.h>
#include <cerrno>
#include <vector>

namespace trawl {

static int64_t nowMs() {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool parseIpv6(const std::string& s, uint8_t out[16]) {
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

static std::string formatIpv6(const uint8_t a[16]) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a, b, sizeof b);
  return b;
}

// The MAC an advertisement for target carries in frame b (n bytes), or false.
static bool advertisedMac(const uint8_t* b, size_t n, const uint8_t target[16], uint8_t mac[6]) {
  if (n < 78 || get16(b + 12) != 0x86dd || (b[14] >> 4) != 6 || b[20] != 58) return false;
  const uint8_t* icmp = b + 54;
  if (icmp[0] != 136 || icmp[1] != 0 || memcmp(icmp + 8, target, 16) != 0) return false;
  size_t end = std::min(n, (size_t)54 + get16(b + 18));
  for (size_t o = 78; o + 8 <= end;) {
    size_t len = (size_t)b[o + 1] * 8;
    if (len == 0) break;
    if (b[o] == 2 && len >= 8) { memcpy(mac, b + o + 2, 6); return true; }
    o += len;
  }
  memcpy(mac, b + 6, 6);
  return true;
}

class NdpWorker : public Napi::AsyncWorker {
 public:
  NdpWorker(Napi::Env env, std::string iface, const uint8_t src[16], const uint8_t ip[16], int timeoutMs)
    : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), iface_(std::move(iface)),
      timeoutMs_(timeoutMs) {
    memcpy(src_, src, 16); memcpy(ip_, ip, 16);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    uint8_t mac[6];
    std::string err;
    int fd = openLinkSocket(iface_, ETH_P_IPV6, "ndpResolve", mac, &err);
    if (fd < 0) { SetError(err); return; }
    uint8_t req[NS_LEN];
    buildSolicitation(req, mac, src_, ip_);
    int64_t deadline = nowMs() + timeoutMs_, nextSend = 0;
    uint8_t buf[1600];
    while (true) {
      int64_t now = nowMs();
      if (now >= deadline) break;
      if (now >= nextSend) {  // ask again every 200 ms, as arpResolve does
        if (send(fd, req, sizeof req, 0) < 0 && errno != ENOBUFS) {
          close(fd); SetError(std::string("ndpResolve: send: ") + strerror(errno)); return;
        }
        nextSend = now + 200;
      }
      struct pollfd pfd = {fd, POLLIN, 0};
      int wait = (int)(std::min(deadline, nextSend) - now);
      if (poll(&pfd, 1, wait > 0 ? wait : 0) <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0 && advertisedMac(buf, (size_t)n, ip_, found_)) { ok_ = true; break; }
    }
    close(fd);
  }
  void OnOK() override {
    Napi::Env env = Env();
    deferred_.Resolve(ok_ ? Napi::Value(Napi::String::New(env, formatMac(found_))) : env.Null());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string iface_;
  uint8_t src_[16], ip_[16];
  int timeoutMs_;
  uint8_t found_[6] = {0};
  bool ok_ = false;
};

Napi::Value ndpResolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string iface = strArg(env, info[0], "ndpResolve: iface");
  if (iface.empty() || iface.size() >= IFNAMSIZ) typeError(env, "ndpResolve: iface is not an interface name");
  std::string s = strArg(env, info[1], "ndpResolve: srcIp");
  uint8_t src[16], ip[16];
  if (!parseIpv6(s, src)) typeError(env, "ndpResolve: srcIp is not an IPv6 address: " + s);
  s = strArg(env, info[2], "ndpResolve: ipv6");
  if (!parseIpv6(s, ip)) typeError(env, "ndpResolve: ipv6 is not an IPv6 address: " + s);
  int timeout = (int)intArg(env, info[3], 1, 600000, "ndpResolve: timeoutMs");
  NdpWorker* w = new NdpWorker(env, iface, src, ip, timeout);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// neighbors(family): the kernel's neighbour entries of family 4 or 6 that hold a link-layer
// address, as {ip, mac, iface, state} (state: the NUD_* bits of linux/neighbour.h).
Napi::Value neighbors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = (int)intArg(env, info[0], 4, 6, "neighbors: family");
  if (family == 5) rangeError(env, "neighbors: family must be 4 or 6");
  int af = family == 4 ? AF_INET : AF_INET6;
  size_t alen = family == 4 ? 4 : 16;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw Napi::Error::New(env, std::string("neighbors: socket(AF_NETLINK): ") + strerror(errno));
  struct { struct nlmsghdr nh; struct ndmsg nd; } req;
  memset(&req, 0, sizeof req);
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
  req.nh.nlmsg_type = RTM_GETNEIGH;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 1;
  req.nd.ndm_family = (uint8_t)af;
  if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
    int e = errno; close(fd);
    throw Napi::Error::New(env, std::string("neighbors: send: ") + strerror(e));
  }
  Napi::Array out = Napi::Array::New(env);
  uint32_t k = 0;
  std::vector<char> buf(1 << 16);
  bool done = false;
  while (!done) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) { if (errno == EINTR) continue; int e = errno; close(fd); throw Napi::Error::New(env, std::string("neighbors: recv: ") + strerror(e)); }
    if (n == 0) break;
    int left = (int)n;
    for (struct nlmsghdr* nh = (struct nlmsghdr*)buf.data(); NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
      if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) { done = true; break; }
      if (nh->nlmsg_type != RTM_NEWNEIGH) continue;
      struct ndmsg* nd = (struct ndmsg*)NLMSG_DATA(nh);
      if (nd->ndm_family != af) continue;
      const uint8_t *dst = nullptr, *ll = nullptr;
      size_t llen = 0;
      int rlen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *nd));
      for (struct rtattr* a = (struct rtattr*)((char*)nd + NLMSG_ALIGN(sizeof *nd)); RTA_OK(a, rlen); a = RTA_NEXT(a, rlen)) {
        if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == alen) dst = (const uint8_t*)RTA_DATA(a);
        if (a->rta_type == NDA_LLADDR) { ll = (const uint8_t*)RTA_DATA(a); llen = RTA_PAYLOAD(a); }
      }
      if (!dst || !ll || llen != 6) continue;
      char name[IF_NAMESIZE] = {0};
      if (!if_indextoname((unsigned)nd->ndm_ifindex, name)) continue;
      Napi::Object e = Napi::Object::New(env);
      char ip4[INET_ADDRSTRLEN];
      e.Set("ip", family == 4 ? std::string(inet_ntop(AF_INET, dst, ip4, sizeof ip4)) : formatIpv6(dst));
      e.Set("mac", formatMac(ll));
      e.Set("iface", std::string(name));
      e.Set("state", Napi::Number::New(env, nd->ndm_state));
      out.Set(k++, e);
    }
  }
  close(fd);
  return out;
}

}  // namespace trawl
