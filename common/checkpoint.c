/*
 * checkpoint.c: a model's named float32 tensors to a file and back
 * (checkpoint.h), and the CRC-32 that guards the file.
 *
 * What it is: a writer that leaves the previous checkpoint whole until the
 * new one is (temporary file, then rename), and a reader that trusts nothing
 * in the file: every field is checked against the buffer before it is read,
 * nothing is allocated from a number found in the file, and the model's
 * tensors are overwritten only after every check passed.
 * What it is not: a reader of other formats (PyTorch's .pt files are not
 * read; tools/make_fixtures.py writes the kit's fixtures in their own format).
 */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */

#include "checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kit.h"
#include "output.h"   /* kit_lock_dir, kit_open_tmp, kit_output_failed */

/*
 * Layout (every integer a little-endian u32, every value a little-endian float32):
 *   "MMCK" | version = 1 | count
 *   count times: name_len | name (no NUL) | ndim | ndim dims | numel floats
 *   crc32 of every byte above
 * The writer is explicit about byte order, so a checkpoint moves between machines.
 */

#define CKPT_VERSION 1u
#define CKPT_MAX_FILE_BYTES (1024L * 1024 * 1024) /* 1 GiB: far above any lab's model */
#define CKPT_MAX_NAME 255

static uint32_t crc_table[256];
static bool crc_table_ready;

uint32_t kit_crc32(const void *data, size_t n, uint32_t crc)
{
    /* The reflected IEEE CRC-32 (zlib, PNG), a byte at a time from a 256-entry table. */
    if (!crc_table_ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
        crc_table_ready = true;
    }
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put_le32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}
static uint32_t get_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Bytes go to the file and into the running CRC together. */
typedef struct CkptWriter {
    FILE *f;
    uint32_t crc;
    bool ok;
} CkptWriter;

static void w_bytes(CkptWriter *w, const void *p, size_t n)
{
    if (!w->ok || n == 0) return;
    w->crc = kit_crc32(p, n, w->crc);
    if (fwrite(p, 1, n, w->f) != n) w->ok = false;
}
static void w_u32(CkptWriter *w, uint32_t v)
{
    unsigned char b[4];
    put_le32(b, v);
    w_bytes(w, b, 4);
}

/* Format `[30, 200]` from ndim sizes. */
static const char *dims_str(const uint32_t *d, int ndim, char *buf, size_t n)
{
    size_t l = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && l < n; i++) l += (size_t)snprintf(buf + l, n - l, "%s%" PRIu32, i ? ", " : "", d[i]);
    if (l < n) snprintf(buf + l, n - l, "]");
    return buf;
}

/* A name read from a file, fit for a one-line message: bytes outside printable
 * ASCII (a newline, a NUL, an escape sequence) are shown as \xHH, never copied
 * to the terminal raw, and a long name is cut after NAME_SHOWN bytes with "..."
 * so the HINT still fits the caller's buffer. buf holds NAME_SHOWN_BUF bytes. */
#define NAME_SHOWN 32
#define NAME_SHOWN_BUF (4 * NAME_SHOWN + 4)
static const char *name_str(const unsigned char *name, uint32_t len, char *buf)
{
    size_t l = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (i == NAME_SHOWN) {
            memcpy(buf + l, "...", 3);
            l += 3;
            break;
        }
        unsigned char c = name[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') buf[l++] = (char)c;
        else l += (size_t)sprintf(buf + l, "\\x%02X", c);
    }
    buf[l] = '\0';
    return buf;
}

/* Every refusal is one line through kit_fail (kit.h), the path shown by kit_shown. */
#define ckpt_fail kit_fail

