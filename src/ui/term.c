/* ui/term.c: curses set-up and the ways back to a sane terminal. The two pieces of file-scope
 * state exist only because signal handlers cannot be given a context: the quit flag, and the
 * terminal modes saved before curses touched them (written once, before any handler runs). */
#include "ui/term.h"

#include <ncurses.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t quit_signal;
static struct termios saved_modes;
static volatile sig_atomic_t saved_modes_ok;

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
/* SIGQUIT is what Ctrl-\ sends (cbreak mode keeps it): it ends the process like a crash, so
 * it gets the same treatment, or the shell was left on the alternate screen with no echo. */
static const int crash_signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGQUIT};
#define NQUIT (sizeof quit_signals / sizeof quit_signals[0])
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static void on_quit_signal(int sig) { quit_signal = sig; }

/* Async-signal-safe: only write(2), tcsetattr(3) and raise(3). The sequences undo what curses
 * turned on: mouse reporting (all modes we might have asked for), attributes, the keypad mode,
 * the hidden cursor and the alternate screen. */
static void on_crash_signal(int sig)
{
    static const char reset[] = "\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?1015l"
                                "\033[0m\033[?1l\033>\033[?25h\033[?1049l\r\n";
    ssize_t r = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)r;
    if (saved_modes_ok)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes);
    /* SA_RESETHAND has put the default action back: re-raising dies with the real cause. */
    raise(sig);
}

static void install(const int *sigs, size_t n, void (*fn)(int), int flags)
{
    for (size_t i = 0; i < n; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = fn;
        sa.sa_flags = flags;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static void restore_default(const int *sigs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        signal(sigs[i], SIG_DFL);
}

int ui_term_open(bool mouse, char *why, size_t n)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(why, n, "the interactive UI needs a terminal on stdin and stdout "
                         "(for a report use: kvscope run SCENARIO --format json)");
        return -1;
    }
    quit_signal = 0;
    if (tcgetattr(STDIN_FILENO, &saved_modes) == 0)
        saved_modes_ok = 1;
    /* Installed before initscr so that curses leaves SIGINT/SIGTERM to us (it only installs its
     * own handlers where the default action is still in place). No SA_RESTART: a signal then
     * interrupts the wait for a key and the main loop sees the flag at once. */
    install(quit_signals, NQUIT, on_quit_signal, 0);
    install(crash_signals, NCRASH, on_crash_signal, SA_RESETHAND | SA_NODEFER);
    if (initscr() == NULL) {
        ui_term_close();
        snprintf(why, n, "cannot initialise the terminal (is TERM set?)");
        return -1;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    curs_set(0);
    /* Esc alone must clear the selection promptly, not wait a second for a sequence. */
    set_escdelay(25);
    if (mouse) {
        mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    return 0;
}

void ui_term_close(void)
{
    if (stdscr != NULL && !isendwin()) {
        mousemask(0, NULL);
        curs_set(1);
        endwin();
    }
    restore_default(crash_signals, NCRASH);
    restore_default(quit_signals, NQUIT);
}

int ui_term_quit_signal(void) { return (int)quit_signal; }

void ui_term_reraise(int sig)
{
    if (sig <= 0)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}

double ui_term_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
