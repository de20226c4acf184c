/*
 * `check` output besides JSON and SARIF (render_json.c): GNU-style text
 * lines with a one-line summary, a markdown table, JUnit XML and GitHub
 * workflow annotations (DESIGN §6.3). The data helpers of lmchoose/check.h
 * are in src/check/check_result.c.
 *
 * JUnit text is XML-escaped and characters illegal in XML 1.0 (C0 controls
 * other than tab, LF and CR, U+FFFE, U+FFFF, invalid UTF-8) are dropped.
 * GitHub annotations are escaped as actions/toolkit's command.ts does.
 */
#include "lmchoose/check.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/render.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

/* Rule slot k of nr rules plus check's own: its rule index. */
static size_t slot_rule(size_t k, size_t nr)
{
    return k < nr ? k : LM_CHECK_RULE_BETTER + (k - nr);
}

static const char *finding_file(const struct lm_check_file *f, const struct lm_check_finding *x)
{
    return x->file != NULL ? x->file : f->file;
}

/* ------------------------------------------------------------------- text */

static void summary_line(const struct lm_check_result *r, FILE *out)
{
    fprintf(out, "%zu files: %zu passed, %zu failed, %zu skipped; %zu errors, %zu warnings, "
                 "%zu infos, %zu waived\n",
            r->summary.files, r->summary.passed, r->summary.failed, r->summary.skipped,
            r->summary.errors, r->summary.warnings, r->summary.infos, r->summary.waived);
}

/* s with control characters, invalid UTF-8 and bidirectional overrides
 * shown as visible escapes (strutil.h), so that a value from an input (a
 * waiver's reason, a file name, a profile's name in a message) cannot forge
 * a line of the report or drive the terminal (issue 15). */
static void put_visible(const char *s, FILE *out)
{
    char *e = lm__escape_visible(s, strlen(s));
    fputs(e != NULL ? e : "?", out);
    free(e);
}

/* A markdown table cell: '|' escaped, line breaks as spaces. */
static void md_cell(const char *raw, FILE *out)
{
    char *e = lm__escape_visible(raw, strlen(raw));
    const char *s = e != NULL ? e : "?";
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
    free(e);
}

int lm_render_text_check(const struct lm_check_result *r, int markdown, FILE *out)
{
    if (markdown) {
        fputs("# lmchoose check\n\n", out);
        size_t nrows = 0;
        for (size_t i = 0; i < r->n; i++)
            nrows += r->files[i].nfindings;
        if (nrows > 0) {
            fputs("| Location | Severity | Rule | Finding |\n|---|---|---|---|\n", out);
            for (size_t i = 0; i < r->n; i++) {
                const struct lm_check_file *f = &r->files[i];
                for (size_t k = 0; k < f->nfindings; k++) {
                    const struct lm_check_finding *x = &f->findings[k];
                    fputs("| `", out);
                    md_cell(finding_file(f, x), out);
                    fprintf(out, ":%u:%u` | %s | `%s` | ", x->line, x->col,
                            x->waived ? "waived" : lm_rule_severity_names[x->severity], x->rule_id);
                    md_cell(x->message, out);
                    if (x->waived) {
                        fputs(" (waived: ", out);
                        md_cell(x->waiver_reason, out);
                        fprintf(out, ", until %s)", x->waiver_expires);
                    }
                    fputs(" |\n", out);
                }
            }
            fputc('\n', out);
        }
        for (size_t i = 0; i < r->n; i++) {
            const struct lm_check_file *f = &r->files[i];
            if (f->skipped != NULL || f->error) {
                fputs("- `", out);
                md_cell(f->file, out);
                fputs("`: ", out);
                if (f->skipped != NULL) {
                    fprintf(out, "skipped (%s)\n", f->skipped);
                } else {
                    fputs("could not be evaluated: ", out);
                    md_cell(f->error_message, out);
                    fputc('\n', out);
                }
            }
        }
        fputc('\n', out);
        summary_line(r, out);
        return LM_OK;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_check_file *f = &r->files[i];
        if (f->skipped != NULL) {
            put_visible(f->file, out);
            fprintf(out, ": skipped (%s)\n", f->skipped);
            continue;
        }
        for (size_t k = 0; k < f->nfindings; k++) {
            const struct lm_check_finding *x = &f->findings[k];
            put_visible(finding_file(f, x), out);
            fprintf(out, ":%u:%u: %s: ", x->line, x->col, lm_rule_severity_names[x->severity]);
            put_visible(x->message, out);
            fprintf(out, " [%s]", x->rule_id);
            if (x->waived) {
                fputs(" (waived: ", out);
                put_visible(x->waiver_reason, out);
                fprintf(out, ", until %s)", x->waiver_expires);
            }
            fputc('\n', out);
        }
    }
    summary_line(r, out);
    return LM_OK;
}

