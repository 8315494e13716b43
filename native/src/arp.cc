// arpResolve (a raw ARP request on an AF_PACKET socket, answered off the event loop by an
// AsyncWorker) and canRaw (may this process open AF_PACKET sockets?). The request's layout is in
// nd-frames.h.
#include "common.h"
#include "linksock.h"
#include "nd-frames.h"
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>
#include <time.h>
#include <cerrno>

namespace trawl {

static int64_t nowMs() {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

class ArpWorker : public Napi::AsyncWorker {
 public:
  ArpWorker(Napi::Env env, std::string iface, uint32_t src, uint32_t ip, int timeoutMs)
    : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
      iface_(std::move(iface)), src_(src), ip_(ip), timeoutMs_(timeoutMs) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    uint8_t mac[6];
    std::string err;
    int fd = openLinkSocket(iface_, ETH_P_ARP, "arpResolve", mac, &err);
    if (fd < 0) { SetError(err); return; }
    uint8_t req[ARP_LEN];
    buildArpRequest(req, mac, src_, ip_);
    int64_t deadline = nowMs() + timeoutMs_, nextSend = 0;
    uint8_t buf[1600];
    while (true) {
      int64_t now = nowMs();
      if (now >= deadline) break;
      if (now >= nextSend) {  // ask again every 200 ms: one lost request must not cost the timeout
        if (send(fd, req, sizeof req, 0) < 0 && errno != ENOBUFS) {
          close(fd); SetError(std::string("arpResolve: send: ") + strerror(errno)); return;
        }
        nextSend = now + 200;
      }
      struct pollfd pfd = {fd, POLLIN, 0};
      int wait = (int)std::min(deadline, nextSend) - (int)now;
      int r = poll(&pfd, 1, wait > 0 ? wait : 0);
      if (r <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 42) continue;
      if (get16(buf + 12) != 0x0806 || get16(buf + 20) != 2 || get32(buf + 28) != ip_) continue;
      memcpy(found_, buf + 22, 6);
      ok_ = true;
      break;
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
  uint32_t src_, ip_;
  int timeoutMs_;
  uint8_t found_[6] = {0};
  bool ok_ = false;
};

Napi::Value arpResolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string iface = strArg(env, info[0], "arpResolve: iface");
  if (iface.empty() || iface.size() >= IFNAMSIZ) typeError(env, "arpResolve: iface is not an interface name");
  std::string s = strArg(env, info[1], "arpResolve: srcIp");
  uint32_t src, ip;
  if (!parseIpv4(s, &src)) typeError(env, "arpResolve: srcIp is not an IPv4 address: " + s);
  s = strArg(env, info[2], "arpResolve: ipv4");
  if (!parseIpv4(s, &ip)) typeError(env, "arpResolve: ipv4 is not an IPv4 address: " + s);
  int timeout = (int)intArg(env, info[3], 1, 600000, "arpResolve: timeoutMs");
  ArpWorker* w = new ArpWorker(env, iface, src, ip, timeout);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value canRaw(const Napi::CallbackInfo& info) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd >= 0) close(fd);
  return Napi::Boolean::New(info.Env(), fd >= 0);
}

}  // namespace trawl
