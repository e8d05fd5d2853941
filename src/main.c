/* main.c: the kvscope command line. It parses arguments, loads the scenario, resolves the config
 * and hands over to the UI (interactive view) or to the engine and the report writers (`run`,
 * `compare`). No scheduling logic lives here. */
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io/atomic.h"
#include "io/hardware.h"
#include "io/opt_report.h"
#include "io/render_svg.h"
#include "io/decisions_io.h"
#include "io/report.h"
#include "io/scenario.h"
#include "io/trace.h"
#include "kvscope/bound.h"
#include "kvscope/config.h"
#include "kvscope/engine.h"
#include "kvscope/opt.h"
#include "ui/ui.h"

#ifndef KVS_VERSION
#define KVS_VERSION "0.0.0-dev"
#endif

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };
#define MAX_SWITCHES 64 /* --switch entries */
#define PLUGIN_CHOICE (-2) /* in a list of choices: the policy loaded with --policy-plugin */

typedef enum {
    CMD_VIEW, CMD_RUN, CMD_COMPARE, CMD_HELP, CMD_OPT, CMD_RENDER, CMD_EXPLAIN, CMD_RACE, CMD_COUNT
} command;
#define CMD_BIT(c) (1u << (c))
#define CMD_LAST CMD_RACE
static const char *const command_names[] = {"",       "run",     "compare", "help",
                                            "opt",    "render",  "explain", "race"};

typedef enum {
    F_POLICY, F_POLICIES, F_ADMISSION, F_INFORMATION, F_MEMORY, F_SEED, F_FORMAT, F_OUTPUT,
    F_LENIENT, F_NO_COLOR, F_ASCII, F_NO_MOUSE, F_SPEED, F_PAUSED, F_HELP, F_VERSION, F_FROM, F_TO,
    F_DECISIONS, F_REQUEST, F_PLUGIN, F_SWITCH, F_COUNT
} flag_id;

typedef struct {
    const char *name;   /* long name without "--" */
    char short_name;    /* or 0 */
    const char *value;  /* the value's name in --help, or NULL for a switch */
    unsigned commands;  /* where it is allowed (CMD_BIT mask) */
    const char *help;
} flag_spec;

#define ALL_SCENARIO_CMDS (CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RUN) | CMD_BIT(CMD_COMPARE) | \
                           CMD_BIT(CMD_OPT) | CMD_BIT(CMD_RENDER) | CMD_BIT(CMD_EXPLAIN) | \
                           CMD_BIT(CMD_RACE))
#define VIEW_CMDS (CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RACE))
#define REPORT_CMDS (CMD_BIT(CMD_RUN) | CMD_BIT(CMD_COMPARE))
#define EVERYWHERE (ALL_SCENARIO_CMDS | CMD_BIT(CMD_HELP))

static const flag_spec flags[F_COUNT] = {
    [F_POLICY] = {"policy", 0, "P", CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RUN) | CMD_BIT(CMD_RENDER) |
                  CMD_BIT(CMD_EXPLAIN), "a policy or preset from POLICIES below"},
    [F_POLICIES] = {"policies", 0, "P,P,...", CMD_BIT(CMD_COMPARE) | CMD_BIT(CMD_OPT) |
                    CMD_BIT(CMD_RACE),
                    "compare, opt, race: the list to run (default: all seven; race: svf,sjf,fcfs)"},
    [F_ADMISSION] = {"admission", 0, "A", ALL_SCENARIO_CMDS,
                     "lookahead or current (overrides a preset's)"},
    [F_INFORMATION] = {"information", 0, "I", ALL_SCENARIO_CMDS,
                       "exact, predicted, onebit or none (overrides too)"},
    [F_MEMORY] = {"memory", 0, "M", ALL_SCENARIO_CMDS,
                  "budget M in tokens (overrides the scenario's)"},
    [F_SEED] = {"seed", 0, "N", ALL_SCENARIO_CMDS,
                "random seed >= 0 (overrides the scenario's)"},
    [F_FORMAT] = {"format", 0, "F", REPORT_CMDS, "text (default), json or csv"},
    [F_OUTPUT] = {"output", 'o', "FILE", REPORT_CMDS | CMD_BIT(CMD_OPT) | CMD_BIT(CMD_RENDER),
                  "write the report to FILE (atomically), not stdout"},
    [F_LENIENT] = {"lenient", 0, NULL, ALL_SCENARIO_CMDS,
                   "traces: skip malformed rows (and say how many) instead of stopping"},
    [F_NO_COLOR] = {"no-color", 0, NULL, VIEW_CMDS,
                    "no colours (also when NO_COLOR is set)"},
    [F_ASCII] = {"ascii", 0, NULL, VIEW_CMDS,
                 "ASCII drawing only (forced in non-UTF-8 locales)"},
    [F_NO_MOUSE] = {"no-mouse", 0, NULL, VIEW_CMDS, "do not capture the mouse"},
    [F_SPEED] = {"speed", 0, "N", VIEW_CMDS, "initial speed in steps per second (> 0)"},
    [F_PAUSED] = {"paused", 0, NULL, VIEW_CMDS, "start paused"},
    [F_HELP] = {"help", 'h', NULL, EVERYWHERE, "show this help and exit"},
    [F_VERSION] = {"version", 0, NULL, EVERYWHERE, "print the version and exit"},
    [F_FROM] = {"from", 0, "T", CMD_BIT(CMD_RENDER), "render: the figure starts at step T"},
    [F_TO] = {"to", 0, "T", CMD_BIT(CMD_RENDER), "render: the figure ends at step T"},
    [F_DECISIONS] = {"decisions", 0, "FILE", CMD_BIT(CMD_RUN),
                     "run: also write the decision log as JSON lines (docs/DECISIONS.md)"},
    [F_REQUEST] = {"request", 0, "ID", CMD_BIT(CMD_EXPLAIN), "explain: the request to explain"},
    [F_PLUGIN] = {"policy-plugin", 0, "FILE.so", CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RUN) |
                  CMD_BIT(CMD_EXPLAIN) | CMD_BIT(CMD_RACE) | CMD_BIT(CMD_COMPARE) |
                  CMD_BIT(CMD_OPT),
                  "order by a user policy (docs/PLUGINS.md); 'plugin' in --policies"},
    [F_SWITCH] = {"switch", 0, "T:P,...", CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RUN) |
                  CMD_BIT(CMD_RENDER) | CMD_BIT(CMD_EXPLAIN),
                  "switch to policy P at step T, as the view's keys do (e.g. 200:svf,600:fcfs)"},
};

#define DEFAULT_COMPARE "fcfs,sjf,svf,spf,mcsf,svf-1bit,vllm"

typedef struct {
    command cmd;
    bool cmd_given;           /* "run"/"compare"/"help" was named */
    const char *scenario;     /* NULL: none given */
    const char *help_topic;   /* `kvscope help run`: "run" */
    bool seen[F_COUNT];
    const char *value[F_COUNT];
} args;

/* ---------------------------------------------------------------- messages */

static void hint_help(command cmd)
{
    if (cmd != CMD_VIEW && cmd != CMD_HELP)
        fprintf(stderr, "Try 'kvscope %s --help' for more information.\n", command_names[cmd]);
    else
        fprintf(stderr, "Try 'kvscope --help' for more information.\n");
}

/* A usage error: the message, the hint, and exit status 2. */
static int usage_error(command cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kvscope: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    hint_help(cmd);
    return EXIT_USAGE;
}

/* Edit distance, for "did you mean" on mistyped flags and names. Short strings only. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *closest_flag(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3; /* farther than two edits is not a typo */
    for (int i = 0; i < F_COUNT; i++) {
        size_t d = edit_distance(name, flags[i].name);
        if (d < best_d) {
            best_d = d;
            best = flags[i].name;
        }
    }
    return best;
}

