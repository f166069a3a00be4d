/*
 * Label selectors and pod affinity terms: which pods a term or a spread constraint selects.
 * matchLabelKeys / mismatchLabelKeys are applied as extra conditions at match time instead of
 * building a merged selector, so matching allocates nothing.
 */
#include <string.h>

#include "sched_internal.h"

bool jn_label_selector_matches_merged(const struct jn_label_selector *sel,
	const struct jn_strmap *candidate, const struct jn_strmap *owner_labels,
	char *const *match_keys, size_t n_match_keys, char *const *mismatch_keys,
	size_t n_mismatch_keys)
{
	if (!jn_label_selector_matches(sel, candidate))
		return false;
	for (size_t i = 0; i < n_match_keys; i++) {
		const char *want = jn_strmap_get(owner_labels, match_keys[i]);
		if (!want)
			continue;
		const char *have = jn_strmap_get(candidate, match_keys[i]);
		if (!have || strcmp(have, want) != 0)
			return false;
	}
	for (size_t i = 0; i < n_mismatch_keys; i++) {
		const char *avoid = jn_strmap_get(owner_labels, mismatch_keys[i]);
		if (!avoid)
			continue;
		const char *have = jn_strmap_get(candidate, mismatch_keys[i]);
		if (have && strcmp(have, avoid) == 0)
			return false;
	}
	return true;
}

bool jn_pod_affinity_term_covers_namespace(const struct jn_pod_affinity_term *term,
	const char *own_ns, const char *ns, const struct jn_strmap *ns_labels)
{
	if (!term->n_namespaces && !term->namespace_selector)
		return strcmp(own_ns, ns) == 0;
	for (size_t i = 0; i < term->n_namespaces; i++)
		if (strcmp(term->namespaces[i], ns) == 0)
			return true;
	if (!term->namespace_selector)
		return false;
	struct jn_strmap none = { 0 };
	return jn_label_selector_matches(term->namespace_selector, ns_labels ? ns_labels : &none);
}

bool jn_pod_affinity_term_matches(const struct jn_pod_affinity_term *term,
	const struct jn_pod *owner, const struct jn_pod *other,
	const struct jn_strmap *other_ns_labels)
{
	if (!jn_pod_affinity_term_covers_namespace(term, owner->namespace_, other->namespace_,
			other_ns_labels))
		return false;
	return jn_label_selector_matches_merged(term->label_selector, &other->labels, &owner->labels,
		term->match_label_keys, term->n_match_label_keys, term->mismatch_label_keys,
		term->n_mismatch_label_keys);
}