/* ------------------------------------------------------------------ JUnit */

/* Writes s XML-escaped, dropping what XML 1.0 does not allow. */
static void xml(const char *s, FILE *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            switch (c) {
            case '&': fputs("&amp;", out); break;
            case '<': fputs("&lt;", out); break;
            case '>': fputs("&gt;", out); break;
            case '"': fputs("&quot;", out); break;
            case '\'': fputs("&apos;", out); break;
            case '\t': fputs("&#9;", out); break;
            case '\n': fputs("&#10;", out); break;
            case '\r': fputs("&#13;", out); break;
            default:
                if (c >= 0x20 && c != 0x7F)
                    fputc(c, out);
            }
            continue;
        }
        size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        size_t have = 0;
        while (have < n && p[have] != '\0')
            have++;
        if (n == 0 || have < n || !lm__utf8_valid((const char *)p, n)) {
            p++;
            continue;
        }
        /* U+FFFE and U+FFFF are not XML characters. */
        if (!(n == 3 && p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)))
            fwrite(p, 1, n, out);
        p += n;
    }
}

/* The finding of a rule in a file; with several (a file of several
 * deployments), a failing one first, then an unwaived one. */
static const struct lm_check_finding *finding_of(const struct lm_check_file *f, size_t rule)
{
    const struct lm_check_finding *best = NULL;
    for (size_t k = 0; k < f->nfindings; k++) {
        const struct lm_check_finding *x = &f->findings[k];
        if (x->rule != rule)
            continue;
        if (best == NULL || (x->failing && !best->failing) ||
            (!x->waived && best->waived && !best->failing))
            best = x;
    }
    return best;
}

struct counts {
    size_t tests, failures, errors, skipped;
};

static void count_file(const struct lm_check_result *r, const struct lm_check_file *f,
                       struct counts *c)
{
    memset(c, 0, sizeof(*c));
    if (f->skipped != NULL || f->error) {
        c->tests = 1;
        c->skipped = f->skipped != NULL;
        c->errors = f->error;
        return;
    }
    size_t nr = r->rules ? r->rules->n : 0;
    for (size_t i = 0; i < nr + LM_CHECK_NPSEUDO; i++) {
        size_t ri = slot_rule(i, nr);
        if (!f->enabled[ri])
            continue;
        c->tests++;
        const struct lm_check_finding *x = finding_of(f, ri);
        if (x != NULL && x->waived)
            c->skipped++;
        else if (x != NULL && x->failing)
            c->failures++;
    }
}

static void junit_location(const struct lm_check_file *f, const struct lm_check_finding *x,
                           FILE *out)
{
    xml(finding_file(f, x), out);
    fprintf(out, ":%u:%u: %s: ", x->line, x->col, lm_rule_severity_names[x->severity]);
    xml(x->message, out);
}

