/* A small HTTP server for tests/inet.sh's bad input: one process, epoll, TCP keep-alive after 2 s; GET /state tells its descriptors, eth0's counters and /proc/net/tcp. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFD 4096
#define REQ_MAX 1024 /* a request's head at most; more without its end is refused */

static char *req[MAXFD]; /* each connection's request so far */
static size_t req_len[MAXFD];
/* The number of this process's open descriptors (those /proc/self/fd lists, less the one reading it). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;
}

/* The contents of file path into buf (size n): their length. */
static size_t slurp(const char *path, char *buf, size_t n)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY);
	ssize_t r;
	while (fd >= 0 && len < n && (r = read(fd, buf + len, n - len)) > 0)
		len += (size_t)r;
	if (fd >= 0)
		close(fd);
	return len;
}

/* /state's body: "fds N", eth0's line of /proc/net/dev, and /proc/net/tcp, into buf (size n); its length. */
static size_t state(char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "fds %d\n", open_fds());
	size_t dev = slurp("/proc/net/dev", buf + len, n - len - 1);
	buf[len + dev] = 0;
	char *eth0 = strstr(buf + len, "eth0:"), *end = eth0 ? strchr(eth0, '\n') : NULL;
	size_t k = end ? (size_t)(end + 1 - eth0) : 0;
	memmove(buf + len, eth0 ? eth0 : "", k);
	len += k;
	return len + slurp("/proc/net/tcp", buf + len, n - len);
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(req[fd]);
	req[fd] = NULL;
	req_len[fd] = 0;
}

/* Answer the whole request head of fd and close it: 200 for GET / and GET /state, 400 for anything else. */
static void answer(int ep, int fd)
{
	static char body[1 << 20], out[(1 << 20) + 256];
	size_t blen;
	const char *status = "200 OK";
	if (strncmp(req[fd], "GET /state ", 11) == 0) {
		blen = state(body, sizeof(body));
	} else if (strncmp(req[fd], "GET / ", 6) == 0) {
		blen = (size_t)snprintf(body, sizeof(body), "hello from the server under test\n");
	} else {
		status = "400 Bad Request";
		blen = (size_t)snprintf(body, sizeof(body), "bad request\n");
	}
	int n = snprintf(out, sizeof(out), "HTTP/1.0 %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			 blen);
	memcpy(out + n, body, blen);
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL,
	      flags & ~O_NONBLOCK); /* the answer goes whole (a client that stops reading holds us: test only) */
	for (size_t done = 0, all = (size_t)n + blen; done < all;) {
		ssize_t w = send(fd, out + done, all - done, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	drop(ep, fd);
}

/* fd is readable: take what came; answer once the head is whole; drop it at its end, an error, or too much. */
static void serve(int ep, int fd)
{
	char buf[2048];
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r < 0 && errno == EAGAIN)
		return;
	if (r <= 0 || req_len[fd] + (size_t)r > REQ_MAX) {
		drop(ep, fd);
		return;
	}
	if (!req[fd] && !(req[fd] = calloc(1, REQ_MAX + 1))) {
		drop(ep, fd);
		return;
	}
	memcpy(req[fd] + req_len[fd], buf, (size_t)r);
	req_len[fd] += (size_t)r;
	if (memchr(req[fd], 0, req_len[fd]) || strstr(req[fd], "\r\n\r\n"))
		answer(ep, fd); /* (a NUL: garbage, refused at once) */
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8000, one = 1;
	struct rlimit rl = { MAXFD, MAXFD };
	setrlimit(RLIMIT_NOFILE, &rl);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Connections take these from the listener: a peer gone without a word (its reset lost) is found out in 5 s */
	int idle = 2, intvl = 1, cnt = 3;
	setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(l, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(l, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(l, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		perror("server: bind or listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[64];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("server: listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, c;
			if (fd != l) {
				serve(ep, fd);
				continue;
			}
			while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
				if (c >= MAXFD || epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) < 0)
					close(c);
			}
		}
	}
}
