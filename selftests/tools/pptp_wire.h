/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the C test peers (pptp_bench_peer, pptp_stress) need of RFC 2637's
 * control messages: types, the lengths they send, big-endian fields and
 * a message header.  The peers build only what they send; the module's
 * own parser is never used here, so that it is tested, not trusted.
 */
#ifndef PPTP_WIRE_H
#define PPTP_WIRE_H

#include <stdint.h>
#include <string.h>

#define PPTP_PORT	1723
#define MAGIC		0x1A2B3C4Du

enum {
	SCCRQ = 1, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP,
	ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI, MSG_MAX
};

static const int msg_len[MSG_MAX] = {
	[SCCRQ] = 156, [SCCRP] = 156, [STOPCCRQ] = 16, [STOPCCRP] = 16,
	[ECHORQ] = 16, [ECHORP] = 20, [OCRQ] = 168, [OCRP] = 32,
	[ICRQ] = 220, [ICRP] = 24, [ICCN] = 28, [CCRQ] = 16, [CDN] = 148,
	[WEN] = 40, [SLI] = 24,
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Zero a message of @type at @b with its header filled in: its length. */
static inline int build(uint8_t *b, int type)
{
	int len = msg_len[type];

	memset(b, 0, len);
	put16(b, len);
	put16(b + 2, 1);
	put32(b + 4, MAGIC);
	put16(b + 8, type);
	return len;
}

#endif /* PPTP_WIRE_H */
