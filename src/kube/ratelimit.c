/*
 * Client-side QPS and burst (client-go's tokenBucketRateLimiter): the apiserver's priority and
 * fairness would otherwise answer 429 to a burst of binds, which costs a round trip each.
 */
#include "kube_internal.h"

void jn_kube_bucket_init(struct jn_kube_bucket *b, double qps, int burst, int64_t now_ns)
{
	pthread_mutex_init(&b->mu, NULL);
	b->qps = qps;
	b->burst = burst > 0 ? burst : 1;
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

void jn_kube_bucket_release(struct jn_kube_bucket *b)
{
	pthread_mutex_destroy(&b->mu);
}

int64_t jn_kube_bucket_reserve(struct jn_kube_bucket *b, int64_t now_ns)
{
	if (b->qps <= 0)
		return now_ns;
	pthread_mutex_lock(&b->mu);
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * b->qps / 1e9;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now_ns;
	}
	b->tokens -= 1.0;
	int64_t at = now_ns;
	if (b->tokens < 0) {
		/* -tokens callers are ahead of us in the queue; we go when our token has accrued. */
		at = b->last_ns + (int64_t)(-b->tokens / b->qps * 1e9 + 0.5);
	}
	pthread_mutex_unlock(&b->mu);
	return at;
}
