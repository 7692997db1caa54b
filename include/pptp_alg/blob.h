/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A control connection's state as one compact, versioned byte string, for
 * another router to continue it (ctnetlink's helper info, carried by
 * conntrackd).  Pure: encoder and validating decoder, shared by the
 * kernel glue, KUnit and the fuzzer.
 *
 * What a backup needs to keep the calls going, and nothing it can learn
 * on its own: the session, and per call the IDs each side uses, its
 * translated ID, its state, whose messages made it (PNS side) and which
 * GRE directions were set up.  Stream positions are not carried: they
 * move with every message, and the backup starts the walker at the first
 * segment it sees, as for any connection it picks up.
 *
 * Version 1, big-endian:
 *   0  u8  version (1)
 *   1  u8  session state (enum pptp_sess_state)
 *   2  u8  side that sent the SCCRQ
 *   3  u8  PPTP_BLOB_F_* of the connection
 *   4  u16 protocol version announced
 *   6  u16 number of calls, N
 *   8  N calls of 10 bytes: u16 ID of the ORIG side's endpoint, u16 ID of
 *      the REPLY side's, u16 translated ID, u8 call state, u8 PNS side,
 *      u8 PPTP_CALLF_* (PPTP_BLOB_CALL_FLAGS only), u8 zero
 */
#ifndef PPTP_ALG_BLOB_H
#define PPTP_ALG_BLOB_H

#include <linux/types.h>
#include "conn.h"

#define PPTP_BLOB_VERSION	1
#define PPTP_BLOB_HDR_LEN	8
#define PPTP_BLOB_CALL_LEN	10

/* Connection flags of the blob. */
#define PPTP_BLOB_F_UNINSPECTED	0x01
#define PPTP_BLOB_F_BLOCKED_ORIG	0x02
#define PPTP_BLOB_F_BLOCKED_REPLY	0x04
#define PPTP_BLOB_F_ALL		0x07

/* What a call's flags carry: its IDs, and the GRE directions seen. */
#define PPTP_BLOB_CALL_FLAGS	(PPTP_CALLF_ID_ORIG | PPTP_CALLF_ID_REPLY | \
				 PPTP_CALLF_NAT_ID | PPTP_CALLF_GRE_ORIG | \
				 PPTP_CALLF_GRE_REPLY)

/* Bytes the blob of @pc takes. */
static inline unsigned int pptp_blob_len(const struct pptp_conn *pc)
{
	return PPTP_BLOB_HDR_LEN + PPTP_BLOB_CALL_LEN * pc->sess.ncalls;
}

/* Write the blob of @pc to @b (@len bytes): its length, or -ENOSPC. */
int pptp_blob_encode(const struct pptp_conn *pc, u8 *b, unsigned int len);

/*
 * Why a blob was refused: the first thing found wrong, for counters and
 * tests.
 */
enum pptp_blob_err {
	PPTP_BLOB_OK = 0,
	PPTP_BLOB_SHORT,	/* shorter than its header */
	PPTP_BLOB_BAD_VERSION,	/* a version this code does not read */
	PPTP_BLOB_BAD_LEN,	/* length is not that of its calls */
	PPTP_BLOB_BAD_SESSION,	/* state, side or flags out of range */
	PPTP_BLOB_TOO_MANY,	/* more calls than the receiver allows */
	PPTP_BLOB_BAD_CALL,	/* a call's state, side or flags */
	PPTP_BLOB_DUP_ID,	/* two calls share an ID of one kind */
	PPTP_BLOB_NOMEM,
	PPTP_BLOB_ERR_MAX,
};

/*
 * Check the blob @b of @len bytes completely, then make @pc (fresh from
 * pptp_conn_init()) hold its state: no more than @max_calls calls.  On
 * any error @pc is left as it was.  The calls' glue flags are cleared
 * but for PPTP_CALLF_GRE_ORIG/REPLY, which say what the glue is to set
 * up again; the translated IDs are not reserved anywhere yet.
 */
enum pptp_blob_err pptp_blob_decode(struct pptp_conn *pc, const u8 *b,
				    unsigned int len, unsigned int max_calls,
				    const struct pptp_mem_ops *mem);

const char *pptp_blob_err_name(enum pptp_blob_err err);

#endif /* PPTP_ALG_BLOB_H */
