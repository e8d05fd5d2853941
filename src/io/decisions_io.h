/* io/decisions_io.h: the decision log as JSON lines (docs/DECISIONS.md), `kvscope explain`, and
 * loading a user policy plugin (docs/PLUGINS.md). */
#ifndef KVSCOPE_IO_DECISIONS_IO_H
#define KVSCOPE_IO_DECISIONS_IO_H

#include <stddef.h>
#include <stdio.h>

#include "kvscope/config.h"
#include "kvscope/decisions.h"
#include "kvscope/engine.h"

/* At most this many queue entries are written per record ("queue"); "queue_length" is exact. */
#define KVS_DECISIONS_QUEUE_MAX 64

/* One record as one JSON object on one line. Returns 0, or -1 when writing failed. */
int kvs_decision_jsonl(FILE *f, const kvs_decision *d, const kvs_workload *w);
/* Run e (fresh) to completion with the switches of plan[0..n) (kvs_engine_run_plan; n may be
 * 0), writing one line per eventful decision point. 0 or -1. */
int kvs_decisions_write_run(FILE *f, kvs_engine *e, const kvs_switch *plan, size_t n);
/* Run e (fresh) to completion with those switches and tell request req's life, one sentence per
 * line. 0 or -1. */
int kvs_explain_write(FILE *f, kvs_engine *e, size_t req, const kvs_switch *plan, size_t n);
/* The index of the request with this id (or, failing that, this 1-based number); -1 if none. */
long kvs_find_request(const kvs_workload *w, const char *id);

/* Load a policy plugin and make cfg use it (policy PLUGIN, key_fn, key_name). The shared object
 * stays loaded for the life of the process. Returns 0, or -1 with a reason and its fix in why. */
int kvs_plugin_load(const char *path, kvs_config *cfg, char *why, size_t n);

#endif
