// SPDX-License-Identifier: GPL-2.0-only
/*
 * PPTP control messages for the tests (pptp_build.h).
 */
#include <linux/string.h>

#include "pptp_build.h"

void pptp_build_hdr(u8 *b, u16 len, u16 pkt, u32 magic, u16 type)
{
	pptp_put16(b + PPTP_WIRE_OFF_LEN, len);
	pptp_put16(b + PPTP_WIRE_OFF_PKT_TYPE, pkt);
	pptp_put16(b + PPTP_WIRE_OFF_MAGIC, magic >> 16);
	pptp_put16(b + PPTP_WIRE_OFF_MAGIC + 2, magic & 0xffff);
	pptp_put16(b + PPTP_WIRE_OFF_MSG_TYPE, type);
	pptp_put16(b + PPTP_WIRE_OFF_RESERVED0, 0);
}

unsigned int pptp_build_msg(u8 *b, unsigned int type, u16 version, u16 own,
			    u16 peer, u8 result)
{
	unsigned int len = pptp_msg_type_len(type);

	memset(b, 0, len);
	pptp_build_hdr(b, len, PPTP_WIRE_PKT_CONTROL, PPTP_WIRE_MAGIC, type);
	switch (type) {
	case PPTP_MSG_SCCRQ:
		pptp_put16(b + PPTP_OFF_VERSION, version);
		break;
	case PPTP_MSG_SCCRP:
		pptp_put16(b + PPTP_OFF_VERSION, version);
		b[PPTP_OFF_SCCRP_RESULT] = result;
		break;
	case PPTP_MSG_STOPCCRP:
		b[PPTP_OFF_STOPCCRP_RESULT] = result;
		break;
	case PPTP_MSG_OCRQ:
	case PPTP_MSG_ICRQ:
	case PPTP_MSG_CCRQ:
		pptp_put16(b + PPTP_OFF_CALL_ID, own);
		break;
	case PPTP_MSG_OCRP:
	case PPTP_MSG_ICRP:
		pptp_put16(b + PPTP_OFF_CALL_ID, own);
		pptp_put16(b + PPTP_OFF_PEER_ID_REPLY, peer);
		b[PPTP_OFF_OCRP_RESULT] = result;
		break;
	case PPTP_MSG_CDN:
		pptp_put16(b + PPTP_OFF_CALL_ID, own);
		b[PPTP_OFF_CDN_RESULT] = result;
		break;
	case PPTP_MSG_ICCN:
	case PPTP_MSG_WEN:
	case PPTP_MSG_SLI:
		pptp_put16(b + PPTP_OFF_PEER_ID_NOTIFY, peer);
		break;
	}
	return len;
}
