/* bench/timeline_bench.c: what the UI's timeline costs on a big workload (make bench).
 *
 *   timeline_bench SCENARIO REPS
 *
 * Per run: the time to go forward from t = 0 to t = 2 000 and to the end in growing chunks (as
 * the UI does at max speed: snapshots are taken on the way), then 40 single steps back from
 * points spread over the run (what Left costs). Prints the median over REPS runs of each figure,
 * in milliseconds, the worst step back seen, and the first run's figures (the view's case). The allocator is set as the view sets it
 * (src/ui/ui.c keep_freed_memory) unless BENCH_GLIBC_DEFAULTS is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "io/scenario.h"
#include "kvscope/timeline.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: timeline_bench SCENARIO REPS\n");
        return 2;
    }
#ifdef __GLIBC__
    if (!getenv("BENCH_GLIBC_DEFAULTS")) {
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, 512 << 20);
    }
#endif
    kvs_scenario sc;
    kvs_error err;
    memset(&err, 0, sizeof err);
    if (kvs_scenario_load(argv[1], NULL, &sc, &err) != 0) {
        kvs_error_print(stderr, &err);
        return 1;
    }
    int reps = atoi(argv[2]);
    if (reps < 1 || reps > 100)
        reps = 5;
    double early[100], all[100], back[100], worst = 0, early0 = 0, all0 = 0;
    int64_t end = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        kvs_timeline *tl = kvs_timeline_new(&sc.workload, sc.config, NULL, 0);
        if (!tl)
            return 1;
        early[r] = -1;
        int64_t chunk = 64;
        while (!kvs_engine_done(kvs_timeline_engine(tl))) {
            kvs_timeline_advance_to(tl, kvs_timeline_now(tl) + chunk);
            if (early[r] < 0 && kvs_timeline_now(tl) >= 2000)
                early[r] = now_ms() - t0;
            if (chunk < 65536)
                chunk *= 2;
        }
        all[r] = now_ms() - t0;
        if (r == 0) { /* what the view meets: the process's first run, memory not yet reused */
            early0 = early[r];
            all0 = all[r];
        }
        end = kvs_timeline_now(tl);
        double sum = 0;
        const int N = 40;
        for (int k = 1; k <= N; k++) {
            int64_t t = end * k / (N + 1) + 7 * k;
            kvs_timeline_seek(tl, t > end ? end : t);
            double b0 = now_ms();
            kvs_timeline_back(tl);
            double d = now_ms() - b0;
            sum += d;
            if (d > worst)
                worst = d;
        }
        back[r] = sum / N;
        kvs_timeline_free(tl);
    }
    printf("   %s: %zu requests, run to t=%lld\n", argv[1], sc.workload.count, (long long)end);
    printf("   forward to t=2000 %.0f ms, to the end %.0f ms; one step back mean %.1f ms "
           "(worst of all runs %.1f ms); medians of %d runs\n",
           median(early, reps), median(all, reps), median(back, reps), worst, reps);
    printf("   (the first run, as the view meets it: to t=2000 %.0f ms, to the end %.0f ms)\n",
           early0, all0);
    kvs_scenario_free(&sc);
    return 0;
}
