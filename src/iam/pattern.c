/*
 * Wildcard matching for Action, Resource, StringLike and ArnLike, policy
 * variable expansion, and condition context key lookup.
 *
 * Wildcards follow the IAM policy language: '*' matches any run of
 * characters (including none) and '?' matches one. Actions compare
 * case-insensitively (both sides are lowercased before matching); resources
 * and condition values compare case-sensitively. ARNs match component by
 * component: the first five colon-separated components (arn, partition,
 * service, region, account) each match on their own, and the resource part
 * matches as a whole, colons included.
 *
 * Policy variables (${aws:username}, ${aws:PrincipalTag/team}, ${*}, ${?},
 * ${$}, and ${key, 'default'}) expand into a caller-provided buffer together
 * with a mask that marks expanded characters as literal, so a '*' inside a
 * tag value or produced by ${*} never acts as a wildcard.
 */
#include "iam/policy_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/*
 * Hashes len bytes eight at a time. Service prefixes and principal ARNs are
 * hashed on every request, so it must be cheap. The value depends on byte
 * order, which is fine because it is only compared within one process.
 */
uint64_t iam_hash_text(const char *s, size_t len)
{
    uint64_t hash = 0x9e3779b97f4a7c15ULL ^ len, word;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&word, s + i, 8);
        hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
        hash ^= hash >> 32;
    }
    word = 0;
    memcpy(&word, s + i, len - i);
    hash = (hash ^ word) * 0xc4ceb9fe1a85ec53ULL;
    return hash ^ (hash >> 29);
}

/*
 * Packs up to 8 bytes of s (stopping at the first wildcard) into a word,
 * zero-padded, and stores how many were packed in *literal_len.
 */
uint64_t iam_action_head(const char *s, size_t len, size_t *literal_len)
{
    unsigned char bytes[8] = {0};
    uint64_t word;
    size_t n = 0;

    while (n < len && n < 8 && s[n] != '*' && s[n] != '?') {
        bytes[n] = (unsigned char)s[n];
        n++;
    }
    memcpy(&word, bytes, sizeof(word));
    *literal_len = n;
    return word;
}

/* Returns the iam_statement_list letter bit of a lowercased action name's first character. */
uint32_t iam_action_letter(char c)
{
    if (c >= 'a' && c <= 'z')
        return UINT32_C(1) << (c - 'a');
    return UINT32_C(1) << 26;
}

static bool is_literal(const uint8_t *literal, size_t i)
{
    return literal != NULL && literal[i];
}

/*
 * Matches s against pattern. literal, when not NULL, has one byte per pattern
 * character; a nonzero byte makes that '*' or '?' an ordinary character.
 * Greedy matching with one backtrack point is exact for '*' and '?' and runs
 * in O(pattern_len * len) at worst.
 */
bool iam_glob(const char *pattern, size_t pattern_len, const uint8_t *literal, const char *s,
              size_t len)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;

    while (i < len) {
        if (p < pattern_len && pattern[p] == '*' && !is_literal(literal, p)) {
            star = p++;
            mark = i;
        } else if (p < pattern_len &&
                   (pattern[p] == s[i] || (pattern[p] == '?' && !is_literal(literal, p)))) {
            p++;
            i++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern_len && pattern[p] == '*' && !is_literal(literal, p))
        p++;
    return p == pattern_len;
}

/* Splits an ARN into its first five components and the resource part; false if it has fewer than five colons. */
static bool arn_split(const char *arn, size_t len, size_t start[6], size_t end[6])
{
    size_t part = 0;
    start[0] = 0;
    for (size_t i = 0; i < len && part < 5; i++) {
        if (arn[i] == ':') {
            end[part] = i;
            start[++part] = i + 1;
        }
    }
    if (part < 5)
        return false;
    end[5] = len;
    return true;
}

bool iam_arn_like(const char *pattern, size_t pattern_len, const uint8_t *literal, const char *arn,
                  size_t arn_len)
{
    size_t ps[6], pe[6], as[6], ae[6];

    if (pattern_len == 1 && pattern[0] == '*' && !is_literal(literal, 0))
        return true;
    if (!arn_split(pattern, pattern_len, ps, pe) || !arn_split(arn, arn_len, as, ae))
        return false;
    for (int i = 0; i < 6; i++) {
        if (!iam_glob(pattern + ps[i], pe[i] - ps[i], literal ? literal + ps[i] : NULL, arn + as[i],
                      ae[i] - as[i]))
            return false;
    }
    return true;
}

