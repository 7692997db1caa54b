// SPDX-License-Identifier: GPL-2.0-only
/*
 * PPTP control-message parser (RFC 2637 section 2).  Works on a flat byte
 * buffer so it can be shared by the kernel glue, KUnit and userspace.
 */
#include <linux/types.h>
#include <linux/string.h>
#include <linux/kernel.h>

#include "pptp_alg/msg.h"

/* Every control type has exactly one legal size; anything else is hostile. */
static const u8 pptp_msg_lens[PPTP_MSG_TYPE_MAX + 1] = {
	[PPTP_MSG_SCCRQ]	= PPTP_LEN_SCCRQ,
	[PPTP_MSG_SCCRP]	= PPTP_LEN_SCCRP,
	[PPTP_MSG_STOPCCRQ]	= PPTP_LEN_STOPCCRQ,
	[PPTP_MSG_STOPCCRP]	= PPTP_LEN_STOPCCRP,
	[PPTP_MSG_ECHORQ]	= PPTP_LEN_ECHORQ,
	[PPTP_MSG_ECHORP]	= PPTP_LEN_ECHORP,
	[PPTP_MSG_OCRQ]		= PPTP_LEN_OCRQ,
	[PPTP_MSG_OCRP]		= PPTP_LEN_OCRP,
	[PPTP_MSG_ICRQ]		= PPTP_LEN_ICRQ,
	[PPTP_MSG_ICRP]		= PPTP_LEN_ICRP,
	[PPTP_MSG_ICCN]		= PPTP_LEN_ICCN,
	[PPTP_MSG_CCRQ]		= PPTP_LEN_CCRQ,
	[PPTP_MSG_CDN]		= PPTP_LEN_CDN,
	[PPTP_MSG_WEN]		= PPTP_LEN_WEN,
	[PPTP_MSG_SLI]		= PPTP_LEN_SLI,
};

/*
 * End of the last field pptp_msg_fields() decodes per type; a call-ID
 * field ends the list wherever possible, so that the rewrite is decided
 * in the segment holding the field's last byte.
 */
static const u8 pptp_msg_decide[PPTP_MSG_TYPE_MAX + 1] = {
	[PPTP_MSG_SCCRQ]	= PPTP_OFF_VERSION + 2,
	[PPTP_MSG_SCCRP]	= PPTP_OFF_SCCRP_RESULT + 1,
	[PPTP_MSG_STOPCCRQ]	= PPTP_WIRE_HDR_LEN,
	[PPTP_MSG_STOPCCRP]	= PPTP_OFF_STOPCCRP_RESULT + 1,
	[PPTP_MSG_ECHORQ]	= PPTP_WIRE_HDR_LEN,
	[PPTP_MSG_ECHORP]	= PPTP_WIRE_HDR_LEN,
	[PPTP_MSG_OCRQ]		= PPTP_OFF_CALL_ID + 2,
	[PPTP_MSG_OCRP]		= PPTP_OFF_OCRP_RESULT + 1,
	[PPTP_MSG_ICRQ]		= PPTP_OFF_CALL_ID + 2,
	[PPTP_MSG_ICRP]		= PPTP_OFF_ICRP_RESULT + 1,
	[PPTP_MSG_ICCN]		= PPTP_OFF_PEER_ID_NOTIFY + 2,
	[PPTP_MSG_CCRQ]		= PPTP_OFF_CALL_ID + 2,
	/* The CDN result is not decoded: nothing depends on it. */
	[PPTP_MSG_CDN]		= PPTP_OFF_CALL_ID + 2,
	[PPTP_MSG_WEN]		= PPTP_OFF_PEER_ID_NOTIFY + 2,
	[PPTP_MSG_SLI]		= PPTP_OFF_PEER_ID_NOTIFY + 2,
};

static const char * const pptp_msg_names[PPTP_MSG_TYPE_MAX + 1] = {
	[PPTP_MSG_SCCRQ]	= "SCCRQ",
	[PPTP_MSG_SCCRP]	= "SCCRP",
	[PPTP_MSG_STOPCCRQ]	= "StopCCRQ",
	[PPTP_MSG_STOPCCRP]	= "StopCCRP",
	[PPTP_MSG_ECHORQ]	= "EchoRQ",
	[PPTP_MSG_ECHORP]	= "EchoRP",
	[PPTP_MSG_OCRQ]		= "OCRQ",
	[PPTP_MSG_OCRP]		= "OCRP",
	[PPTP_MSG_ICRQ]		= "ICRQ",
	[PPTP_MSG_ICRP]		= "ICRP",
	[PPTP_MSG_ICCN]		= "ICCN",
	[PPTP_MSG_CCRQ]		= "CCRQ",
	[PPTP_MSG_CDN]		= "CDN",
	[PPTP_MSG_WEN]		= "WEN",
	[PPTP_MSG_SLI]		= "SLI",
};

