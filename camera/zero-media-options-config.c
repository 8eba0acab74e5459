/* zero-media-options-config.c: ZeroMediaOptions from config.yaml (ZeroConfig).
 * Kept apart from zero-media-options.c so that users of the options alone do not pull in
 * the config module.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "camera/zero-media-options.h"

#include "config/zero-config.h"

static char *
dup_nonempty (const char *text)
{
  return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
}

gboolean
zero_media_options_from_config (ZeroMediaOptions *opts,
                                ZeroConfig       *config,
                                GError          **error)
{
  g_autoptr(GError) local = NULL;
  ZeroMediaOptions result;

  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (ZERO_IS_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  zero_media_options_init (&result);
  if (!zero_video_source_type_from_string (zero_config_get_string (config, "media.video.source"),
                                           &result.video_source, &local) ||
      !zero_video_codec_from_string (zero_config_get_string (config, "media.video.codec"),
                                     &result.video_codec, &local) ||
      !zero_audio_source_type_from_string (zero_config_get_string (config, "media.audio.source"),
                                           &result.audio_source, &local) ||
      !zero_audio_output_from_string (zero_config_get_string (config, "media.audio.output"),
                                      &result.audio_output, &local))
    goto fail;

  result.video_device = dup_nonempty (zero_config_get_string (config, "media.video.device"));
  zero_config_get_resolution (config, &result.width, &result.height);
  result.fps = (int) zero_config_get_int (config, "media.video.fps");
  result.min_bitrate_kbps = (int) zero_config_get_int (config, "media.video.min_bitrate_kbps");
  result.max_bitrate_kbps = (int) zero_config_get_int (config, "media.video.max_bitrate_kbps");
  result.start_bitrate_kbps = (int) zero_config_get_int (config,
                                                         "media.video.start_bitrate_kbps");
  result.audio_device = dup_nonempty (zero_config_get_string (config, "media.audio.device"));
  result.audio_output_device = dup_nonempty (zero_config_get_string (config,
                                                                     "media.audio.output_device"));
  result.sample_rate = (int) zero_config_get_int (config, "media.audio.sample_rate");
  result.echo_cancel = zero_config_get_bool (config, "media.audio.echo_cancel");
  result.audio_bitrate_kbps = (int) zero_config_get_int (config, "media.audio.bitrate_kbps");

  /* Each key is range-checked by the config, which warns that a start rate outside
   * min..max is clamped: do so. min above max is refused below. */
  if (result.min_bitrate_kbps <= result.max_bitrate_kbps)
    result.start_bitrate_kbps = CLAMP (result.start_bitrate_kbps, result.min_bitrate_kbps,
                                       result.max_bitrate_kbps);
  if (!zero_media_options_validate (&result, &local))
    goto fail;

  zero_media_options_clear (opts);
  *opts = result;
  return TRUE;

fail:
  zero_media_options_clear (&result);
  g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ",
                              zero_config_get_path (config) ? zero_config_get_path (config)
                                                            : "config");
  return FALSE;
}
