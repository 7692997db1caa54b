# SPDX-License-Identifier: GPL-2.0-only
# The pure protocol core, in dependency order: message parser, call table,
# session and call machine, ID picker, stream walker, connection
# inspector, state blob.  Listed once for the module, KUnit and the fuzzer.
PPTP_CORE := msg.c calls.c session.c callid.c stream.c conn.c blob.c
