/* test_hardware.c: the memory budget M of model + GPU setups (io/hardware.h). The expected
 * values are worked out by hand in the comments from the published configs, not copied from the
 * program's output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "io/hardware.h"

static void llama_8b_on_one_h100(void **state)
{
    (void)state;
    /* KV bytes per token = 2 (K, V) x 32 layers x 8 KV heads x 128 head dim x 2 bytes = 131072.
     * usable  = 80e9 x 1 x 0.9                      = 72,000,000,000
     * weights = 8,030,261,248 params x 2 bytes       = 16,060,522,496
     * reserve = 1 GiB x 1                            =  1,073,741,824
     * KV      = 72,000,000,000 - 16,060,522,496 - 1,073,741,824 = 54,865,735,680
     * M       = floor(54,865,735,680 / 131072) = 418,592 (418,592 x 131072 = 54,865,608,704,
     *           remainder 126,976 < 131072). */
    int64_t M = 0;
    kvs_memory_breakdown b;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "h100-80gb", 1, 0.9, &M, &b, why,
                                           sizeof why), 0);
    assert_int_equal(M, 418592);
    assert_int_equal(b.memory, 418592);
    assert_int_equal(b.kv_bytes_per_token, 131072);
    assert_int_equal(b.gpu_bytes, 80000000000LL);
    assert_int_equal(b.usable_bytes, 72000000000LL);
    assert_int_equal(b.weight_bytes, 16060522496LL);
    assert_int_equal(b.activation_bytes, 1073741824LL);
    assert_int_equal(b.kv_cache_bytes, 54865735680LL);
    assert_string_equal(b.model->name, "llama-3.1-8b");
    assert_string_equal(b.gpu->name, "h100-80gb");
    assert_int_equal(b.gpus, 1);

    char line[512];
    kvs_memory_breakdown_format(&b, line, sizeof line);
    assert_non_null(strstr(line, "M = 418592 tokens: llama-3.1-8b on 1 x h100-80gb"));
    assert_non_null(strstr(line, "131072 bytes per token"));
}

static void llama_70b_on_four_a100(void **state)
{
    (void)state;
    /* KV bytes per token = 2 x 80 layers x 8 KV heads x 128 x 2 = 327,680.
     * usable  = 4 x 80e9 x 0.9          = 288,000,000,000
     * weights = 70,553,706,496 x 2       = 141,107,412,992
     * reserve = 4 x 1,073,741,824        =   4,294,967,296
     * KV      = 288e9 - 141,107,412,992 - 4,294,967,296 = 142,597,619,712
     * M       = floor(142,597,619,712 / 327,680) = 435,173
     *           (435,173 x 327,680 = 142,597,488,640; remainder 131,072 < 327,680). */
    int64_t M = 0;
    kvs_memory_breakdown b;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3.1-70b", "a100-80gb", 4, 0.9, &M, &b, why,
                                           sizeof why), 0);
    assert_int_equal(M, 435173);
    assert_int_equal(b.kv_bytes_per_token, 327680);
    assert_int_equal(b.kv_cache_bytes, 142597619712LL);
}

static void qwen_7b_on_l40s_and_case(void **state)
{
    (void)state;
    /* Qwen2.5-7B has only 4 KV heads: 2 x 28 x 4 x 128 x 2 = 57,344 bytes per token.
     * usable 48e9 x 0.9 = 43,200,000,000; weights 7,615,616,512 x 2 = 15,231,233,024;
     * KV = 43.2e9 - 15,231,233,024 - 1,073,741,824 = 26,895,025,152;
     * M = floor(26,895,025,152 / 57,344) = 469,012 (469,012 x 57,344 = 26,894,624,128). */
    int64_t M = 0;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("Qwen2.5-7B", "L40S", 1, 0.9, &M, NULL, why,
                                           sizeof why), 0);
    assert_int_equal(M, 469012);
}

static void utilization_is_exact(void **state)
{
    (void)state;
    /* 1 x a100-40gb at 1.0: usable exactly 40e9. llama-3.2-1b: KV/token 2 x 16 x 8 x 64 x 2 =
     * 32768; weights 2,471,628,800; KV = 40e9 - 2,471,628,800 - 1,073,741,824 = 36,454,629,376;
     * M = 36,454,629,376 / 32768 = 1,112,507 exactly (1,112,507 x 32768 = 36,454,629,376).
     * A utilization of 1.0 taken through floating point could land a byte short; it must not. */
    int64_t M = 0;
    kvs_memory_breakdown b;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3.2-1b", "a100-40gb", 1, 1.0, &M, &b, why,
                                           sizeof why), 0);
    assert_int_equal(b.usable_bytes, 40000000000LL);
    assert_int_equal(M, 1112507);
}