static const char *closest_choice(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (int i = 0; i < KVS_CHOICE_COUNT; i++) {
        size_t d = edit_distance(name, kvs_choice_at(i)->name);
        if (d < best_d) {
            best_d = d;
            best = kvs_choice_at(i)->name;
        }
    }
    return best;
}

/* ---------------------------------------------------------------- help */

static void print_flag(FILE *f, int i)
{
    char left[48];
    const char *v = flags[i].value;
    if (flags[i].short_name)
        snprintf(left, sizeof left, "-%c, --%s%s%s", flags[i].short_name, flags[i].name,
                 v ? " " : "", v ? v : "");
    else
        snprintf(left, sizeof left, "    --%s%s%s", flags[i].name, v ? " " : "", v ? v : "");
    fprintf(f, "  %-24s %s\n", left, flags[i].help);
}

/* The options of one command. */
static void print_flags(FILE *f, command cmd)
{
    for (int i = 0; i < F_COUNT; i++)
        if (flags[i].commands & CMD_BIT(cmd))
            print_flag(f, i);
}

/* The options whose set of commands is exactly `mask` (to group them in the general help). */
static void print_flags_exactly(FILE *f, unsigned mask)
{
    for (int i = 0; i < F_COUNT; i++)
        if (flags[i].commands == mask)
            print_flag(f, i);
}

static void print_policies(FILE *f)
{
    fputs("POLICIES (--policy, --policies)\n", f);
    for (int i = 0; i < KVS_CHOICE_COUNT; i++) {
        const kvs_choice *c = kvs_choice_at(i);
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    }
}

static void print_exit_statuses(FILE *f)
{
    fputs("EXIT STATUS\n"
          "  0  success\n"
          "  1  runtime failure (cannot write the output, out of memory)\n"
          "  2  bad input or usage (unknown option, bad number, invalid scenario or configuration,\n"
          "     interactive view without a terminal)\n",
          f);
}

static void print_help(FILE *f, command topic)
{
    switch (topic) {
    case CMD_RUN:
        fputs("Usage: kvscope run SCENARIO [OPTIONS]\n\n"
              "Simulate SCENARIO (a YAML file, or - for standard input) to completion without the\n"
              "interactive view and write a report: a text summary, or JSON (summary, config and\n"
              "one object per request) or CSV (one row per request).\n\nOPTIONS\n",
              f);
        print_flags(f, CMD_RUN);
        fputc('\n', f);
        print_policies(f);
        fputs("\nEXAMPLES\n"
              "  kvscope run scenarios/classroom.yaml\n"
              "  kvscope run trace.yaml --policy mcsf --format json -o report.json\n"
              "  kvscope run trace.yaml --policy sjf --information predicted --format csv\n"
              "  kvscope run scenarios/classroom.yaml --policy fcfs --switch 300:svf\n\n",
              f);
        print_exit_statuses(f);
        return;
    case CMD_COMPARE:
        fputs("Usage: kvscope compare SCENARIO [OPTIONS]\n\n"
              "Simulate SCENARIO once per policy or preset on the same workload and print one row\n"
              "of summary metrics per run; '*' marks the best value of each column (text format).\n"
              "Each row starts from the scenario's config like 'kvscope run --policy P'. With the\n"
              "default list, rows made invalid by --information none (or --admission lookahead\n"
              "with it) are skipped with a note on standard error; a policy listed explicitly in\n"
              "--policies must give a valid combination.\n\nOPTIONS\n",
              f);
        print_flags(f, CMD_COMPARE);
        fputc('\n', f);
        print_policies(f);
        fputs("\nEXAMPLES\n"
              "  kvscope compare scenarios/classroom.yaml\n"
              "  kvscope compare trace.yaml --policies fcfs,mcsf,vllm --memory 4096\n"
              "  kvscope compare trace.yaml --information predicted --format csv -o table.csv\n\n",
              f);
        print_exit_statuses(f);
        return;
    case CMD_OPT:
        fputs("Usage: kvscope opt SCENARIO [--policies P,P,...] [-o FILE]\n\n"
              "For a tiny SCENARIO (at most 10 requests) compute by exhaustive search the best\n"
              "possible total latency without preemption (OPT) and with pauses (OPT*), print the\n"
              "optimal schedules, the lower bound the reports use, and each policy's ratio to\n"
              "them (docs/OPTIMUM.md).\n\nOPTIONS\n",
              f);
        print_flags(f, CMD_OPT);
        return;
    case CMD_RENDER:
        fputs("Usage: kvscope render SCENARIO [--policy P] [--switch T:P,...] [--from T0 --to T1]\n"
              "                      -o FIG.svg\n\n"
              "Simulate SCENARIO and write an SVG figure of the time x memory geometry: one band\n"
              "per request in the UI's colours, the budget line, axes in steps (and seconds with\n"
              "step_ms), legend, policy switches (--switch makes them; docs/RENDER.md). SVG only.\n"
              "\nOPTIONS\n",
              f);
        print_flags(f, CMD_RENDER);
        return;
    case CMD_EXPLAIN:
    case CMD_RACE:
        fputs(topic == CMD_EXPLAIN
                  ? "Usage: kvscope explain SCENARIO --request ID [OPTIONS]\n\n"
                    "Simulate SCENARIO and tell the life of one request in plain sentences: its\n"
                    "rank in the queue, who or what blocked it and why, when it was admitted and\n"
                    "what freed the memory, its evictions (docs/DECISIONS.md).\n\nOPTIONS\n"
                  : "Usage: kvscope race SCENARIO --policies P,P[,P[,P]] [OPTIONS]\n\n"
                    "Watch 2 to 4 policies on the same workload and the same clock, one lane each,\n"
                    "with one counter table (docs/RACE.md).\n\nOPTIONS\n",
              f);
        print_flags(f, topic);
        return;
    case CMD_VIEW:
    case CMD_HELP:
    case CMD_COUNT:
        break;
    }
    fputs("kvscope " KVS_VERSION
          ": watch LLM serving schedulers share a KV-cache memory budget.\n\n"
          "Usage:\n"
          "  kvscope [SCENARIO] [OPTIONS]           interactive view (default scenario if none)\n"
          "  kvscope run SCENARIO [OPTIONS]         simulate to the end and write a report\n"
          "  kvscope compare SCENARIO [OPTIONS]     one summary row per policy on the same workload\n"
          "  kvscope opt SCENARIO [OPTIONS]         exact optimum of a tiny scenario vs the policies\n"
          "  kvscope render SCENARIO -o FIG.svg     SVG figure of the time x memory geometry\n"
          "  kvscope explain SCENARIO --request ID  why one request waited, in sentences\n"
          "  kvscope race SCENARIO --policies P,P   2-4 policies side by side, one clock\n"
          "  kvscope trace info FILE [OPTIONS]      a captured trace at a glance (--help for more)\n"
          "  kvscope help [COMMAND]                 this help, or a command's\n\n"
          "Options may come before or after SCENARIO; --flag=value and --flag value both work;\n"
          "'--' ends the options. SCENARIO '-' reads the scenario from standard input.\n\n"
          "OPTIONS FOR EVERY COMMAND\n",
          f);
    print_flags_exactly(f, EVERYWHERE);
    fputs("\nSCENARIO AND SCHEDULER OPTIONS\n", f);
    print_flags_exactly(f, CMD_BIT(CMD_VIEW) | CMD_BIT(CMD_RUN) | CMD_BIT(CMD_EXPLAIN));
    print_flags_exactly(f, flags[F_PLUGIN].commands);
    print_flags_exactly(f, ALL_SCENARIO_CMDS);
    fputs("\nINTERACTIVE VIEW OPTIONS (also race)\n", f);
    print_flags_exactly(f, VIEW_CMDS);
    fputs("\nRUN AND COMPARE OPTIONS (more in 'kvscope run --help', 'kvscope compare --help')\n", f);
    print_flags_exactly(f, REPORT_CMDS);
    print_flags_exactly(f, CMD_BIT(CMD_RUN));
    print_flags_exactly(f, flags[F_POLICIES].commands);
    print_flags_exactly(f, CMD_BIT(CMD_EXPLAIN));
    fputc('\n', f);
    print_policies(f);
    fputs("\nThe configuration starts from the scenario's. --policy applies a policy as the view's\n"
          "keys do (a preset sets all three; sjf or svf on information none switch it to exact);\n"
          "then --information and --admission override as given. A combination they make\n"
          "invalid (sjf/svf or lookahead with information none) is refused, not repaired.\n\n"
          "ENVIRONMENT\n"
          "  NO_COLOR   when set and not empty, the interactive view uses no colours\n"
          "  LANG, LC_ALL, LC_CTYPE   a non-UTF-8 locale makes the view use ASCII only\n\n"
          "EXAMPLES\n"
          "  kvscope                                   the bundled classroom scenario\n"
          "  kvscope scenarios/classroom.yaml --policy vllm --paused\n"
          "  kvscope run scenarios/classroom.yaml --format json -o report.json\n"
          "  kvscope compare scenarios/classroom.yaml --policies fcfs,mcsf,vllm\n\n",
          f);
    print_exit_statuses(f);
}

