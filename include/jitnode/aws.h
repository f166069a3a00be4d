#ifndef JITNODE_AWS_H
#define JITNODE_AWS_H

/*
 * AWS plumbing shared by the EC2 provider and the credential sources: Signature Version 4,
 * Query-protocol requests (EC2 flavour), XML answers, typed errors, an HTTP transport seam,
 * a client that signs and retries, and the credentials chain.
 *
 * Layers, bottom up (each usable alone, which is what the unit tests do):
 *   jn_sigv4_sign            pure: request parts + credentials -> canonical request, signature
 *   jn_aws_query             form body "Action=...&Version=...&Name.N.Field=..." (ec2.md §1.2)
 *   jn_xml_parse             expat into a small tree with hard caps (bytes, nodes, depth)
 *   jn_aws_error_from_response  the error XML into a jn_error kind (callers branch on kind)
 *   jn_aws_transport         HTTP seam: libcurl for real, scripted fakes in tests
 *   jn_aws_client            sign + send + parse + retry with full-jitter backoff (clock seam)
 *   jn_aws_credentials_*     env, shared files, web identity (IRSA), Pod Identity, IMDSv2
 *
 * Nothing here reads the process environment: main builds a struct jn_aws_options with
 * jn_aws_options_from_env(environ) and passes it down, so tests inject any environment.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"

struct jn_clock;
struct jn_logger;
struct json_t;

/* ------------------------------------------------------------------------------------------ */
/* Credentials                                                                                 */

struct jn_aws_credentials {
	char *access_key_id;        /* owned */
	char *secret_access_key;    /* owned */
	char *session_token;        /* owned; NULL for long-term keys */
	int64_t expires_wall_ns;    /* 0: never expires */
	const char *source;         /* static string naming where they came from ("environment") */
};

/** Frees the strings and zeroes the struct; a zeroed struct is safe to release. */
void jn_aws_credentials_release(struct jn_aws_credentials *creds);
/** Deep copy; dst is overwritten (release it first if it held anything). */
void jn_aws_credentials_copy(struct jn_aws_credentials *dst, const struct jn_aws_credentials *src);

/* ------------------------------------------------------------------------------------------ */
/* Signature Version 4                                                                         */

struct jn_aws_header {
	const char *name;           /* borrowed; any case */
	const char *value;          /* borrowed; trimmed and inner whitespace collapsed when signed */
};

struct jn_sigv4_input {
	const char *method;         /* "POST" */
	const char *path;           /* unencoded absolute path ("/"; "" means "/") */
	const char *query;          /* query string as sent (percent-encoded), NULL or "" for none */
	const struct jn_aws_header *headers;    /* every header to sign: must hold host and x-amz-date */
	size_t n_headers;
	const void *payload;        /* exact body bytes; NULL with payload_len 0 for none */
	size_t payload_len;
	const char *region;         /* "us-east-1" */
	const char *service;        /* "ec2", "sts" */
	const char *amz_date;       /* "20150830T123600Z": must equal the x-amz-date header */
	bool no_path_normalize;     /* S3 only: keep "." ".." and "//" segments as they are */
};

/*
 * What signing produced. All three are kept because the vectors check each step and because a
 * signature mismatch is only debuggable with the canonical request in hand.
 */
struct jn_sigv4_output {
	struct jn_buf canonical_request;
	struct jn_buf string_to_sign;
	struct jn_buf authorization;   /* the Authorization header value */
};

void jn_sigv4_output_init(struct jn_sigv4_output *out);
void jn_sigv4_output_release(struct jn_sigv4_output *out);

/**
 * Signs a request (AWS General Reference "Create a signed AWS API request", ec2.md §2).
 * When creds carry a session token and the headers hold no x-amz-security-token, the token is
 * signed as that header: the caller must then send it. Header names are lowercased, values
 * trimmed with runs of whitespace collapsed, repeated headers joined with ','; the path is
 * normalised and RFC 3986-encoded per segment; the query is decoded, re-encoded and sorted.
 * out is reset first. Fails with JN_ERR_INVALID naming a missing part (no host header, ...).
 * Pure and thread-safe.
 */
int jn_sigv4_sign(const struct jn_sigv4_input *in, const struct jn_aws_credentials *creds,
	struct jn_sigv4_output *out, struct jn_error *err);

