/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PPTP control-message parser.  Pure: works on a byte buffer, no skb or
 * conntrack types, so the same file builds as KUnit and in userspace.
 */
#ifndef PPTP_ALG_MSG_H
#define PPTP_ALG_MSG_H

#include <linux/types.h>
#include "wire.h"

/* Outcome of parsing one message at the start of a buffer. */
enum pptp_parse {
	PPTP_PARSE_OK = 0,
	PPTP_PARSE_NEED_MORE,	/* fewer bytes than the header or the length */
	PPTP_PARSE_BAD_LEN,	/* length field below header size, above the
				 * largest message, or not the type's size
				 */
	PPTP_PARSE_BAD_PKT_TYPE,	/* PPTP message type is not control */
	PPTP_PARSE_BAD_MAGIC,
	PPTP_PARSE_BAD_MSG_TYPE,	/* control message type 0 or > 15 */
	PPTP_PARSE_MAX,
};

/* Where a message keeps its call-ID fields (PPTP_MSG_NO_FIELD if none). */
#define PPTP_MSG_NO_FIELD	0xff

struct pptp_msg {
	u16 len;		/* total length, equals the type's size */
	u8 type;		/* enum pptp_msg_type */
	u8 result;		/* SCCRP, StopCCRP, OCRP, ICRP result, else 0 */
	u16 version;		/* SCCRQ/SCCRP only, else 0 */
	u16 own_id;		/* sender's own call ID, if own_off is set */
	u16 peer_id;		/* receiver's call ID, if peer_off is set */
	u8 own_off;		/* offset of own_id or PPTP_MSG_NO_FIELD */
	u8 peer_off;		/* offset of peer_id or PPTP_MSG_NO_FIELD */
};

/*
 * Parse the message at @buf with @avail bytes available.  On OK, @m is
 * filled and m->len bytes were consumed.  On NEED_MORE nothing is wrong
 * yet; *@need (if not NULL) says how many bytes the message needs in all
 * when the header was readable, else PPTP_WIRE_HDR_LEN.  Any other value
 * is a malformed message; when the length field itself was sane
 * (12..PPTP_WIRE_MAX_MSG_LEN) *@need holds it so a caller can skip the
 * message, else *@need is 0 (stream cannot be resynchronised).
 */
enum pptp_parse pptp_msg_parse(const u8 *buf, unsigned int avail,
			       struct pptp_msg *m, unsigned int *need);

/* Exact size of a message type, 0 for an unknown type. */
unsigned int pptp_msg_type_len(unsigned int type);

/*
 * Leading bytes of a message of @type that the parser decodes (so that
 * the state machine and the call-ID rewrite can decide on them): the end
 * of the type's last decoded field, PPTP_WIRE_HDR_LEN for types with none.
 * At most PPTP_WIRE_DECIDE_LEN; 0 for an unknown type.
 */
unsigned int pptp_msg_decide_len(unsigned int type);

/* Short name ("SCCRQ", "OCRP", ...) for logs and counters; "?" if unknown. */
const char *pptp_msg_type_name(unsigned int type);

/* Big-endian 16-bit accessors for unaligned message fields. */
static inline u16 pptp_get16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 pptp_get32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static inline void pptp_put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

#endif /* PPTP_ALG_MSG_H */
