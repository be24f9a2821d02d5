/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/agent_batch_fuzzer.c -- libFuzzer harness for the body of an
 * agent's upload (serve/agents_batch.c, azk_serve__agent_batch_parse):
 * the first byte chooses plain JSON or a zlib stream (the rest is given
 * as is: the fuzzer finds zlib's framing from the corpus), and also the
 * policy check. Invariants: success or AZK_ERR_FORMAT / AZK_ERR_LIMIT /
 * AZK_ERR_NOMEM; on success a 32-hex batch id, at most
 * AZK_AGENT_MAX_OBJECTS objects, every object with a non-empty path of at
 * most AZK_AGENT_MAX_PATH bytes, non-negative size, mtime, records and
 * score; nothing is kept after dispose (ASan/LSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/agents_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_agent_batch b;
    azk_status rc;
    char *text;
    if (size == 0)
        return 0;
    rc = azk_serve__agent_batch_parse(&b, data + 1, size - 1, (data[0] & 1) != 0);
    if (rc != AZK_OK && rc != AZK_ERR_FORMAT && rc != AZK_ERR_LIMIT && rc != AZK_ERR_NOMEM)
        abort();
    if (rc == AZK_OK) {
        if (strlen(b.batch_id) != AZK_AGENT_BATCH_ID_HEXLEN || b.count > AZK_AGENT_MAX_OBJECTS ||
            b.created_at < 0 || b.lost_objects < 0)
            abort();
        for (size_t i = 0; i < b.count; i++) {
            const struct azk_store_agent_object *o = &b.objs[i];
            if (o->path == NULL || o->path[0] == '\0' || strlen(o->path) > AZK_AGENT_MAX_PATH ||
                o->size < 0 || o->mtime < 0 || o->edm_records < 0 || o->score_milli < 0 ||
                o->counts == NULL || o->examples == NULL || o->edm == NULL)
                abort();
        }
        azk_serve__agent_batch_dispose(&b);
    }
    /* the same bytes as a policy document */
    text = malloc(size);
    if (text != NULL) {
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        rc = azk_serve__agent_policy_check(text);
        if (rc != AZK_OK && rc != AZK_ERR_FORMAT && rc != AZK_ERR_NOMEM)
            abort();
        free(text);
    }
    return 0;
}
