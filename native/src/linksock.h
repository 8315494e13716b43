// An AF_PACKET socket bound to one interface and protocol, with the interface's MAC: what the
// ARP and Neighbor Solicitation workers (arp.cc, ndp.cc) both start from.
#pragma once
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace trawl {

// Returns the socket, or -1 with *err set (fn names the caller in the message).
inline int openLinkSocket(const std::string& iface, uint16_t proto, const char* fn, uint8_t mac[6], std::string* err) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
  if (fd < 0) {
    *err = errno == EPERM ? std::string(fn) + ": needs CAP_NET_RAW (run as root)" : std::string(fn) + ": socket: " + strerror(errno);
    return -1;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) { close(fd); *err = std::string(fn) + ": no such interface: " + iface; return -1; }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) { close(fd); *err = std::string(fn) + ": cannot read the MAC of " + iface; return -1; }
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET; sll.sll_ifindex = ifindex; sll.sll_protocol = htons(proto);
  if (bind(fd, (struct sockaddr*)&sll, sizeof sll) < 0) {
    *err = std::string(fn) + ": bind: " + strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace trawl
