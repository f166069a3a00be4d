/* Reconnect delays for watches: capped exponential with "equal jitter" (AWS architecture blog). */
#include "kube_internal.h"

int64_t jn_kube_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms, uint64_t random)
{
	int64_t d = base_ms;
	for (unsigned i = 0; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	int64_t half = d / 2;
	return half + (int64_t)(random % (uint64_t)(d - half + 1));
}
