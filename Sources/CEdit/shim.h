#ifndef LWS_CEDIT_SHIM_H
#define LWS_CEDIT_SHIM_H
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <editline/readline.h>

/* Ctrl-C at the prompt must discard the line, not end the session (and lose its state).
 * SIGINT is caught only while readline waits; interrupting running code is CLua's job. */
static inline volatile sig_atomic_t *lws_rl_flag(void) {
    static volatile sig_atomic_t flag = 0;
    return &flag;
}
static inline void lws_rl_sigint(int sig) {
    (void)sig;
    *lws_rl_flag() = 1;
}
/* Returns the line (malloc'd) or NULL at end of input; *interrupted is set after Ctrl-C. */
static inline char *lws_readline(const char *prompt, int *interrupted) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = lws_rl_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    *lws_rl_flag() = 0;
    char *line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    *interrupted = *lws_rl_flag();
    return line;
}
#endif
