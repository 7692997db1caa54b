/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_STRING_H
#define PPTP_HOST_LINUX_STRING_H

#include <string.h>

#endif
