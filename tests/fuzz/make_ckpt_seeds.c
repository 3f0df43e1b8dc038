/*
 * make_ckpt_seeds.c: writes the seed corpus of fuzz_ckpt (tests/fuzz/corpus/ckpt/).
 *
 * What it is: a tiny program that saves fuzz_ckpt's model (C [5, 2],
 * W1 [2, 3], b1 [3]) with ckpt_save, then writes the classic ways a
 * checkpoint goes bad next to it, so the fuzzer starts from every branch of
 * ckpt_load instead of having to discover the format. Run it by hand when the
 * format changes (the outputs are committed):
 *   gcc -std=c11 -Icommon tests/fuzz/make_ckpt_seeds.c common/checkpoint.c common/output.c common/kit.c -lm -o build/make_ckpt_seeds
 *   ./build/make_ckpt_seeds tests/fuzz/corpus/ckpt
 * What it is not: a test; it asserts nothing about the loader.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor.h"
#include "checkpoint.h"
#include "kit.h"

static unsigned char buf[4096];
static size_t len;

static void put(const char *dir, const char *name, const unsigned char *b, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n) { perror(path); exit(1); }
    fclose(f);
}

/* A copy of the valid file with byte i set to v, and the CRC fixed up or not. */
static void variant(const char *dir, const char *name, size_t i, unsigned char v, int fix_crc)
{
    unsigned char b[4096];
    memcpy(b, buf, len);
    b[i] = v;
    if (fix_crc) {
        uint32_t crc = kit_crc32(b, len - 4, 0);
        for (int k = 0; k < 4; k++) b[len - 4 + k] = (unsigned char)(crc >> (8 * k));
    }
    put(dir, name, b, len);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/ckpt";
    float C[10], W1[6], b1[3];
    for (int i = 0; i < 10; i++) C[i] = 0.25f * (float)i - 1.0f;
    for (int i = 0; i < 6; i++) W1[i] = (float)i / 3.0f;
    for (int i = 0; i < 3; i++) b1[i] = -0.5f * (float)i;
    Tensor tc = {.data = C, .shape = SHAPE(5, 2), .numel = 10};
    Tensor tw = {.data = W1, .shape = SHAPE(2, 3), .numel = 6};
    Tensor tb = {.data = b1, .shape = SHAPE(3), .numel = 3};
    Tensor *model[3] = {&tc, &tw, &tb};
    const char *names[3] = {"C", "W1", "b1"};
    char path[512];
    snprintf(path, sizeof path, "%s/valid.ckpt", dir);
    if (ckpt_save(path, model, names, 3) != 0) return 1;   /* ckpt_save said why */
    FILE *f = fopen(path, "rb");
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);

    put(dir, "truncated_header.ckpt", buf, 10);
    put(dir, "truncated_data.ckpt", buf, len - 9);
    {
        unsigned char b[4096];
        memcpy(b, buf, len);
        memcpy(b + len, "junk", 4);
        put(dir, "trailing_bytes.ckpt", b, len + 4);
    }
    variant(dir, "wrong_magic.ckpt", 0, 'X', 0);
    variant(dir, "wrong_version.ckpt", 4, 2, 1);
    variant(dir, "bad_crc.ckpt", len - 20, 0x7f, 0);      /* a data byte flipped */
    variant(dir, "wrong_count.ckpt", 8, 2, 1);
    variant(dir, "wrong_name.ckpt", 16, 'D', 1);          /* "C" -> "D" */
    variant(dir, "wrong_size.ckpt", 21, 6, 1);            /* C [5, 2] -> [6, 2]: headers imply another size */
    {
        /* C [5, 2] -> [2, 5]: same size, same CRC rules, only the shape differs. */
        unsigned char b[4096];
        memcpy(b, buf, len);
        b[21] = 2;
        b[25] = 5;
        uint32_t crc = kit_crc32(b, len - 4, 0);
        for (int k = 0; k < 4; k++) b[len - 4 + k] = (unsigned char)(crc >> (8 * k));
        put(dir, "wrong_shape.ckpt", b, len);
    }
    variant(dir, "wrong_ndim.ckpt", 17, 9, 1);            /* ndim 2 -> 9 */
    variant(dir, "huge_dim.ckpt", 24, 0xff, 1);
    return 0;
}
