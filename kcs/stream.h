/* SPDX-License-Identifier: MIT */
/* Listening stream sockets named "unix:/path" or "tcp:HOST:PORT", for the
 * QEMU extern backend and the QEMU host's serial relay. */
#pragma once

/* A non-blocking, close-on-exec listening socket; a stale unix socket
 * file is replaced.  The fd or -errno. */
int stream_listen(const char *spec);
/* Accept one connection, non-blocking and close-on-exec: fd or -errno. */
int stream_accept(int lfd);
/* Remove the socket file of a "unix:" spec (nothing for tcp). */
void stream_unlink(const char *spec);
