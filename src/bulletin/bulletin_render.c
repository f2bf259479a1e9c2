/* Renderings of a bulletin's content: a web page (HTML with inline SVG), an Excel workbook
 * (libxlsxwriter) and a Word document in 公文 layout (OOXML zipped with libzip). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "bulletin/bulletin.h"
#include "export/export.h"

#define OUT_MAX ((size_t)64 << 20)

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static long num(const json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

static const char *light_label(const char *l)
{
    return !strcmp(l, "red") ? "红灯" : !strcmp(l, "yellow") ? "黄灯" : "绿灯";
}

/* Appends s with the XML/HTML special characters escaped. */
static int esc(struct buf *b, const char *s)
{
    for (; *s; s++) {
        const char *r = NULL;
        switch (*s) {
        case '&':
            r = "&amp;";
            break;
        case '<':
            r = "&lt;";
            break;
        case '>':
            r = "&gt;";
            break;
        case '"':
            r = "&quot;";
            break;
        case '\'':
            r = "&#39;";
            break;
        default:
            break;
        }
        if (r ? buf_puts(b, r) != ST_OK : buf_putc(b, *s) != ST_OK)
            return -1;
    }
    return 0;
}

static void title_of(const json_t *c, char *out, size_t len)
{
    snprintf(out, len, "关于%s高质量发展重点任务推进情况的通报", str(c, "period"));
}

/* ---------------------------------------------------------------- HTML */

static int html_table_tasks(struct buf *b, const json_t *list)
{
    int bad = buf_puts(b, "<table><tr><th>条目</th><th>重点任务</th><th>牵头单位</th><th>进度</th>"
                          "<th>序时</th><th>原因</th></tr>") != ST_OK;
    for (size_t i = 0; i < json_array_size(list) && !bad; i++) {
        const json_t *t = json_array_get(list, i);
        long p = num(t, "progress");
        bad |= buf_puts(b, "<tr><td>") || esc(b, str(t, "path")) || buf_puts(b, "</td><td>") ||
               esc(b, str(t, "title")) || buf_puts(b, "</td><td>") || esc(b, str(t, "lead")) ||
               buf_printf(b, "</td><td>%s%ld%s</td><td>%ld%%</td><td>", p < 0 ? "" : "",
                          p < 0 ? 0 : p, p < 0 ? "（未报）" : "%", num(t, "expected")) ||
               esc(b, str(t, "reason")) || buf_puts(b, "</td></tr>");
    }
    return bad || buf_puts(b, "</table>") != ST_OK;
}

