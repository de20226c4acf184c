/*
 * Candidate naming and the privacy matrix of DESIGN §3.5, computed in C
 * rather than in rules so that every rule and the privacy flip read the same
 * answer (candidate.meets_privacy, candidate.privacy_level).
 */
#include "lmchoose/candidate.h"

#include <stdio.h>
#include <string.h>

void lm_candidate_id(const struct lm_candidate *c, char *buf, size_t cap)
{
    if (c->offer != NULL)
        snprintf(buf, cap, "%s/api/%s", c->model->id, c->offer->provider);
    else
        snprintf(buf, cap, "%s/%s/%s/%u/%s", c->model->id, c->quant->id, c->hw->id,
                 (unsigned)c->devices, lm_placement_names[c->placement]);
}

/* Display names of API providers; others are printed as given. */
static const char *provider_name(const char *p)
{
    static const char *const names[][2] = {
        { "openai", "OpenAI" }, { "anthropic", "Anthropic" }, { "google", "Google" },
        { "mistral", "Mistral" }, { "deepseek", "DeepSeek" }, { "groq", "Groq" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i][0], p) == 0)
            return names[i][1];
    return p;
}

void lm_candidate_placement_name(const struct lm_candidate *c, char *buf, size_t cap)
{
    if (c->offer != NULL)
        snprintf(buf, cap, "%s API", provider_name(c->offer->provider));
    else if (c->devices > 1)
        snprintf(buf, cap, "%s (%u× %s)", lm_placement_names[c->placement],
                 (unsigned)c->devices, c->hw->name);
    else
        snprintf(buf, cap, "%s (%s)", lm_placement_names[c->placement], c->hw->name);
}

static int offer_in_region(const struct lm_api_offer *o, const char *region)
{
    for (size_t i = 0; i < o->regions.n; i++)
        if (strcmp(o->regions.items[i], region) == 0)
            return 1;
    return 0;
}

void lm_candidate_privacy(struct lm_candidate *c, const struct lm_scenario *sc)
{
    const struct lm_api_offer *o = c->offer;
    /* The strictest level of the chain public → no-training → zero-retention
     * → private-cloud → on-prem → on-device that the candidate satisfies.
     * An offer without a data_use is taken as `training`: unknown is not
     * private. */
    if (o != NULL)
        c->privacy_level = o->data_use == LM_DATA_ZERO_RETENTION ? LM_PRIV_ZERO_RETENTION
                         : o->data_use == LM_DATA_NO_TRAINING    ? LM_PRIV_NO_TRAINING
                                                                 : LM_PRIV_PUBLIC;
    else
        c->privacy_level = c->placement == LM_PLACE_DEVICE ? LM_PRIV_ON_DEVICE
                         : c->placement == LM_PLACE_ONPREM ? LM_PRIV_ON_PREM
                                                           : LM_PRIV_PRIVATE_CLOUD;
    const char *region = sc->constraints.region;
    /* Self-hosted cloud is assumed rented in the required region (§3.5). */
    c->in_region = region == NULL ? -1 : o == NULL ? 1 : (int8_t)offer_in_region(o, region);
    int meets;
    switch (sc->constraints.privacy) {
    case LM_PRIV_PUBLIC:
        meets = 1;
        break;
    case LM_PRIV_NO_TRAINING:
    case LM_PRIV_ZERO_RETENTION:
    case LM_PRIV_PRIVATE_CLOUD:
    case LM_PRIV_ON_PREM:
    case LM_PRIV_ON_DEVICE:
        meets = c->privacy_level >= sc->constraints.privacy;
        break;
    case LM_PRIV_REGION:
        meets = o == NULL || (c->privacy_level >= LM_PRIV_NO_TRAINING && c->in_region == 1);
        break;
    case LM_PRIV_AIR_GAPPED:
        meets = o == NULL && (c->placement == LM_PLACE_DEVICE || c->placement == LM_PLACE_ONPREM);
        break;
    default:
        meets = 1; /* no level set */
        break;
    }
    c->meets_privacy = (uint8_t)meets;
}
