/* libFuzzer harness for the plan parser: any bytes must either parse into a plan whose JSON
 * form can be built, or fail with ST_INVALID/ST_LIMIT and a message; never crash or leak. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plan *p = NULL;
    struct err e = {0};
    enum status st = plan_parse((const char *)data, size, "fuzz", &p, &e);
    if (st == ST_OK) {
        json_t *j = plan_to_json(p);
        char *s = json_dumps(j, JSON_COMPACT);
        if (!s)
            abort(); /* every string the parser makes must be valid UTF-8 */
        free(s);
        json_decref(j);
        for (size_t i = 0; i < plan_task_count(p); i++)
            if (!plan_task(p, i)->text)
                abort();
        plan_free(p);
    } else if (st != ST_INVALID && st != ST_LIMIT) {
        abort();
    } else if (!e.msg[0]) {
        abort();
    }
    return 0;
}
