/* A specialised HTTP/1.1 server, the exokernel way: lwIP's raw API over the program's own ring, responses made once and sent without copy. */
#include "mica.h"
#include <mica/net.h>
#include "lib/cpio.h"
#include "micanet.h"
#include "lwip/tcp.h"

/*
 * Serves GET and HEAD with keep-alive (HTTP/1.1's default; HTTP/1.0 with
 * "Connection: keep-alive") and pipelining. "/" and "/index.html" are the
 * built-in 612-byte page (user/www/index.html); every boot-image file named
 * www/NAME is served as "/NAME". Each response is ready before the first
 * connection: headers made at start-up, the body where it already lies (this
 * program's rodata, or the boot image), handed to tcp_write without
 * TCP_WRITE_FLAG_COPY. An unknown path gets 404 (the connection stays open);
 * anything that is not a well-formed GET or HEAD gets 400 and the connection
 * is closed.
 */
#define HTTP_PORT 80
#define RING_VA 0x50000000UL
#define RING_PAGES NET_RING_MAX_PAGES /* 128 slots */
#define REQ_MAX 2048 /* a request's head, at most */
#define MAX_CONNS 1024 /* as many as lwIP has connection blocks (lwipopts.h) */
#define HELD_MAX 16384 /* received bytes a connection holds while its answer is being sent */
#define MAX_FILES 64
#define HEAD_MAX 192

/* A ready-made response: its head, then its body (omitted for HEAD). */
struct response {
	const char *path;
	const char *head;
	uint32_t hlen;
	const uint8_t *body;
	uint32_t blen;
};

/*
 * One connection: the bytes of requests not yet answered, the response
 * being sent (off counts bytes of head and body queued so far, end is where
 * it stops), and whether to close once it is sent.
 */
struct conn {
	struct tcp_pcb *pcb;
	struct conn *next_free;
	struct pbuf *held; /* received, not yet in req: taken from held_off on */
	uint16_t held_off;
	const struct response *cur;
	uint32_t off, end;
	bool close_after;
	uint16_t len;
	char req[REQ_MAX];
};

extern const uint8_t index_html[], index_html_end[];
__asm__(".section .rodata\n"
	".global index_html, index_html_end\n"
	"index_html: .incbin \"user/www/index.html\"\n"
	"index_html_end:\n"
	".previous");

static struct response files[MAX_FILES + 2];
static int nfiles;
static char heads[MAX_FILES + 2][HEAD_MAX];
static const char not_found[] = "HTTP/1.1 404 Not Found\r\nServer: mica-httpd\r\nContent-Type: text/plain\r\n"
				"Content-Length: 10\r\n\r\nnot found\n";
static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nServer: mica-httpd\r\nContent-Type: text/plain\r\n"
				  "Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n";
static const struct response resp_404 = { "", not_found, sizeof(not_found) - 1, NULL, 0 };
static const struct response resp_400 = { "", bad_request, sizeof(bad_request) - 1, NULL, 0 };
static struct conn conns[MAX_CONNS];
static struct conn *free_conns;
static struct {
	uint64_t accepted, requests, not_found, bad, refused;
} stats;

/* The Content-Type for a path, by its extension ("/" is the index page). */
static const char *content_type(const char *name)
{
	const char *dot = NULL;
	if (name[strlen(name) - 1] == '/')
		return "text/html";
	for (const char *p = name; *p; p++)
		if (*p == '.')
			dot = p;
	if (dot && strcmp(dot, ".html") == 0)
		return "text/html";
	if (dot && strcmp(dot, ".txt") == 0)
		return "text/plain";
	return "application/octet-stream";
}

/* Add a response for path with the body body[0..len), its head made now. False when there is no room. */
static bool add_file(const char *path, const void *body, size_t len)
{
	if (nfiles == MAX_FILES + 2 || len > UINT32_MAX)
		return false;
	char *h = heads[nfiles];
	int n = fmt_snprintf(h, HEAD_MAX,
			     "HTTP/1.1 200 OK\r\nServer: mica-httpd\r\nContent-Type: %s\r\n"
			     "Content-Length: %lu\r\n\r\n",
			     content_type(path), (unsigned long)len);
	files[nfiles++] = (struct response){ path, h, (uint32_t)n, body, (uint32_t)len };
	return true;
}

/* The built-in page, then every www/NAME of the boot image as /NAME. How many files are served. */
static int load_files(void)
{
	size_t idx_len = (size_t)(index_html_end - index_html), off = 0;
	add_file("/", index_html, idx_len);
	add_file("/index.html", index_html, idx_len);
	const void *img = (const void *)mica_start_info->image;
	struct cpio_entry e;
	while (cpio_next(img, mica_start_info->image_size, &off, &e) == 1) {
		const char *name = e.name[0] == '.' && e.name[1] == '/' ? e.name + 2 : e.name;
		if (strncmp(name, "www/", 4) == 0 && name[4] && (e.mode & 0170000) == 0100000 &&
		    !add_file(name + 3, e.data, e.size))
			printf("httpd: too many files; %s is not served\n", name);
	}
	return nfiles;
}