static int render_html(const json_t *c, struct buf *b)
{
    char title[256];
    title_of(c, title, sizeof title);
    const json_t *h = json_object_get(c, "headline");
    int bad =
        buf_puts(b, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>") ||
        esc(b, title) ||
        buf_puts(b,
                 "</title><style>body{font-family:\"FangSong\",\"仿宋\",\"仿宋_GB2312\",serif;"
                 "max-width:960px;margin:32px auto;color:#222;line-height:1.8}"
                 "h1{font-family:\"方正小标宋简体\",\"SimSun\",serif;text-align:center;"
                 "font-size:26px}h2{font-family:\"黑体\",\"SimHei\",sans-serif;font-size:18px}"
                 ".no{text-align:center}table{border-collapse:collapse;width:100%;font-size:14px}"
                 "td,th{border:1px solid #999;padding:4px 6px}th{background:#eee}"
                 ".g{fill:#2e9d57}.y{fill:#d89a00}.r{fill:#d23a3a}</style></head><body>") ||
        buf_puts(b, "<h1>") || esc(b, title) ||
        buf_printf(b, "</h1><p class=\"no\">第%ld期</p>", num(c, "number")) ||
        buf_puts(b, "<h2>一、总体情况</h2>");
    const json_t *sent = json_object_get(c, "sentences");
    for (size_t i = 0; i < json_array_size(sent) && !bad; i++)
        bad |= buf_puts(b, "<p>") || esc(b, json_string_value(json_array_get(sent, i))) ||
               buf_puts(b, "</p>");
    /* Lights by department as a stacked bar chart. */
    const json_t *depts = json_object_get(c, "departments");
    size_t nd = json_array_size(depts);
    long max = 1;
    for (size_t i = 0; i < nd; i++) {
        const json_t *d = json_array_get(depts, i);
        long t = num(d, "led");
        if (t > max)
            max = t;
    }
    bad |=
        buf_printf(b,
                   "<h2>二、各部门推进情况</h2><svg width=\"640\" height=\"%zu\" "
                   "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"各部门灯色\">",
                   nd * 22 + 4) != ST_OK;
    for (size_t i = 0; i < nd && !bad; i++) {
        const json_t *d = json_array_get(depts, i);
        long x = 170, y = (long)i * 22 + 2;
        bad |= buf_printf(b, "<text x=\"164\" y=\"%ld\" text-anchor=\"end\" font-size=\"12\">",
                          y + 14) ||
               esc(b, str(d, "dept")) || buf_puts(b, "</text>");
        const char *keys[3] = {"led", "yellow", "red"};
        long green = num(d, "led") - num(d, "yellow") - num(d, "red");
        long vals[3] = {green, num(d, "yellow"), num(d, "red")};
        const char *cls[3] = {"g", "y", "r"};
        (void)keys;
        for (int k = 0; k < 3 && !bad; k++) {
            long w = vals[k] * 420 / max;
            if (w > 0)
                bad |=
                    buf_printf(
                        b, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"14\" class=\"%s\"/>",
                        x, y + 3, w, cls[k]) != ST_OK;
            x += w;
        }
    }
    bad |= buf_puts(b, "</svg><table><tr><th>部门</th><th>牵头任务</th><th>应报</th><th>按时</th>"
                       "<th>按时率</th><th>平均进度</th><th>平均序时</th><th>红灯</th><th>黄灯</th>"
                       "<th>未办结督办</th></tr>") != ST_OK;
    for (size_t i = 0; i < nd && !bad; i++) {
        const json_t *d = json_array_get(depts, i);
        bad |= buf_puts(b, "<tr><td>") || esc(b, str(d, "dept")) ||
               buf_printf(b,
                          "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%s%%</td><td>%ld%%</td>"
                          "<td>%ld%%</td><td>%ld</td><td>%ld</td><td>%ld</td></tr>",
                          num(d, "led"), num(d, "due"), num(d, "on_time"), str(d, "on_time_rate"),
                          num(d, "avg_progress"), num(d, "avg_expected"), num(d, "red"),
                          num(d, "yellow"), num(d, "open_notices"));
    }
    bad |= buf_puts(b, "</table><h2>三、红灯任务</h2>") != ST_OK ||
           html_table_tasks(b, json_object_get(c, "red_tasks")) ||
           buf_puts(b, "<h2>四、黄灯任务</h2>") != ST_OK ||
           html_table_tasks(b, json_object_get(c, "yellow_tasks")) ||
           buf_puts(b, "<h2>五、表扬</h2><p>") != ST_OK || esc(b, str(c, "praise_rule")) ||
           buf_puts(b, "</p><p>") != ST_OK;
    const json_t *praise = json_object_get(c, "praise");
    for (size_t i = 0; i < json_array_size(praise) && !bad; i++)
        bad |= (i && buf_puts(b, "、")) || esc(b, json_string_value(json_array_get(praise, i)));
    if (!json_array_size(praise))
        bad |= buf_puts(b, "本期无。") != ST_OK;
    bad |= buf_puts(b, "</p><h2>六、通报批评</h2><p>") != ST_OK || esc(b, str(c, "critic_rule")) ||
           buf_puts(b, "</p><ul>") != ST_OK;
    const json_t *critic = json_object_get(c, "critic");
    for (size_t i = 0; i < json_array_size(critic) && !bad; i++) {
        const json_t *x = json_array_get(critic, i);
        bad |= buf_puts(b, "<li>") || esc(b, str(x, "dept")) || buf_puts(b, "：") ||
               esc(b, str(x, "reason")) || buf_puts(b, "</li>");
    }
    bad |= buf_puts(b, "</ul></body></html>\n") != ST_OK;
    (void)h;
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- XLSX */

static enum status render_xlsx(const json_t *c, char **data, size_t *len, struct err *e)
{
    char path[] = "/tmp/hqd-bulletin-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return err_set(e, ST_IO, NULL, "无法创建临时文件：%s", strerror(errno));
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        unlink(path);
        return err_set(e, ST_IO, NULL, "无法创建工作簿");
    }
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDCE6F1);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    lxw_format *cell = workbook_add_format(wb);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_text_wrap(cell);
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
    lxw_format *title = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 16);

    char t[256];
    title_of(c, t, sizeof t);
    lxw_worksheet *sum = workbook_add_worksheet(wb, "汇总");
    worksheet_set_column(sum, 0, 0, 22, NULL);
    worksheet_set_column(sum, 1, 1, 60, NULL);
    worksheet_write_string(sum, 0, 0, t, title);
    worksheet_write_string(sum, 1, 0, "期号", head);
    worksheet_write_number(sum, 1, 1, (double)num(c, "number"), cell);
    const json_t *h = json_object_get(c, "headline");
    static const struct {
        const char *key, *label;
    } hl[] = {{"tasks", "任务总数"},   {"closed", "已销号"}, {"green", "绿灯"},
              {"yellow", "黄灯"},      {"red", "红灯"},      {"due", "本期应报"},
              {"on_time", "按时报送"}, {"late", "逾期报送"}, {"missing", "未报送"}};
    lxw_row_t row = 2;
    for (size_t i = 0; i < sizeof hl / sizeof hl[0]; i++, row++) {
        worksheet_write_string(sum, row, 0, hl[i].label, head);
        worksheet_write_number(sum, row, 1, (double)num(h, hl[i].key), cell);
    }
    worksheet_write_string(sum, row, 0, "按时报送率（%）", head);
    worksheet_write_string(sum, row++, 1, str(h, "on_time_rate"), cell);
    const json_t *sent = json_object_get(c, "sentences");
    for (size_t i = 0; i < json_array_size(sent); i++, row++)
        worksheet_write_string(sum, row, 1, json_string_value(json_array_get(sent, i)), cell);

    lxw_worksheet *dep = workbook_add_worksheet(wb, "部门");
    static const char *const dh[] = {"部门",          "牵头任务", "应报",        "按时",
                                     "逾期",          "未报",     "按时率（%）", "平均进度（%）",
                                     "平均序时（%）", "红灯",     "黄灯",        "未办结督办"};
    static const char *const dk[] = {"dept",         "led",     "due",          "on_time",
                                     "late",         "missing", "on_time_rate", "avg_progress",
                                     "avg_expected", "red",     "yellow",       "open_notices"};
    worksheet_set_column(dep, 0, 0, 24, NULL);
    worksheet_set_column(dep, 1, 11, 11, NULL);
    for (lxw_col_t k = 0; k < 12; k++)
        worksheet_write_string(dep, 0, k, dh[k], head);
    const json_t *depts = json_object_get(c, "departments");
    for (size_t i = 0; i < json_array_size(depts); i++) {
        const json_t *d = json_array_get(depts, i);
        for (lxw_col_t k = 0; k < 12; k++) {
            const json_t *v = json_object_get(d, dk[k]);
            if (json_is_string(v))
                worksheet_write_string(dep, (lxw_row_t)(i + 1), k, json_string_value(v), cell);
            else
                worksheet_write_number(dep, (lxw_row_t)(i + 1), k, (double)json_integer_value(v),
                                       cell);
        }
    }
    worksheet_freeze_panes(dep, 1, 1);

    lxw_worksheet *tk = workbook_add_worksheet(wb, "任务");
    static const char *const th[] = {"条目",      "重点任务",  "牵头单位", "灯色",
                                     "进度（%）", "序时（%）", "说明"};
    worksheet_set_column(tk, 0, 0, 16, NULL);
    worksheet_set_column(tk, 1, 1, 28, NULL);
    worksheet_set_column(tk, 2, 2, 22, NULL);
    worksheet_set_column(tk, 6, 6, 40, NULL);
    for (lxw_col_t k = 0; k < 7; k++)
        worksheet_write_string(tk, 0, k, th[k], head);
    const json_t *tasks = json_object_get(c, "tasks");
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        const json_t *x = json_array_get(tasks, i);
        lxw_row_t r = (lxw_row_t)(i + 1);
        worksheet_write_string(tk, r, 0, str(x, "path"), cell);
        worksheet_write_string(tk, r, 1, str(x, "title"), cell);
        worksheet_write_string(tk, r, 2, str(x, "lead"), cell);
        worksheet_write_string(tk, r, 3, light_label(str(x, "light")), cell);
        if (num(x, "progress") >= 0)
            worksheet_write_number(tk, r, 4, (double)num(x, "progress"), cell);
        else
            worksheet_write_string(tk, r, 4, "未报", cell);
        worksheet_write_number(tk, r, 5, (double)num(x, "expected"), cell);
        worksheet_write_string(tk, r, 6, str(x, "reason"), cell);
    }
    worksheet_freeze_panes(tk, 1, 0);
    if (json_array_size(tasks))
        worksheet_autofilter(tk, 0, 0, (lxw_row_t)json_array_size(tasks), 6);
    lxw_error rc = workbook_close(wb);
    if (rc != LXW_NO_ERROR) {
        unlink(path);
        return err_set(e, ST_IO, NULL, "写入工作簿失败：%s", lxw_strerror(rc));
    }
    return export_read_back(path, OUT_MAX, data, len, e);
}

