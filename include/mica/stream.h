/* The stream ABI: byte streams to the host (the ports of a virtio-console), bound to an environment's group. */
#ifndef MICA_STREAM_H
#define MICA_STREAM_H

/*
 * A stream is a port of the machine's virtio-console (`mica run` gives the
 * program's stdin, stdout and stderr as ports 1, 2 and 3, and, when the
 * host's stdin is a terminal, port 4: a line "ROWS COLS" at each change of
 * its window size). The bytes are the host's, exactly: no line discipline,
 * no translation.
 *
 * stream_bind(port, nt, bits) claims a port for the caller's sharing group
 * (the first claim wins; any env of that group may bind again to move the
 * notification to its own nt) and asks for bits on nt whenever the port
 * may have changed: bytes arrived, room to write, the host end closed.
 * Only envs of the claiming group may read, write or poll the port.
 *
 * stream_read returns the bytes the host has sent (at most len), 0 once
 * the host end has closed and every byte before it has been read (end of
 * file), or -E_AGAIN. stream_write queues up to len bytes and returns how
 * many (at least 1), -E_AGAIN when no buffer is free, -E_CLOSED when the
 * host end has closed. The kernel delivers every queued byte to the host
 * before the machine powers off.
 */
#define STREAM_NPORTS 5 /* ports 1 .. STREAM_NPORTS - 1; port 0 is a virtio console's, unused */
#define STREAM_PORT_WINSIZE 4 /* the host terminal's window size, a line "ROWS COLS" at each change */
#define STREAM_READABLE 1 /* stream_read would not say -E_AGAIN (bytes, or the end) */
#define STREAM_WRITABLE 2 /* stream_write would not say -E_AGAIN */
#define STREAM_CLOSED 4 /* the host end has closed (or never opened) */

#endif
