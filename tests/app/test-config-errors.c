/* test-config-errors.c: a config.yaml that does not load.
 *
 * Zero must say which file, line and column is wrong, offer to go on with
 * the defaults, and never write over the broken file. The app runs through
 * g_application_run() with a real command line; a timeout drives it. */

#include "app-test-util.h"

#include "zero-preferences-window.h"
#include "zero-window.h"

#define UUID "5f1d7a2e-3b4c-4d5e-8f60-718293a4b5c6"

/* Line 6, column 10: "fast" is not an integer. */
static const char broken_yaml[] =
  "# My settings: hand-written, please keep them.\n"
  "user:\n"
  "  name: Ada\n"
  "media:\n"
  "  video:\n"
  "    fps: fast\n";

typedef struct
{
  ZeroApplication *app;
  char *path;
  const char *answer;   /* "defaults" or "quit" */
  guint step;
  guint joins;
  char *join_server;
  gboolean done;
} Run;

static void
on_join_requested (ZeroWindow *window,
                   const char *session,
                   const char *server,
                   const char *name,
                   gboolean    audio,
                   gboolean    video,
                   gboolean    create,
                   Run        *run)
{
  run->joins++;
  g_free (run->join_server);
  run->join_server = g_strdup (server);
}

static void
assert_file_untouched (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, broken_yaml);
}

static gboolean
drive (gpointer user_data)
{
  Run *run = user_data;
  ZeroWindow *window = zero_application_get_main_window (run->app);
  AdwMessageDialog *dialog;
  const char *body;

  switch (run->step)
    {
    case 0:
      /* Wait for the window and the dialog over it. */
      dialog = ADW_MESSAGE_DIALOG (app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, NULL));
      if (window == NULL || dialog == NULL || !gtk_widget_get_mapped (GTK_WIDGET (dialog)))
        return G_SOURCE_CONTINUE;

      g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
      g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
      body = adw_message_dialog_get_body (dialog);
      g_test_message ("dialog body: %s", body);
      {
        g_autofree char *where = g_strdup_printf ("%s:6:10", run->path);

        if (strstr (body, where) == NULL)
          g_error ("the dialog does not name %s: %s", where, body);
      }
      g_assert_nonnull (strstr (body, "media.video.fps"));
      g_assert_true (adw_message_dialog_has_response (dialog, "defaults"));
      g_assert_true (adw_message_dialog_has_response (dialog, "quit"));
      g_assert_nonnull (zero_application_get_config_error (run->app));
      g_assert_false (zero_application_get_config_writable (run->app));

      /* --join waits for the answer. */
      g_signal_connect (window, "join-requested", G_CALLBACK (on_join_requested), run);
      g_assert_cmpuint (run->joins, ==, 0);

      /* Click the answer's button, as the user would. */
      {
        GtkWidget *button = app_test_find_button (
          GTK_WIDGET (dialog), adw_message_dialog_get_response_label (dialog, run->answer));

        g_assert_nonnull (button);
        g_signal_emit_by_name (button, "clicked");
      }
      run->step++;
      return G_SOURCE_CONTINUE;

    case 1:
      if (g_str_equal (run->answer, "quit"))
        return G_SOURCE_CONTINUE; /* g_application_run() returns */

      /* Defaults: the pending --join runs now. */
      g_assert_cmpuint (run->joins, ==, 1);
      g_assert_cmpstr (run->join_server, ==, "sessions.example.org:8080");
      {
        /* The settings dialog is gone (the join, now under way to a server that does
         * not exist, may bring its own "cannot reach" dialog). */
        GListModel *toplevels = gtk_window_get_toplevels ();

        for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
          {
            g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

            if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
              g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), !=,
                               "Settings Could Not Be Read");
          }
      }

      /* The defaults are in use, and saving is refused, loudly. */
      g_assert_cmpstr (zero_config_get_string (zero_application_get_config (run->app),
                                               "media.video.resolution"), ==, "HD");
      {
        g_autoptr(GError) error = NULL;

        g_assert_false (zero_application_save_config (run->app, &error));
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, "will not overwrite"));
      }

      /* The preferences say so, and a change there does not reach the file. */
      g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
      run->step++;
      return G_SOURCE_CONTINUE;

    case 2:
      {
        GtkWindow *prefs = app_test_find_window (ZERO_TYPE_PREFERENCES_WINDOW, NULL);
        GtkWidget *name_row;

        if (prefs == NULL || !gtk_widget_get_mapped (GTK_WIDGET (prefs)))
          return G_SOURCE_CONTINUE;
        g_assert_true (app_test_find_label (GTK_WIDGET (prefs), "is not overwritten"));
        name_row = app_test_child (prefs, ZERO_TYPE_PREFERENCES_WINDOW, "name_row");
        gtk_editable_set_text (GTK_EDITABLE (name_row), "Grace");
        g_signal_emit_by_name (name_row, "apply");
        /* Applies to this run, not saved. */
        g_assert_cmpstr (zero_config_get_string (zero_application_get_config (run->app),
                                                 "user.name"), ==, "Grace");
        ZERO_ASSERT_WAIT (app_test_find_label (GTK_WIDGET (prefs), "Settings not saved"), 3000);
        assert_file_untouched (run->path);
        run->step++;
        g_application_quit (G_APPLICATION (run->app));
        return G_SOURCE_REMOVE;
      }

    default:
      g_assert_not_reached ();
    }
}

static void
run_with_broken_config (const char *answer)
{
  g_autoptr(GError) error = NULL;
  Run run = { .answer = answer };
  /* A remote server, so that joining starts no embedded one on this machine. */
  const char *argv[] = { "zero", "--config", NULL, "zero://sessions.example.org:8080/" UUID, NULL };
  guint driver;
  int status;

  run.path = g_build_filename (g_get_tmp_dir (), "zero-test-broken-XXXXXX.yaml", NULL);
  g_close (g_mkstemp (run.path), NULL);
  g_file_set_contents (run.path, broken_yaml, -1, &error);
  g_assert_no_error (error);
  argv[2] = run.path;

  run.app = zero_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           g_application_get_flags (G_APPLICATION (run.app)) |
                           G_APPLICATION_NON_UNIQUE);
  driver = g_timeout_add (50, drive, &run);
  status = g_application_run (G_APPLICATION (run.app), G_N_ELEMENTS (argv) - 1, (char **) argv);
  g_assert_cmpint (status, ==, 0);
  if (g_str_equal (answer, "quit"))
    {
      g_assert_cmpuint (run.step, ==, 1);
      g_assert_cmpuint (run.joins, ==, 0);
      g_source_remove (driver);
    }
  else
    g_assert_cmpuint (run.step, ==, 3);

  /* Whatever was answered, the file is as the user wrote it. */
  assert_file_untouched (run.path);

  app_test_close_windows ();
  g_object_unref (run.app);
  g_unlink (run.path);
  g_free (run.path);
  g_free (run.join_server);
}

static void
test_continue_with_defaults (void)
{
  run_with_broken_config ("defaults");
}

static void
test_quit (void)
{
  run_with_broken_config ("quit");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = app_test_make_config_home (NULL);
  int ret;

  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  g_test_add_func ("/app/config-errors/continue-with-defaults", test_continue_with_defaults);
  g_test_add_func ("/app/config-errors/quit", test_quit);

  ret = g_test_run ();
  app_test_remove_config_home (home);
  return ret;
}
