/* plugin.c: load a user policy (kvscope/policy.h) from a shared object with dlopen. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/decisions_io.h"

int kvs_plugin_load(const char *path, kvs_config *cfg, char *why, size_t n)
{
    /* dlopen searches the library path for a bare name; a plugin is a file the user points at */
    char full[4096];
    if (!strchr(path, '/'))
        snprintf(full, sizeof full, "./%s", path);
    else
        snprintf(full, sizeof full, "%s", path);
    void *h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *err = dlerror();
        snprintf(why, n, "cannot load policy plugin %s: %s (build it with: cc -shared -fPIC "
                         "-Iinclude mypolicy.c -o mypolicy.so; see docs/PLUGINS.md)",
                 path, err ? err : "unknown error");
        return -1;
    }
    unsigned (*abi)(void) = NULL;
    kvs_policy_key_fn key = NULL;
    const char *(*name)(void) = NULL;
    /* POSIX guarantees that a function pointer survives the round trip through void *. */
    *(void **)(&abi) = dlsym(h, "kvscope_policy_abi");
    *(void **)(&key) = dlsym(h, "kvscope_policy_key");
    *(void **)(&name) = dlsym(h, "kvscope_policy_name");
    if (!abi || !key) {
        snprintf(why, n, "%s is not a kvscope policy plugin: it must export kvscope_policy_abi "
                         "and kvscope_policy_key (see include/kvscope/policy.h)",
                 path);
        dlclose(h);
        return -1;
    }
    if (abi() != KVS_POLICY_ABI) {
        snprintf(why, n, "policy plugin %s was built for plugin ABI %u, this kvscope has %u: "
                         "rebuild it against this kvscope's include/kvscope/policy.h",
                 path, abi(), KVS_POLICY_ABI);
        dlclose(h);
        return -1;
    }
    const char *label = name ? name() : NULL;
    char *copy = NULL;
    if (label && *label) {
        copy = strdup(label);
    } else {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        copy = strdup(base);
        if (copy) {
            size_t len = strlen(copy);
            if (len > 3 && strcmp(copy + len - 3, ".so") == 0)
                copy[len - 3] = '\0';
        }
    }
    if (!copy) {
        snprintf(why, n, "out of memory loading %s", path);
        dlclose(h);
        return -1;
    }
    /* handle and name live as long as the process: configs and engines keep pointers to them */
    cfg->policy = KVS_POLICY_PLUGIN;
    cfg->key_fn = key;
    cfg->key_user = NULL;
    cfg->key_name = copy;
    return 0;
}
