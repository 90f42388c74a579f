/* Descriptors 0, 1 and 2 as the host's byte streams, when `mica run` gives them (stream.c). */
#ifndef LX_STREAM_H
#define LX_STREAM_H

void stream_init(const char *fds); /* pid 1, at start: bind the ports of fds listed ("0 1 2"), and the size port */
struct file *stream_open_fd(int fd); /* descriptor fd's stream, opened; NULL if fd is the console's */
void stream_start(void); /* pid 1, once it may start threads: the stream thread, if the size port is bound */
void stream_start_helper(void); /* pid 1, before its first fork: a thread wakes stream waiters of every process */

#endif