/* ---------------------------------------------------------------- argument parsing */

static int find_flag_long(const char *name, size_t len)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return i;
    return -1;
}

static int find_flag_short(char c)
{
    for (int i = 0; i < F_COUNT; i++)
        if (flags[i].short_name && flags[i].short_name == c)
            return i;
    return -1;
}

static bool command_from_name(const char *s, command *out)
{
    for (int c = CMD_RUN; c < CMD_COUNT; c++)
        if (strcmp(s, command_names[c]) == 0) {
            *out = (command)c;
            return true;
        }
    return false;
}

/* The command is only known once its word has been read, but a flag may come first: the
 * command for error hints is whatever is known so far. Returns 0 or an exit status. */
static int parse_args(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = CMD_VIEW;
    bool options_done = false;
    size_t positionals = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            int id;
            const char *inline_value = NULL;
            char shown[64];
            if (arg[1] == '-') {
                const char *name = arg + 2;
                const char *eq = strchr(name, '=');
                size_t len = eq ? (size_t)(eq - name) : strlen(name);
                id = find_flag_long(name, len);
                snprintf(shown, sizeof shown, "--%.*s", (int)(len < 40 ? len : 40), name);
                if (id < 0) {
                    char base[48];
                    snprintf(base, sizeof base, "%.*s", (int)(len < 40 ? len : 40), name);
                    const char *near = closest_flag(base);
                    if (near)
                        return usage_error(a->cmd, "unknown option '%s' (did you mean --%s?)",
                                           shown, near);
                    return usage_error(a->cmd, "unknown option '%s'", shown);
                }
                if (eq)
                    inline_value = eq + 1;
            } else {
                id = find_flag_short(arg[1]);
                snprintf(shown, sizeof shown, "-%c", arg[1]);
                if (id < 0)
                    return usage_error(a->cmd, "unknown option '%s'", shown);
                if (arg[2] != '\0') {
                    if (!flags[id].value)
                        return usage_error(a->cmd, "unknown option '%s'", arg);
                    inline_value = arg + 2; /* -oFILE */
                }
            }
            const char *value = NULL;
            if (flags[id].value) {
                if (inline_value) {
                    value = inline_value;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    return usage_error(a->cmd, "option %s needs a value (%s)", shown,
                                       flags[id].value);
                }
            } else if (inline_value) {
                return usage_error(a->cmd, "option %s takes no value", shown);
            }
            a->seen[id] = true;
            a->value[id] = value; /* a repeated option: the last one wins, as usual */
            continue;
        }
        /* A positional argument: the command word (first only), a help topic, or the scenario. */
        command c;
        if (positionals == 0 && !a->cmd_given && command_from_name(arg, &c)) {
            a->cmd = c;
            a->cmd_given = true;
            continue;
        }
        if (a->cmd == CMD_HELP && !a->help_topic) {
            a->help_topic = arg;
            continue;
        }
        if (positionals > 0)
            return usage_error(a->cmd, "unexpected argument '%s' (the scenario is '%s')", arg,
                               a->scenario);
        a->scenario = arg;
        positionals++;
    }
    return 0;
}

/* Integers: digits only (no sign, no spaces, no hex), so `--seed -1` and `--memory 1e3` are
 * errors instead of silently meaning something else. */
static bool parse_uint64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_positive_double(const char *s, double *out)
{
    if (!s || !*s || *s == ' ')
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || !isfinite(v) || v <= 0)
        return false;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------- config */

typedef struct {
    bool admission_set, information_set;
    kvs_admission admission;
    kvs_information information;
} config_overrides;

/* The scenario's config, then the choice exactly as the UI's keys apply it (a preset sets all
 * three; sjf/svf on information `none` switch it to `exact`), then the explicit --information and
 * --admission as given. What the user spelt out on the command line is never repaired: an
 * impossible result is reported by the caller (docs/ENGINE.md). */
static kvs_config resolve_config(kvs_config base, int choice, const config_overrides *ov)
{
    kvs_config cfg = choice >= 0 ? kvs_config_choose(base, choice) : base;
    if (choice == PLUGIN_CHOICE) /* base carries the plugin's key function */
        cfg.policy = KVS_POLICY_PLUGIN;
    if (ov->information_set)
        cfg.information = ov->information;
    if (ov->admission_set)
        cfg.admission = ov->admission;
    return cfg;
}

static void describe_config(kvs_config c, char *buf, size_t n)
{
    snprintf(buf, n, "policy %s, admission %s, information %s", kvs_config_policy_name(c),
             kvs_admission_name(c.admission), kvs_information_name(c.information));
}

static int parse_choice(command cmd, const char *name, int *out)
{
    int idx = kvs_choice_find(name);
    if (idx >= 0) {
        *out = idx;
        return 0;
    }
    const char *near = closest_choice(name);
    char list[200] = "";
    for (int i = 0; i < KVS_CHOICE_COUNT; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", kvs_choice_at(i)->name);
    }
    if (near)
        return usage_error(cmd, "unknown policy '%s' (did you mean %s?); expected one of %s", name,
                           near, list);
    return usage_error(cmd, "unknown policy '%s'; expected one of %s", name, list);
}

/* ---------------------------------------------------------------- options */

typedef struct {
    kvs_scenario_overrides scenario;
    config_overrides config;
    int choice; /* --policy, or -1 */
    kvs_format format;
    const char *output; /* NULL or "-": standard output */
    kvs_ui_options ui;
    int policies[64]; /* compare, race; PLUGIN_CHOICE = the --policy-plugin */
    size_t npolicies;
    bool policies_default;
    int64_t from, to; /* render; to = -1: the end */
    kvs_config plugin; /* key_fn set when --policy-plugin loaded one */
    /* --switch: at step switch_at[k] the choice switch_choice[k] (PLUGIN_CHOICE allowed) */
    size_t nswitch;
    int64_t switch_at[MAX_SWITCHES];
    int switch_choice[MAX_SWITCHES];
} options;

