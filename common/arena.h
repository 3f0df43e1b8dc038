/**
 * @file arena.h
 * @brief Arenas: the kit's one allocation story.
 *
 * Two arenas live in every Graph (tensor.h): `params` holds what lives for the
 * whole run (parameters, their gradients, running statistics); `step` holds
 * every tensor made during one training step, and is reset after the update.
 * Nothing is freed one by one, so nothing leaks, and a training loop of any
 * length stops calling malloc after its first step: the first reset grows the
 * arena to the high-water mark of that step, and later steps fit.
 *
 * Not here: tensors (tensor.h). Alignment is 64 bytes so the compiler may use
 * aligned vector loads.
 *
 * Debug builds (compiled with -DKIT_DEBUG, which `make SANITIZE=1` and
 * `make DEBUG=1` set) fill reset memory with NaN, so a tensor used after its
 * step ended shows up as a NaN loss, not as a quiet wrong answer.
 */
#ifndef KIT_ARENA_H
#define KIT_ARENA_H

#include <stddef.h>

/** A chunk the arena spilled into when its block was full; freed or merged on reset. */
typedef struct ArenaChunk ArenaChunk;

/** A bump allocator. Zero-initialised (`Arena a = {0}`) is a valid empty arena. */
typedef struct Arena {
    const char *name;      /**< for messages: "params", "step" */
    unsigned char *base;   /**< the main block (owned) */
    size_t cap;            /**< bytes in the main block */
    size_t used;           /**< bytes handed out from the main block */
    ArenaChunk *spill;     /**< overflow chunks of this step, newest first (owned) */
    size_t spill_bytes;    /**< bytes handed out from spill chunks since the last reset */
    size_t high_water;     /**< most bytes ever in use at once */
    long n_system_allocs;  /**< how many times the arena called malloc: tests assert it stops growing */
} Arena;

/** @brief Set up @p a, naming it @p name (not copied: pass a literal) with a first block of @p initial_bytes (0 = allocate lazily). */
void arena_init(Arena *a, const char *name, size_t initial_bytes);

/**
 * @brief @p bytes of 64-byte-aligned memory, zeroed, owned by the arena.
 * Valid until the next arena_reset() or arena_free(). Never returns NULL: out
 * of memory stops the program with a message.
 */
void *arena_alloc(Arena *a, size_t bytes);

/**
 * @brief Like arena_alloc(), but the memory is not zeroed: for a buffer the
 * caller overwrites entirely before reading it (an op's result, a scratch
 * copy). Skipping the memset matters in the training step, where most bytes
 * are written once anyway. Debug builds (KIT_DEBUG) fill it with NaN, so an
 * element read before it was written shows up as a NaN. Same lifetime and
 * ownership as arena_alloc(); never returns NULL.
 */
void *arena_alloc_uninit(Arena *a, size_t bytes);

/**
 * @brief Forget everything allocated since init or the last reset. If the
 * arena spilled, its main block is regrown to the high-water mark, so the next
 * step fits without a malloc. Debug builds poison the memory with NaN.
 */
void arena_reset(Arena *a);

/** @brief Release all memory; @p a stays valid and empty. NULL is a no-op. */
void arena_free(Arena *a);

/** @brief Bytes in use right now (main block plus spill). */
size_t arena_used(const Arena *a);

#endif /* KIT_ARENA_H */
