#ifndef JITNODE_TEST_FAKE_TRANSPORT_H
#define JITNODE_TEST_FAKE_TRANSPORT_H

/*
 * A scripted HTTP transport: answers are queued in order (status + body, or a transport
 * failure kind), every request is recorded. When the script runs out it answers 599 so a test
 * that sends more than it expected fails loudly. Optional routing by URL substring lets the
 * credential tests answer IMDS, STS and EC2 from one script.
 */

#include <stddef.h>

#include "jitnode/aws.h"

#define FAKE_MAX 64

struct fake_answer {
	const char *url_contains;       /* NULL: any request */
	long status;
	const char *body;               /* copied when queued */
	enum jn_error_kind fail;        /* JN_ERR_NONE: answer; else the transport fails with it */
	int used;
};

struct fake_request {
	char *method;
	char *url;
	char *body;
	char *headers;                  /* "name: value\n" lines */
};

struct fake_transport {
	struct jn_aws_transport base;
	struct fake_answer answers[FAKE_MAX];
	char *bodies[FAKE_MAX];
	size_t n_answers;
	size_t next;
	struct fake_request requests[FAKE_MAX];
	size_t n_requests;
};

void fake_transport_init(struct fake_transport *t);
void fake_transport_release(struct fake_transport *t);
void fake_transport_push(struct fake_transport *t, long status, const char *body);
void fake_transport_push_url(struct fake_transport *t, const char *url_contains, long status,
	const char *body);
void fake_transport_push_failure(struct fake_transport *t, enum jn_error_kind kind);
/** Value of a header of request i, or NULL. Borrowed until release. */
const char *fake_request_header(struct fake_transport *t, size_t i, const char *name);
/** Loads a fixture under tests/fixtures/aws (owned). */
char *fake_fixture(const char *name);

struct jn_xml_node;
/** The fixture tests/fixtures/aws/<name> parsed as XML (owned; NULL and a diagnostic on error). */
struct jn_xml_node *fake_fixture_tree(const char *name);

#endif