/* ---------------------------------------------------------------- DOCX (公文 layout) */

#define FANGSONG "仿宋_GB2312"
#define HEITI "黑体"
#define XBS "方正小标宋简体"

static int w_run(struct buf *b, const char *font, int half_points, int bold, const char *text)
{
    return buf_printf(
               b,
               "<w:r><w:rPr><w:rFonts w:ascii=\"%s\" w:eastAsia=\"%s\" w:hAnsi=\"%s\"/>%s"
               "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/></w:rPr><w:t xml:space=\"preserve\">",
               font, font, font, bold ? "<w:b/>" : "", half_points, half_points) ||
           esc(b, text) || buf_puts(b, "</w:t></w:r>");
}

/* A paragraph: align "center"/"both", first-line indent in characters × 100. */
static int w_para(struct buf *b, const char *align, int indent_chars, const char *font, int hp,
                  int bold, const char *text)
{
    return buf_printf(
               b,
               "<w:p><w:pPr><w:jc w:val=\"%s\"/><w:spacing w:line=\"560\" w:lineRule=\"exact\"/>"
               "%s</w:pPr>",
               align, indent_chars ? "<w:ind w:firstLineChars=\"200\"/>" : "") ||
           w_run(b, font, hp, bold, text) || buf_puts(b, "</w:p>");
}

