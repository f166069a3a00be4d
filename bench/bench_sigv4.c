/*
 * SigV4 signatures per second on an EC2-sized request (a CreateFleet body with 20 overrides),
 * after checking the signer against one official vector so the figure is for correct work.
 * Prints: sigv4_signatures_per_sec=<n> sigv4_ns_per_signature=<n>
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jitnode/aws.h"
#include "jitnode/buf.h"
#include "jitnode/error.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct jn_aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
	struct jn_aws_header vh[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" } };
	struct jn_sigv4_input vin = { .method = "GET", .path = "/", .headers = vh, .n_headers = 2,
		.region = "us-east-1", .service = "service", .amz_date = "20150830T123600Z" };
	struct jn_sigv4_output out;
	jn_sigv4_output_init(&out);
	struct jn_error err;
	/* get-vanilla from the official suite. */
	if (jn_sigv4_sign(&vin, &creds, &out, &err) < 0 || strcmp(jn_buf_cstr(&out.authorization),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
		"SignedHeaders=host;x-amz-date, Signature="
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") != 0) {
		fprintf(stderr, "bench_sigv4: signer does not match the get-vanilla vector\n");
		return 1;
	}
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateFleet", "2016-11-15");
	for (int i = 1; i <= 20; i++) {
		jn_aws_query_addf(&q, "m5.large", "LaunchTemplateConfigs.1.Overrides.%d.InstanceType", i);
		jn_aws_query_addf(&q, "subnet-0123456789abcdef0", "LaunchTemplateConfigs.1.Overrides.%d.SubnetId", i);
	}
	struct jn_buf body;
	jn_buf_init(&body, JN_BUF_UNLIMITED);
	jn_aws_query_encode(&q, &body, NULL);
	struct jn_aws_header hs[] = { { "Host", "ec2.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20261123T120000Z" },
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" } };
	struct jn_sigv4_input in = { .method = "POST", .path = "/", .headers = hs, .n_headers = 3,
		.payload = body.data, .payload_len = body.len, .region = "us-east-1", .service = "ec2",
		.amz_date = "20261123T120000Z" };
	int n = 50000;
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		jn_sigv4_sign(&in, &creds, &out, NULL);
	double dt = now_s() - t0;
	printf("sigv4_signatures_per_sec=%.0f\n", n / dt);
	printf("sigv4_ns_per_signature=%.0f\n", dt / n * 1e9);
	printf("sigv4_body_bytes=%zu\n", body.len);
	jn_buf_release(&body);
	jn_aws_query_release(&q);
	jn_sigv4_output_release(&out);
	return 0;
}
