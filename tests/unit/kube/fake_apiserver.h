#ifndef JITNODE_TEST_FAKE_APISERVER_H
#define JITNODE_TEST_FAKE_APISERVER_H

/*
 * A tiny scripted HTTP/1.1 server on 127.0.0.1 for the kube client tests: one thread polls the
 * listening socket and every open connection, reads whole requests and answers with what the
 * test's handler writes. It counts connections, which is how keep-alive is checked.
 */

#include <stdbool.h>
#include <stddef.h>

#include "jitnode/buf.h"

struct fake_request {
	char method[16];
	char target[2048];      /* path and query, as sent */
	char headers[8192];     /* the raw header block, lowercase names are not normalised */
	char *body;             /* NUL-terminated */
	size_t body_len;
};

/* Writes a whole raw HTTP response into resp; returns true to close the connection after. */
typedef bool (*fake_handler)(void *ctx, const struct fake_request *req, struct jn_buf *resp);

struct fake_server;

struct fake_server *fake_start(fake_handler handler, void *ctx);
int fake_port(const struct fake_server *srv);
/** "http://127.0.0.1:<port>" (owned by the server). */
const char *fake_url(const struct fake_server *srv);
unsigned fake_connections(const struct fake_server *srv);
unsigned fake_requests(const struct fake_server *srv);
void fake_stop(struct fake_server *srv);

/** Appends a response with a JSON body and Content-Length; extra is "" or header lines. */
void fake_respond(struct jn_buf *resp, int status, const char *extra, const char *body);

#endif