/* Check what the caller passes: n tensors with names, consistent shapes. */
static int check_model(const char *path, Tensor *const *tensors, const char *const *names, int n)
{
    char sp[KIT_SHOWN_BUF];
    kit_shown(path, sp, sizeof sp);
    if (!path) return ckpt_fail("(null): no checkpoint path. HINT: pass a path such as build/out/lab03/model.ckpt");
    if (n < 0 || (n > 0 && (!tensors || !names)))
        return ckpt_fail("%s: %d tensors but no tensor or name array. HINT: pass the model's parameters and their names", sp, n);
    for (int i = 0; i < n; i++) {
        const Tensor *t = tensors[i];
        if (!names[i] || !names[i][0] || strlen(names[i]) > CKPT_MAX_NAME)
            return ckpt_fail("%s: tensor %d has no name or a name over %d characters. HINT: name each parameter (\"C\", \"W1\", ...)", sp, i, CKPT_MAX_NAME);
        if (!t || !t->data)
            return ckpt_fail("%s: tensor %s is NULL or has no data. HINT: create the model's parameters before saving or loading", sp, names[i]);
        if (t->shape.ndim < 0 || t->shape.ndim > TENSOR_MAX_DIMS)
            return ckpt_fail("%s: tensor %s has %d dimensions (at most %d). HINT: this is a bug in the caller", sp, names[i], t->shape.ndim, TENSOR_MAX_DIMS);
        long long numel = 1;
        for (int k = 0; k < t->shape.ndim; k++) numel *= t->shape.d[k] >= 0 ? t->shape.d[k] : -1;
        if (numel < 0 || numel != t->numel)
            return ckpt_fail("%s: tensor %s has numel %d but its shape holds %lld. HINT: this is a bug in the caller", sp, names[i], t->numel, numel);
    }
    return 0;
}

/* The size in bytes of a checkpoint holding exactly these tensors. */
static uint64_t model_file_size(Tensor *const *tensors, const char *const *names, int n)
{
    uint64_t s = 12 + 4;
    for (int i = 0; i < n; i++)
        s += 4 + strlen(names[i]) + 4 + 4 * (uint64_t)tensors[i]->shape.ndim + 4 * (uint64_t)tensors[i]->numel;
    return s;
}

/* The directory part of `path` ("." for a bare file name) into buf. */
static void dir_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, n, ".");
    else if (slash == path) snprintf(buf, n, "/");
    else snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

static int save(const char *path, Tensor *const *tensors, const char *const *names, int n)
{
    if (check_model(path, tensors, names, n) != 0) return -1;
    char sp[KIT_SHOWN_BUF], st[KIT_SHOWN_BUF], dir[1100], tmp[1200];
    kit_shown(path, sp, sizeof sp);
    if (strlen(path) >= sizeof dir) return ckpt_fail("%s: path too long. HINT: use a shorter --out", sp);
    dir_of(path, dir, sizeof dir);
    if (kit_lock_dir(dir) != 0) return -1;   /* another run writing here: refused, said why */

    CkptWriter w = {kit_open_tmp(path, tmp, sizeof tmp), 0, true};
    if (!w.f) return ckpt_fail("%s: cannot open a temporary file for writing: %s. HINT: check that --out is a writable directory", sp, strerror(errno));
    kit_shown(tmp, st, sizeof st);
    w_bytes(&w, "MMCK", 4);
    w_u32(&w, CKPT_VERSION);
    w_u32(&w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        const Tensor *t = tensors[i];
        size_t len = strlen(names[i]);
        w_u32(&w, (uint32_t)len);
        w_bytes(&w, names[i], len);
        w_u32(&w, (uint32_t)t->shape.ndim);
        for (int k = 0; k < t->shape.ndim; k++) w_u32(&w, (uint32_t)t->shape.d[k]);
        /* float32 bits, little-endian, converted in chunks so any host writes the same bytes. */
        unsigned char chunk[4096];
        for (int j = 0; j < t->numel;) {
            int m = t->numel - j < 1024 ? t->numel - j : 1024;
            for (int q = 0; q < m; q++) {
                uint32_t bits;
                memcpy(&bits, &t->data[j + q], 4);
                put_le32(chunk + 4 * q, bits);
            }
            w_bytes(&w, chunk, 4 * (size_t)m);
            j += m;
        }
    }
    unsigned char b[4];
    put_le32(b, w.crc);
    if (w.ok && fwrite(b, 1, 4, w.f) != 4) w.ok = false;
    if (fflush(w.f) != 0) w.ok = false;
    int e = errno;
    if (fclose(w.f) != 0) w.ok = false;
    if (!w.ok) {
        remove(tmp);
        return ckpt_fail("%s: write failed: %s. HINT: is the disk full?", st, strerror(e));
    }
    /* Renaming is atomic: the old checkpoint stays whole until the new one is. */
    if (rename(tmp, path) != 0) {
        e = errno;
        remove(tmp);
        return ckpt_fail("%s: cannot rename %s into place: %s. HINT: check the directory is writable", sp, st, strerror(e));
    }
    return 0;
}

int ckpt_save(const char *path, Tensor *const *tensors, const char *const *names, int n)
{
    if (save(path, tensors, names, n) == 0) return 0;
    kit_output_failed();
    return -1;
}