/** Formats wall nanoseconds as the x-amz-date "YYYYMMDDTHHMMSSZ" into out (>= 17 bytes). */
char *jn_aws_amz_date(int64_t wall_ns, char *out, size_t size);

/**
 * Appends s percent-encoded with the RFC 3986 rule SigV4 and the EC2 form body share: only
 * A-Z a-z 0-9 - _ . ~ stay (and '/' when keep_slash), everything else is %XX uppercase.
 */
int jn_aws_uri_encode(struct jn_buf *out, const char *s, size_t len, bool keep_slash,
	struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Query-protocol requests (EC2 flavour: lists are Name.N, never .member.N)                    */

struct jn_aws_param {
	char *key;      /* owned, unencoded ("LaunchTemplateConfigs.1.Overrides.3.InstanceType") */
	char *value;    /* owned, unencoded */
};

/* Parameters in insertion order, as botocore sends them. Caller-allocated. Not thread-safe. */
struct jn_aws_query {
	struct jn_aws_param *items;
	size_t len;
	size_t cap;
};

/** Starts a query with Action=<action> and Version=<version> ("2016-11-15" for EC2). */
void jn_aws_query_init(struct jn_aws_query *q, const char *action, const char *version);
void jn_aws_query_release(struct jn_aws_query *q);
/** Appends key=value (both copied). A NULL value adds nothing, so optional fields read simply. */
void jn_aws_query_add(struct jn_aws_query *q, const char *key, const char *value);
/** Appends with a printf-built key: jn_aws_query_addf(q, "m5.large", "Overrides.%zu.InstanceType", i). */
void jn_aws_query_addf(struct jn_aws_query *q, const char *value, const char *key_fmt, ...)
	JN_PRINTF(3, 4);
/** Appends prefix.1=values[0] ... prefix.n=values[n-1]; an empty list sends nothing (§1.2). */
void jn_aws_query_add_list(struct jn_aws_query *q, const char *prefix, const char *const *values,
	size_t n);
/** Borrowed value of the first param named key, or NULL. */
const char *jn_aws_query_get(const struct jn_aws_query *q, const char *key);
/** Borrowed value of Action. */
const char *jn_aws_query_action(const struct jn_aws_query *q);
/** Writes the form body (key=value joined by '&', RFC 3986-encoded) into out (appended). */
int jn_aws_query_encode(const struct jn_aws_query *q, struct jn_buf *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* XML answers                                                                                 */

/*
 * A parsed XML document: elements only, namespace prefixes dropped (real AWS and moto differ in
 * their xmlns, ec2.md §1.1), attributes ignored (EC2 answers carry none that matter). A leaf's
 * text is its character data verbatim; an element with children has text "".
 */
struct jn_xml_node {
	char *name;                     /* owned, local name */
	char *text;                     /* owned, never NULL */
	struct jn_xml_node **children;  /* owned, in document order */
	size_t n_children;
	size_t cap;
};

/* Hard caps fixed by the caller; exceeding one fails with JN_ERR_TOO_LARGE naming it. */
struct jn_xml_limits {
	size_t max_bytes;       /* input size */
	size_t max_nodes;       /* elements */
	size_t max_depth;       /* nesting */
	size_t max_text;        /* bytes of one element's text */
};

/** Caps for EC2 answers: 16 MiB, 500k elements, depth 32, 64 KiB of text per element. */
extern const struct jn_xml_limits jn_xml_default_limits;

/**
 * Parses data into a tree. *out is an owned root (free with jn_xml_free). Malformed XML fails
 * with JN_ERR_INVALID quoting expat's reason, line and column. limits NULL means the defaults.
 */
int jn_xml_parse(const char *data, size_t len, const struct jn_xml_limits *limits,
	struct jn_xml_node **out, struct jn_error *err);
/** Frees a tree; NULL is allowed. */
void jn_xml_free(struct jn_xml_node *node);

/** First child named name, or NULL. Borrowed. */
const struct jn_xml_node *jn_xml_child(const struct jn_xml_node *node, const char *name);
/** Follows a '/'-separated path of child names ("instanceState/name"), or NULL. Borrowed. */
const struct jn_xml_node *jn_xml_path(const struct jn_xml_node *node, const char *path);
/** Text at path, or NULL when the path does not exist. Borrowed. */
const char *jn_xml_text(const struct jn_xml_node *node, const char *path);
/** Owned copy of the text at path, or NULL. */
char *jn_xml_strdup(const struct jn_xml_node *node, const char *path);

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */

/**
 * The kind an AWS error code maps to, the status breaking ties:
 *   RequestLimitExceeded, Throttling*, *ThrottledException    -> JN_ERR_THROTTLED
 *   InsufficientInstanceCapacity and the unfulfillable codes  -> JN_ERR_INSUFFICIENT_CAPACITY
 *   AuthFailure, UnauthorizedOperation, *AccessDenied*, InvalidClientTokenId, SignatureDoesNotMatch,
 *   ExpiredToken*, InvalidIdentityToken                        -> JN_ERR_UNAUTHORIZED
 *   *.NotFound, *.NotFoundException, *NotFound, NoSuchEntity   -> JN_ERR_NOT_FOUND
 *   *AlreadyExists* (IAM's EntityAlreadyExists too), IdempotentParameterMismatch
 *                                                              -> JN_ERR_CONFLICT
 *   Invalid*, MissingParameter, *.Malformed, DryRunOperation   -> JN_ERR_INVALID
 *   anything else: 5xx -> JN_ERR_UNAVAILABLE, 4xx -> JN_ERR_INVALID
 */
enum jn_error_kind jn_aws_error_kind(const char *code, long http_status);

/** True for the codes Karpenter treats as unfulfillable capacity (ec2.md §0.3). */
bool jn_aws_code_is_capacity(const char *code);

/**
 * Turns an error answer (EC2 Response/Errors/Error or STS ErrorResponse/Error) into err:
 * kind from jn_aws_error_kind and the message "'<Code>' (http <status>): <Message>". A body that
 * is not such XML (moto's HTML 500s) gives "http <status>" plus its first bytes. Returns -1.
 * When code is not NULL the AWS code is copied into it (size bytes, "" when none).
 */
int jn_aws_error_from_response(long http_status, const char *body, size_t len, char *code,
	size_t size, struct jn_error *err);

/**
 * The same for JSON-protocol services (SSM, ...): {"__type": "[prefix#]Code", "message": "..."}
 * ("Message" accepted too) gives the kind of Code and "'<Code>' (http <status>): <message>"; a
 * body without __type is read as jn_aws_error_from_response reads it. Returns -1.
 */
int jn_aws_json_error_from_response(long http_status, const char *body, size_t len, char *code,
	size_t size, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* HTTP transport seam                                                                         */

struct jn_aws_http_request {
	const char *method;
	const char *url;
	const struct jn_aws_header *headers;
	size_t n_headers;
	const char *body;           /* may be NULL when body_len is 0 */
	size_t body_len;
	int64_t timeout_ms;         /* whole call; required (> 0) */
};

struct jn_aws_http_response {
	long status;
	struct jn_buf body;         /* its limit caps what the transport reads */
};

struct jn_aws_transport;

struct jn_aws_transport_impl {
	/*
	 * Sends one request and fills resp (status and body). Returns -1 only when no HTTP answer
	 * came: JN_ERR_TIMEOUT, JN_ERR_UNAVAILABLE (refused, reset) or JN_ERR_TOO_LARGE (body cap).
	 */
	int (*send)(struct jn_aws_transport *t, const struct jn_aws_http_request *req,
		struct jn_aws_http_response *resp, struct jn_error *err);
	void (*destroy)(struct jn_aws_transport *t);
};

struct jn_aws_transport {
	const struct jn_aws_transport_impl *impl;
};

/**
 * A libcurl transport with one reused easy handle (keep-alive), serialised by a mutex so that
 * several controller threads may share it. Owned; destroy with jn_aws_transport_destroy.
 */
struct jn_aws_transport *jn_aws_transport_curl_create(void);

int jn_aws_transport_send(struct jn_aws_transport *t, const struct jn_aws_http_request *req,
	struct jn_aws_http_response *resp, struct jn_error *err);
/** NULL is allowed. */
void jn_aws_transport_destroy(struct jn_aws_transport *t);

/* ------------------------------------------------------------------------------------------ */
/* Options from the environment                                                                */

/*
 * Everything the AWS side reads from the environment (ec2.md §3), captured once by main.
 * Strings are owned; NULL means unset. An empty variable counts as unset.
 */
struct jn_aws_options {
	char *region;                   /* AWS_REGION, else AWS_DEFAULT_REGION, else the profile's */
	char *profile;                  /* AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default" */
	char *shared_credentials_file;  /* AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials */
	char *config_file;              /* AWS_CONFIG_FILE, else $HOME/.aws/config */
	char *access_key_id;            /* AWS_ACCESS_KEY_ID */
	char *secret_access_key;        /* AWS_SECRET_ACCESS_KEY */
	char *session_token;            /* AWS_SESSION_TOKEN, else AWS_SECURITY_TOKEN */
	char *role_arn;                 /* AWS_ROLE_ARN */
	char *web_identity_token_file;  /* AWS_WEB_IDENTITY_TOKEN_FILE */
	char *role_session_name;        /* AWS_ROLE_SESSION_NAME */
	char *container_full_uri;       /* AWS_CONTAINER_CREDENTIALS_FULL_URI */
	char *container_token_file;     /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE */
	char *container_token;          /* AWS_CONTAINER_AUTHORIZATION_TOKEN */
	char *imds_endpoint;            /* AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 */
	bool imds_disabled;             /* AWS_EC2_METADATA_DISABLED=true */
	char *endpoint_url;             /* AWS_ENDPOINT_URL */
	char *endpoint_url_ec2;         /* AWS_ENDPOINT_URL_EC2 */
	char *endpoint_url_sts;         /* AWS_ENDPOINT_URL_STS */
	char *endpoint_url_ssm;         /* AWS_ENDPOINT_URL_SSM */
	char *endpoint_url_iam;         /* AWS_ENDPOINT_URL_IAM */
	bool ignore_endpoint_urls;      /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true */
	int max_attempts;               /* AWS_MAX_ATTEMPTS, else 0 (the client's default) */
};

/**
 * Fills opts from envp (a NULL-terminated "NAME=value" array: main passes environ, tests their
 * own). The profile's region comes from the config file when no variable sets one; a missing
 * file is fine, an unreadable one is not. An AWS_MAX_ATTEMPTS that is not 1..20 fails with
 * JN_ERR_INVALID. opts is released on failure.
 */
int jn_aws_options_from_env(struct jn_aws_options *opts, char *const *envp, struct jn_error *err);
void jn_aws_options_release(struct jn_aws_options *opts);

/**
 * The endpoint for a service ("ec2", "sts", "ssm", "iam"): AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com (IAM, a global service:
 * https://iam.amazonaws.com, signed for us-east-1). Owned, without a trailing '/'.
 */
char *jn_aws_options_endpoint(const struct jn_aws_options *opts, const char *service);

/* ------------------------------------------------------------------------------------------ */
/* Credentials chain                                                                           */

struct jn_aws_credentials_provider;

/**
 * The chain, tried in botocore's order the first time credentials are needed: environment keys;
 * the shared credentials file (then the config file) for the profile; web identity (role ARN +
 * token file, from the environment or the profile: AssumeRoleWithWebIdentity on STS, unsigned);
 * container credentials (Pod Identity: full URI + token file or token); IMDSv2 (token, role
 * name, role credentials). The source that answered is kept; its credentials are cached and
 * fetched again once they are within 5 minutes of expiring (never for keys that do not expire).
 * If a refresh fails while the old credentials are still valid, the old ones are returned.
 * transport and clock are borrowed and must outlive the provider. Thread-safe.
 */
struct jn_aws_credentials_provider *jn_aws_credentials_provider_create(
	const struct jn_aws_options *opts, struct jn_aws_transport *transport,
	const struct jn_clock *clock, struct jn_logger *log);

/** A provider that always returns a copy of creds (tests, benches). */
struct jn_aws_credentials_provider *jn_aws_credentials_provider_static(
	const struct jn_aws_credentials *creds);

/**
 * Current credentials, copied into out (owned by the caller; release them). Fails with
 * JN_ERR_UNAUTHORIZED "no aws credentials found: ..." naming what was looked at and why IMDS
 * did not answer, or, when a configured web identity or container source fails, with that
 * failure ("assuming role '<arn>' with web identity: ...", its own kind).
 */
int jn_aws_credentials_get(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err);

/** How many times credentials were fetched from their source (the cache's misses). */
unsigned jn_aws_credentials_fetches(struct jn_aws_credentials_provider *p);

void jn_aws_credentials_provider_destroy(struct jn_aws_credentials_provider *p);

/* ------------------------------------------------------------------------------------------ */
/* Client: sign, send, parse, retry                                                            */

struct jn_aws_client_config {
	const char *service;        /* signing name: "ec2" */
	const char *region;         /* signing region */
	const char *endpoint;       /* "https://ec2.us-east-1.amazonaws.com" or "http://127.0.0.1:5000" */
	int64_t timeout_ms;         /* per attempt; 0 means 10 s */
	int max_attempts;           /* including the first; 0 means 5 */
	int64_t base_delay_ns;      /* backoff base; 0 means 100 ms */
	int64_t max_delay_ns;       /* backoff cap; 0 means 20 s */
	uint64_t jitter_seed;       /* seeds the jitter; 0 means a fixed default */
	size_t max_response_bytes;  /* 0 means 16 MiB */
};

struct jn_aws_client_stats {
	uint64_t calls;             /* jn_aws_client_call invocations */
	uint64_t attempts;          /* HTTP requests sent */
	uint64_t retries;           /* attempts after the first */
	uint64_t throttled;         /* answers classed JN_ERR_THROTTLED */
	uint64_t server_errors;     /* 5xx answers and transport failures */
	int64_t slept_ns;           /* total backoff */
};

struct jn_aws_client;

/**
 * A client for one service. transport, creds and clock are borrowed and must outlive it;
 * log may be NULL. Owned; the strings of config are copied. Thread-safe.
 */
struct jn_aws_client *jn_aws_client_create(const struct jn_aws_client_config *config,
	struct jn_aws_transport *transport, struct jn_aws_credentials_provider *creds,
	const struct jn_clock *clock, struct jn_logger *log);
void jn_aws_client_destroy(struct jn_aws_client *c);

/**
 * POSTs the query as a form body, signed, and parses the XML answer into *out (owned; free with
 * jn_xml_free). Throttling, 5xx, timeouts and connection failures are retried up to
 * max_attempts with full-jitter exponential backoff (sleep = uniform(0, min(cap, base * 2^n)))
 * through the clock seam; every other error is returned at once. On failure err carries the
 * kind and "calling <Action>: ..." and, when code is not NULL, the AWS error code.
 */
int jn_aws_client_call(struct jn_aws_client *c, const struct jn_aws_query *q,
	struct jn_xml_node **out, char *code, size_t code_size, struct jn_error *err);

/*
 * For calls whose retry could do the work twice (CreateFleet where ClientToken is not honoured):
 * before_retry runs before each retry and returns 1 when the work turns out to be done (the
 * call then stops and returns 1 with *out NULL), 0 to go on retrying, -1 to stop with err.
 */
struct jn_aws_retry_guard {
	int (*before_retry)(void *ctx, int attempt, struct jn_error *err);
	void *ctx;
};

/** jn_aws_client_call with a guard (NULL: none). Returns 0, 1 (guard said done) or -1. */
int jn_aws_client_call_guarded(struct jn_aws_client *c, const struct jn_aws_query *q,
	const struct jn_aws_retry_guard *guard, struct jn_xml_node **out, char *code,
	size_t code_size, struct jn_error *err);

/**
 * A JSON-protocol call (AWS JSON 1.1: SSM, ...): POSTs body (a JSON document, sent as given)
 * with Content-Type application/x-amz-json-1.1 and X-Amz-Target: target
 * ("AmazonSSM.GetParameter"), signed for the client's service, retried exactly like
 * jn_aws_client_call. On success *out is the parsed answer (owned; json_decref); an answer that
 * is not JSON fails with JN_ERR_INVALID. Errors as jn_aws_json_error_from_response, prefixed
 * "calling <operation>: " (the part of target after its last '.').
 */
int jn_aws_client_call_json(struct jn_aws_client *c, const char *target, const char *body,
	struct json_t **out, char *code, size_t code_size, struct jn_error *err);

/** A copy of the counters. */
void jn_aws_client_stats(struct jn_aws_client *c, struct jn_aws_client_stats *out);

#endif
