/* Parser throughput: the seed plan parsed repeatedly; a synthetic 11 MB plan built from the
 * seed's own paragraphs (real density); and a dense 12 MB plan of short items that stresses the
 * per-item work. Prints MB/s and the ratio to the goal (50 MB/s) and the peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_clock.h"

#include "base/buf.h"
#include "plan/plan.h"

#define GOAL_MBPS 50.0

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return d;
}

static const char *const cn[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

static void cn_num(int v, char *out, size_t len)
{
    if (v <= 10)
        snprintf(out, len, "%s", cn[v]);
    else if (v < 20)
        snprintf(out, len, "十%s", cn[v - 10]);
    else
        snprintf(out, len, "%s十%s", cn[v / 10], v % 10 ? cn[v % 10] : "");
}

/* The seed's own item paragraphs ("1.打造若干…（牵头部门：…）"), without their numbers. */
static size_t seed_paragraphs(const char *seed, size_t len, const char **starts, size_t *lens,
                              size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < max;) {
        size_t e = i;
        while (e < len && seed[e] != '\n')
            e++;
        if (e - i > 200 && seed[i] >= '1' && seed[i] <= '9' && seed[i + 1] == '.') {
            starts[n] = seed + i + 2;
            lens[n] = e - i - 2;
            n++;
        }
        i = e + 1;
    }
    return n;
}

/* Dense: 99 sections × 20 sub-sections × 10 short items (≈600 bytes each, six measures, a
 * deadline, figures and an assignment): three times the seed's density of structure. */
static char *synthetic_dense(size_t *len)
{
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    int ok = buf_puts(&b, "新开〔2020〕99号\n2020年3月31日\n某区合成压力测试工作方案\n") == ST_OK;
    char n1[16], n2[16];
    for (int s = 1; s <= 99 && ok; s++) {
        cn_num(s, n1, sizeof n1);
        ok = buf_printf(&b, "%s、第%d部分\n", n1, s) == ST_OK;
        for (int c = 1; c <= 20 && ok; c++) {
            cn_num(c, n2, sizeof n2);
            ok = buf_printf(&b, "(%s)重点领域%d\n", n2, c) == ST_OK;
            for (int i = 1; i <= 10 && ok; i++)
                ok = buf_printf(
                         &b,
                         "%d.推进第%d项工作。一是深入实施创新驱动发展战略,引导企业建设双创平台载体,"
                         "2021年底前完成。二是对经认定的技术交易合同给予技术交易额1%%的奖励,每项"
                         "合同奖励最高不超过10万元。三是重点推进总投资20.5亿元的产业园等60多个在建"
                         "项目。四是健全法治化管理机制,科学确定管理权责。五是统筹安排各类园区的规划"
                         "编制工作。六是加快推进新型研发机构建设,力争通过三年努力取得突破。"
                         "(牵头部门:区科学技术局;配合部门:区人力资源部、财政局)\n",
                         i, s * 1000 + c * 10 + i) == ST_OK;
        }
    }
    if (!ok) {
        buf_cleanup(&b);
        return NULL;
    }
    *len = b.len;
    return buf_detach(&b);
}

/* Seed-like: 99 sections × 20 sub-sections × 3 items whose text is the seed's own item
 * paragraphs in turn: the structure and density of a real plan, about 11 MB. */
static char *synthetic_seedlike(const char *seed, size_t seed_len, size_t *len)
{
    const char *para[32];
    size_t plen[32];
    size_t np = seed_paragraphs(seed, seed_len, para, plen, 32);
    if (np == 0)
        return NULL;
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    int ok = buf_puts(&b, "新开〔2020〕98号\n2020年3月31日\n某区合成工作方案\n") == ST_OK;
    char n1[16], n2[16];
    size_t k = 0;
    for (int s = 1; s <= 99 && ok; s++) {
        cn_num(s, n1, sizeof n1);
        ok = buf_printf(&b, "%s、第%d部分\n", n1, s) == ST_OK;
        for (int c = 1; c <= 20 && ok; c++) {
            cn_num(c, n2, sizeof n2);
            ok = buf_printf(&b, "(%s)重点领域%d\n", n2, c) == ST_OK;
            for (int i = 1; i <= 3 && ok; i++, k++)
                ok = buf_printf(&b, "%d.", i) == ST_OK &&
                     buf_append(&b, para[k % np], plen[k % np]) == ST_OK &&
                     buf_putc(&b, '\n') == ST_OK;
        }
    }
    if (!ok) {
        buf_cleanup(&b);
        return NULL;
    }
    *len = b.len;
    return buf_detach(&b);
}

/* Times parsing data rounds times (best of five); has_goal: judged against GOAL_MBPS. */
static int run(const char *label, const char *data, size_t len, int rounds, int has_goal)
{
    size_t tasks = 0;
    double secs = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = bench_seconds();
        for (int r = 0; r < rounds; r++) {
            struct plan *p;
            struct err e = {0};
            if (plan_parse(data, len, label, &p, &e) != ST_OK) {
                fprintf(stderr, "bench: %s: %s %s\n", label, e.where, e.msg);
                return 1;
            }
            tasks = plan_task_count(p);
            plan_free(p);
        }
        double t = bench_seconds() - t0;
        if (t < secs)
            secs = t;
    }
    double mb = (double)len * rounds / 1e6;
    printf("parse %-10s %8.2f MB x %4d  best of 5 %7.3f s  %8.1f MB/s  %8zu tasks/plan  ", label,
           (double)len / 1e6, rounds, secs, mb / secs, tasks);
    if (has_goal)
        printf("goal %.0f MB/s: %.2fx %s\n", GOAL_MBPS, mb / secs / GOAL_MBPS,
               mb / secs >= GOAL_MBPS ? "ok" : "BELOW GOAL");
    else
        printf("(stress case, no goal: the goal is for real density)\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_plan SEED_FILE\n");
        return 2;
    }
    size_t len;
    char *seed = read_all(argv[1], &len);
    if (!seed) {
        fprintf(stderr, "bench: cannot read %s\n", argv[1]);
        return 1;
    }
    int rc = run("seed", seed, len, 300, 1);
    size_t slen = 0, dlen = 0;
    char *syn = synthetic_seedlike(seed, len, &slen), *dense = synthetic_dense(&dlen);
    if (!syn || !dense) {
        fprintf(stderr, "bench: cannot build the synthetic plans\n");
        return 1;
    }
    rc |= run("synthetic", syn, slen, 3, 1);
    /* The dense plan stresses per-item work; it is reported, the goal is for real density. */
    run("dense", dense, dlen, 3, 0);
    free(dense);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    free(seed);
    free(syn);
    return rc;
}
