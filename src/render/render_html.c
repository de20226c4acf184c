/*
 * `recommend --format html`: one self-contained page (no script, no external
 * resource; docs/cli.md "HTML"): the verdict and its rationale, the ranking
 * with each candidate's rule messages, what would change the answer, and an
 * inline SVG chart of quality against monthly cost.
 *
 * The chart: one point per feasible candidate (class "pt"; "slm" circles,
 * "llm" squares), x = USD per month on a log axis, y = quality 0-100. The
 * Pareto front (no other feasible candidate is at most as expensive and at
 * least as good, one of them strictly) is drawn as a step line and its points
 * carry class "front". Candidates whose quality or cost is unknown sit in a
 * strip under the axis. Each point has a <title> (hover text): id, class,
 * rank, score, quality and cost.
 *
 * Every string from a profile, scenario or rule goes through html(), which
 * escapes & < > " '.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/report.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"
#include "util/numfmt.h"

static void html(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* One plotted candidate. */
struct point {
    size_t index, rank;
    double score, quality, usd;
    int llm, front;
    char id[LM_CANDIDATE_ID_MAX];
};

static int by_cost(const void *a, const void *b)
{
    const struct point *x = *(const struct point *const *)a, *y = *(const struct point *const *)b;
    if (x->usd != y->usd)
        return x->usd < y->usd ? -1 : 1;
    if (x->quality != y->quality)
        return x->quality > y->quality ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Chart geometry (SVG user units). */
#define W 760.0
#define H 420.0
#define L 64.0   /* left margin */
#define R 20.0
#define T 20.0
#define B 80.0   /* bottom margin: axis labels and the unknown strip */

static double xpos(double usd, double lo, double hi)
{
    double v = usd < lo ? lo : usd;
    return L + (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) * (W - L - R);
}

/* y of quality q on an axis from qlo to qhi (0-100, widened in steps of 20
 * when a quality falls outside: the catalog's imputed qualities can, DESIGN
 * §9.4). */
static double ypos(double q, double qlo, double qhi)
{
    return T + (qhi - q) / (qhi - qlo) * (H - T - B);
}

static void marker(FILE *f, const struct point *p, double x, double y)
{
    char a[32], b[32], c[32];
    const char *cls = p->llm ? "llm" : "slm";
    if (p->llm)
        fprintf(f, "<rect class=\"pt %s%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\">", cls,
                p->front ? " front" : "", x - (p->front ? 5 : 3.5), y - (p->front ? 5 : 3.5),
                p->front ? 10 : 7, p->front ? 10 : 7);
    else
        fprintf(f, "<circle class=\"pt %s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\">", cls,
                p->front ? " front" : "", x, y, p->front ? 5 : 4);
    fputs("<title>", f);
    html(f, p->id);
    fprintf(f, " (%s), rank %zu, score %s, quality %s, USD %s/month%s</title>", cls, p->rank,
            lm_format_fixed(a, sizeof(a), p->score, 1), lm_format_fixed(b, sizeof(b), p->quality, 1),
            lm_format_fixed(c, sizeof(c), p->usd, 2), p->front ? ", on the Pareto front" : "");
    fputs(p->llm ? "</rect>\n" : "</circle>\n", f);
}

static int chart(FILE *f, const struct lm_report *r)
{
    size_t n = r->nfeasible;
    struct point *pts = n ? calloc(n, sizeof(*pts)) : NULL;
    struct point **known = n ? calloc(n, sizeof(*known)) : NULL;
    if (n && (pts == NULL || known == NULL)) {
        free(pts);
        free(known);
        return LM_ENOMEM;
    }
    size_t nknown = 0;
    double lo = (double)INFINITY, hi = 0;
    for (size_t k = 0; k < n; k++) {
        struct lm_candidate c;
        struct point *p = &pts[k];
        p->index = k;
        lm_report_candidate_at(r, k, &c);
        p->rank = k + 1;
        p->score = c.total;
        p->quality = c.est.quality;
        p->usd = c.est.usd_per_month;
        p->llm = lm_report_llm_at(r, k);
        snprintf(p->id, sizeof(p->id), "%s", c.id);
        if (isfinite(p->quality) && isfinite(p->usd) && p->usd >= 0) {
            known[nknown++] = p;
            if (p->usd > 0 && p->usd < lo)
                lo = p->usd;
            if (p->usd > hi)
                hi = p->usd;
        }
    }
    double qlo = 0, qhi = 100;
    for (size_t k = 0; k < nknown; k++) {
        if (known[k]->quality < qlo)
            qlo = floor(known[k]->quality / 20) * 20;
        if (known[k]->quality > qhi)
            qhi = ceil(known[k]->quality / 20) * 20;
    }
    /* The log axis spans whole decades around the positive costs; a cost of
     * 0 (or under a cent) is drawn at the left edge. */
    if (!isfinite(lo) || lo < 0.01)
        lo = 0.01;
    if (hi < lo * 10)
        hi = lo * 10;
    lo = pow(10, floor(log10(lo)));
    hi = pow(10, ceil(log10(hi)));
    /* Pareto front: sorted by cost, a point is on it when its quality beats
     * every cheaper (or equally cheap and listed earlier) point's. */
    if (nknown > 1)
        qsort(known, nknown, sizeof(*known), by_cost);
    double best = -(double)INFINITY;
    for (size_t k = 0; k < nknown; k++)
        if (known[k]->quality > best) {
            known[k]->front = 1;
            best = known[k]->quality;
        }
    fprintf(f, "<svg id=\"pareto\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
               "role=\"img\" aria-labelledby=\"chart-title\">\n"
               "<title id=\"chart-title\">Quality against monthly cost, %zu feasible candidates</title>\n",
            W, H, n);
    /* axes and grid */
    fprintf(f, "<g class=\"axis\">\n<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>\n"
               "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>\n",
            L, H - B, W - R, H - B, L, T, L, H - B);
    for (double q = qlo; q <= qhi; q += 20)
        fprintf(f, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\"/>"
                   "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                L, ypos(q, qlo, qhi), W - R, ypos(q, qlo, qhi), L - 6, ypos(q, qlo, qhi) + 4, q);
    for (double d = lo; d <= hi * 1.0001; d *= 10) {
        double x = xpos(d, lo, hi);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">$%g</text>\n",
                x, T, x, H - B, x, H - B + 16, d);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">USD per month (log scale)</text>\n"
               "<text transform=\"rotate(-90)\" x=\"%.0f\" y=\"16\" text-anchor=\"middle\">quality</text>\n"
               "<text x=\"%.0f\" y=\"%.0f\">quality or cost unknown:</text>\n</g>\n",
            (L + W - R) / 2, H - B + 34, -(T + H - B) / 2, L, H - 12);
    /* the front as a step line, cheapest first */
    fputs("<polyline class=\"frontline\" points=\"", f);
    int firstpt = 1;
    double lasty = 0;
    for (size_t k = 0; k < nknown; k++) {
        if (!known[k]->front)
            continue;
        double x = xpos(known[k]->usd, lo, hi), y = ypos(known[k]->quality, qlo, qhi);
        if (!firstpt)
            fprintf(f, " %.1f,%.1f", x, lasty);
        fprintf(f, "%s%.1f,%.1f", firstpt ? "" : " ", x, y);
        lasty = y;
        firstpt = 0;
    }
    fputs("\"/>\n<g class=\"points\">\n", f);
    size_t unknown = 0;
    for (size_t k = n; k-- > 0;) { /* best rank drawn last, on top */
        const struct point *p = &pts[k];
        if (isfinite(p->quality) && isfinite(p->usd) && p->usd >= 0)
            marker(f, p, xpos(p->usd, lo, hi), ypos(p->quality, qlo, qhi));
        else
            marker(f, p, L + 190 + (double)(unknown++ % 60) * 9, H - 16);
    }
    fputs("</g>\n<g class=\"legend\">"
          "<circle class=\"slm\" cx=\"90\" cy=\"30\" r=\"4\"/><text x=\"100\" y=\"34\">SLM</text>"
          "<rect class=\"llm\" x=\"146\" y=\"26.5\" width=\"7\" height=\"7\"/><text x=\"160\" y=\"34\">LLM</text>"
          "<circle class=\"front slm\" cx=\"210\" cy=\"30\" r=\"5\"/><text x=\"220\" y=\"34\">Pareto front</text>"
          "</g>\n</svg>\n", f);
    free(pts);
    free(known);
    return LM_OK;
}

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:64em;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h1 .slm{color:#1f6fb2}h1 .llm{color:#c05a00}h1 .none{color:#b00}"
    "table{border-collapse:collapse;width:100%;font-size:.9em}"
    "th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:right;vertical-align:top}"
    "th:nth-child(3),td:nth-child(3),th:nth-child(4),td:nth-child(4),td.why{text-align:left}"
    "td.why{color:#555;font-size:.9em}code{font-size:.95em}.name{color:#555;font-size:.85em}"
    "svg{width:100%;height:auto;border:1px solid #ddd;background:#fff}"
    "svg text{font-size:11px;fill:#444}.axis line{stroke:#444}.axis line.grid{stroke:#e4e4e4}"
    ".pt{stroke:#fff;stroke-width:.6;opacity:.75}.pt.front{stroke:#000;stroke-width:1.4;opacity:1}"
    ".slm{fill:#1f6fb2}.llm{fill:#e07b00}.legend .front{stroke:#000;stroke-width:1.4}"
    ".frontline{fill:none;stroke:#000;stroke-width:1;stroke-dasharray:4 3}"
    "footer{margin-top:2em;color:#777;font-size:.85em}";

int lm_render_html_recommend(const struct lm_recommend_view *v, FILE *out)
{
    const struct lm_report *r = v->rep;
    char a[32], b[32], c2[32], d[32], e[32], g[32];
    const char *cls = r->verdict_class == NULL ? "none feasible"
                      : strcmp(r->verdict_class, "llm") == 0 ? "LLM" : "SLM";
    const char *ccls = r->verdict_class == NULL ? "none" : r->verdict_class;
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>lmchoose: %s</title>\n<style>%s</style>\n</head>\n<body>\n"
                 "<h1>Verdict: <span class=\"%s\">%s</span></h1>\n<p id=\"summary\">",
            cls, style, ccls, cls);
    html(out, r->summary);
    fputs("</p>\n", out);
    if (r->verdict_class != NULL) {
        fputs("<ul id=\"rationale\">\n", out);
        for (int k = 0; k < 2; k++) {
            fprintf(out, "<li>best %s: <code>", k ? "LLM" : "SLM");
            html(out, r->best[k][0] ? r->best[k] : "none feasible");
            fputs("</code></li>\n", out);
        }
        if (r->ndeciding > 0) {
            fputs("<li>deciding dimensions:", out);
            for (size_t k = 0; k < r->ndeciding; k++) {
                fputs(k ? ", " : " ", out);
                html(out, r->deciding[k]);
            }
            fputs("</li>\n", out);
        }
        if (isfinite(r->break_even))
            fprintf(out, "<li>break-even against the cheapest API: %s requests a day</li>\n",
                    lm_format_fixed(a, sizeof(a), r->break_even, 0));
        fputs("</ul>\n", out);
    }
    fprintf(out, "<h2>Quality against cost</h2>\n");
    if (chart(out, r) != LM_OK)
        return LM_ENOMEM;
    size_t limit = v->all ? r->ncandidates : v->top;
    struct lm_report_row *row = malloc(sizeof(*row));
    if (row == NULL)
        return LM_ENOMEM;
    lm_report_row_init(row);
    int rc = LM_OK;
    if (r->nfeasible > 0) {
        fputs("<h2>Recommendations</h2>\n<table id=\"ranking\">\n<thead><tr><th>rank</th><th>score</th>"
              "<th>candidate</th><th>class</th><th>quality</th><th>USD/month</th><th>tokens/s</th>"
              "<th>TTFT ms</th><th>memory GiB</th><th>fit</th></tr></thead>\n<tbody>\n", out);
        for (size_t k = 0; k < r->nfeasible && k < limit; k++) {
            if ((rc = lm_report_row(r, k, row)) != LM_OK)
                break;
            const struct lm_candidate *c = &row->c;
            fprintf(out, "<tr class=\"%s\"><td>%zu</td><td>%s</td><td><code>", row->klass,
                    k + 1, lm_format_fixed(a, sizeof(a), c->total, 1));
            html(out, c->id);
            fputs("</code><div class=\"name\">", out);
            html(out, c->model->name);
            fprintf(out, "</div></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                    row->klass, lm_format_fixed(b, sizeof(b), c->est.quality, 1),
                    lm_format_fixed(c2, sizeof(c2), c->est.usd_per_month, 2),
                    lm_format_fixed(d, sizeof(d), c->est.decode_tokens_per_s, 1), lm_format_fixed(e, sizeof(e), c->est.ttft_ms, 0),
                    lm_format_fixed(g, sizeof(g), c->est.memory_gib, 3), c->est.fit >= 0 ? lm_fit_names[c->est.fit] : "-");
            int any = 0;
            for (size_t ri = 0; ri < r->rules->n; ri++) {
                const struct lm_rule *rule = r->rules->rules[ri];
                if (!lm_candidate_fired(c, ri) || rule->severity == LM_SEV_RULE_ERROR)
                    continue;
                fputs(any ? "<br>" : "<tr><td></td><td></td><td class=\"why\" colspan=\"8\">", out);
                fprintf(out, "%+g ", rule->score);
                html(out, rule->id);
                fputs(": ", out);
                html(out, row->message[ri]);
                any = 1;
            }
            if (any)
                fputs("</td></tr>\n", out);
        }
        fputs("</tbody>\n</table>\n", out);
    }
    lm_report_row_release(row);
    free(row);
    if (rc != LM_OK)
        return rc;
    if (r->nflips > 0) {
        fputs("<h2>What would change the answer</h2>\n<ul id=\"flips\">\n", out);
        for (size_t k = 0; k < r->nflips; k++) {
            fputs("<li>", out);
            html(out, r->flips[k].summary);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    fprintf(out, "<footer>%zu candidates (%zu models, %zu hardware profiles), %zu feasible, "
                 "%zu rejected. lmchoose %s.</footer>\n</body>\n</html>\n",
            r->ncandidates, r->nmodels, r->nhardware, r->nfeasible, r->ncandidates - r->nfeasible,
            LM_VERSION_STRING);
    return ferror(out) ? LM_EOUTPUT : LM_OK;
}
