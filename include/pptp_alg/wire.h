/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RFC 2637 control-message wire format: constants, message sizes and the
 * offsets of the call-ID fields this module reads or rewrites.  Pure: no
 * kernel-only types, so KUnit and the userspace harness share it.
 */
#ifndef PPTP_ALG_WIRE_H
#define PPTP_ALG_WIRE_H

#define PPTP_WIRE_PORT			1723
#define PPTP_WIRE_MAGIC			0x1a2b3c4dU
#define PPTP_WIRE_VERSION		0x0100U
#define PPTP_WIRE_PKT_CONTROL		1
#define PPTP_WIRE_PKT_MGMT		2

/* length(2) pkt type(2) magic(4) ctrl type(2) reserved0(2) */
#define PPTP_WIRE_HDR_LEN		12
#define PPTP_WIRE_OFF_LEN		0
#define PPTP_WIRE_OFF_PKT_TYPE		2
#define PPTP_WIRE_OFF_MAGIC		4
#define PPTP_WIRE_OFF_MSG_TYPE		8
#define PPTP_WIRE_OFF_RESERVED0		10

/* Largest legal message (Incoming-Call-Request). */
#define PPTP_WIRE_MAX_MSG_LEN		220

/*
 * Every field this module reads or rewrites lies in a message's first 17
 * bytes (the last is the OCRP/ICRP result code at offset 16).  A message
 * is judged as soon as the bytes its type needs are in
 * (pptp_msg_decide_len(), at most this), so that a call-ID field is
 * normally decided in the segment that carries its last byte.
 */
#define PPTP_WIRE_DECIDE_LEN		17

enum pptp_msg_type {
	PPTP_MSG_SCCRQ = 1,	/* Start-Control-Connection-Request */
	PPTP_MSG_SCCRP = 2,	/* Start-Control-Connection-Reply */
	PPTP_MSG_STOPCCRQ = 3,	/* Stop-Control-Connection-Request */
	PPTP_MSG_STOPCCRP = 4,	/* Stop-Control-Connection-Reply */
	PPTP_MSG_ECHORQ = 5,	/* Echo-Request */
	PPTP_MSG_ECHORP = 6,	/* Echo-Reply */
	PPTP_MSG_OCRQ = 7,	/* Outgoing-Call-Request */
	PPTP_MSG_OCRP = 8,	/* Outgoing-Call-Reply */
	PPTP_MSG_ICRQ = 9,	/* Incoming-Call-Request */
	PPTP_MSG_ICRP = 10,	/* Incoming-Call-Reply */
	PPTP_MSG_ICCN = 11,	/* Incoming-Call-Connected */
	PPTP_MSG_CCRQ = 12,	/* Call-Clear-Request */
	PPTP_MSG_CDN = 13,	/* Call-Disconnect-Notify */
	PPTP_MSG_WEN = 14,	/* WAN-Error-Notify */
	PPTP_MSG_SLI = 15,	/* Set-Link-Info */
	PPTP_MSG_TYPE_MAX = PPTP_MSG_SLI,
};

/* Exact total lengths (header included), RFC 2637 section 2. */
#define PPTP_LEN_SCCRQ			156
#define PPTP_LEN_SCCRP			156
#define PPTP_LEN_STOPCCRQ		16
#define PPTP_LEN_STOPCCRP		16
#define PPTP_LEN_ECHORQ			16
#define PPTP_LEN_ECHORP			20
#define PPTP_LEN_OCRQ			168
#define PPTP_LEN_OCRP			32
#define PPTP_LEN_ICRQ			220
#define PPTP_LEN_ICRP			24
#define PPTP_LEN_ICCN			28
#define PPTP_LEN_CCRQ			16
#define PPTP_LEN_CDN			148
#define PPTP_LEN_WEN			40
#define PPTP_LEN_SLI			24

/* Field offsets from the start of the message. */
#define PPTP_OFF_VERSION		12	/* SCCRQ, SCCRP */
#define PPTP_OFF_SCCRP_RESULT		14
#define PPTP_OFF_STOPCCRP_RESULT	12
#define PPTP_OFF_CALL_ID		12	/* OCRQ OCRP ICRQ ICRP CCRQ CDN */
#define PPTP_OFF_PEER_ID_REPLY		14	/* OCRP ICRP */
#define PPTP_OFF_PEER_ID_NOTIFY		12	/* ICCN WEN SLI */
#define PPTP_OFF_OCRP_RESULT		16
#define PPTP_OFF_ICRP_RESULT		16
#define PPTP_OFF_CDN_RESULT		14

/* Result codes that mean success. */
#define PPTP_SCCRP_OK			1
#define PPTP_OCRP_CONNECTED		1
#define PPTP_ICRP_CONNECT		1

#endif /* PPTP_ALG_WIRE_H */