static void weights_that_do_not_fit(void **state)
{
    (void)state;
    /* 405B x 2 bytes = 811.7 GB of weights; 8 x 80 GB x 0.9 = 576 GB. 11 GPUs give
     * 792 GB - 11.8 GB reserve < 811.7 GB; 12 give 864 - 12.9 = 851 GB > 811.7 GB: 12. */
    int64_t M = -5;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3.1-405b", "h100-80gb", 8, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_int_equal(M, -5);
    assert_non_null(strstr(why, "does not fit"));
    assert_non_null(strstr(why, "811.71 GB"));
    assert_non_null(strstr(why, "at least 12 GPUs"));

    /* 70B (141 GB of weights) on one 24 GB card. */
    assert_int_equal(kvs_memory_from_setup("llama-3.1-70b", "rtx-4090", 1, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_non_null(strstr(why, "does not fit"));
}

static void unknown_names(void **state)
{
    (void)state;
    int64_t M = 0;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3-8b", "h100-80gb", 1, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_non_null(strstr(why, "unknown model 'llama-3-8b'"));
    assert_non_null(strstr(why, "did you mean 'llama-3.1-8b'?"));
    assert_non_null(strstr(why, "qwen2.5-72b"));

    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "h100", 1, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_non_null(strstr(why, "unknown gpu 'h100': did you mean 'h100-80gb'?"));
    assert_non_null(strstr(why, "rtx-4090"));

    /* "a100" starts two names: no guess between them. */
    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "a100", 1, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_null(strstr(why, "did you mean"));
    assert_non_null(strstr(why, "a100-40gb, a100-80gb"));

    /* Nothing close: no suggestion, only the list. */
    assert_int_equal(kvs_memory_from_setup("gpt-4", "h100-80gb", 1, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_null(strstr(why, "did you mean"));
    assert_non_null(strstr(why, "mistral-7b"));
}

static void bad_numbers(void **state)
{
    (void)state;
    int64_t M = 0;
    char why[512] = "";
    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "h100-80gb", 0, 0.9, &M, NULL, why,
                                           sizeof why), -1);
    assert_non_null(strstr(why, "gpus"));
    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "h100-80gb", 1, 1.5, &M, NULL, why,
                                           sizeof why), -1);
    assert_non_null(strstr(why, "utilization"));
    assert_int_equal(kvs_memory_from_setup("llama-3.1-8b", "h100-80gb", 1, 0.0, &M, NULL, why,
                                           sizeof why), -1);
    /* A tiny buffer is never overrun. */
    char small[8];
    assert_int_equal(kvs_memory_from_setup("nope", "h100-80gb", 1, 0.9, &M, NULL, small,
                                           sizeof small), -1);
    assert_int_equal(strlen(small), 7);
}

static void tables_are_consistent(void **state)
{
    (void)state;
    size_t nm, ng;
    const kvs_model_spec *m = kvs_hardware_models(&nm);
    const kvs_gpu_spec *g = kvs_hardware_gpus(&ng);
    assert_int_equal(nm, 8);
    assert_int_equal(ng, 6);
    for (size_t i = 0; i < nm; i++) {
        assert_ptr_equal(kvs_hardware_model(m[i].name), &m[i]);
        assert_true(m[i].layers > 0 && m[i].kv_heads > 0 && m[i].head_dim > 0);
    }
    for (size_t i = 0; i < ng; i++)
        assert_ptr_equal(kvs_hardware_gpu(g[i].name), &g[i]);
    assert_int_equal(kvs_hardware_gpu("h200-141gb")->memory_gb, 141);
    assert_int_equal(kvs_hardware_gpu("l40s")->memory_gb, 48);
    assert_int_equal(kvs_hardware_gpu("rtx-4090")->memory_gb, 24);
    assert_int_equal(kvs_hardware_model("llama-3.1-405b")->layers, 126);
    assert_int_equal(kvs_hardware_model("qwen2.5-7b")->kv_heads, 4);
    assert_int_equal(kvs_hardware_model("llama-3.2-1b")->head_dim, 64);
    assert_null(kvs_hardware_model(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama_8b_on_one_h100),
        cmocka_unit_test(llama_70b_on_four_a100),
        cmocka_unit_test(qwen_7b_on_l40s_and_case),
        cmocka_unit_test(utilization_is_exact),
        cmocka_unit_test(weights_that_do_not_fit),
        cmocka_unit_test(unknown_names),
        cmocka_unit_test(bad_numbers),
        cmocka_unit_test(tables_are_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
