// Transmit engines: the ways one lane's frames reach the kernel, behind one interface. The
// Sender builds every frame into its own buffers with the same code whatever the engine; the
// engine only hands them over:
//   sendmmsg  sendmmsg(2) of a batch on an AF_PACKET socket with PACKET_QDISC_BYPASS
//   tx-ring   copied into a PACKET_TX_RING (TPACKET_V3, TPACKET_V2 where V3 cannot transmit),
//             same socket options, one send(2) per batch
//   xdp       copied into the UMEM of an AF_XDP socket bound to one queue of the interface
//             (TX ring + completion ring; no BPF program is needed to transmit), one
//             sendto(2) kick per batch; copy (SKB) mode
// Which is fastest, as test/bench/tx.bench.sh measured it, is written in sender.cc.
#pragma once
#include <sys/uio.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace trawl {

enum class TxKind { Mmsg, Ring, Xdp };
// "sendmmsg", "tx-ring", "xdp" (the names blast's --engine takes).
bool parseTxKind(const std::string& s, TxKind* out);
const char* txKindName(TxKind k);

// Why an engine could not start: errno (0 when none applies) and what failed, in words.
struct TxOpenError { int err; std::string what; };

class TxEngine {
 public:
  virtual ~TxEngine() {}
  // Hands n frames to the kernel: iov[i] from the Ethernet header on (or, on a layer-3 link, the
  // IP header: sendmmsg only). Returns how many were taken, from the front; fewer than n is
  // back-pressure (the kernel or the ring is full), and the caller offers the rest again.
  // Failures other than back-pressure add to *errors. A ring engine counts a frame as taken once
  // it is in its ring: it leaves on this call's kick, or a later one's if the kernel pushed back.
  virtual size_t send(struct iovec* iov, size_t n, uint64_t* errors) = 0;
  // Before closing: waits (at most about a second) for frames still in a ring to leave.
  virtual void drain() {}
  // How it runs, for messages and stats ("TPACKET_V3", "copy mode").
  virtual std::string detail() const { return ""; }
};

// Opens one lane's engine on interface ifindex. queue: the lane's number (xdp binds to that
// queue of the interface). layer3: the link carries bare IP packets (tun), which only sendmmsg
// can name per packet. Throws TxOpenError.
std::unique_ptr<TxEngine> openTx(TxKind kind, int ifindex, int queue, bool layer3);
// Transmit queues of the interface as ethtool reports its channels (1 when it cannot tell).
int txQueues(int ifindex);

}  // namespace trawl
