#include "net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace uws::net {

uint16_t formatAddress(const sockaddr_storage& address, char* out, bool* ipv6) {
  out[0] = '\0';
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, out, 46);
    *ipv6 = true;
    return ntohs(in6.sin6_port);
  }
  if (address.ss_family == AF_INET) {
    const auto& in4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in4.sin_addr, out, 46);
    *ipv6 = false;
    return ntohs(in4.sin_port);
  }
  *ipv6 = false;
  return 0;
}

void readPeerInfo(int fd, PeerInfo* info) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  bool ipv6 = false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    info->remotePort = formatAddress(address, info->remoteAddress, &ipv6);
    info->ipv6 = ipv6;
    info->hasRemote = true;
  }
  readLocalInfo(fd, info);
}

void readLocalInfo(int fd, PeerInfo* info) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  bool ipv6 = false;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    info->localPort = formatAddress(address, info->localAddress, &ipv6);
  }
}

bool parseAddress(const char* host, uint16_t port, sockaddr_storage* address, socklen_t* length) {
  std::memset(address, 0, sizeof(*address));
  auto* in4 = reinterpret_cast<sockaddr_in*>(address);
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    *length = sizeof(sockaddr_in);
    return true;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(address);
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    *length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace uws::net
