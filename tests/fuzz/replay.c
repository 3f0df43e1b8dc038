/*
 * replay.c: runs a fuzz harness on given files, without libFuzzer.
 *
 * What it is: a main() for tests/fuzz/fuzz_*.c, so any compiler (gcc, with or
 * without -fsanitize=address,undefined) can replay the committed seed corpus
 * and every crash input kept under tests/fuzz/regressions/, deterministically.
 * tests/robust_test.sh builds it as build/robust/replay_<name>:
 *   gcc -Icommon tests/fuzz/fuzz_ckpt.c tests/fuzz/replay.c common/... -lm
 *   ./replay_ckpt tests/fuzz/regressions/ckpt/crash-...
 * A broken promise aborts (the harness prints which); otherwise it prints
 * `replayed N inputs` and exits 0.
 * What it is not: a fuzzer. It runs each file once and invents nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "replay: cannot open %s. HINT: pass input files (a corpus or regression inputs)\n", argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = malloc(cap);
        for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0;) {
            len += got;
            if (len == cap) buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "replay: out of memory reading %s\n", argv[i]);
            return 2;
        }
        /* A copy of exactly len bytes, so ASan sees a read past the input. */
        uint8_t *exact = malloc(len ? len : 1);
        for (size_t k = 0; k < len; k++) exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        n++;
    }
    printf("replayed %d inputs\n", n);
    return 0;
}
