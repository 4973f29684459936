/* Browser addresses as the approval caps count them (wa_addr.h). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "wa_addr.h"

#define V6_PREFIX_BYTES 8       /* a /64 */

/* One client's key: the IPv4 address, or the first 64 bits of an IPv6 one. */
struct client_key {
	int family;             /* AF_INET, AF_INET6, or 0: not an address */
	unsigned char b[16];
};

static struct client_key key_of(const char *s)
{
	struct client_key k = { 0 };
	struct in6_addr a6;

	if (s == NULL)
		return k;
	if (inet_pton(AF_INET, s, k.b) == 1) {
		k.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a6) != 1) {
		return k;
	} else if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		k.family = AF_INET;
		memcpy(k.b, &a6.s6_addr[12], 4);
	} else {
		k.family = AF_INET6;
		memcpy(k.b, a6.s6_addr, V6_PREFIX_BYTES);
	}
	return k;
}

bool pr_wa_addr_same_client(const char *a, const char *b)
{
	struct client_key ka = key_of(a), kb = key_of(b);

	if (a == NULL || b == NULL)
		return false;
	if (ka.family == 0 && kb.family == 0)
		return strcmp(a, b) == 0;
	return ka.family == kb.family && memcmp(ka.b, kb.b, sizeof(ka.b)) == 0;
}
