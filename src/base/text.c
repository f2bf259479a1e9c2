/* Input decoding: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK as Chinese
 * offices' files often are; line ends normalised to LF. */
#include "base/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

/* 1-based line and column (in characters, decoding leniently) of byte offset off in data. */
static void locate_bytes(const char *data, size_t len, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1, i = 0;
    while (i < off && i < len) {
        if (data[i] == '\n') {
            l++, c = 1, i++;
            continue;
        }
        utf8_decode(data, len, &i);
        c++;
    }
    *line = l, *col = c;
}

static enum status convert(const char *from, const char *data, size_t len, char **out,
                           size_t *out_len, size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return ST_INTERNAL;
    size_t cap = len * 2 + 16;
    char *dst = xmalloc(cap);
    char *in = (char *)data, *o = dst;
    size_t inleft = len, outleft = cap - 1;
    enum status st = ST_OK;
    while (inleft > 0) {
        size_t r = iconv(cd, &in, &inleft, &o, &outleft);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(o - dst);
            cap *= 2;
            dst = xrealloc(dst, cap);
            o = dst + used;
            outleft = cap - used - 1;
            continue;
        }
        *bad = (size_t)(in - data);
        st = ST_INVALID;
        break;
    }
    iconv_close(cd);
    if (st != ST_OK) {
        free(dst);
        return st;
    }
    *o = '\0';
    *out = dst;
    *out_len = (size_t)(o - dst);
    return ST_OK;
}

enum status text_decode(const char *data, size_t len, const char *name, size_t max_bytes,
                        char **out, size_t *out_len, const char **encoding, struct err *e)
{
    char where[128];
    if (len == 0)
        return err_set(e, ST_INVALID, name, "文件为空 (empty file)");
    if (len > max_bytes)
        return err_set(e, ST_LIMIT, name, "文件过大：%zu 字节，上限 %zu 字节 (file too large)", len,
                       max_bytes);

    char *u = NULL;
    size_t ulen = 0;
    const unsigned char *b = (const unsigned char *)data;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        const char *enc = b[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
        size_t bad = 0;
        if (convert(enc, data + 2, len - 2, &u, &ulen, &bad) != ST_OK)
            return err_set(e, ST_INVALID, name,
                           "无法按 %s 解码：第 %zu 字节处编码无效 (undecodable %s)", enc, bad + 2,
                           enc);
        *encoding = enc;
    } else {
        size_t skip = (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ? 3 : 0;
        const void *nul = memchr(data, 0, len);
        if (nul) {
            size_t line, col;
            locate_bytes(data, len, (size_t)((const char *)nul - data), &line, &col);
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line, col);
            return err_set(e, ST_INVALID, where,
                           "这是二进制文件，不是文本文件：含 NUL 字节 (binary file)");
        }
        size_t bad = 0;
        if (utf8_valid(data + skip, len - skip, &bad)) {
            u = xstrndup(data + skip, len - skip);
            ulen = len - skip;
            *encoding = "UTF-8";
        } else {
            size_t bad2 = 0;
            if (skip || convert("GB18030", data, len, &u, &ulen, &bad2) != ST_OK) {
                size_t line, col;
                locate_bytes(data + skip, len - skip, bad, &line, &col);
                snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line, col);
                return err_set(e, ST_INVALID, where,
                               "无法解码：字节 0x%02X 既不是有效的 UTF-8 也不是 GB18030/GBK "
                               "(undecodable input)",
                               b[skip + bad]);
            }
            *encoding = "GB18030";
        }
    }

    /* Normalise line ends to LF and reject control characters other than tab and newline. */
    char *w = u;
    size_t controls = 0, first_ctrl = 0;
    for (size_t i = 0; i < ulen; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c >= 0x20 || c == '\n' || c == '\t') {
            *w++ = (char)c;
        } else if (c == '\r') {
            *w++ = '\n';
            if (i + 1 < ulen && u[i + 1] == '\n')
                i++;
        } else {
            if (!controls++)
                first_ctrl = (size_t)(w - u);
            *w++ = ' ';
        }
    }
    *w = '\0';
    ulen = (size_t)(w - u);
    if (controls * 100 > ulen + 100) {
        size_t line, col;
        locate_bytes(u, ulen, first_ctrl, &line, &col);
        free(u);
        snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line, col);
        return err_set(e, ST_INVALID, where, "含大量控制字符，不是文本文件 (binary file)");
    }
    int blank = 1;
    for (size_t i = 0; i < ulen && blank;) {
        if (u[i] == ' ' || u[i] == '\t' || u[i] == '\n') {
            i++;
        } else if (i + 2 < ulen && (unsigned char)u[i] == 0xE3 && (unsigned char)u[i + 1] == 0x80 &&
                   (unsigned char)u[i + 2] == 0x80) {
            i += 3; /* U+3000 ideographic space */
        } else {
            blank = 0;
        }
    }
    if (blank) {
        free(u);
        return err_set(e, ST_INVALID, name, "文件只有空白，没有内容 (empty file)");
    }
    *out = u;
    *out_len = ulen;
    return ST_OK;
}
