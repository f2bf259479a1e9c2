/* The JSON form of a parsed plan, as `hqd plan parse --json` prints it. */
#include <jansson.h>
#include <string.h>

#include "plan/plan_int.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *names_json(struct plan_names n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n.n; i++)
        json_array_append_new(a, json_string(n.v[i]));
    return a;
}

static json_t *span_json(struct plan_span s)
{
    return json_pack("[II]", (json_int_t)s.start, (json_int_t)s.end);
}

static json_t *deadline_json(const struct plan_deadline *d)
{
    if (!d)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "date", str_or_null(d->date));
    json_object_set_new(o, "text", json_string(d->text));
    if (d->ongoing)
        json_object_set_new(o, "ongoing", json_true());
    json_object_set_new(o, "span", span_json(d->span));
    return o;
}

static const char *const figure_kinds[] = {"money", "percent", "count"};

static json_t *figure_json(const struct plan_item *it, const struct plan_figure *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(figure_kinds[f->kind]));
    json_object_set_new(o, "text", json_string(f->text));
    json_object_set_new(o, "value", json_string(f->value));
    json_object_set_new(o, "unit", json_string(f->unit));
    if (f->kind == PLAN_FIG_MONEY)
        json_object_set_new(o, "fen", json_integer(f->fen));
    if (f->kind == PLAN_FIG_PERCENT && f->bp)
        json_object_set_new(o, "bp", json_integer(f->bp));
    if (f->approx)
        json_object_set_new(o, "approx", json_true());
    json_object_set_new(o, "bound", str_or_null(f->bound));
    json_object_set_new(
        o, "measure", f->measure >= 0 ? json_string(it->measures[f->measure].marker) : json_null());
    json_object_set_new(o, "span", span_json(f->span));
    return o;
}

json_t *plan_to_json(const struct plan *p)
{
    json_t *root = json_object();
    json_object_set_new(root, "title", str_or_null(p->title));
    json_object_set_new(root, "doc_number", str_or_null(p->doc_number));
    json_object_set_new(root, "signed_on", str_or_null(p->signed_on));
    json_object_set_new(root, "published_on", str_or_null(p->published_on));
    json_object_set_new(root, "recipients", names_json(plan_recipients(p)));
    json_object_set_new(root, "encoding", json_string(p->encoding));
    json_object_set_new(root, "sha256", json_string(p->sha256));
    json_t *items = json_array();
    for (size_t i = 0; i < p->n_items; i++) {
        const struct plan_item *it = &p->items[i];
        if (!it->is_leaf)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(it->path));
        json_object_set_new(o, "title", json_string(it->title));
        json_object_set_new(o, "lead", names_json(it->lead));
        json_object_set_new(o, "co", names_json(it->co));
        json_object_set_new(o, "deadline", deadline_json(it->deadline));
        json_t *ms = json_array();
        for (size_t k = 0; k < it->n_measures; k++) {
            const struct plan_measure *m = &it->measures[k];
            json_t *mo = json_pack("{s:s, s:s}", "marker", m->marker, "text", m->text);
            if (m->title)
                json_object_set_new(mo, "title", json_string(m->title));
            if (m->lead.n || m->co.n) {
                json_object_set_new(mo, "lead", names_json(m->lead));
                json_object_set_new(mo, "co", names_json(m->co));
            }
            if (m->deadline)
                json_object_set_new(mo, "deadline", deadline_json(m->deadline));
            json_object_set_new(mo, "span", span_json(m->span));
            json_array_append_new(ms, mo);
        }
        json_object_set_new(o, "measures", ms);
        json_t *fs = json_array();
        for (size_t k = 0; k < it->n_figures; k++)
            json_array_append_new(fs, figure_json(it, &it->figures[k]));
        json_object_set_new(o, "figures", fs);
        if (it->body && *it->body && it->n_measures == 0)
            json_object_set_new(o, "text", json_string(it->body));
        if (it->from_table)
            json_object_set_new(o, "from_table", json_true());
        json_object_set_new(o, "span", span_json(it->span));
        json_array_append_new(items, o);
    }
    json_object_set_new(root, "items", items);
    json_object_set_new(root, "task_count", json_integer((json_int_t)p->n_tasks));
    json_t *w = json_array();
    for (size_t i = 0; i < p->warnings.n; i++)
        json_array_append_new(w, json_string(p->warnings.v[i]));
    json_object_set_new(root, "warnings", w);
    return root;
}