static int w_table(struct buf *b, const char *const *head, size_t ncol, const json_t *rows,
                   const char *const *keys)
{
    int bad =
        buf_puts(b, "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>"
                    "<w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/>"
                    "<w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/>"
                    "<w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" "
                    "w:sz=\"4\"/></w:tblBorders></w:tblPr><w:tr>") != ST_OK;
    for (size_t k = 0; k < ncol && !bad; k++)
        bad |= buf_puts(b, "<w:tc><w:p>") || w_run(b, HEITI, 21, 0, head[k]) ||
               buf_puts(b, "</w:p></w:tc>");
    bad |= buf_puts(b, "</w:tr>") != ST_OK;
    for (size_t i = 0; i < json_array_size(rows) && !bad; i++) {
        const json_t *r = json_array_get(rows, i);
        bad |= buf_puts(b, "<w:tr>") != ST_OK;
        for (size_t k = 0; k < ncol && !bad; k++) {
            const json_t *v = json_object_get(r, keys[k]);
            char tmp[64];
            const char *text = tmp;
            if (json_is_string(v))
                text = !strcmp(keys[k], "light") ? light_label(json_string_value(v))
                                                 : json_string_value(v);
            else
                snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
            bad |= buf_puts(b, "<w:tc><w:p>") || w_run(b, FANGSONG, 21, 0, text) ||
                   buf_puts(b, "</w:p></w:tc>");
        }
        bad |= buf_puts(b, "</w:tr>") != ST_OK;
    }
    return bad || buf_puts(b, "</w:tbl>") != ST_OK;
}