/* cfg ordered by the --policy-plugin's key (admission and information kept). */
static kvs_config with_plugin(kvs_config cfg, const options *o)
{
    cfg.policy = KVS_POLICY_PLUGIN;
    cfg.key_fn = o->plugin.key_fn;
    cfg.key_user = NULL;
    cfg.key_name = o->plugin.key_name;
    return cfg;
}

/* One entry of --policies (compare, opt): its config and the name its row shows. */
static kvs_config listed_config(const kvs_scenario *sc, const options *o, int choice,
                                const char **name)
{
    kvs_config base = choice == PLUGIN_CHOICE ? with_plugin(sc->config, o) : sc->config;
    kvs_config cfg = resolve_config(base, choice, &o->config);
    *name = choice == PLUGIN_CHOICE ? kvs_config_policy_name(cfg) : kvs_choice_at(choice)->name;
    return cfg;
}

/* --switch T:P[,T:P...]: steps strictly increasing, each P a policy, a preset or 'plugin'. */
static int parse_switches(command cmd, const char *list, options *o)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[80], *colon, *end;
        if (len == 0 || len >= sizeof item)
            goto bad;
        memcpy(item, p, len);
        item[len] = '\0';
        colon = strchr(item, ':');
        if (!colon || colon == item || colon[1] == '\0')
            goto bad;
        *colon = '\0';
        errno = 0;
        long long t = strtoll(item, &end, 10);
        if (*end || errno || t < 0 || t > KVS_MAX_ARRIVAL)
            return usage_error(cmd, "--switch: '%s' is not a step number >= 0 (in '%s')", item,
                               list);
        if (o->nswitch > 0 && t <= o->switch_at[o->nswitch - 1])
            return usage_error(cmd, "--switch: steps must increase, but %lld comes after %lld "
                                    "(in '%s')",
                               t, (long long)o->switch_at[o->nswitch - 1], list);
        if (o->nswitch == MAX_SWITCHES)
            return usage_error(cmd, "--switch: at most %d switches", MAX_SWITCHES);
        int choice;
        if (strcmp(colon + 1, "plugin") == 0) {
            if (!o->plugin.key_fn)
                return usage_error(cmd, "--switch to 'plugin' needs --policy-plugin FILE.so");
            choice = PLUGIN_CHOICE;
        } else {
            int rc = parse_choice(cmd, colon + 1, &choice);
            if (rc)
                return rc;
        }
        o->switch_at[o->nswitch] = (int64_t)t;
        o->switch_choice[o->nswitch++] = choice;
        if (!comma)
            return 0;
        p = comma + 1;
    }
bad:
    return usage_error(cmd, "--switch needs STEP:POLICY pairs separated by commas, e.g. "
                            "--switch 200:svf,600:fcfs; not '%s'",
                       list);
}

static int check_and_read_options(const args *a, options *o)
{
    command cmd = a->cmd;
    memset(o, 0, sizeof *o);
    o->choice = -1;
    o->format = KVS_FORMAT_TEXT;
    o->ui.color = true;
    o->ui.mouse = true;

    for (int i = 0; i < F_COUNT; i++) {
        if (!a->seen[i] || (flags[i].commands & CMD_BIT(cmd)))
            continue;
        const char *where = cmd == CMD_VIEW ? "the interactive view" : command_names[cmd];
        if (i == F_POLICY && (cmd == CMD_COMPARE || cmd == CMD_RACE))
            return usage_error(cmd, "%s takes --policies LIST (comma-separated), not --policy",
                               command_names[cmd]);
        /* name the commands that do take it */
        char takers[240] = "";
        int ntakers = 0, seen = 0;
        for (int c = 0; c < CMD_COUNT; c++)
            ntakers += c != CMD_HELP && (flags[i].commands & CMD_BIT(c));
        for (int c = 0; c < CMD_COUNT; c++) {
            if (c == CMD_HELP || !(flags[i].commands & CMD_BIT(c)))
                continue;
            size_t len = strlen(takers);
            seen++;
            snprintf(takers + len, sizeof takers - len, "%s%s%s%s",
                     seen == 1 ? "" : seen == ntakers ? " and " : ", ",
                     c == CMD_VIEW ? "the interactive view" : "'kvscope ",
                     c == CMD_VIEW ? "" : command_names[c], c == CMD_VIEW ? "" : "'");
        }
        if (i == F_POLICIES)
            return usage_error(cmd, "--policies is for %s; use --policy P here", takers);
        if (i == F_FORMAT && cmd == CMD_RENDER)
            return usage_error(cmd, "render writes SVG only (no PNG: docs/RENDER.md says why); "
                                    "drop --format and convert the SVG, e.g. rsvg-convert "
                                    "fig.svg -o fig.png");
        if (flags[i].commands == VIEW_CMDS)
            return usage_error(cmd, "--%s is an option of the interactive view, not of '%s'",
                               flags[i].name, where);
        return usage_error(cmd, "--%s is not an option of %s (it is for %s)", flags[i].name, where,
                           takers);
    }

    if (a->seen[F_PLUGIN]) {
        char why[700];
        if (a->seen[F_POLICY] && cmd != CMD_RACE)
            return usage_error(cmd, "--policy and --policy-plugin both choose the policy; give one");
        if (kvs_plugin_load(a->value[F_PLUGIN], &o->plugin, why, sizeof why) != 0) {
            fprintf(stderr, "kvscope: %s\n", why);
            return EXIT_USAGE;
        }
    }
    if (a->seen[F_SWITCH]) {
        int rc = parse_switches(cmd, a->value[F_SWITCH], o);
        if (rc)
            return rc;
    }
    if (cmd == CMD_EXPLAIN && !a->seen[F_REQUEST])
        return usage_error(cmd, "explain needs --request ID (a request id of the scenario)");
    if (a->seen[F_POLICY]) {
        int rc = parse_choice(cmd, a->value[F_POLICY], &o->choice);
        if (rc)
            return rc;
    }
    if (a->seen[F_ADMISSION]) {
        if (kvs_admission_parse(a->value[F_ADMISSION], &o->config.admission) != 0)
            return usage_error(cmd, "unknown admission '%s'; expected lookahead or current",
                               a->value[F_ADMISSION]);
        o->config.admission_set = true;
    }
    if (a->seen[F_INFORMATION]) {
        if (kvs_information_parse(a->value[F_INFORMATION], &o->config.information) != 0)
            return usage_error(cmd,
                               "unknown information '%s'; expected exact, predicted, onebit or none",
                               a->value[F_INFORMATION]);
        o->config.information_set = true;
    }
    if (a->seen[F_MEMORY]) {
        uint64_t m;
        if (!parse_uint64(a->value[F_MEMORY], &m) || m == 0 || m > (uint64_t)KVS_MAX_MEMORY)
            return usage_error(cmd,
                               "--memory needs a whole number of tokens from 1 to %" PRId64
                               ", not '%s'",
                               KVS_MAX_MEMORY, a->value[F_MEMORY]);
        o->scenario.memory = (int64_t)m;
    }
    if (a->seen[F_SEED]) {
        if (!parse_uint64(a->value[F_SEED], &o->scenario.seed))
            return usage_error(cmd, "--seed needs a whole number from 0 to %" PRIu64 ", not '%s'",
                               UINT64_MAX, a->value[F_SEED]);
        o->scenario.seed_set = true;
    }
    if (a->seen[F_FORMAT] && kvs_format_parse(a->value[F_FORMAT], &o->format) != 0)
        return usage_error(cmd, "unknown format '%s'; expected text, json or csv",
                           a->value[F_FORMAT]);
    if (a->seen[F_OUTPUT]) {
        if (!*a->value[F_OUTPUT])
            return usage_error(cmd, "-o needs a file name");
        if (strcmp(a->value[F_OUTPUT], "-") != 0)
            o->output = a->value[F_OUTPUT];
    }
    if (a->seen[F_SPEED] && !parse_positive_double(a->value[F_SPEED], &o->ui.speed))
        return usage_error(cmd, "--speed needs a number of steps per second > 0, not '%s'",
                           a->value[F_SPEED]);
    o->scenario.lenient = a->seen[F_LENIENT];
    o->to = -1;
    for (int i = F_FROM; i <= F_TO; i++) {
        uint64_t t;
        if (a->seen[i] && (!parse_uint64(a->value[i], &t) || t > (uint64_t)KVS_MAX_ARRIVAL * 2))
            return usage_error(cmd, "--%s needs a step number >= 0, not '%s'", flags[i].name,
                               a->value[i]);
        if (a->seen[i])
            *(i == F_FROM ? &o->from : &o->to) = (int64_t)t;
    }
    if (a->seen[F_TO] && o->to <= o->from)
        return usage_error(cmd, "--to must be after --from (%" PRId64 ")", o->from);
    o->ui.paused = a->seen[F_PAUSED];
    o->ui.ascii = a->seen[F_ASCII];
    o->ui.mouse = !a->seen[F_NO_MOUSE];
    const char *no_color = getenv("NO_COLOR");
    o->ui.color = !a->seen[F_NO_COLOR] && !(no_color && *no_color);

    if (cmd == CMD_COMPARE || cmd == CMD_OPT || cmd == CMD_RACE) {
        const char *list = a->seen[F_POLICIES] ? a->value[F_POLICIES]
                         : cmd == CMD_RACE     ? "svf,sjf,fcfs"
                                               : DEFAULT_COMPARE;
        o->policies_default = !a->seen[F_POLICIES];
        const char *p = list;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char name[64];
            if (len == 0 || len >= sizeof name)
                return usage_error(cmd, "--policies needs a comma-separated list such as %s, "
                                        "not '%s'",
                                   DEFAULT_COMPARE, list);
            memcpy(name, p, len);
            name[len] = '\0';
            if (o->npolicies == sizeof o->policies / sizeof o->policies[0])
                return usage_error(cmd, "--policies lists too many entries");
            if (strcmp(name, "plugin") == 0) {
                if (!o->plugin.key_fn)
                    return usage_error(cmd, "'plugin' in --policies needs --policy-plugin FILE.so");
                o->policies[o->npolicies++] = PLUGIN_CHOICE;
            } else {
                int rc = parse_choice(cmd, name, &o->policies[o->npolicies]);
                if (rc)
                    return rc;
                o->npolicies++;
            }
            if (!comma)
                break;
            p = comma + 1;
        }
        /* compare and opt list every policy by default: the loaded one too, last */
        if (o->policies_default && o->plugin.key_fn && cmd != CMD_RACE &&
            o->npolicies < sizeof o->policies / sizeof o->policies[0])
            o->policies[o->npolicies++] = PLUGIN_CHOICE;
        if (cmd == CMD_RACE && (o->npolicies < 2 || o->npolicies > 4))
            return usage_error(cmd, "race needs 2 to 4 policies in --policies, not %zu",
                               o->npolicies);
    }
    return 0;
}

