/*
 * arena.c: bump allocation for the kit's two lifetimes (see arena.h).
 *
 * How it stays allocation-free after the first step: allocations bump a
 * pointer in one main block. When a step needs more than the block holds, the
 * extra goes into "spill" chunks from malloc. At the next reset the spill is
 * freed and the main block is regrown to the high-water mark, so the same
 * step next time fits in the main block and malloc is never called again.
 * Not here: freeing single allocations (there is no such thing).
 */
#define _POSIX_C_SOURCE 200809L
#include "arena.h"

#include <stdbool.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64

struct ArenaChunk {
    ArenaChunk *next;
    size_t size;
    unsigned char *mem;  /* aligned start inside the chunk */
};

static size_t round_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

static void *system_alloc(Arena *a, size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, ARENA_ALIGN, bytes ? bytes : ARENA_ALIGN) != 0 || !p) {
        fprintf(stderr, "arena %s: out of memory asking for %zu bytes. HINT: a smaller --batch or --hidden needs less\n",
                a->name ? a->name : "?", bytes);
        exit(1);
    }
    a->n_system_allocs++;
    return p;
}

void arena_init(Arena *a, const char *name, size_t initial_bytes)
{
    memset(a, 0, sizeof *a);
    a->name = name;
    if (initial_bytes) {
        a->cap = round_up(initial_bytes);
        a->base = system_alloc(a, a->cap);
    }
}

/* Debug builds fill freed (and uninitialised) memory with NaN. */
static void poison(void *p, size_t bytes)
{
#ifdef KIT_DEBUG
    float *f = p;
    for (size_t i = 0; i < bytes / sizeof(float); i++) f[i] = NAN;
#else
    (void)p; (void)bytes;
#endif
}

/* The bump itself; the memory comes as it was (see arena_alloc and _uninit). */
static void *bump(Arena *a, size_t need)
{
    void *p;
    if (a->used + need <= a->cap) {
        p = a->base + a->used;
        a->used += need;
    } else {
        /* The main block is full: spill into a chunk of its own. */
        ArenaChunk *c = system_alloc(a, sizeof(ArenaChunk) + ARENA_ALIGN + need);
        c->size = need;
        c->mem = (unsigned char *)c + round_up(sizeof(ArenaChunk));
        c->next = a->spill;
        a->spill = c;
        a->spill_bytes += need;
        p = c->mem;
    }
    size_t in_use = a->used + a->spill_bytes;
    if (in_use > a->high_water) a->high_water = in_use;
    return p;
}

void *arena_alloc(Arena *a, size_t bytes)
{
    size_t need = round_up(bytes ? bytes : 1);
    void *p = bump(a, need);
    memset(p, 0, need);
    return p;
}

void *arena_alloc_uninit(Arena *a, size_t bytes)
{
    size_t need = round_up(bytes ? bytes : 1);
    void *p = bump(a, need);
    poison(p, need);   /* debug builds: NaN, so reading before writing shows */
    return p;
}

static void free_spill(Arena *a)
{
    while (a->spill) {
        ArenaChunk *next = a->spill->next;
        poison(a->spill->mem, a->spill->size);
        free(a->spill);
        a->spill = next;
    }
    a->spill_bytes = 0;
}

void arena_reset(Arena *a)
{
    bool spilled = a->spill != NULL;
    free_spill(a);
    poison(a->base, a->used);
    a->used = 0;
    if (spilled && a->high_water > a->cap) {
        /* Grow once to what the step really needed (plus a little slack for
         * the alignment rounding of a different allocation order). */
        free(a->base);
        a->cap = round_up(a->high_water + a->high_water / 8);
        a->base = system_alloc(a, a->cap);
    }
}

void arena_free(Arena *a)
{
    if (!a) return;
    free_spill(a);
    free(a->base);
    const char *name = a->name;
    memset(a, 0, sizeof *a);
    a->name = name;
}

size_t arena_used(const Arena *a) { return a->used + a->spill_bytes; }