/*
 * Walk the file's own structure without trusting it: every field is read only
 * after checking it lies inside the buffer, and nothing is allocated from the
 * numbers found, so a corrupt count or size costs nothing.
 * Returns 1 when the walk reached the end of the last tensor (*implied = the
 * size the file should have, CRC included), 0 when a header lies beyond the
 * end of the file (*implied = how many bytes were needed at least), or -1 when
 * a field is impossible (its reason in why).
 */
static int ckpt_walk(const unsigned char *buf, uint64_t size, uint64_t *implied, char *why, size_t whylen)
{
    uint64_t off = 12;
    uint32_t count = get_le32(buf + 8);
    for (uint32_t k = 0; k < count; k++) {
        if (off + 4 > size) { *implied = off + 4; return 0; }
        uint32_t len = get_le32(buf + off);
        off += 4;
        if (len == 0 || len > CKPT_MAX_NAME) {
            snprintf(why, whylen, "tensor %" PRIu32 " has a name of %" PRIu32 " bytes (1 to %d)", k, len, CKPT_MAX_NAME);
            return -1;
        }
        off += len;
        if (off + 4 > size) { *implied = off + 4; return 0; }
        uint32_t ndim = get_le32(buf + off);
        off += 4;
        if (ndim > TENSOR_MAX_DIMS) {
            snprintf(why, whylen, "tensor %" PRIu32 " has %" PRIu32 " dimensions (at most %d)", k, ndim, TENSOR_MAX_DIMS);
            return -1;
        }
        if (off + 4 * (uint64_t)ndim > size) { *implied = off + 4 * (uint64_t)ndim; return 0; }
        uint64_t numel = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            numel *= get_le32(buf + off + 4 * d);
            if (numel > (uint64_t)INT_MAX) {
                snprintf(why, whylen, "tensor %" PRIu32 " has more than %d elements", k, INT_MAX);
                return -1;
            }
        }
        off += 4 * (uint64_t)ndim + 4 * numel; /* the data: skipped, not read */
    }
    *implied = off + 4;
    return 1;
}