/* ---------------------------------------------------------------- scenario */

/* `-` reads the scenario from standard input (for pipelines and generated scenarios). */
#define SCENARIO_MAX_BYTES ((size_t)1 << 30) /* as in scenario.c */
static int load_scenario(const char *path, const kvs_scenario_overrides *ov, kvs_scenario *sc)
{
    kvs_error err;
    memset(&err, 0, sizeof err);
    memset(sc, 0, sizeof *sc);
    int rc;
    if (!path) {
        rc = kvs_scenario_load_default(ov, sc, &err);
    } else if (strcmp(path, "-") == 0) {
        size_t cap = 1 << 16, len = 0;
        char *buf = malloc(cap);
        bool too_big = false;
        while (buf) {
            size_t got = fread(buf + len, 1, cap - len, stdin);
            /* As for a file (scenario.c): YAML never holds a NUL, so stop after the first one
             * and let the parser point at it; and never read more than 1 GiB. Without these,
             * `kvscope run - </dev/zero` grew until the OOM killer ended it. */
            const char *nul = got ? memchr(buf + len, '\0', got) : NULL;
            if (nul != NULL) {
                len = (size_t)(nul - buf) + 1;
                break;
            }
            len += got;
            if (got == 0)
                break;
            if (len == cap && cap >= SCENARIO_MAX_BYTES) {
                too_big = true;
                break;
            }
            if (len == cap) {
                char *bigger = realloc(buf, cap * 2);
                if (!bigger) {
                    free(buf);
                    buf = NULL;
                    break;
                }
                buf = bigger;
                cap *= 2;
            }
        }
        if (!buf) {
            fprintf(stderr, "kvscope: out of memory reading the scenario from standard input\n");
            return EXIT_RUNTIME;
        }
        if (too_big) {
            fprintf(stderr, "<stdin>: error: the input is larger than 1 GiB: a scenario is "
                    "hand-written YAML; is this a trace?\n");
            free(buf);
            return EXIT_USAGE;
        }
        if (ferror(stdin)) {
            fprintf(stderr, "kvscope: cannot read the scenario from standard input: %s\n",
                    strerror(errno));
            free(buf);
            return EXIT_RUNTIME;
        }
        rc = kvs_scenario_load_string("<stdin>", buf, len, ov, sc, &err);
        free(buf);
    } else {
        rc = kvs_scenario_load(path, ov, sc, &err);
    }
    if (rc != 0) {
        /* the loader's every out-of-memory message says so: not the input's fault (exit 1) */
        bool oom = err.message && strstr(err.message, "out of memory") != NULL;
        kvs_error_print(stderr, &err);
        kvs_error_clear(&err);
        return oom ? EXIT_RUNTIME : EXIT_USAGE;
    }
    if (sc->trace_rows_bad > 0)
    {
        fputs("kvscope: ", stderr);
        kvs_fput_printable(stderr, sc->trace_file ? sc->trace_file : "?");
        fprintf(stderr, ": skipped %zu malformed row%s (--lenient); the first: ",
                sc->trace_rows_bad, sc->trace_rows_bad == 1 ? "" : "s");
        kvs_fput_printable(stderr, sc->trace_first_bad ? sc->trace_first_bad : "?");
        fputc('\n', stderr);
    }
    return 0;
}

/* Resolve and check the config of a single run. Returns 0 or an exit status. */
static int single_config(command cmd, const kvs_scenario *sc, const options *o, kvs_config *out)
{
    kvs_config base = sc->config;
    base.key_fn = o->plugin.key_fn;
    base.key_name = o->plugin.key_name;
    kvs_config cfg = resolve_config(base, base.key_fn ? PLUGIN_CHOICE : o->choice, &o->config);
    char why[300], desc[120];
    if (!kvs_config_valid(cfg, why, sizeof why)) {
        describe_config(cfg, desc, sizeof desc);
        fprintf(stderr, "kvscope: invalid configuration (%s): %s\n", desc, why);
        hint_help(cmd);
        return EXIT_USAGE;
    }
    *out = cfg;
    return 0;
}

static kvs_report_meta report_meta(const kvs_scenario *sc)
{
    kvs_report_meta m;
    m.scenario = sc->name;
    m.step_ms = sc->step_ms;
    m.dropped = (int64_t)sc->dropped;
    m.memory_note = sc->memory_note;
    m.trace_file = sc->trace_file;
    m.trace_rows_bad = (int64_t)sc->trace_rows_bad;
    m.trace_rows_failed = (int64_t)sc->trace_rows_failed;
    return m;
}

/* ---------------------------------------------------------------- output */