unsigned int pptp_msg_type_len(unsigned int type)
{
	if (type == 0 || type > PPTP_MSG_TYPE_MAX)
		return 0;
	return pptp_msg_lens[type];
}

unsigned int pptp_msg_decide_len(unsigned int type)
{
	if (type == 0 || type > PPTP_MSG_TYPE_MAX)
		return 0;
	return pptp_msg_decide[type];
}

const char *pptp_msg_type_name(unsigned int type)
{
	if (type == 0 || type > PPTP_MSG_TYPE_MAX)
		return "?";
	return pptp_msg_names[type];
}

static void pptp_msg_set_own(struct pptp_msg *m, const u8 *buf)
{
	m->own_off = PPTP_OFF_CALL_ID;
	m->own_id = pptp_get16(buf + PPTP_OFF_CALL_ID);
}

static void pptp_msg_set_peer(struct pptp_msg *m, const u8 *buf, u8 off)
{
	m->peer_off = off;
	m->peer_id = pptp_get16(buf + off);
}

/*
 * All offsets below lie inside the type's fixed size, and the caller has
 * checked that the whole message is available, so no read goes past len.
 */
static void pptp_msg_fields(struct pptp_msg *m, const u8 *buf)
{
	switch (m->type) {
	case PPTP_MSG_SCCRQ:
		m->version = pptp_get16(buf + PPTP_OFF_VERSION);
		break;
	case PPTP_MSG_SCCRP:
		m->version = pptp_get16(buf + PPTP_OFF_VERSION);
		m->result = buf[PPTP_OFF_SCCRP_RESULT];
		break;
	case PPTP_MSG_STOPCCRP:
		m->result = buf[PPTP_OFF_STOPCCRP_RESULT];
		break;
	case PPTP_MSG_OCRQ:
	case PPTP_MSG_ICRQ:
	case PPTP_MSG_CCRQ:
		pptp_msg_set_own(m, buf);
		break;
	case PPTP_MSG_OCRP:
		pptp_msg_set_own(m, buf);
		pptp_msg_set_peer(m, buf, PPTP_OFF_PEER_ID_REPLY);
		m->result = buf[PPTP_OFF_OCRP_RESULT];
		break;
	case PPTP_MSG_ICRP:
		pptp_msg_set_own(m, buf);
		pptp_msg_set_peer(m, buf, PPTP_OFF_PEER_ID_REPLY);
		m->result = buf[PPTP_OFF_ICRP_RESULT];
		break;
	case PPTP_MSG_CDN:
		pptp_msg_set_own(m, buf);
		break;
	case PPTP_MSG_ICCN:
	case PPTP_MSG_WEN:
	case PPTP_MSG_SLI:
		pptp_msg_set_peer(m, buf, PPTP_OFF_PEER_ID_NOTIFY);
		break;
	default:
		break;
	}
}

enum pptp_parse pptp_msg_parse(const u8 *buf, unsigned int avail,
			       struct pptp_msg *m, unsigned int *need)
{
	unsigned int len, type, want;
	unsigned int dummy;

	if (!need)
		need = &dummy;

	memset(m, 0, sizeof(*m));
	m->own_off = PPTP_MSG_NO_FIELD;
	m->peer_off = PPTP_MSG_NO_FIELD;

	if (avail < PPTP_WIRE_HDR_LEN) {
		*need = PPTP_WIRE_HDR_LEN;
		return PPTP_PARSE_NEED_MORE;
	}

	len = pptp_get16(buf + PPTP_WIRE_OFF_LEN);
	if (len < PPTP_WIRE_HDR_LEN || len > PPTP_WIRE_MAX_MSG_LEN) {
		*need = 0;
		return PPTP_PARSE_BAD_LEN;
	}

	if (pptp_get16(buf + PPTP_WIRE_OFF_PKT_TYPE) != PPTP_WIRE_PKT_CONTROL) {
		*need = len;
		return PPTP_PARSE_BAD_PKT_TYPE;
	}

	/* Without the magic the length may be random bytes: no resync. */
	if (pptp_get32(buf + PPTP_WIRE_OFF_MAGIC) != PPTP_WIRE_MAGIC) {
		*need = 0;
		return PPTP_PARSE_BAD_MAGIC;
	}

	type = pptp_get16(buf + PPTP_WIRE_OFF_MSG_TYPE);
	want = pptp_msg_type_len(type);
	if (!want) {
		*need = len;
		return PPTP_PARSE_BAD_MSG_TYPE;
	}
	if (len != want) {
		*need = len;
		return PPTP_PARSE_BAD_LEN;
	}

	if (avail < len) {
		*need = len;
		return PPTP_PARSE_NEED_MORE;
	}

	*need = len;
	m->len = len;
	m->type = type;
	pptp_msg_fields(m, buf);
	return PPTP_PARSE_OK;
}
