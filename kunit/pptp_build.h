/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PPTP control messages for the tests: the KUnit suites and the fuzzer
 * build their input with these, so every test speaks the same wire
 * format (wire.h) and a change of layout is made once.  Kernel headers
 * only: the file builds in the KUnit module and against the host shim.
 */
#ifndef PPTP_ALG_TEST_BUILD_H
#define PPTP_ALG_TEST_BUILD_H

#include <linux/types.h>
#include "pptp_alg/msg.h"

/*
 * The 12-byte header at @b, every field as given (reserved0 zero), so
 * that a test can write a length, packet type or magic the parser must
 * refuse.
 */
void pptp_build_hdr(u8 *b, u16 len, u16 pkt, u32 magic, u16 type);

/*
 * A well-formed message of @type (1..PPTP_MSG_TYPE_MAX) at @b: its
 * pptp_msg_type_len() bytes zeroed, the header, and the fields the parser
 * decodes for that type: @version (SCCRQ, SCCRP), @own (the sender's
 * call ID: OCRQ, OCRP, ICRQ, ICRP, CCRQ, CDN), @peer (the receiver's:
 * OCRP, ICRP, ICCN, WEN, SLI) and @result (SCCRP, StopCCRP, OCRP, ICRP,
 * CDN).  Values a type has no field for are ignored.  Returns the length.
 */
unsigned int pptp_build_msg(u8 *b, unsigned int type, u16 version, u16 own,
			    u16 peer, u8 result);

#endif /* PPTP_ALG_TEST_BUILD_H */