typedef struct {
    kvs_format format;
    const kvs_engine *engine;
    const kvs_report_meta *meta;
    /* compare */
    const kvs_compare_info *info;
    const kvs_compare_row *rows;
    size_t nrows;
    const void *ctx; /* opt, render */
} report_job;

static int write_run_report(FILE *f, void *ctx)
{
    const report_job *j = ctx;
    return kvs_report_write(f, j->format, j->engine, j->meta);
}

/* run --decisions: the log drives the engine, with the --switch plan */
typedef struct {
    kvs_engine *e;
    const kvs_switch *plan;
    size_t n;
} plan_job;

static int write_decisions(FILE *f, void *ctx)
{
    const plan_job *pj = ctx;
    return kvs_decisions_write_run(f, pj->e, pj->plan, pj->n);
}

static int write_compare_report(FILE *f, void *ctx)
{
    const report_job *j = ctx;
    return kvs_compare_write(f, j->format, j->info, j->rows, j->nrows);
}

/* To `path` atomically, or to standard output. Returns 0 or EXIT_RUNTIME (message printed). */
static int deliver(const char *path, kvs_write_fn fn, report_job *job)
{
    if (path) {
        char why[512];
        if (kvs_write_atomic(path, fn, job, why, sizeof why) != 0) {
            fprintf(stderr, "kvscope: %s\n", why);
            return EXIT_RUNTIME;
        }
        return 0;
    }
    errno = 0;
    int rc = fn(stdout, job);
    if (rc == 0 && fflush(stdout) != 0)
        rc = -1;
    if (rc != 0 || ferror(stdout)) {
        fprintf(stderr, "kvscope: cannot write the report to standard output: %s\n",
                errno ? strerror(errno) : "write error");
        return EXIT_RUNTIME;
    }
    return 0;
}

/* ---------------------------------------------------------------- commands */

/* The --switch list as engine switches: each applies its choice to the config before it, as the
 * view's keys do (a preset sets all three; sjf/svf on information `none` take `exact`). Returns
 * 0, or 2 after saying which switch gives an invalid configuration. */
static int switch_plan(command cmd, kvs_config cur, const options *o, kvs_switch *plan)
{
    for (size_t k = 0; k < o->nswitch; k++) {
        kvs_config next = o->switch_choice[k] == PLUGIN_CHOICE
                              ? with_plugin(cur, o)
                              : kvs_config_choose(cur, o->switch_choice[k]);
        char why[300], desc[120];
        if (!kvs_config_valid(next, why, sizeof why)) {
            describe_config(next, desc, sizeof desc);
            fprintf(stderr, "kvscope: --switch at step %" PRId64 " gives an invalid configuration "
                            "(%s): %s\n",
                    o->switch_at[k], desc, why);
            hint_help(cmd);
            return EXIT_USAGE;
        }
        plan[k] = (kvs_switch){o->switch_at[k], next};
        cur = next;
    }
    return 0;
}

/* The engine of a single-config command (run, render, explain) on a loaded scenario, and its
 * --switch plan (plan[0..o->nswitch)). Returns 0 with *out set, or an exit status after saying
 * why: 2 for a configuration or workload the engine refuses, 1 when memory ran out (the scenario
 * itself was validated). */
static int new_engine(command cmd, const kvs_scenario *sc, const char *path, const options *o,
                      kvs_engine **out, kvs_switch *plan)
{
    *out = NULL;
    kvs_config cfg;
    int rc = single_config(cmd, sc, o, &cfg);
    if (rc == 0)
        rc = switch_plan(cmd, cfg, o, plan);
    if (rc)
        return rc;
    char why[512] = "";
    *out = kvs_engine_new(&sc->workload, cfg, why, sizeof why);
    if (*out)
        return 0;
    fprintf(stderr, "kvscope: %s: %s\n", path, why[0] ? why : "cannot simulate");
    return strncmp(why, "out of memory", 13) == 0 ? EXIT_RUNTIME : EXIT_USAGE;
}

/* Run e to the end with the --switch plan, then say which switches came too late to apply (the
 * run had ended). */
static void run_plan(kvs_engine *e, const kvs_switch *plan, size_t n)
{
    kvs_engine_run_plan(e, plan, n);
    int64_t end = kvs_engine_now(e);
    for (size_t k = 0; k < n; k++)
        if (plan[k].at >= end)
            fprintf(stderr, "kvscope: note: the switch to %s at step %" PRId64 " did not apply: "
                            "the run ended at t=%" PRId64 "\n",
                    kvs_config_policy_name(plan[k].cfg), plan[k].at, end);
}

static int cmd_run(const args *a, const options *o)
{
    if (!a->scenario)
        return usage_error(CMD_RUN, "run needs a scenario file, e.g. kvscope run "
                                    "scenarios/classroom.yaml");
    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;
    kvs_engine *e;
    kvs_switch plan[MAX_SWITCHES];
    if ((rc = new_engine(CMD_RUN, &sc, a->scenario, o, &e, plan)) != 0) {
        kvs_scenario_free(&sc);
        return rc;
    }
    kvs_engine_keep_history(e, false); /* a report never draws */
    if (a->seen[F_DECISIONS]) { /* the log drives the engine to the end itself */
        char dwhy[512];
        plan_job pj = {e, plan, o->nswitch};
        if (kvs_write_atomic(a->value[F_DECISIONS], write_decisions, &pj, dwhy, sizeof dwhy) != 0) {
            fprintf(stderr, "kvscope: %s\n", dwhy);
            kvs_engine_free(e);
            kvs_scenario_free(&sc);
            return EXIT_RUNTIME;
        }
    }
    run_plan(e, plan, o->nswitch);
    kvs_report_meta meta = report_meta(&sc);
    report_job job = {.format = o->format, .engine = e, .meta = &meta};
    rc = deliver(o->output, write_run_report, &job);
    kvs_engine_free(e);
    kvs_scenario_free(&sc);
    return rc;
}

static int cmd_compare(const args *a, const options *o)
{
    if (!a->scenario)
        return usage_error(CMD_COMPARE, "compare needs a scenario file, e.g. kvscope compare "
                                        "scenarios/classroom.yaml");
    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;

    kvs_compare_row *rows = calloc(o->npolicies, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "kvscope: out of memory\n");
        kvs_scenario_free(&sc);
        return EXIT_RUNTIME;
    }
    size_t n = 0;
    rc = 0;
    for (size_t i = 0; i < o->npolicies && rc == 0; i++) {
        const char *name;
        kvs_config cfg = listed_config(&sc, o, o->policies[i], &name);
        char why[300], desc[120];
        if (!kvs_config_valid(cfg, why, sizeof why)) {
            describe_config(cfg, desc, sizeof desc);
            if (o->policies_default) {
                fprintf(stderr, "kvscope: note: skipped %s (%s): %s\n", name, desc, why);
                continue;
            }
            fprintf(stderr, "kvscope: invalid configuration for %s (%s): %s\n", name, desc, why);
            hint_help(CMD_COMPARE);
            rc = EXIT_USAGE;
            break;
        }
        kvs_engine *e = kvs_engine_new(&sc.workload, cfg, why, sizeof why);
        if (!e) {
            fprintf(stderr, "kvscope: %s: %s\n", a->scenario, why);
            rc = strncmp(why, "out of memory", 13) == 0 ? EXIT_RUNTIME : EXIT_USAGE;
            break;
        }
        kvs_engine_keep_history(e, false);
        kvs_engine_run(e);
        rows[n].name = name;
        rows[n].config = cfg;
        kvs_engine_summary(e, &rows[n].summary);
        n++;
        kvs_engine_free(e);
    }
    if (rc == 0 && n == 0) {
        fprintf(stderr, "kvscope: no policy in the list can run with this configuration\n");
        hint_help(CMD_COMPARE);
        rc = EXIT_USAGE;
    }
    if (rc == 0) {
        kvs_compare_info info = {.meta = report_meta(&sc),
                                 .memory = sc.workload.memory,
                                 .seed = sc.workload.seed,
                                 .lower_bound = kvs_bound_total_latency(&sc.workload)};
        report_job job = {.format = o->format, .info = &info, .rows = rows, .nrows = n};
        rc = deliver(o->output, write_compare_report, &job);
    }
    free(rows);
    kvs_scenario_free(&sc);
    return rc;
}

