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

int lm_status_exit_code(int status)
{
    switch (status) {
    case LM_OK:
        return 0;
    case LM_ENOMATCH:
        return 1;
    case LM_EUSAGE:
        return 2;
    case LM_EIO:
    case LM_ESYNTAX:
    case LM_ESCHEMA:
    case LM_ELIMIT:
        return 3;
    default:
        return 4;
    }
}
