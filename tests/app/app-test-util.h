/* app-test-util.h: helpers for the app's UI tests (run under Xvfb). */
#pragma once

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <locale.h>
#include <string.h>

#include "zero-application.h"
#include "zero-renderer.h"
#include "zero-test-util.h"

G_BEGIN_DECLS

/* Points XDG_CONFIG_HOME at a new temporary directory holding
 * zero/config.yaml with @yaml (nothing when NULL). Returns the file path. */
static inline char *
app_test_make_config_home (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("zero-app-test-XXXXXX", &error);
  g_autofree char *dir = NULL;
  char *path;

  g_assert_no_error (error);
  dir = g_build_filename (home, "zero", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  path = g_build_filename (dir, "config.yaml", NULL);
  if (yaml != NULL)
    {
      g_file_set_contents (path, yaml, -1, &error);
      g_assert_no_error (error);
    }
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  return path;
}

/* Removes the directory app_test_make_config_home() made for @path. */
static inline void
app_test_remove_config_home (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *home = g_path_get_dirname (dir);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
  g_rmdir (home);
}

/* Under valgrind or AddressSanitizer, keep Mesa out of the process: its
 * llvmpipe threads deadlock with ASan's slow unwinder (libgcc's
 * _Unwind_Find_FDE lock), and under valgrind it floods the log with its own
 * uninitialised reads (zstd shader cache, ld.so). GTK then draws with cairo,
 * as it does on machines without GL. Plain runs pick the renderer as the app
 * does (zero_renderer_choose). Call before GTK initialises; child processes
 * inherit it. */
static inline void
app_test_avoid_mesa_if_instrumented (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");
  gboolean instrumented = preload != NULL && strstr (preload, "vgpreload") != NULL;

#if defined(__SANITIZE_ADDRESS__)
  instrumented = TRUE;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  instrumented = TRUE;
#endif
#endif
  if (instrumented)
    {
      g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
    }
}

/* Initialises i18n and picks the renderer as app/main.c does (translations from
 * $ZERO_LOCALEDIR; cairo when there is no GPU, as under Xvfb here). */
static inline void
app_test_init_i18n (void)
{
  app_test_avoid_mesa_if_instrumented ();
  zero_renderer_choose ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("ZERO_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* A registered, activated ZeroApplication that does not claim a bus name. */
static inline ZeroApplication *
app_test_start (void)
{
  g_autoptr(GError) error = NULL;
  ZeroApplication *app = zero_application_new ();

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) |
                           G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  g_assert_nonnull (zero_application_get_main_window (app));
  return app;
}

/* Destroys every window and lets GTK finish with them. */
static inline void
app_test_close_windows (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static inline GtkWidget *
app_test_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  if (child == NULL)
    g_error ("no template child “%s” in %s", name, G_OBJECT_TYPE_NAME (widget));
  return GTK_WIDGET (child);
}

/* TRUE when a GtkLabel under @root shows text containing @needle. */
static inline gboolean
app_test_find_label (GtkWidget  *root,
                     const char *needle)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (app_test_find_label (child, needle))
      return TRUE;
  return FALSE;
}

/* The first GtkButton under @root whose label is @label, or NULL. */
static inline GtkWidget *
app_test_find_button (GtkWidget  *root,
                      const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = app_test_find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first toplevel of @type other than @except, or NULL. */
static inline GtkWindow *
app_test_find_window (GType      type,
                      GtkWindow *except)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (window != except && G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

static inline void
app_test_clipboard_done (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  char **out = user_data;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

/* Reads the clipboard's text the way another application would. */
static inline char *
app_test_read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 app_test_clipboard_done, &text);
  ZERO_ASSERT_WAIT (text != NULL, 5000);
  return text;
}

/* Types @text into @editable one character at a time, as a user would,
 * calling @check after each keystroke. */
static inline void
app_test_type (GtkEditable *editable,
               const char  *text,
               void       (*check) (const char *typed, gpointer data),
               gpointer     data)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      int pos = gtk_editable_get_position (editable);
      g_autofree char *typed = NULL;

      gtk_editable_insert_text (editable, p, g_utf8_next_char (p) - p, &pos);
      gtk_editable_set_position (editable, pos);
      typed = g_strndup (text, g_utf8_next_char (p) - text);
      if (check != NULL)
        check (typed, data);
    }
}

G_END_DECLS
