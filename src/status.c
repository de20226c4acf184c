/* Status code names and descriptions, generated from LM_STATUS_MAP. */
#include "lmchoose/status.h"

const char *lm_strerror(int status)
{
    switch (status) {
#define XX(name, value, msg) \
    case LM_##name:          \
        return msg;
        LM_STATUS_MAP(XX)
#undef XX
    default:
        return "unknown status";
    }
}

const char *lm_status_name(int status)
{
    switch (status) {
#define XX(name, value, msg) \
    case LM_##name:          \
        return #name;
        LM_STATUS_MAP(XX)
#undef XX
    default:
        return "UNKNOWN";
    }
}
