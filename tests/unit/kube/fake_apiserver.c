#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_apiserver.h"

#define MAX_CONNS 32

struct fake_server {
	fake_handler handler;
	void *ctx;
	int listen_fd;
	int port;
	char url[64];
	pthread_t thread;
	atomic_bool stop;
	atomic_uint connections;
	atomic_uint requests;
	int conns[MAX_CONNS];
	size_t n_conns;
};

void fake_respond(struct jn_buf *resp, int status, const char *extra, const char *body)
{
	jn_buf_printf(resp, NULL, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\n%s\r\n%s", status, strlen(body), extra, body);
}

/* Reads one request from fd; false when the peer closed or sent garbage. */
static bool read_request(int fd, struct fake_request *req)
{
	struct jn_buf in;
	jn_buf_init(&in, 16u << 20);
	char chunk[4096];
	const char *end = NULL;
	while (!(end = strstr(jn_buf_cstr(&in), "\r\n\r\n"))) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0 || jn_buf_append(&in, chunk, (size_t)n, NULL) < 0)
			goto fail;
	}
	size_t head = (size_t)(end - in.data) + 4;
	memset(req, 0, sizeof(*req));
	if (sscanf(in.data, "%15s %2047s", req->method, req->target) != 2)
		goto fail;
	snprintf(req->headers, sizeof(req->headers), "%.*s", (int)head, in.data);
	size_t want = 0;
	const char *cl = strcasestr(req->headers, "\r\ncontent-length:");
	if (cl)
		want = strtoul(cl + 17, NULL, 10);
	while (in.len - head < want) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0 || jn_buf_append(&in, chunk, (size_t)n, NULL) < 0)
			goto fail;
	}
	req->body = jn_xstrndup(in.data + head, want);
	req->body_len = want;
	jn_buf_release(&in);
	return true;
fail:
	jn_buf_release(&in);
	return false;
}

static void drop_conn(struct fake_server *s, size_t i)
{
	close(s->conns[i]);
	s->conns[i] = s->conns[--s->n_conns];
}

static void *run(void *arg)
{
	struct fake_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd fds[MAX_CONNS + 1];
		fds[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < s->n_conns; i++)
			fds[i + 1] = (struct pollfd){ .fd = s->conns[i], .events = POLLIN };
		size_t n = s->n_conns;
		if (poll(fds, n + 1, 50) <= 0)
			continue;
		for (size_t i = n; i-- > 0;) {
			if (!(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct fake_request req;
			if (!read_request(s->conns[i], &req)) {
				drop_conn(s, i);
				continue;
			}
			atomic_fetch_add(&s->requests, 1);
			struct jn_buf resp;
			jn_buf_init(&resp, JN_BUF_UNLIMITED);
			bool close_after = s->handler(s->ctx, &req, &resp);
			ssize_t w = write(s->conns[i], resp.data ? resp.data : "", resp.len);
			(void)w;
			jn_buf_release(&resp);
			free(req.body);
			if (close_after)
				drop_conn(s, i);
		}
		if ((fds[0].revents & POLLIN) && s->n_conns < MAX_CONNS) {
			int fd = accept(s->listen_fd, NULL, NULL);
			if (fd >= 0) {
				s->conns[s->n_conns++] = fd;
				atomic_fetch_add(&s->connections, 1);
			}
		}
	}
	while (s->n_conns)
		drop_conn(s, 0);
	return NULL;
}

struct fake_server *fake_start(fake_handler handler, void *ctx)
{
	struct fake_server *s = jn_xcalloc(1, sizeof(*s));
	s->handler = handler;
	s->ctx = ctx;
	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(addr);
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		listen(s->listen_fd, 16) < 0 ||
		getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) < 0) {
		perror("fake apiserver");
		abort();
	}
	s->port = ntohs(addr.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	pthread_create(&s->thread, NULL, run, s);
	return s;
}

int fake_port(const struct fake_server *s)
{
	return s->port;
}

const char *fake_url(const struct fake_server *s)
{
	return s->url;
}

unsigned fake_connections(const struct fake_server *s)
{
	return atomic_load(&((struct fake_server *)s)->connections);
}

unsigned fake_requests(const struct fake_server *s)
{
	return atomic_load(&((struct fake_server *)s)->requests);
}

void fake_stop(struct fake_server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->listen_fd);
	free(s);
}