static int render_document_xml(const json_t *c, struct buf *b)
{
    char title[256], no[64];
    title_of(c, title, sizeof title);
    snprintf(no, sizeof no, "第%ld期", num(c, "number"));
    int bad =
        buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
                    "2006/main\"><w:body>") != ST_OK ||
        w_para(b, "center", 0, XBS, 40, 0, "高质量发展工作通报") ||
        w_para(b, "center", 0, FANGSONG, 32, 0, no) || w_para(b, "center", 0, XBS, 44, 0, title) ||
        w_para(b, "both", 1, FANGSONG, 32, 0, str(c, "plan_title")) ||
        w_para(b, "both", 0, HEITI, 32, 0, "一、总体情况");
    const json_t *sent = json_object_get(c, "sentences");
    for (size_t i = 0; i < json_array_size(sent) && !bad; i++)
        bad |= w_para(b, "both", 1, FANGSONG, 32, 0, json_string_value(json_array_get(sent, i)));
    static const char *const dh[] = {"部门",  "牵头",  "应报", "按时", "按时率%",
                                     "进度%", "序时%", "红灯", "黄灯"};
    static const char *const dk[] = {"dept",         "led",          "due",
                                     "on_time",      "on_time_rate", "avg_progress",
                                     "avg_expected", "red",          "yellow"};
    bad |= w_para(b, "both", 0, HEITI, 32, 0, "二、各部门推进情况") ||
           w_table(b, dh, 9, json_object_get(c, "departments"), dk);
    static const char *const th[] = {"条目", "重点任务", "牵头单位", "序时%", "原因"};
    static const char *const tk[] = {"path", "title", "lead", "expected", "reason"};
    bad |= w_para(b, "both", 0, HEITI, 32, 0, "三、红灯任务");
    if (json_array_size(json_object_get(c, "red_tasks")))
        bad |= w_table(b, th, 5, json_object_get(c, "red_tasks"), tk);
    else
        bad |= w_para(b, "both", 1, FANGSONG, 32, 0, "本期无红灯任务。");
    bad |= w_para(b, "both", 0, HEITI, 32, 0, "四、黄灯任务");
    if (json_array_size(json_object_get(c, "yellow_tasks")))
        bad |= w_table(b, th, 5, json_object_get(c, "yellow_tasks"), tk);
    else
        bad |= w_para(b, "both", 1, FANGSONG, 32, 0, "本期无黄灯任务。");
    struct buf line;
    buf_init(&line, 1 << 20);
    const json_t *praise = json_object_get(c, "praise");
    bad |= buf_puts(&line, str(c, "praise_rule")) != ST_OK;
    for (size_t i = 0; i < json_array_size(praise) && !bad; i++)
        bad |= buf_printf(&line, "%s%s", i ? "、" : "本期：",
                          json_string_value(json_array_get(praise, i))) != ST_OK;
    if (!json_array_size(praise))
        bad |= buf_puts(&line, "本期无。") != ST_OK;
    bad |= w_para(b, "both", 0, HEITI, 32, 0, "五、表扬") ||
           w_para(b, "both", 1, FANGSONG, 32, 0, buf_str(&line));
    buf_cleanup(&line);
    bad |= w_para(b, "both", 0, HEITI, 32, 0, "六、通报批评") ||
           w_para(b, "both", 1, FANGSONG, 32, 0, str(c, "critic_rule"));
    const json_t *critic = json_object_get(c, "critic");
    for (size_t i = 0; i < json_array_size(critic) && !bad; i++) {
        const json_t *x = json_array_get(critic, i);
        char buf2[600];
        snprintf(buf2, sizeof buf2, "%s：%s。", str(x, "dept"), str(x, "reason"));
        bad |= w_para(b, "both", 1, FANGSONG, 32, 0, buf2);
    }
    /* A4, margins per GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm. */
    bad |=
        buf_puts(b, "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" "
                    "w:right=\"1474\" w:bottom=\"1985\" w:left=\"1588\" w:header=\"851\" "
                    "w:footer=\"992\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>") != ST_OK;
    return bad ? -1 : 0;
}

