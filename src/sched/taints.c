/*
 * Taints and tolerations with kube-scheduler's semantics (k8s.io/api/core/v1 toleration.go
 * and the TaintToleration filter). Karpenter differs in one respect: it treats
 * PreferNoSchedule as blocking until relaxation; JN_TAINTS_WITH_PREFERRED gives that reading.
 */
#include <string.h>

#include "sched_internal.h"

bool jn_toleration_tolerates(const struct jn_toleration *t, const struct jn_taint *taint)
{
	if (t->effect != JN_TAINT_EFFECT_ALL && t->effect != taint->effect)
		return false;
	const char *key = t->key ? t->key : "";
	if (key[0] && strcmp(key, taint->key ? taint->key : "") != 0)
		return false;
	switch (t->op) {
	case JN_TOLERATION_EXISTS:
		return true;
	case JN_TOLERATION_EQUAL:
		return strcmp(t->value ? t->value : "", taint->value ? taint->value : "") == 0;
	}
	return false;
}

bool jn_tolerations_tolerate(const struct jn_toleration *t, size_t n, const struct jn_taint *taint)
{
	for (size_t i = 0; i < n; i++)
		if (jn_toleration_tolerates(&t[i], taint))
			return true;
	return false;
}

const struct jn_taint *jn_taints_first_untolerated(const struct jn_taint *taints, size_t n,
	const struct jn_toleration *tolerations, size_t n_tolerations, enum jn_taint_filter filter)
{
	for (size_t i = 0; i < n; i++) {
		const struct jn_taint *taint = &taints[i];
		if (taint->effect == JN_TAINT_PREFER_NO_SCHEDULE && filter == JN_TAINTS_BLOCKING)
			continue;
		if (!jn_tolerations_tolerate(tolerations, n_tolerations, taint))
			return taint;
	}
	return NULL;
}

bool jn_pod_tolerates(const struct jn_pod *pod, const struct jn_taint *taints, size_t n,
	enum jn_taint_filter filter, char *why, size_t why_size)
{
	const struct jn_taint *bad = jn_taints_first_untolerated(taints, n, pod->tolerations,
		pod->n_tolerations, filter);
	if (!bad)
		return true;
	if (why && why_size) {
		struct sched_text t;
		sched_text_init(&t, why, why_size);
		sched_text_put(&t, "did not tolerate taint ");
		size_t room = t.len < t.size ? t.size - t.len : 0;
		jn_taint_format(bad, room ? t.out + t.len : NULL, room);
	}
	return false;
}

size_t jn_taint_format(const struct jn_taint *t, char *out, size_t size)
{
	struct sched_text text;
	sched_text_init(&text, out, size);
	const char *value = t->value ? t->value : "";
	if (value[0])
		sched_text_printf(&text, "%s=%s:%s", t->key, value, jn_taint_effect_name(t->effect));
	else
		sched_text_printf(&text, "%s:%s", t->key, jn_taint_effect_name(t->effect));
	return text.len;
}
