/* test-french.c: the real window, in French.
 *
 * Uses fr_FR.UTF-8 when the system has it, else LANGUAGE=fr over C.UTF-8
 * (glibc honours LANGUAGE for every locale but plain "C"), so that the test
 * needs no generated locale. Translations come from $ZERO_LOCALEDIR
 * (<build>/po), i.e. from po/fr.po as built. */

#include "app-test-util.h"

#include <sys/wait.h>

#include "zero-preferences-window.h"
#include "zero-welcome-page.h"
#include "zero-window.h"

static ZeroApplication *app;

static void
test_welcome_page (void)
{
  ZeroWindow *window;
  ZeroWelcomePage *page;
  GtkWidget *join_button, *join_row, *join_hint;

  g_application_activate (G_APPLICATION (app));
  window = zero_application_get_main_window (app);
  page = zero_window_get_welcome_page (window);
  join_button = app_test_child (page, ZERO_TYPE_WELCOME_PAGE, "join_button");
  join_row = app_test_child (page, ZERO_TYPE_WELCOME_PAGE, "join_row");
  join_hint = app_test_child (page, ZERO_TYPE_WELCOME_PAGE, "join_hint");

  /* From the GtkBuilder files. */
  g_assert_true (app_test_find_label (GTK_WIDGET (page), "Bienvenue dans Zero"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (join_button)), ==, "_Rejoindre");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (join_row)), ==,
                   "Identifiant ou lien de session");

  /* From C, including a message built as the user types. */
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (join_hint)),
                                   "Collez l’identifiant de session ou le lien zero://"));
  gtk_editable_set_text (GTK_EDITABLE (join_row), "nope");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (join_hint)), ==,
                   "«\u00a0nope\u00a0» n’est pas un identifiant de session\u00a0: il faut "
                   "36 caractères, comme 123e4567-e89b-12d3-a456-426614174000");

  /* The shortcuts window. */
  g_assert_true (app_test_find_label (
    GTK_WIDGET (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window))),
    "Activer ou couper le micro"));

  app_test_close_windows ();
}

static void
test_preferences (void)
{
  GtkWindow *prefs;

  g_application_activate (G_APPLICATION (app));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = app_test_find_window (ZERO_TYPE_PREFERENCES_WINDOW, NULL);
  g_assert_nonnull (prefs);
  g_assert_cmpstr (gtk_window_get_title (prefs), ==, "Préférences");
  g_assert_true (app_test_find_label (GTK_WIDGET (prefs), "Serveurs STUN et TURN"));
  app_test_close_windows ();
}

/* The command line speaks French too. */
static void
test_command_line (void)
{
  const char *argv[] = { g_getenv ("ZERO_APP_BINARY"), "--join", "nope", NULL };
  const char *help_argv[] = { g_getenv ("ZERO_APP_BINARY"), "--help", NULL };
  g_autofree char *out = NULL, *err = NULL, *help = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "«\u00a0nope\u00a0» n’est pas un identifiant de session"));

  g_spawn_sync (NULL, (char **) help_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &help, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (help, "Créer une nouvelle session et la rejoindre"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = app_test_make_config_home ("user:\n  name: Marie Curie\n");
  int ret;

  if (setlocale (LC_ALL, "fr_FR.UTF-8") != NULL)
    g_setenv ("LC_ALL", "fr_FR.UTF-8", TRUE);
  else
    g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "fr", TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/zero-test-bus", TRUE);

  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_test_message ("locale: %s, LANGUAGE=fr", setlocale (LC_MESSAGES, NULL));
  app = app_test_start ();
  app_test_close_windows ();

  g_test_add_func ("/app/french/welcome-page", test_welcome_page);
  g_test_add_func ("/app/french/preferences", test_preferences);
  g_test_add_func ("/app/french/command-line", test_command_line);

  ret = g_test_run ();
  g_object_unref (app);
  app_test_remove_config_home (home);
  return ret;
}