int lm_render_junit_check(const struct lm_check_result *r, FILE *out)
{
    struct counts all = { 0, 0, 0, 0 }, c;
    for (size_t i = 0; i < r->n; i++) {
        count_file(r, &r->files[i], &c);
        all.tests += c.tests;
        all.failures += c.failures;
        all.errors += c.errors;
        all.skipped += c.skipped;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"lmchoose check\" tests=\"%zu\" failures=\"%zu\" "
                 "errors=\"%zu\" skipped=\"%zu\">\n",
            all.tests, all.failures, all.errors, all.skipped);
    size_t nr = r->rules ? r->rules->n : 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_check_file *f = &r->files[i];
        count_file(r, f, &c);
        fputs("  <testsuite name=\"", out);
        xml(f->file, out);
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
                c.tests, c.failures, c.errors, c.skipped);
        if (f->skipped != NULL || f->error) {
            fputs("    <testcase classname=\"", out);
            xml(f->file, out);
            fputs("\" name=\"lmchoose.input\">\n", out);
            if (f->skipped != NULL) {
                fputs("      <skipped message=\"", out);
                xml(f->skipped, out);
                fputs("\"/>\n", out);
            } else {
                fputs("      <error message=\"", out);
                xml(f->error_message, out);
                fputs("\" type=\"input\">", out);
                xml(f->file, out);
                if (f->error_line > 0)
                    fprintf(out, ":%u:%u", f->error_line, f->error_col);
                fputs(": error: ", out);
                xml(f->error_message, out);
                fputs("</error>\n", out);
            }
            fputs("    </testcase>\n  </testsuite>\n", out);
            continue;
        }
        for (size_t k = 0; k < nr + LM_CHECK_NPSEUDO; k++) {
            size_t ri = slot_rule(k, nr);
            if (!f->enabled[ri])
                continue;
            const struct lm_check_finding *x = finding_of(f, ri);
            fputs("    <testcase classname=\"", out);
            xml(f->file, out);
            fputs("\" name=\"", out);
            xml(lm_check_rule_id(r, ri), out);
            if (x == NULL) {
                fputs("\"/>\n", out);
                continue;
            }
            fputs("\">\n", out);
            if (x->waived) {
                fputs("      <skipped message=\"waived: ", out);
                xml(x->waiver_reason, out);
                fprintf(out, ", until %s\"/>\n", x->waiver_expires);
            } else if (x->failing) {
                fputs("      <failure message=\"", out);
                xml(x->message, out);
                fprintf(out, "\" type=\"%s\">", lm_rule_severity_names[x->severity]);
                junit_location(f, x, out);
                fputs("</failure>\n", out);
            } else {
                fputs("      <system-out>", out);
                junit_location(f, x, out);
                fputs("</system-out>\n", out);
            }
            fputs("    </testcase>\n", out);
        }
        fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
    return LM_OK;
}

/* ----------------------------------------------------------------- GitHub */

/* actions/toolkit command.ts: escapeData, and escapeProperty when prop. */
static void gh(const char *s, int prop, FILE *out)
{
    for (; *s; s++) {
        switch (*s) {
        case '%': fputs("%25", out); break;
        case '\r': fputs("%0D", out); break;
        case '\n': fputs("%0A", out); break;
        case ':':
            if (prop)
                fputs("%3A", out);
            else
                fputc(':', out);
            break;
        case ',':
            if (prop)
                fputs("%2C", out);
            else
                fputc(',', out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

int lm_render_github_check(const struct lm_check_result *r, FILE *out)
{
    static const char *const cmd[] = { "error", "warning", "notice" };
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_check_file *f = &r->files[i];
        if (f->error) {
            fputs("::error file=", out);
            gh(f->file, 1, out);
            if (f->error_line > 0)
                fprintf(out, ",line=%u,col=%u", f->error_line, f->error_col);
            fputs(",title=lmchoose.input::", out);
            gh(f->error_message, 0, out);
            fputc('\n', out);
            continue;
        }
        for (size_t k = 0; k < f->nfindings; k++) {
            const struct lm_check_finding *x = &f->findings[k];
            if (x->waived)
                continue;
            fprintf(out, "::%s file=", cmd[x->severity]);
            gh(finding_file(f, x), 1, out);
            fprintf(out, ",line=%u,col=%u,title=", x->line, x->col);
            gh(x->rule_id, 1, out);
            fputs("::", out);
            gh(x->message, 0, out);
            fputc('\n', out);
        }
    }
    return LM_OK;
}
