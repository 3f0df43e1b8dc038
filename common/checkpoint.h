/**
 * @file checkpoint.h
 * @brief A model's named tensors saved to one file and loaded back, bit for
 *        bit, with every way a file can be wrong refused in one line.
 *
 * What it is not: a general serialisation format (float32 tensors of at most
 * four dimensions, with names; nothing else).
 *
 * The CRC-32 is the kit's own 20 lines (kit_crc32), not zlib's crc32: the two
 * compute the same function (the test checks the standard vector
 * crc32("123456789") = 0xCBF43926 and zlib-compatible chaining), and keeping
 * it here spares every learner's build a dependency (zlib1g-dev) for the one
 * function the kit would use. Speed does not matter at checkpoint sizes.
 */
#ifndef KIT_CHECKPOINT_H
#define KIT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"   /* KIT_MUST_CHECK */
#include "tensor.h"

/** @name Checkpoints */
/** @{ */
/**
 * @brief Save @p n named tensors to @p path: magic "MMCK", version, count, then
 * per tensor its name, shape and float32 data, then a CRC-32 of everything
 * before it. Written to `path.tmp` and renamed, so an interrupted run never
 * leaves a half-written checkpoint.
 *
 * Layout, all little-endian: `"MMCK"`, u32 version (1), u32 count, then per
 * tensor u32 name length (1..255), the name bytes (no NUL), u32 ndim (0..4),
 * ndim u32 sizes, numel float32 values; then u32 CRC-32 (kit_crc32) of every
 * byte before it. The tensors are only read.
 * The temporary file is new (kit_open_tmp, output.h) and the directory is
 * locked for the process (kit_lock_dir), so two runs never write into one file.
 * @return 0, or -1 after one line on stderr (kit_fail); the file under @p path
 * is then unchanged.
 */
int ckpt_save(const char *path, Tensor *const *tensors, const char *const *names, int n) KIT_MUST_CHECK;
/**
 * @brief Load into @p n existing tensors (names and shapes must match exactly).
 * A missing, truncated or foreign file, a wrong version, a checksum mismatch or
 * a shape that does not fit is refused with one line on stderr.
 * Checks run in this order: magic, version, size implied by the headers
 * (`truncated: expected N bytes, file has M`), CRC-32, tensor count, then each
 * name and shape (`tensor W1 has shape [30, 100] in the checkpoint but the model
 * wants [30, 200]. HINT: ...`), each printed as one line (kit_fail). The whole file is read into memory first (files
 * over 1 GiB are refused), and nothing is allocated from numbers in the file.
 * @return 0, or -1 (the tensors are then left unchanged).
 */
int ckpt_load(const char *path, Tensor *const *tensors, const char *const *names, int n) KIT_MUST_CHECK;
/**
 * @brief The IEEE CRC-32 (as zlib's crc32 and PNG) of @p n bytes at @p data,
 * continuing from @p crc (pass 0 to start). crc32("123456789") is 0xCBF43926.
 * Checkpoints end with the CRC-32 of every byte before it. @p data is only read.
 */
uint32_t kit_crc32(const void *data, size_t n, uint32_t crc);
/** @} */

#endif /* KIT_CHECKPOINT_H */
