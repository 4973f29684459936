/*
 * Which browser addresses count as one client for the web gate's caps on
 * open approvals (doc/ARCHITECTURE.md §4.9). An IPv4 address is one
 * client. An IPv6 host normally owns a whole /64 (RFC 4291's interface
 * identifiers, SLAAC and privacy addresses pick any of its 2^64
 * addresses), so a cap per exact IPv6 address would let one host open as
 * many approvals as it likes: IPv6 addresses count per /64. An
 * IPv4-mapped IPv6 address (::ffff:192.0.2.1, say) is the IPv4 address it maps.
 */
#ifndef PR_WA_ADDR_H
#define PR_WA_ADDR_H

#include <stdbool.h>

/*
 * Whether a and b are the same client as said above, parsed with
 * inet_pton. Text that is no IPv4 or IPv6 address (none is expected: the
 * gate writes the peer's address with inet_ntop) is the same client only
 * as the same text, and never the same as an address.
 */
bool pr_wa_addr_same_client(const char *a, const char *b);

#endif
