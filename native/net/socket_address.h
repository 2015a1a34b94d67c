// Conversions between sockaddr and the (address, port, family) triples that
// Node reports.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "net/connection_events.h"

namespace uws::net {

// Formats `address` into `out` (>= 46 bytes) and returns the port. IPv4
// addresses mapped into IPv6 keep their IPv6 form "::ffff:a.b.c.d", like Node.
uint16_t formatAddress(const sockaddr_storage& address, char* out, bool* ipv6);

// Fills both ends of a connected socket (the peer's only while it is
// connected: see PeerInfo::hasRemote).
void readPeerInfo(int fd, PeerInfo* info);
// Fills the local end only.
void readLocalInfo(int fd, PeerInfo* info);

// Parses an IP literal into `address`; false if it is not one.
bool parseAddress(const char* host, uint16_t port, sockaddr_storage* address, socklen_t* length);

}  // namespace uws::net