int ckpt_load(const char *path, Tensor *const *tensors, const char *const *names, int n)
{
    if (check_model(path, tensors, names, n) != 0) return -1;
    char sp[KIT_SHOWN_BUF];
    kit_shown(path, sp, sizeof sp);

    /* ---- read the whole file (bounded), so every check below is on memory ---- */
    FILE *f = fopen(path, "rb");
    if (!f)
        return ckpt_fail("%s: cannot open: %s. HINT: run the train command first (it writes the checkpoint), or check --out",
                         sp, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ckpt_fail("%s: not a regular file. HINT: pass the checkpoint file itself, not its directory", sp);
    }
    if (st.st_size > CKPT_MAX_FILE_BYTES) {
        fclose(f);
        return ckpt_fail("%s: file is %lld bytes, larger than any checkpoint of the kit (limit %ld). HINT: pass a checkpoint written by a lab's train command",
                         sp, (long long)st.st_size, CKPT_MAX_FILE_BYTES);
    }
    uint64_t size = (uint64_t)st.st_size;
    unsigned char *buf = malloc(size > 0 ? size : 1);
    KIT_CHECK(buf, "out of memory reading %s (%" PRIu64 " bytes). HINT: free some memory", path, size);
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    int rc = -1;
    char why[200];
    if (got != size) {
        ckpt_fail("%s: read %zu of %" PRIu64 " bytes. HINT: is the file being written right now?", sp, got, size);
        goto done;
    }
    uint64_t want = model_file_size(tensors, names, n);

    /* ---- what it is: magic, then version ---- */
    if (memcmp(buf, "MMCK", size < 4 ? size : 4) != 0) {
        ckpt_fail("%s: not a makemore-c checkpoint (it does not start with MMCK). HINT: pass a file written by a lab's train command", sp);
        goto done;
    }
    if (size < 12) {
        ckpt_fail("%s: truncated: expected %" PRIu64 " bytes, file has %" PRIu64 ". HINT: the run that wrote it was interrupted or the copy is incomplete; train again",
                  sp, want, size);
        goto done;
    }
    uint32_t version = get_le32(buf + 4);
    if (version != CKPT_VERSION) {
        ckpt_fail("%s: checkpoint version %" PRIu32 ", but this kit reads version %u. HINT: train again with this version of the kit",
                  sp, version, CKPT_VERSION);
        goto done;
    }

    /* ---- whole: the size its headers imply, then the CRC ---- */
    uint64_t implied = 0;
    int walk = ckpt_walk(buf, size, &implied, why, sizeof why);
    bool self_consistent = size >= 16 && kit_crc32(buf, size - 4, 0) == get_le32(buf + size - 4);
    if (walk != 1 || implied != size) {
        if (self_consistent) {
            /* Its CRC holds, yet the layout is impossible: not written by this kit. */
            ckpt_fail("%s: malformed checkpoint: %s. HINT: pass a file written by a lab's train command",
                      path, walk == -1 ? why : "its size does not match its headers");
        } else if (size == want || walk == -1) {
            /* The right size for this model, or an impossible header, and a
             * wrong CRC: bytes changed, not lost. */
            ckpt_fail("%s: checksum mismatch: the file is corrupt. HINT: train again, or restore the checkpoint from a copy", sp);
        } else if (walk == 0 || implied > size) {
            uint64_t expect = walk == 1 ? implied : (want > size ? want : implied);
            ckpt_fail("%s: truncated: expected %" PRIu64 " bytes, file has %" PRIu64 ". HINT: the run that wrote it was interrupted or the copy is incomplete; train again",
                      sp, expect, size);
        } else {
            ckpt_fail("%s: %" PRIu64 " unexpected bytes after the checksum (expected %" PRIu64 " bytes, file has %" PRIu64 "). HINT: the file is corrupt; train again",
                      sp, size - implied, implied, size);
        }
        goto done;
    }
    if (!self_consistent) {
        ckpt_fail("%s: checksum mismatch (stored 0x%08" PRIX32 ", computed 0x%08" PRIX32 "): the file is corrupt. HINT: train again, or restore the checkpoint from a copy",
                  sp, get_le32(buf + size - 4), kit_crc32(buf, size - 4, 0));
        goto done;
    }

    /* ---- what it holds: the model's tensors, by name and shape, in order ---- */
    uint32_t count = get_le32(buf + 8);
    if (count != (uint32_t)n) {
        ckpt_fail("%s: the checkpoint holds %" PRIu32 " tensors but the model has %d. HINT: it was written by another lab or model; load it with the binary that trained it",
                  sp, count, n);
        goto done;
    }
    uint64_t off = 12;
    for (int i = 0; i < n; i++) {
        uint32_t len = get_le32(buf + off);
        const char *name = (const char *)buf + off + 4;
        off += 4 + len;
        if (len != strlen(names[i]) || memcmp(name, names[i], len) != 0) {
            char shown[NAME_SHOWN_BUF];
            ckpt_fail("%s: tensor %d is named '%s' in the checkpoint but the model wants '%s'. HINT: it was written by another lab or model; load it with the binary that trained it",
                      sp, i, name_str((const unsigned char *)name, len, shown), names[i]);
            goto done;
        }
        uint32_t ndim = get_le32(buf + off);
        uint32_t dims[TENSOR_MAX_DIMS], mine[TENSOR_MAX_DIMS];
        for (uint32_t d = 0; d < ndim; d++) dims[d] = get_le32(buf + off + 4 + 4 * d);
        const Tensor *t = tensors[i];
        bool same = (int)ndim == t->shape.ndim;
        for (int d = 0; d < t->shape.ndim; d++) {
            mine[d] = (uint32_t)t->shape.d[d];
            if (same && dims[d] != mine[d]) same = false;
        }
        if (!same) {
            char a[96], b[96];
            ckpt_fail("%s: tensor %s has shape %s in the checkpoint but the model wants %s. HINT: train with the same --hidden/--emb as you sample with",
                      sp, names[i], dims_str(dims, (int)ndim, a, sizeof a), dims_str(mine, t->shape.ndim, b, sizeof b));
            goto done;
        }
        off += 4 + 4 * (uint64_t)ndim + 4 * (uint64_t)t->numel;
    }

    /* ---- everything checked: now, and only now, overwrite the tensors ---- */
    off = 12;
    for (int i = 0; i < n; i++) {
        off += 4 + get_le32(buf + off);
        off += 4 + 4 * (uint64_t)get_le32(buf + off);
        Tensor *t = tensors[i];
        for (int j = 0; j < t->numel; j++) {
            uint32_t bits = get_le32(buf + off + 4 * (uint64_t)j);
            memcpy(&t->data[j], &bits, 4);
        }
        off += 4 * (uint64_t)t->numel;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

