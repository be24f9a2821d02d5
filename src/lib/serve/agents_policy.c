/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_policy.c -- the check of a sweep policy (docs/agent.md
 * "Sweeps") before it is stored and signed: known fields only (a typo must
 * not pass silently), each with its type and bounds, lists of at most
 * AZK_AGENT_POLICY_MAX_LIST texts (the agent uses every entry: a longer
 * list is refused here rather than cut there). Fuzzed with the batch
 * parser (fuzz/agent_batch_fuzzer.c). Messages name the field, never a
 * value.
 *
 * {"paths": [dir], "include": [glob], "exclude": [glob], "max_file_size":
 *  n, "types": mask, "nice": 0-19, "ionice_idle": bool, "bytes_per_second":
 *  n, "batch_objects": 1-10000, "fingerprints": bool, "allow_paths":
 *  [glob], "allow_values": [text], "allow_hashes": [64 hex], "schedule":
 *  {"every_s": n, "hours": [from, to]}}
 */
#include "serve/agents_meta.h"

#include <string.h>

static bool nonneg(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool hex64(const char *s)
{
    size_t i;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 64;
}

static azk_status check_lists(const json_t *doc)
{
    static const char *const lists[] = {"paths",       "include",      "exclude",
                                        "allow_paths", "allow_values", "allow_hashes"};
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        const json_t *a = json_object_get(doc, lists[l]), *v;
        size_t i;
        if (a == NULL && l > 0)
            continue;
        if (!json_is_array(a) || json_array_size(a) > AZK_AGENT_POLICY_MAX_LIST ||
            (l == 0 && json_array_size(a) == 0))
            return azk_error_set(AZK_ERR_FORMAT, "policy: %s must be a list of at most %d texts",
                                 lists[l], AZK_AGENT_POLICY_MAX_LIST);
        json_array_foreach(a, i, v)
        {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > AZK_AGENT_MAX_PATH ||
                strlen(json_string_value(v)) != json_string_length(v))
                return azk_error_set(AZK_ERR_FORMAT, "policy: %s must be a list of texts",
                                     lists[l]);
            if (strcmp(lists[l], "allow_hashes") == 0 && !hex64(json_string_value(v)))
                return azk_error_set(AZK_ERR_FORMAT,
                                     "policy: allow_hashes holds SHA-256 digests (64 lowercase "
                                     "hex digits)");
        }
    }
    return AZK_OK;
}

static azk_status check_schedule(const json_t *s)
{
    static const char *const keys[] = {"every_s", "hours", NULL};
    const json_t *every, *hours;
    if (s == NULL)
        return AZK_OK;
    every = json_object_get(s, "every_s");
    hours = json_object_get(s, "hours");
    if (!json_is_object(s) || !azk_serve__agent_only_keys(s, keys) ||
        (every != NULL && (!nonneg(every) || json_integer_value(every) > 366 * 86400)) ||
        (hours != NULL &&
         (!json_is_array(hours) || json_array_size(hours) != 2 ||
          !nonneg(json_array_get(hours, 0)) || json_integer_value(json_array_get(hours, 0)) > 23 ||
          !nonneg(json_array_get(hours, 1)) || json_integer_value(json_array_get(hours, 1)) > 24 ||
          json_integer_value(json_array_get(hours, 0)) ==
              json_integer_value(json_array_get(hours, 1)))))
        return azk_error_set(AZK_ERR_FORMAT,
                             "policy: schedule is {\"every_s\": seconds, \"hours\": [from 0-23, "
                             "to 0-24]} (from != to; from > to spans midnight)");
    return AZK_OK;
}

azk_status azk_serve__agent_policy_check(const char *text)
{
    static const char *const keys[] = {
        "paths",       "include",      "exclude",          "max_file_size", "types",
        "nice",        "ionice_idle",  "bytes_per_second", "batch_objects", "fingerprints",
        "allow_paths", "allow_values", "allow_hashes",     "schedule",      NULL};
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je), *v;
    azk_status rc = AZK_OK;
    if (doc == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "policy: not JSON (line %d)", je.line);
    if (!json_is_object(doc) || !azk_serve__agent_only_keys(doc, keys)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "policy: an object of known fields (docs/agent.md)");
        goto done;
    }
    rc = check_lists(doc);
    if (rc == AZK_OK)
        rc = check_schedule(json_object_get(doc, "schedule"));
    v = json_object_get(doc, "nice");
    if (rc == AZK_OK && v != NULL && (!nonneg(v) || json_integer_value(v) > 19))
        rc = azk_error_set(AZK_ERR_FORMAT, "policy: nice must be 0-19");
    v = json_object_get(doc, "batch_objects");
    if (rc == AZK_OK && v != NULL &&
        (!nonneg(v) || json_integer_value(v) < 1 || json_integer_value(v) > AZK_AGENT_MAX_OBJECTS))
        rc = azk_error_set(AZK_ERR_FORMAT, "policy: batch_objects must be 1-%d",
                           AZK_AGENT_MAX_OBJECTS);
    for (size_t n = 0; n < 3 && rc == AZK_OK; n++) {
        static const char *const nums[] = {"max_file_size", "bytes_per_second", "types"};
        v = json_object_get(doc, nums[n]);
        if (v != NULL && !nonneg(v))
            rc = azk_error_set(AZK_ERR_FORMAT, "policy: %s must be a number >= 0", nums[n]);
    }
    for (size_t n = 0; n < 2 && rc == AZK_OK; n++) {
        static const char *const flags[] = {"ionice_idle", "fingerprints"};
        v = json_object_get(doc, flags[n]);
        if (v != NULL && !json_is_boolean(v))
            rc = azk_error_set(AZK_ERR_FORMAT, "policy: %s must be true or false", flags[n]);
    }
done:
    json_decref(doc);
    return rc;
}
