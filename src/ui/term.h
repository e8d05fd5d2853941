/* ui/term.h: the terminal's life cycle: curses set-up, and getting the terminal back to a usable
 * state on every way out (quit, SIGINT/SIGTERM/SIGHUP, and crashes). */
#ifndef KVSCOPE_UI_TERM_H
#define KVSCOPE_UI_TERM_H

#include <stdbool.h>
#include <stddef.h>

/* Check that stdin and stdout are terminals, install the signal handlers and start curses
 * (cbreak, no echo, keypad, hidden cursor, mouse when `mouse`). Returns 0, or -1 with a reason in
 * why[n] (nothing is left changed then). */
int ui_term_open(bool mouse, char *why, size_t n);
/* Leave curses and put the signal handlers back. Safe to call twice. */
void ui_term_close(void);
/* The termination signal that asked us to quit (SIGINT, SIGTERM, SIGHUP), or 0. */
int ui_term_quit_signal(void);
/* After ui_term_close: die of that signal, as a well-behaved program does, so that the parent
 * (a shell loop, a script) sees why we stopped. Returns only if the signal could not kill us. */
void ui_term_reraise(int sig);
/* Milliseconds on a monotonic clock. */
double ui_term_clock_ms(void);

#endif
