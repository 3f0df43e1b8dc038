/*
 * fuzz_ckpt.c: a libFuzzer harness for the checkpoint loader (ckpt_load in
 * common/checkpoint.c).
 *
 * What it is: every input the fuzzer invents is written to a scratch file and
 * loaded into a small fixed model (C [5, 2], W1 [2, 3], b1 [3]). Each input is
 * tried twice: as it is (so magic, version, truncation and checksum checks are
 * hit), and with its last 4 bytes replaced by the correct CRC-32 of the rest
 * (so the fuzzer also reaches the name, count and shape checks, which a
 * random CRC would hide behind "checksum mismatch"). The loader must either
 * refuse with one well-formed line and leave the model untouched, or accept,
 * and then saving the model again must give back the very same bytes.
 * What it is not: a unit test of the messages (tests/core_train_test.c owns
 * those) and not a test of ckpt_save on odd models.
 *
 * The model's tensors are built by hand (Tensor's public fields: data, shape,
 * numel), so this harness needs only checkpoint.c, output.c and kit.c, not the
 * autograd core.
 * Build and run: tools/fuzz.sh (`make fuzz`). Replay inputs: FUZZ_VERBOSE=1 ./fuzz_ckpt FILE...
 * A crash leaves crash-<sha1>: commit it under tests/fuzz/regressions/ckpt/.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, unlink */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"
#include "tensor.h"
#include "checkpoint.h"
#include "kit.h"

static char scratch[256], resaved[300], folder[240];
/* FUZZ_VERBOSE=1: print each input's verdict (for replaying a corpus by hand). */
static int verbose;
/* FUZZ_LAX_MESSAGES=1: accept non-printable bytes in a refusal message, to
 * keep fuzzing past a known finding of that kind while it is being fixed. */
static int lax_messages;

static void remove_scratch(void)
{
    if (scratch[0]) unlink(scratch);
    if (resaved[0]) unlink(resaved);
    if (folder[0]) rmdir(folder);
}

static void error_is_a_crash(const char *message)
{
    fprintf(stderr, "fuzz_ckpt: KIT_ERROR reached: %s\n", message);
    abort();
}

#define PROMISE(cond, ...)                                                       \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_ckpt: broken promise: " __VA_ARGS__);          \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* ---- the fixed model: the shapes of a tiny MLP ---- */
enum { NT = 3 };
static float C_data[5 * 2], W1_data[2 * 3], b1_data[3];
static Tensor C_t, W1_t, b1_t;
static Tensor *model[NT] = {&C_t, &W1_t, &b1_t};
static const char *const names[NT] = {"C", "W1", "b1"};
static float *const datas[NT] = {C_data, W1_data, b1_data};
static const int numels[NT] = {10, 6, 3};

/* Fill every parameter with a pattern the checkpoint is unlikely to hold. */
static void fill_sentinel(void)
{
    for (int t = 0; t < NT; t++)
        for (int j = 0; j < numels[t]; j++) datas[t][j] = -1234.5f - (float)(t * 16 + j);
}

static int still_sentinel(void)
{
    for (int t = 0; t < NT; t++)
        for (int j = 0; j < numels[t]; j++)
            if (memcmp(&datas[t][j], &(float){-1234.5f - (float)(t * 16 + j)}, sizeof(float)) != 0) return 0;
    return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    C_t = (Tensor){.data = C_data, .shape = SHAPE(5, 2), .numel = 10, .op = "param"};
    W1_t = (Tensor){.data = W1_data, .shape = SHAPE(2, 3), .numel = 6, .op = "param"};
    b1_t = (Tensor){.data = b1_data, .shape = SHAPE(3), .numel = 3, .op = "param"};
    const char *dir = getenv("TMPDIR");
    /* A folder of its own: ckpt_save locks the directory it writes into, and
     * several fuzzing processes (-jobs) must not share one. */
    snprintf(folder, sizeof folder, "%s/fuzz_ckpt_XXXXXX", dir && *dir ? dir : "/tmp");
    if (!mkdtemp(folder)) {
        perror("fuzz_ckpt: mkdtemp");
        exit(1);
    }
    snprintf(scratch, sizeof scratch, "%s/in.ckpt", folder);
    snprintf(resaved, sizeof resaved, "%s/again.ckpt", folder);
    kit_set_failure_quiet(true);   /* each refusal's line is checked below, not printed */
    atexit(remove_scratch);
    kit_set_error_handler(error_is_a_crash);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    lax_messages = getenv("FUZZ_LAX_MESSAGES") != NULL;
    return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    PROMISE(f != NULL, "cannot write the scratch file %s", path);
    PROMISE(size == 0 || fwrite(data, 1, size, f) == size, "short write to %s", path);
    fclose(f);
}

/* Load the bytes at `scratch` (already written: `data`, `size`) and check the promises. */
static void try_load(const uint8_t *data, size_t size)
{
    fill_sentinel();
    int rc = ckpt_load(scratch, model, names, NT);
    const char *err = kit_last_failure();
    if (verbose) fprintf(stderr, "fuzz_ckpt: %s\n", rc == 0 ? "accepted" : err);
    if (rc != 0) {
        PROMISE(rc == -1, "ckpt_load returned %d (0 or -1)", rc);
        PROMISE(still_sentinel(), "a refused checkpoint changed the model's tensors");
        PROMISE(memchr(err, '\0', KIT_MESSAGE_MAX) != NULL, "the error message is not NUL-terminated");
        PROMISE(strncmp(err, scratch, strlen(scratch)) == 0 && err[strlen(scratch)] == ':',
                "the message does not start with `path:`: %s", err);
        PROMISE(strstr(err, "HINT:") != NULL, "the message has no HINT: %s", err);
        for (const char *p = err; *p && !lax_messages; p++)
            PROMISE((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
                    "the message holds byte \\x%02X (one printable line expected): %s", (unsigned char)*p, err);
        return;
    }
    /* Accepted: it must be exactly what ckpt_save writes for this model. */
    PROMISE(ckpt_save(resaved, model, names, NT) == 0, "re-saving failed: %s", kit_last_failure());
    FILE *f = fopen(resaved, "rb");
    PROMISE(f != NULL, "cannot read back %s", resaved);
    uint8_t *back = malloc(size + 1);
    PROMISE(back != NULL, "out of memory");
    size_t got = fread(back, 1, size + 1, f);
    fclose(f);
    PROMISE(got == size && memcmp(back, data, size) == 0,
            "ckpt_load accepted %zu bytes, but saving the loaded model gives %zu different bytes", size, got);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0; /* the model's checkpoint is ~120 bytes; bigger inputs only cost time */
    write_file(scratch, data, size);
    try_load(data, size);

    /* The same bytes with a correct CRC-32 at the end. */
    if (size >= 16) {
        uint8_t *fixed = malloc(size);
        PROMISE(fixed != NULL, "out of memory");
        memcpy(fixed, data, size);
        uint32_t crc = kit_crc32(fixed, size - 4, 0);
        for (int k = 0; k < 4; k++) fixed[size - 4 + k] = (uint8_t)(crc >> (8 * k));
        write_file(scratch, fixed, size);
        try_load(fixed, size);
        free(fixed);
    }
    return 0;
}