void iam_pattern_classify(iam_pattern *pattern)
{
    size_t wildcards = 0, last = 0, colons = 0;

    for (size_t i = 0; i < pattern->len; i++) {
        if (pattern->text[i] == '*' || pattern->text[i] == '?') {
            wildcards++;
            last = i;
        }
    }
    if (pattern->len == 1 && pattern->text[0] == '*')
        pattern->kind = IAM_PATTERN_ANY;
    else if (wildcards == 0)
        pattern->kind = IAM_PATTERN_LITERAL;
    else if (wildcards == 1 && last == pattern->len - 1 && pattern->text[last] == '*')
        pattern->kind = IAM_PATTERN_PREFIX;
    else
        pattern->kind = IAM_PATTERN_GLOB;

    /*
     * A '*' in the resource part may also match colons, so a plain prefix
     * compare is exact once the literal prefix contains the five component
     * separators. Shorter prefixes need component matching.
     */
    for (size_t i = 0; i + 1 < pattern->len; i++)
        colons += pattern->text[i] == ':';
    pattern->prefix_spans_components = pattern->kind == IAM_PATTERN_PREFIX && colons >= 5;

    pattern->service_has_wildcard = false;
    for (size_t i = 0; i < pattern->service_len; i++) {
        if (pattern->text[i] == '*' || pattern->text[i] == '?')
            pattern->service_has_wildcard = true;
    }

    pattern->head = pattern->head_mask = 0;
    if (!pattern->service_has_wildcard && pattern->kind != IAM_PATTERN_ANY &&
        pattern->service_len < pattern->len) {
        unsigned char mask[8] = {0};
        size_t n;
        pattern->head = iam_action_head(pattern->text + pattern->service_len + 1,
                                        pattern->len - pattern->service_len - 1, &n);
        memset(mask, 0xff, n);
        memcpy(&pattern->head_mask, mask, sizeof(mask));
    }
}

bool iam_action_matches(const iam_pattern *pattern, const iam_eval_context *ctx)
{
    if ((ctx->action_head & pattern->head_mask) != pattern->head)
        return false;
    switch (pattern->kind) {
    case IAM_PATTERN_ANY:
        return true;
    case IAM_PATTERN_LITERAL:
        return pattern->len == ctx->action_len && memcmp(pattern->text, ctx->action, ctx->action_len) == 0;
    case IAM_PATTERN_PREFIX:
        return ctx->action_len >= pattern->len - 1 &&
               memcmp(pattern->text, ctx->action, pattern->len - 1) == 0;
    default:
        if (!pattern->service_has_wildcard &&
            (pattern->service_len != ctx->service_len ||
             memcmp(pattern->text, ctx->action, ctx->service_len) != 0))
            return false;
        return iam_glob(pattern->text, pattern->len, NULL, ctx->action, ctx->action_len);
    }
}


bool iam_resource_matches(const iam_pattern *pattern, bool variables, const iam_eval_context *ctx)
{
    const char *resource = ctx->request->resource;
    size_t len = ctx->resource_len;

    if (variables && pattern->has_variables) {
        char expanded[IAM_TEXT_MAX];
        uint8_t literal[IAM_TEXT_MAX];
        size_t expanded_len;
        if (!iam_expand_variables(pattern->text, pattern->len, ctx, expanded, literal, &expanded_len))
            return false;
        return iam_arn_like(expanded, expanded_len, literal, resource, len);
    }

    switch (pattern->kind) {
    case IAM_PATTERN_ANY:
        return true;
    case IAM_PATTERN_LITERAL:
        return pattern->len == len && memcmp(pattern->text, resource, len) == 0;
    case IAM_PATTERN_PREFIX:
        if (pattern->prefix_spans_components)
            return len >= pattern->len - 1 && memcmp(pattern->text, resource, pattern->len - 1) == 0;
        return iam_arn_like(pattern->text, pattern->len, NULL, resource, len);
    default:
        return iam_arn_like(pattern->text, pattern->len, NULL, resource, len);
    }
}

static bool key_equals(const char *a, size_t a_len, const char *b)
{
    size_t b_len = strlen(b);
    return a_len == b_len && strncasecmp(a, b, a_len) == 0;
}

static bool single(const char *const *value, iam_values *out)
{
    if (*value == NULL)
        return false;
    out->values = value;
    out->count = 1;
    return true;
}

/*
 * Finds the values of key: first the keys derived from the principal
 * (aws:PrincipalArn, aws:PrincipalAccount, aws:username, aws:userid,
 * aws:PrincipalType, aws:PrincipalServiceName, aws:PrincipalTag/KEY), then
 * the request's context keys. Returns false when the key is absent.
 */