static const char CONTENT_TYPES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
static const char RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";

static enum status render_docx(const json_t *c, char **data, size_t *len, struct err *e)
{
    struct buf doc;
    buf_init(&doc, OUT_MAX);
    if (render_document_xml(c, &doc) != 0) {
        buf_cleanup(&doc);
        return err_set(e, ST_LIMIT, NULL, "通报过大 (too large)");
    }
    char path[] = "/tmp/hqd-bulletin-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        buf_cleanup(&doc);
        return err_set(e, ST_IO, NULL, "无法创建临时文件：%s", strerror(errno));
    }
    close(fd);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z) {
        buf_cleanup(&doc);
        unlink(path);
        return err_set(e, ST_IO, NULL, "无法创建 docx（libzip 错误 %d）", zerr);
    }
    struct {
        const char *name;
        const void *data;
        size_t len;
    } parts[] = {{"[Content_Types].xml", CONTENT_TYPES, sizeof CONTENT_TYPES - 1},
                 {"_rels/.rels", RELS, sizeof RELS - 1},
                 {"word/document.xml", buf_str(&doc), doc.len}};
    int bad = 0;
    for (size_t i = 0; i < 3 && !bad; i++) {
        zip_source_t *src = zip_source_buffer(z, parts[i].data, parts[i].len, 0);
        zip_int64_t idx = src ? zip_file_add(z, parts[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            zip_source_free(src);
            bad = 1;
            break;
        }
        /* A fixed time: the same content zips to the same bytes. */
        zip_file_set_mtime(z, (zip_uint64_t)idx, 315532800, 0);
    }
    if (bad || zip_close(z) != 0) {
        if (!bad)
            zip_discard(z);
        else
            zip_discard(z);
        buf_cleanup(&doc);
        unlink(path);
        return err_set(e, ST_IO, NULL, "写入 docx 失败");
    }
    buf_cleanup(&doc);
    return export_read_back(path, OUT_MAX, data, len, e);
}

enum status bulletin_render(const json_t *content, enum bulletin_format f, char **data, size_t *len,
                            struct err *e)
{
    switch (f) {
    case BULLETIN_HTML: {
        struct buf b;
        buf_init(&b, OUT_MAX);
        if (render_html(content, &b) != 0) {
            buf_cleanup(&b);
            return err_set(e, ST_LIMIT, NULL, "通报过大 (too large)");
        }
        *len = b.len;
        *data = buf_detach(&b);
        return ST_OK;
    }
    case BULLETIN_XLSX:
        return render_xlsx(content, data, len, e);
    case BULLETIN_DOCX:
        return render_docx(content, data, len, e);
    }
    return err_set(e, ST_INVALID, "format", "未知格式");
}
