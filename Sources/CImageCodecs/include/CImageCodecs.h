// JPEG (libjpeg-turbo) and WebP (libwebp) for ImageKit, behind a C shim: libjpeg reports errors
// by longjmp, which Swift cannot catch, so every call here returns a status instead.
#ifndef EASEL_CIMAGECODECS_H
#define EASEL_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

enum {
    EASEL_CODEC_OK = 0,
    EASEL_CODEC_INVALID = 1,   // not an image of that format, or corrupt
    EASEL_CODEC_TOO_LARGE = 2, // over the pixel bound
    EASEL_CODEC_NO_MEMORY = 3,
};

// Decodes a JPEG to 8-bit RGB, downscaled in the decoder (DCT scaling by 1/2, 1/4 or 1/8) to the
// smallest size whose longer side is still at least `min_side` (0: full size). Refuses images
// whose declared size exceeds `max_pixels` before decoding anything. On success `*rgb` is
// malloc'd (free with easel_codec_free).
int easel_jpeg_decode(const uint8_t *data, size_t size, int min_side, long max_pixels, uint8_t **rgb, int *width, int *height);

// Encodes 8-bit RGB as a baseline JPEG of `quality` (1-100). `*out` is malloc'd.
int easel_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, uint8_t **out, size_t *out_size);

// Decodes a WebP (lossy or lossless; alpha dropped) to 8-bit RGB, scaled in the decoder so its
// longer side is `min_side` when larger (0: full size). Refuses images over `max_pixels`.
int easel_webp_decode(const uint8_t *data, size_t size, int min_side, long max_pixels, uint8_t **rgb, int *width, int *height);

void easel_codec_free(void *pointer);

#endif