/* `kvscope opt`: the exact optima of a tiny scenario and each policy's distance to them. */
static int write_opt_report(FILE *f, void *ctx)
{
    return kvs_opt_report_text(f, ((const report_job *)ctx)->ctx);
}

static int cmd_opt(const args *a, const options *o)
{
    if (!a->scenario)
        return usage_error(CMD_OPT, "opt needs a scenario file, e.g. kvscope opt "
                                    "scenarios/worst-fcfs.yaml");
    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;
    if (sc.workload.count > KVS_OPT_MAX_REQUESTS) {
        fprintf(stderr, "kvscope: %s: opt searches exhaustively and takes at most %d requests, "
                        "this scenario has %zu; cut it down (or use the lower bound that "
                        "'kvscope run' reports)\n",
                a->scenario, KVS_OPT_MAX_REQUESTS, sc.workload.count);
        kvs_scenario_free(&sc);
        return EXIT_USAGE;
    }
    kvs_opt_result np, pp;
    kvs_opt_solve(&sc.workload, KVS_OPT_NO_PREEMPTION, 0, &np);
    kvs_opt_solve(&sc.workload, KVS_OPT_PREEMPTION, 0, &pp);
    kvs_opt_row rows[64];
    size_t n = 0;
    for (size_t i = 0; i < o->npolicies && rc == 0; i++) {
        const char *name;
        kvs_config cfg = listed_config(&sc, o, o->policies[i], &name);
        char why[300];
        kvs_engine *e = kvs_config_valid(cfg, why, sizeof why)
                            ? kvs_engine_new(&sc.workload, cfg, why, sizeof why)
                            : NULL;
        if (!e) {
            fprintf(stderr, "kvscope: %s %s: %s\n", o->policies_default ? "note: skipped" : "",
                    name, why);
            rc = o->policies_default ? 0 : EXIT_USAGE;
            continue;
        }
        kvs_engine_run(e);
        kvs_summary s;
        kvs_engine_summary(e, &s);
        rows[n++] = (kvs_opt_row){name, cfg, s.total_latency,
                                  s.evictions};
        kvs_engine_free(e);
    }
    if (rc == 0) {
        kvs_opt_report rep = {sc.name, &sc.workload, kvs_bound_total_latency(&sc.workload),
                              &np, &pp, rows, n};
        report_job job = {.ctx = &rep};
        rc = deliver(o->output, write_opt_report, &job);
        if (rc == 0 && (np.status != KVS_OPT_OK || pp.status != KVS_OPT_OK))
            rc = EXIT_RUNTIME; /* printed what it could; the search gave up */
    }
    kvs_opt_result_free(&np);
    kvs_opt_result_free(&pp);
    kvs_scenario_free(&sc);
    return rc;
}

/* `kvscope render`: the time x memory figure as SVG. */
static int write_svg(FILE *f, void *ctx)
{
    const report_job *j = ctx;
    return kvs_render_svg(f, j->engine, j->ctx);
}

static int cmd_render(const args *a, const options *o)
{
    if (!a->scenario || !o->output)
        return usage_error(CMD_RENDER, "render needs a scenario and -o FILE.svg, e.g. kvscope "
                                       "render scenarios/classroom.yaml -o fig.svg");
    size_t olen = strlen(o->output);
    if (olen >= 4 && strcasecmp(o->output + olen - 4, ".png") == 0)
        return usage_error(CMD_RENDER, "render writes SVG, not PNG: name the output .svg and "
                                       "convert it, e.g. rsvg-convert fig.svg -o fig.png "
                                       "(docs/RENDER.md)");
    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;
    kvs_engine *e;
    kvs_switch plan[MAX_SWITCHES];
    if ((rc = new_engine(CMD_RENDER, &sc, a->scenario, o, &e, plan)) != 0) {
        kvs_scenario_free(&sc);
        return rc;
    }
    run_plan(e, plan, o->nswitch);
    kvs_svg_options so = {sc.name, sc.step_ms, o->from, o->to,
                          kvs_bound_total_latency(&sc.workload)};
    report_job job = {.engine = e, .ctx = &so};
    rc = deliver(o->output, write_svg, &job);
    kvs_engine_free(e);
    kvs_scenario_free(&sc);
    return rc;
}

static int cmd_explain(const args *a, const options *o)
{
    if (!a->scenario)
        return usage_error(CMD_EXPLAIN, "explain needs a scenario file, e.g. kvscope explain "
                                        "scenarios/head-of-line.yaml --request 3");
    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;
    kvs_engine *e = NULL;
    kvs_switch plan[MAX_SWITCHES];
    long req = kvs_find_request(&sc.workload, a->value[F_REQUEST]);
    if (req < 0) {
        fprintf(stderr, "kvscope: %s has no request '%s': give an id from its requests (or a "
                        "1-based number for requests without ids)\n",
                a->scenario, a->value[F_REQUEST]);
        rc = EXIT_USAGE;
    } else if ((rc = new_engine(CMD_EXPLAIN, &sc, a->scenario, o, &e, plan)) == 0) {
        kvs_engine_keep_history(e, false);
        if (kvs_explain_write(stdout, e, (size_t)req, plan, o->nswitch) != 0 ||
            fflush(stdout) != 0) {
            fprintf(stderr, "kvscope: cannot write to standard output\n");
            rc = EXIT_RUNTIME;
        }
    }
    kvs_engine_free(e);
    kvs_scenario_free(&sc);
    return rc;
}

/* Is the locale's character set UTF-8 ("UTF-8", "utf8", ...)? */
static bool locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    if (!cs)
        return false;
    char norm[16];
    size_t k = 0;
    for (const char *p = cs; *p && k + 1 < sizeof norm; p++)
        if (*p != '-' && *p != '_')
            norm[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    norm[k] = '\0';
    return strcmp(norm, "utf8") == 0;
}

static int cmd_view(const args *a, options *o)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "kvscope: the interactive view needs a terminal; for scripts use: "
                        "kvscope run SCENARIO --format json\n");
        return EXIT_USAGE;
    }
    /* Only the view takes the locale from the environment (ncursesw needs it for wide
     * characters); reports stay in the C locale so their bytes never depend on it. */
    setlocale(LC_ALL, "");
    if (!locale_is_utf8())
        o->ui.ascii = true;

    kvs_scenario sc;
    int rc = load_scenario(a->scenario, &o->scenario, &sc);
    if (rc)
        return rc;
    kvs_config cfg[4];
    size_t n = a->cmd == CMD_RACE ? o->npolicies : 1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        options one = *o;
        if (a->cmd == CMD_RACE) { /* each lane: the scenario's config with that policy */
            one.choice = o->policies[i];
            if (one.choice != PLUGIN_CHOICE)
                one.plugin.key_fn = NULL;
        }
        rc = single_config(a->cmd, &sc, &one, &cfg[i]);
        cfg[i].key_name = o->plugin.key_name; /* the view may offer the plugin later ('c') */
        if (!cfg[i].key_fn)
            cfg[i].key_fn = o->plugin.key_fn;
    }
    kvs_switch plan[MAX_SWITCHES];
    if (rc == 0 && o->nswitch > 0 && (rc = switch_plan(a->cmd, cfg[0], o, plan)) == 0) {
        o->ui.plan = plan;
        o->ui.nplan = o->nswitch;
    }
    if (rc == 0)
        rc = a->cmd == CMD_RACE ? kvs_ui_race(&sc, cfg, n, &o->ui) : kvs_ui_run(&sc, cfg[0], &o->ui);
    kvs_scenario_free(&sc);
    return rc;
}

