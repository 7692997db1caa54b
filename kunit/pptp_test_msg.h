/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Well-formed control messages for the suites that drive the session
 * machine and the stream walker.  pptp_msg_test.c builds its own from
 * RFC 2637 restated, as it checks the parser itself.
 */
#ifndef PPTP_TEST_MSG_H
#define PPTP_TEST_MSG_H

#include <linux/string.h>
#include <linux/types.h>

#include "pptp_alg/msg.h"

/*
 * Write a whole @type message at @b, zero where the type has no field:
 * @version in SCCRQ/SCCRP, the @own and @peer call IDs and the @result
 * code where the type carries them.
 */
static inline void pptp_test_put_msg(u8 *b, u8 type, u16 version, u16 own,
				     u16 peer, u8 result)
{
	unsigned int len = pptp_msg_type_len(type);

	memset(b, 0, len);
	pptp_put16(b + PPTP_WIRE_OFF_LEN, len);
	pptp_put16(b + PPTP_WIRE_OFF_PKT_TYPE, PPTP_WIRE_PKT_CONTROL);
	pptp_put16(b + PPTP_WIRE_OFF_MAGIC, PPTP_WIRE_MAGIC >> 16);
	pptp_put16(b + PPTP_WIRE_OFF_MAGIC + 2, PPTP_WIRE_MAGIC & 0xffff);
	pptp_put16(b + PPTP_WIRE_OFF_MSG_TYPE, type);
	switch (type) {
	case PPTP_MSG_SCCRQ:
	case PPTP_MSG_SCCRP:
		pptp_put16(b + PPTP_OFF_VERSION, version);
		if (type == PPTP_MSG_SCCRP)
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
}

#endif /* PPTP_TEST_MSG_H */
