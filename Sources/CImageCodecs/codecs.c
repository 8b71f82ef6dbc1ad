#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <webp/decode.h>

struct easel_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf escape;
};

static void easel_jpeg_error_exit(j_common_ptr info) {
    struct easel_jpeg_error *error = (struct easel_jpeg_error *)info->err;
    longjmp(error->escape, 1);
}

// Warnings (a truncated scan, say) are not errors, but nothing is printed either.
static void easel_jpeg_output_message(j_common_ptr info) { (void)info; }

int easel_jpeg_decode(const uint8_t *data, size_t size, int min_side, long max_pixels, uint8_t **rgb, int *width, int *height) {
    struct jpeg_decompress_struct info;
    struct easel_jpeg_error error;
    uint8_t *volatile pixels = NULL;
    volatile int status = EASEL_CODEC_INVALID;
    *rgb = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = easel_jpeg_error_exit;
    error.manager.output_message = easel_jpeg_output_message;
    if (setjmp(error.escape)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK) longjmp(error.escape, 1);
    if ((long)info.image_width * (long)info.image_height > max_pixels) {
        status = EASEL_CODEC_TOO_LARGE;
        longjmp(error.escape, 1);
    }
    info.out_color_space = JCS_RGB;
    long longer = info.image_width > info.image_height ? info.image_width : info.image_height;
    int denom = 1;
    while (min_side > 0 && denom < 8 && longer / (denom * 2) >= min_side) denom *= 2;
    info.scale_num = 1;
    info.scale_denom = (unsigned int)denom;
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * 3;
    pixels = malloc(stride * info.output_height);
    if (pixels == NULL) {
        status = EASEL_CODEC_NO_MEMORY;
        longjmp(error.escape, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    jpeg_destroy_decompress(&info);
    *rgb = pixels;
    return EASEL_CODEC_OK;
}

int easel_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, uint8_t **out, size_t *out_size) {
    struct jpeg_compress_struct info;
    struct easel_jpeg_error error;
    unsigned char *buffer = NULL;
    unsigned long buffer_size = 0;
    *out = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = easel_jpeg_error_exit;
    error.manager.output_message = easel_jpeg_output_message;
    if (setjmp(error.escape)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return EASEL_CODEC_INVALID;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &buffer, &buffer_size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * 3;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = (size_t)buffer_size;
    return EASEL_CODEC_OK;
}

int easel_webp_decode(const uint8_t *data, size_t size, int min_side, long max_pixels, uint8_t **rgb, int *width, int *height) {
    *rgb = NULL;
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) return EASEL_CODEC_INVALID;
    if (WebPGetFeatures(data, size, &config.input) != VP8_STATUS_OK) return EASEL_CODEC_INVALID;
    int w = config.input.width, h = config.input.height;
    if (w <= 0 || h <= 0) return EASEL_CODEC_INVALID;
    if ((long)w * (long)h > max_pixels) return EASEL_CODEC_TOO_LARGE;
    int longer = w > h ? w : h;
    if (min_side > 0 && longer > min_side) {
        config.options.use_scaling = 1;
        config.options.scaled_width = w >= h ? min_side : (int)((long)w * min_side / h);
        config.options.scaled_height = h > w ? min_side : (int)((long)h * min_side / w);
        if (config.options.scaled_width < 1) config.options.scaled_width = 1;
        if (config.options.scaled_height < 1) config.options.scaled_height = 1;
    }
    config.output.colorspace = MODE_RGB;
    if (WebPDecode(data, size, &config) != VP8_STATUS_OK) {
        WebPFreeDecBuffer(&config.output);
        return EASEL_CODEC_INVALID;
    }
    int out_w = config.output.width, out_h = config.output.height;
    size_t stride = (size_t)out_w * 3;
    uint8_t *pixels = malloc(stride * (size_t)out_h);
    if (pixels == NULL) {
        WebPFreeDecBuffer(&config.output);
        return EASEL_CODEC_NO_MEMORY;
    }
    for (int y = 0; y < out_h; y++) {
        memcpy(pixels + stride * (size_t)y, config.output.u.RGBA.rgba + (size_t)config.output.u.RGBA.stride * (size_t)y, stride);
    }
    WebPFreeDecBuffer(&config.output);
    *width = out_w;
    *height = out_h;
    *rgb = pixels;
    return EASEL_CODEC_OK;
}

void easel_codec_free(void *pointer) { free(pointer); }