bool iam_context_lookup(const iam_eval_context *ctx, const char *key, size_t key_len,
                        iam_values *out)
{
    const iam_request *request = ctx->request;
    const iam_principal *principal = &request->principal;
    static const char tag_prefix[] = "aws:PrincipalTag/";
    const size_t tag_prefix_len = sizeof(tag_prefix) - 1;

    if (key_len > 4 && strncasecmp(key, "aws:", 4) == 0) {
        if (key_equals(key, key_len, "aws:PrincipalArn"))
            return single(ctx->principal_arn_value, out);
        if (key_equals(key, key_len, "aws:PrincipalAccount"))
            return single(&principal->account, out);
        if (key_equals(key, key_len, "aws:username"))
            return principal->type == IAM_PRINCIPAL_USER && single(&principal->user_name, out);
        if (key_equals(key, key_len, "aws:userid"))
            return single(&principal->user_id, out);
        if (key_equals(key, key_len, "aws:PrincipalType"))
            return single(ctx->principal_type_value, out);
        if (key_equals(key, key_len, "aws:PrincipalServiceName"))
            return principal->type == IAM_PRINCIPAL_SERVICE && single(&principal->service, out);
        if (key_len > tag_prefix_len && strncasecmp(key, tag_prefix, tag_prefix_len) == 0) {
            const char *tag = key + tag_prefix_len;
            size_t tag_len = key_len - tag_prefix_len;
            for (size_t i = 0; i < principal->tag_count; i++) {
                if (key_equals(tag, tag_len, principal->tags[i].key))
                    return single(&principal->tags[i].value, out);
            }
            return false;
        }
    }
    for (size_t i = 0; i < request->context_count; i++) {
        const iam_context_key *entry = &request->context[i];
        if (key_equals(key, key_len, entry->key)) {
            out->values = entry->values;
            out->count = entry->count;
            return entry->count > 0;
        }
    }
    return false;
}

static bool append(char *out, uint8_t *literal, size_t *n, const char *s, size_t len, bool is_lit)
{
    if (*n + len >= IAM_TEXT_MAX)
        return false;
    memcpy(out + *n, s, len);
    memset(literal + *n, is_lit, len);
    *n += len;
    return true;
}

/* Trims spaces around text[*start, *end). */
static void trim(const char *text, size_t *start, size_t *end)
{
    while (*start < *end && isspace((unsigned char)text[*start]))
        (*start)++;
    while (*end > *start && isspace((unsigned char)text[*end - 1]))
        (*end)--;
}

/*
 * Expands the policy variables in text into out (IAM_TEXT_MAX bytes) and
 * marks every byte that came from a variable in literal. Returns false when
 * a variable's key is absent and has no default (the element then matches
 * nothing, as in IAM) or when the result would not fit.
 */
bool iam_expand_variables(const char *text, size_t len, const iam_eval_context *ctx, char *out,
                          uint8_t *literal, size_t *out_len)
{
    size_t n = 0;

    for (size_t i = 0; i < len;) {
        const char *close;
        if (text[i] != '$' || i + 1 >= len || text[i + 1] != '{' ||
            (close = memchr(text + i + 2, '}', len - i - 2)) == NULL) {
            if (!append(out, literal, &n, text + i, 1, false))
                return false;
            i++;
            continue;
        }

        size_t start = i + 2, end = (size_t)(close - text), key_end = end;
        const char *comma = memchr(text + start, ',', end - start);
        if (comma)
            key_end = (size_t)(comma - text);
        trim(text, &start, &key_end);

        iam_values values;
        if (key_end - start == 1 && strchr("*?$", text[start])) {
            if (!append(out, literal, &n, text + start, 1, true))
                return false;
        } else if (iam_context_lookup(ctx, text + start, key_end - start, &values)) {
            if (!append(out, literal, &n, values.values[0], strlen(values.values[0]), true))
                return false;
        } else if (comma) {
            size_t d_start = (size_t)(comma - text) + 1, d_end = end;
            trim(text, &d_start, &d_end);
            if (d_end - d_start < 2 || text[d_start] != '\'' || text[d_end - 1] != '\'')
                return false;
            if (!append(out, literal, &n, text + d_start + 1, d_end - d_start - 2, true))
                return false;
        } else {
            return false;
        }
        i = end + 1;
    }
    out[n] = '\0';
    *out_len = n;
    return true;
}