/* ---------------------------------------------------------------- trace info */

static void trace_info_help(FILE *f)
{
    size_t nm, ng;
    const kvs_model_spec *models = kvs_hardware_models(&nm);
    const kvs_gpu_spec *gpus = kvs_hardware_gpus(&ng);
    fprintf(f, "Usage: kvscope trace info FILE [options]\n\n"
               "A quick look at a captured trace before simulating it: rows, time span, arrival\n"
               "rate, prompt/output statistics and, with --gpu, the memory budget M of a setup.\n\n"
               "Options:\n"
               "  --format F         %s (default: detected from the first line)\n"
               "  --step-ms MS       wall-clock length of one step (default 25)\n"
               "  --rate-scale X     compress trace time X-fold (default 1)\n"
               "  --keep-model NAME  BurstGPT: keep only rows of this Model\n"
               "  --lenient          skip malformed rows instead of stopping at the first\n"
               "  --gpu GPU          derive M for this GPU (with --model, --gpus, --utilization)\n"
               "  --model MODEL      the served model (default llama-3.1-8b)\n"
               "  --gpus N           number of GPUs (default 1)\n"
               "  --utilization U    fraction of GPU memory the server may use (default 0.9)\n\n",
            kvs_trace_format_list());
    fputs("Models:", f);
    for (size_t i = 0; i < nm; i++)
        fprintf(f, " %s", models[i].name);
    fputs("\nGPUs:  ", f);
    for (size_t i = 0; i < ng; i++)
        fprintf(f, " %s", gpus[i].name);
    fputs("\n\nExample:\n  kvscope trace info ../shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv "
          "--gpu h100-80gb\n", f);
}

static int trace_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "kvscope: trace info: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'kvscope trace info --help'.\n");
    return EXIT_USAGE;
}

/* `kvscope trace info FILE [...]`: argv[0] is "info". */
static int cmd_trace(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "info") != 0) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            trace_info_help(stdout);
            return EXIT_OK;
        }
        return trace_usage("%s", argc < 1 ? "missing subcommand: the only one is 'info' "
                                            "(kvscope trace info FILE)"
                                          : "unknown subcommand: the only one is 'info'");
    }
    kvs_trace_spec sp;
    kvs_trace_spec_init(&sp);
    sp.step_ms = 25;
    const char *file = NULL, *gpu = NULL, *model = "llama-3.1-8b";
    uint64_t gpus = 1;
    double util = 0.9;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            trace_info_help(stdout);
            return EXIT_OK;
        }
        if (strcmp(arg, "--lenient") == 0) {
            sp.lenient = true;
            continue;
        }
        static const char *const valued[] = {"--format", "--step-ms", "--rate-scale",
                                             "--keep-model", "--gpu", "--model", "--gpus",
                                             "--utilization"};
        int which = -1;
        for (int k = 0; k < 8; k++)
            if (strcmp(arg, valued[k]) == 0)
                which = k;
        if (which < 0) {
            if (arg[0] == '-' && arg[1])
                return trace_usage("unknown option '%s'", arg);
            if (file)
                return trace_usage("unexpected argument '%s' (give one trace file)", arg);
            file = arg;
            continue;
        }
        if (i + 1 >= argc)
            return trace_usage("option %s needs a value", arg);
        const char *v = argv[++i];
        switch (which) {
        case 0:
            if (kvs_trace_format_parse(v, &sp.format) < 0)
                return trace_usage("unknown format '%s'; expected auto, azure, burstgpt, "
                                   "mooncake, lengths or kvscope", v);
            break;
        case 1:
            if (!parse_positive_double(v, &sp.step_ms))
                return trace_usage("--step-ms needs a number > 0, not '%s'", v);
            break;
        case 2:
            if (!parse_positive_double(v, &sp.rate_scale))
                return trace_usage("--rate-scale needs a number > 0, not '%s'", v);
            break;
        case 3: sp.model = v; break;
        case 4: gpu = v; break;
        case 5: model = v; break;
        case 6:
            if (!parse_uint64(v, &gpus) || gpus == 0 || gpus > KVS_MAX_GPUS)
                return trace_usage("--gpus needs a whole number from 1 to 1024, not '%s'", v);
            break;
        case 7:
            if (!parse_positive_double(v, &util) || util > 1.0)
                return trace_usage("--utilization needs a number in (0, 1], not '%s'", v);
            break;
        }
    }
    if (!file)
        return trace_usage("%s", "needs a trace file: kvscope trace info FILE");
    int64_t M = 0;
    char note[512] = "";
    if (gpu) {
        kvs_memory_breakdown how;
        char why[512];
        if (kvs_memory_from_setup(model, gpu, (int)gpus, util, &M, &how, why, sizeof why) < 0) {
            fprintf(stderr, "kvscope: trace info: %s\n", why);
            return EXIT_USAGE;
        }
        kvs_memory_breakdown_format(&how, note, sizeof note);
    }
    sp.path = file;
    kvs_trace t;
    kvs_error err;
    memset(&err, 0, sizeof err);
    if (kvs_trace_load(&sp, &t, &err) < 0) {
        kvs_error_print(stderr, &err);
        kvs_error_clear(&err);
        return EXIT_USAGE;
    }
    int rc = kvs_trace_print_info(stdout, &sp, &t) < 0 ? EXIT_RUNTIME : EXIT_OK;
    if (gpu && rc == EXIT_OK) {
        size_t over = 0;
        for (size_t i = 0; i < t.count; i++)
            over += t.requests[i].prompt + t.requests[i].output > M;
        printf("memory:        %s\n", note);
        printf("fits:          %zu of %zu requests fit M on their own", t.count - over, t.count);
        if (over)
            printf(" (%zu never can: use `oversize: drop` or a larger setup)", over);
        putchar('\n');
    }
    kvs_trace_free(&t);
    if (fflush(stdout) != 0)
        rc = EXIT_RUNTIME;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "trace") == 0)
        return cmd_trace(argc - 2, argv + 2);
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;

    if (a.seen[F_VERSION]) {
        printf("kvscope %s\n", KVS_VERSION);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
    }
    if (a.cmd == CMD_HELP || a.seen[F_HELP]) {
        command topic = a.cmd;
        if (a.cmd == CMD_HELP && a.help_topic) {
            if (!command_from_name(a.help_topic, &topic) || topic == CMD_HELP)
                return usage_error(CMD_HELP, "no help on '%s'; try 'kvscope help run' or "
                                             "'kvscope help compare'",
                                   a.help_topic);
        }
        print_help(stdout, topic);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
    }

    options o;
    rc = check_and_read_options(&a, &o);
    if (rc)
        return rc;
    switch (a.cmd) {
    case CMD_RUN: return cmd_run(&a, &o);
    case CMD_COMPARE: return cmd_compare(&a, &o);
    case CMD_EXPLAIN: return cmd_explain(&a, &o);
    case CMD_RACE: return cmd_view(&a, &o);
    case CMD_COUNT: break;
    case CMD_VIEW: return cmd_view(&a, &o);
    case CMD_OPT: return cmd_opt(&a, &o);
    case CMD_RENDER: return cmd_render(&a, &o);
    case CMD_HELP: break;
    }
    return EXIT_USAGE;
}
