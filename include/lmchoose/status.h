/*
 * Status codes shared by every module of lmchoose_core.
 *
 * A status is an int: LM_OK (0) or a negative enum lm_status. The table below
 * is the only place the codes are defined (libuv's X-macro idiom); it also
 * gives lm_strerror() and lm_status_name(). main.c maps a status to an exit
 * code (DESIGN §6): see lm_status_exit_code().
 *
 * Ownership: the strings returned are static.
 */
#ifndef LMCHOOSE_STATUS_H
#define LMCHOOSE_STATUS_H

#define LM_STATUS_MAP(XX)                                          \
    XX(OK, 0, "success")                                           \
    XX(ENOMEM, -1, "out of memory")                                \
    XX(EIO, -2, "input/output error")                              \
    XX(ESYNTAX, -3, "YAML syntax error")                           \
    XX(ESCHEMA, -4, "invalid profile, rule or scenario")           \
    XX(EUSAGE, -5, "invalid command-line usage")                   \
    XX(ENOMATCH, -6, "no candidate satisfies the constraints")     \
    XX(ELIMIT, -7, "input exceeds a limit")                        \
    XX(EOUTPUT, -8, "cannot write output")                         \
    XX(EINTERNAL, -9, "internal error")

enum lm_status {
#define XX(name, value, msg) LM_##name = (value),
    LM_STATUS_MAP(XX)
#undef XX
};

/* Returns a lower-case description of status; "unknown status" otherwise. */
const char *lm_strerror(int status);

/* The exit code of DESIGN §6 a status maps to: 0 OK, 1 ENOMATCH, 2 EUSAGE,
 * 3 for input errors (EIO, ESYNTAX, ESCHEMA, ELIMIT), 4 otherwise. Also the
 * order of severity when several inputs fail. */
int lm_status_exit_code(int status);

/* Returns the symbolic name ("ESCHEMA"); "UNKNOWN" otherwise. */
const char *lm_status_name(int status);

#endif