/* The response for path (a string of n bytes), or NULL. */
static const struct response *find(const char *path, size_t n)
{
	for (int i = 0; i < nfiles; i++)
		if (strlen(files[i].path) == n && memcmp(files[i].path, path, n) == 0)
			return &files[i];
	return NULL;
}

/* Whether s[0..n) equals the lower-case word w, ignoring the case of s. */
static bool word_is(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++)
		if ((s[i] | 0x20) != w[i])
			return false;
	return i == n && !w[i];
}

/* The offset just past the first "\r\n" at or after from in s[0..n), or 0. */
static size_t line_end(const char *s, size_t n, size_t from)
{
	for (size_t i = from; i + 1 < n; i++)
		if (s[i] == '\r' && s[i + 1] == '\n')
			return i + 2;
	return 0;
}

/* Read the header lines of r[0..n) (after the request line): false if one is malformed; *keep as Connection says. */
static bool parse_headers(const char *r, size_t n, size_t at, bool *keep)
{
	size_t end;
	while ((end = line_end(r, n, at)) != 0 && end - at > 2) {
		const char *l = r + at, *colon = memchr(l, ':', end - 2 - at);
		if (!colon || colon == l)
			return false;
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vlen = (size_t)(r + end - 2 - v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (word_is(l, (size_t)(colon - l), "connection")) {
			if (word_is(v, vlen, "close"))
				*keep = false;
			else if (word_is(v, vlen, "keep-alive"))
				*keep = true;
		}
		at = end;
	}
	return true;
}

/*
 * The response to the request head r[0..n) (ending with an empty line):
 * sets *keep (whether the connection stays open) and *head_only (HEAD).
 */
static const struct response *answer(const char *r, size_t n, bool *keep, bool *head_only)
{
	size_t end = line_end(r, n, 0);
	const char *sp1 = memchr(r, ' ', end), *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(r + end - sp1 - 1)) : NULL;
	*head_only = false;
	*keep = false;
	if (!sp2 || sp1[1] != '/' || (size_t)(r + end - 2 - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return &resp_400;
	char minor = sp2[8];
	bool get = sp1 - r == 3 && memcmp(r, "GET", 3) == 0, head = sp1 - r == 4 && memcmp(r, "HEAD", 4) == 0;
	if ((!get && !head) || (minor != '0' && minor != '1'))
		return &resp_400;
	*keep = minor == '1';
	if (!parse_headers(r, n, end, keep)) {
		*keep = false;
		return &resp_400;
	}
	*head_only = head;
	const char *path = sp1 + 1;
	size_t plen = (size_t)(sp2 - path);
	const struct response *f = find(path, plen);
	return f ? f : &resp_404;
}

/* Give c back to the pool, with what it held; its pcb is gone or handed back to lwIP. */
static void conn_free(struct conn *c)
{
	if (c->held)
		pbuf_free(c->held);
	c->held = NULL;
	c->pcb = NULL;
	c->next_free = free_conns;
	free_conns = c;
}

/* lwIP, every 2 s on a connection whose close failed for want of memory: try again, else abort. */
static err_t on_poll_close(void *arg, struct tcp_pcb *pcb)
{
	(void)arg;
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

/*
 * Close c's connection (queued data still goes out first) and free c. Bytes
 * received and not read count as read, so that the close is a FIN that lets
 * the peer read our last answer, not a reset.
 */
static void conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	if (c->held)
		tcp_recved(pcb, (u16_t)(c->held->tot_len - c->held_off));
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	conn_free(c);
	if (tcp_close(pcb) != ERR_OK)
		tcp_poll(pcb, on_poll_close, 4);
}

/* The next piece of c's response to queue: a pointer and a length at most max. */
static const void *piece(const struct conn *c, uint32_t *len, uint32_t max)
{
	const struct response *r = c->cur;
	const void *p = c->off < r->hlen ? (const void *)(r->head + c->off) : r->body + (c->off - r->hlen);
	uint32_t left = (c->off < r->hlen ? r->hlen : c->end) - c->off;
	*len = left < max ? left : max;
	return p;
}

/*
 * Queue as much of c's response as lwIP's send buffer takes, by reference
 * (no TCP_WRITE_FLAG_COPY: the bytes stay where they are until acknowledged).
 * True when all of it is queued.
 */
static bool send_more(struct conn *c)
{
	while (c->off < c->end) {
		uint32_t room = tcp_sndbuf(c->pcb), len;
		if (room > 0xFFFF)
			room = 0xFFFF; /* tcp_write takes a 16-bit length */
		const void *p = piece(c, &len, room);
		if (len == 0 ||
		    tcp_write(c->pcb, p, (u16_t)len, c->off + len < c->end ? TCP_WRITE_FLAG_MORE : 0) != ERR_OK)
			break;
		c->off += len;
	}
	tcp_output(c->pcb);
	return c->off == c->end;
}

/* The length of the first complete request head (up to its empty line) in c's buffer, or 0. */
static size_t request_len(const struct conn *c)
{
	for (size_t i = 0; i + 3 < c->len; i++)
		if (memcmp(c->req + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/* Start answering the request head of n bytes at the front of c's buffer (n 0: one too long), and drop it. */
static void start_response(struct conn *c, size_t n)
{
	bool keep = false, head_only = false;
	c->cur = n ? answer(c->req, n, &keep, &head_only) : &resp_400;
	stats.requests++;
	stats.not_found += c->cur == &resp_404;
	stats.bad += c->cur == &resp_400;
	c->close_after = !keep;
	c->off = 0;
	c->end = c->cur->hlen + (head_only ? 0 : c->cur->blen);
	memmove(c->req, c->req + n, c->len - n);
	c->len = (uint16_t)(c->len - n);
}

/*
 * Answer the complete requests buffered in c, in order, while each response
 * is queued whole; stop at one still being queued (on_sent goes on), at an
 * incomplete request, or at the end of the connection. False when c was
 * closed.
 */
static bool serve(struct conn *c)
{
	while (!c->cur) {
		size_t n = request_len(c);
		if (!n && c->len < REQ_MAX)
			return true;
		start_response(c, n);
		if (!send_more(c))
			return true;
		c->cur = NULL;
		if (c->close_after) {
			conn_close(c);
			return false;
		}
	}
	return true;
}

/*
 * Move received bytes that c holds into its request buffer as room allows,
 * answering what they complete; the window opens by what is taken. Bytes
 * that find no room (a response is still being queued) wait in c->held.
 */
static void feed(struct conn *c)
{
	while (c->held) {
		uint16_t room = (uint16_t)(REQ_MAX - c->len), left = (uint16_t)(c->held->tot_len - c->held_off);
		uint16_t take = left < room ? left : room;
		if (take == 0 && c->cur)
			return;
		pbuf_copy_partial(c->held, c->req + c->len, take, c->held_off);
		c->len = (uint16_t)(c->len + take);
		c->held_off = (uint16_t)(c->held_off + take);
		tcp_recved(c->pcb, take);
		if (c->held_off == c->held->tot_len) {
			pbuf_free(c->held);
			c->held = NULL;
			c->held_off = 0;
		}
		if (!serve(c))
			return;
	}
}

/* lwIP: data (or, with p NULL, the peer's end) arrived on c's connection. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;
	(void)pcb;
	(void)err;
	if (!p) {
		if (c->cur)
			c->close_after = true; /* after the response being sent */
		else
			conn_close(c);
		return ERR_OK;
	}
	if (c->held && c->held->tot_len + p->tot_len > HELD_MAX)
		return ERR_MEM; /* lwIP keeps p and offers it again later */
	if (c->held)
		pbuf_cat(c->held, p);
	else
		c->held = p;
	feed(c);
	return ERR_OK;
}

/* lwIP: the peer acknowledged data of c: queue more of the response, then go on with the requests. */
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;
	(void)pcb;
	(void)len;
	if (!c->cur || !send_more(c))
		return ERR_OK;
	c->cur = NULL;
	if (c->close_after)
		conn_close(c);
	else if (serve(c))
		feed(c);
	return ERR_OK;
}

/* lwIP: c's connection is gone (reset or aborted); its pcb is already freed. */
static void on_err(void *arg, err_t err)
{
	(void)err;
	if (arg)
		conn_free(arg);
}

/* lwIP: a new connection on the listener: give it a conn, or refuse it when none is left. */
static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	struct conn *c = free_conns;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (!c) {
		stats.refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	free_conns = c->next_free;
	*c = (struct conn){ .pcb = pcb };
	stats.accepted++;
	tcp_nagle_disable(pcb);
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	return ERR_OK;
}

/* Listen on HTTP_PORT of every address of the interface. */
static void listen_http(void)
{
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, IP4_ADDR_ANY, HTTP_PORT) != ERR_OK)
		die("httpd: cannot bind port %d", HTTP_PORT);
	if (!(pcb = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG)))
		die("httpd: cannot listen");
	tcp_accept(pcb, on_accept);
}

int main(void)
{
	for (int i = MAX_CONNS - 1; i >= 0; i--)
		conn_free(&conns[i]);
	int n = load_files();
	long r = micanet_start(RING_VA, RING_PAGES);
	if (r < 0)
		die("httpd: no network: %s", mica_strerror((int)r));
	if (micanet_claim_tcp(HTTP_PORT) < 0)
		die("httpd: cannot claim port %d", HTTP_PORT);
	listen_http();
	uint64_t deadline = clock_ns() + 10000000000UL;
	while (!micanet_ready() && clock_ns() < deadline)
		micanet_poll(deadline - clock_ns());
	uint32_t ip = micanet_addr();
	if (!ip)
		die("httpd: DHCP gave no address in 10 s");
	printf("httpd: serving %d files on %u.%u.%u.%u:%d\n", n, ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255,
	       HTTP_PORT);
	for (;;)
		micanet_poll(TIMEOUT_FOREVER);
}
