/*
 * The kinds of authenticator the softkey can be. A profile is fixed when the
 * device is made (softkey-ctl add) and never changes.
 */
#include "config.h"

#include <string.h>

#include "softkey.h"

static const struct sk_profile profiles[] = {
	{
		/* A YubiKey 5 series key: CTAP2 and U2F, vendor attestation. */
		.name = "yubikey5",
		.aaguid = { 0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
		    0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8 },
		.ctap1 = true, .ctap2 = true, .att = SK_ATT_PACKED,
		.backup = false, .counts = true,
	},
	{
		/*
		 * A synced passkey (this AAGUID is Google Password Manager's):
		 * no attestation, backed up, and a sign count that stays 0.
		 */
		.name = "synced",
		.aaguid = { 0xea, 0x9b, 0x8d, 0x66, 0x4d, 0x01, 0x1d, 0x21,
		    0x3c, 0xe4, 0xb6, 0xb4, 0x8c, 0xb5, 0x75, 0xd4 },
		.ctap1 = false, .ctap2 = true, .att = SK_ATT_NONE,
		.backup = true, .counts = false,
	},
	{
		/* A legacy U2F-only key: no CBOR, AAGUID all zero. */
		.name = "u2f",
		.aaguid = { 0 },
		.ctap1 = true, .ctap2 = false, .att = SK_ATT_U2F,
		.backup = false, .counts = true,
	},
	{
		/*
		 * A device-bound key with packed self attestation. The AAGUID
		 * is made up for the softkey: ASCII "softkey selfatt.",
		 * 736f6674-6b65-7920-7365-6c666174742e.
		 */
		.name = "selfattested",
		.aaguid = { 0x73, 0x6f, 0x66, 0x74, 0x6b, 0x65, 0x79, 0x20,
		    0x73, 0x65, 0x6c, 0x66, 0x61, 0x74, 0x74, 0x2e },
		.ctap1 = false, .ctap2 = true, .att = SK_ATT_SELF,
		.backup = false, .counts = true,
	},
};

const struct sk_profile *sk_profile_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

bool sk_profile_has_att_cert(const struct sk_profile *p)
{
	return p->att == SK_ATT_PACKED || p->att == SK_ATT_U2F;
}

const char *sk_profile_names(void)
{
	return "yubikey5, synced, u2f, selfattested";
}

uint8_t sk_profile_flags(const struct sk_profile *p)
{
	return p->backup ? (SK_AD_BE | SK_AD_BS) : 0;
}
