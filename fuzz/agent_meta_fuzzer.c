/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/agent_meta_fuzzer.c -- libFuzzer harness for the metadata report a
 * closed-zone host uploads (serve/agents_meta.c,
 * azk_serve__agent_meta_parse): the first byte chooses plain JSON or a
 * zlib stream. Invariants: success or AZK_ERR_FORMAT / AZK_ERR_LIMIT /
 * AZK_ERR_NOMEM; on success a 64-hex report id, at most
 * AZK_AGENT_META_MAX_ITEMS datasets and guard decisions, each with its
 * required members (valid ids, a state) and a certificate that is NULL or
 * 64 hex; nothing is kept after dispose (ASan/LSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/agents_meta.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_agent_meta m;
    azk_status rc;
    if (size == 0)
        return 0;
    rc = azk_serve__agent_meta_parse(&m, data + 1, size - 1, (data[0] & 1) != 0);
    if (rc != AZK_OK && rc != AZK_ERR_FORMAT && rc != AZK_ERR_LIMIT && rc != AZK_ERR_NOMEM)
        abort();
    if (rc != AZK_OK)
        return 0;
    if (strlen(m.r.id) != AZK_AGENT_META_ID_HEXLEN ||
        m.r.dataset_count > AZK_AGENT_META_MAX_ITEMS || m.r.guard_count > AZK_AGENT_META_MAX_ITEMS)
        abort();
    for (size_t i = 0; i < m.r.dataset_count; i++) {
        const struct azk_store_cz_dataset *d = &m.r.datasets[i];
        if (!azk_store__valid_id(d->dataset) || !azk_store__valid_id(d->client) ||
            d->retain_until == NULL || d->state == NULL ||
            (d->certificate != NULL && strlen(d->certificate) != AZK_AGENT_META_ID_HEXLEN))
            abort();
    }
    for (size_t i = 0; i < m.r.guard_count; i++) {
        const struct azk_store_cz_guard *g = &m.r.guard[i];
        if (!azk_store__valid_id(g->item) || g->state == NULL)
            abort();
    }
    azk_serve__agent_meta_dispose(&m);
    return 0;
}
