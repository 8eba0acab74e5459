/* zero-application.c: the Zero application.
 *
 * Command line (CLI.md): zero [--config FILE] [--join UUID | zero://HOST[:PORT]/UUID] [--new]
 *
 * One instance per session bus: a second `zero --join …` is checked where it
 * was typed (a bad session ID fails there, with exit status 2), then its
 * command line goes to the running instance, which joins. Without a session
 * bus GApplication runs the process on its own. `zero://` links arrive as
 * arguments (desktop file `Exec=zero %U`) or through GApplication's `open`.
 *
 * Settings are loaded once, by the first instance. A config file that does
 * not load is reported in a dialog naming file:line:col; the user may go on
 * with the defaults, and the broken file is then never written.
 *
 * Embedded server: when a session is joined through a signaling server on
 * this machine (localhost or one of its own IP addresses, plain ws://) and
 * nothing listens there yet, the app runs ZeroSignalingServer in-process on
 * that address until it quits, so that a new user needs nothing else to
 * start a call; others reach it through the session's zero:// link. */

#include "zero-application.h"

#include <glib/gi18n.h>

#include "signaling/zero-signaling-server.h"
#include "webrtc/zero-peer.h"
#include "zero-build-config.h"
#include "zero-preferences-window.h"
#include "sessionmanager/zero-session-link.h"
#include "zero-app-error.h"

#define EXIT_USAGE 2 /* CLI.md: usage or config error */

struct _ZeroApplication
{
  AdwApplication parent_instance;

  ZeroConfig *config;
  char *config_error;      /* why the config file did not load, or NULL */
  gboolean config_loaded;
  gboolean config_error_shown;
  GVariant *pending_join;  /* (ssb) session, server ("" = configured), create */
  AdwMessageDialog *config_dialog;
  ZeroSignalingServer *local_server; /* the embedded server, once started */
};

G_DEFINE_FINAL_TYPE (ZeroApplication, zero_application, ADW_TYPE_APPLICATION)

G_DEFINE_QUARK (zero-app-error-quark, zero_app_error)

static const GOptionEntry option_entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Read settings from FILE instead of the user’s config.yaml"), N_("FILE") },
  { "join", 'j', 0, G_OPTION_ARG_STRING, NULL,
    N_("Join the session with this ID (or zero:// link)"), N_("UUID") },
  { "new", 'n', 0, G_OPTION_ARG_NONE, NULL,
    N_("Create a new session and join it"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL, NULL,
    N_("[zero://HOST[:PORT]/UUID]") },
  { NULL }
};

/* What one command line asks for. */
typedef struct
{
  const char *config_path;
  ZeroSessionLink *link;
  gboolean create;
} Request;

static void
request_clear (Request *request)
{
  g_clear_pointer (&request->link, zero_session_link_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

/* Reads the options, refusing what cannot work, with a message naming it. */
static gboolean
parse_request (GVariantDict *options,
               Request      *request,
               GError      **error)
{
  g_autofree const char **links = NULL;
  const char *join = NULL;
  guint n_targets = 0;

  g_variant_dict_lookup (options, "config", "^&ay", &request->config_path);
  g_variant_dict_lookup (options, "join", "&s", &join);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &links);
  request->create = g_variant_dict_contains (options, "new");

  n_targets = (join != NULL) + (links != NULL ? g_strv_length ((char **) links) : 0) +
              request->create;
  if (n_targets > 1)
    {
      g_set_error_literal (error, ZERO_APP_ERROR, ZERO_APP_ERROR_INVALID_ARGUMENTS,
                           _("Give only one of --join, --new or a zero:// link"));
      return FALSE;
    }

  if (join != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      request->link = zero_session_link_parse (join, &local_error);
      if (request->link == NULL)
        {
          g_set_error (error, ZERO_APP_ERROR, ZERO_APP_ERROR_INVALID_SESSION,
                       "--join: %s", local_error->message);
          return FALSE;
        }
    }
  else if (links != NULL && links[0] != NULL)
    {
      request->link = zero_session_link_parse (links[0], error);
      if (request->link == NULL)
        return FALSE;
    }

  return TRUE;
}

static void
load_config (ZeroApplication *self,
             const char      *path)
{
  g_autoptr(GError) error = NULL;
  const GPtrArray *warnings;

  g_assert (!self->config_loaded);
  self->config_loaded = TRUE;

  self->config = zero_config_load (path, &error);
  if (self->config == NULL)
    {
      g_printerr ("zero: %s\n", error->message);
      self->config_error = g_strdup (error->message);
      self->config = zero_config_new ();
      return;
    }

  warnings = zero_config_get_warnings (self->config);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    g_printerr ("zero: %s\n", (const char *) g_ptr_array_index (warnings, i));
}

static ZeroWindow *
ensure_window (ZeroApplication *self)
{
  ZeroWindow *window = zero_application_get_main_window (self);

  if (window == NULL)
    window = zero_window_new (GTK_APPLICATION (self), self->config);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
run_join (ZeroApplication *self,
          GVariant        *join)
{
  ZeroWindow *window = ensure_window (self);
  const char *session, *server;
  gboolean create;

  g_variant_get (join, "(&s&sb)", &session, &server, &create);
  if (create)
    session = zero_welcome_page_new_session (zero_window_get_welcome_page (window));
  zero_window_join (window, session, *server ? server : NULL, create);
}

static void
on_config_dialog_response (ZeroApplication  *self,
                           const char       *response,
                           AdwMessageDialog *dialog)
{
  g_autoptr(GVariant) join = g_steal_pointer (&self->pending_join);

  self->config_dialog = NULL;
  if (g_strcmp0 (response, "defaults") != 0)
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }
  if (join != NULL)
    run_join (self, join);
}

static void
show_config_error (ZeroApplication *self,
                   ZeroWindow      *window)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (window),
                                                       _("Settings Could Not Be Read"),
                                                       NULL));
  adw_message_dialog_format_body (dialog,
                                  _("%s\n\nZero can start with default settings instead. "
                                    "The file will be left as it is: fix it and restart "
                                    "Zero to use it."),
                                  self->config_error);
  adw_message_dialog_add_responses (dialog,
                                    "quit", _("_Quit"),
                                    "defaults", _("_Continue With Defaults"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "defaults", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "defaults");
  adw_message_dialog_set_close_response (dialog, "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_config_dialog_response), self,
                           G_CONNECT_SWAPPED);
  self->config_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Shows the window and carries out @join (nullable) once settings are usable. */
static void
handle_request (ZeroApplication *self,
                GVariant        *join)
{
  g_autoptr(GVariant) owned = join ? g_variant_ref_sink (join) : NULL;
  ZeroWindow *window = ensure_window (self);

  if (self->config_error != NULL && !self->config_error_shown)
    {
      self->config_error_shown = TRUE;
      show_config_error (self, window);
    }

  if (self->config_dialog != NULL)
    {
      /* Still asking about the settings: the newest request waits for the answer. */
      if (owned != NULL)
        {
          g_clear_pointer (&self->pending_join, g_variant_unref);
          self->pending_join = g_steal_pointer (&owned);
        }
      gtk_window_present (GTK_WINDOW (self->config_dialog));
      return;
    }

  if (owned != NULL)
    run_join (self, owned);
}

static GVariant *
request_to_join (const Request *request)
{
  if (request->create)
    return g_variant_new ("(ssb)", "", "", TRUE);
  if (request->link != NULL)
    {
      g_autofree char *server = request->link->host ? zero_session_link_dup_server (request->link,
                                                                                    NULL)
                                                    : NULL;

      return g_variant_new ("(ssb)", request->link->session, server ? server : "", FALSE);
    }
  return NULL;
}

/* Actions */

static void
on_preferences (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  ZeroApplication *self = user_data;
  ZeroWindow *window = ensure_window (self);
  GtkWindow *preferences;

  preferences = GTK_WINDOW (zero_preferences_window_new (self));
  gtk_window_set_transient_for (preferences, GTK_WINDOW (window));
  gtk_window_present (preferences);
}

static void
on_about (GSimpleAction *action,
          GVariant      *param,
          gpointer       user_data)
{
  ZeroApplication *self = user_data;
  static const char *developers[] = { "The Zero developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-icon", ZERO_APP_ID,
                        "application-name", "Zero",
                        "developer-name", _("The Zero developers"),
                        "developers", developers,
                        "version", ZERO_VERSION,
                        "comments", _("Video calls with anyone who has the session’s ID"),
                        "website", "https://github.com/zerortc/zero",
                        "issue-url", "https://github.com/zerortc/zero/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
on_quit (GSimpleAction *action,
         GVariant      *param,
         gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

/* GApplication */

static int
zero_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  g_auto(Request) request = { 0 };
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("zero %s\n", ZERO_VERSION);
      return EXIT_SUCCESS;
    }

  /* Refuse bad input here, in the process the user typed it in. */
  if (!parse_request (options, &request, &error))
    {
      g_printerr ("zero: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (request.config_path != NULL)
    {
      g_autofree char *absolute = NULL;

      if (!g_file_test (request.config_path, G_FILE_TEST_IS_REGULAR))
        {
          g_printerr ("zero: --config: %s\n",
                      _("the file does not exist or is not a regular file"));
          return EXIT_USAGE;
        }
      /* The running instance may have another working directory. */
      absolute = g_canonicalize_filename (request.config_path, NULL);
      g_variant_dict_insert (options, "config", "^ay", absolute);
    }

  return -1;
}

static int
zero_application_command_line (GApplication            *app,
                               GApplicationCommandLine *command_line)
{
  ZeroApplication *self = ZERO_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_auto(Request) request = { 0 };
  g_autoptr(GError) error = NULL;

  /* Checked again: this end must not trust a remote instance. */
  if (!parse_request (options, &request, &error))
    {
      g_application_command_line_printerr (command_line, "zero: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (!self->config_loaded)
    load_config (self, request.config_path);
  else if (request.config_path != NULL &&
           g_strcmp0 (request.config_path, zero_config_get_path (self->config)) != 0)
    g_application_command_line_printerr (command_line,
                                         _("zero: already running with the settings in %s; "
                                           "--config %s is ignored\n"),
                                         zero_config_get_path (self->config),
                                         request.config_path);

  handle_request (self, request_to_join (&request));
  return EXIT_SUCCESS;
}

static void
zero_application_activate (GApplication *app)
{
  ZeroApplication *self = ZERO_APPLICATION (app);

  if (!self->config_loaded)
    load_config (self, NULL);
  handle_request (self, NULL);
}

static void
zero_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  ZeroApplication *self = ZERO_APPLICATION (app);

  if (!self->config_loaded)
    load_config (self, NULL);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autoptr(ZeroSessionLink) link = NULL;
      g_autoptr(GError) error = NULL;
      Request request = { 0 };

      link = zero_session_link_parse (uri, &error);
      if (link == NULL)
        {
          zero_window_show_error (ensure_window (self), error->message);
          continue;
        }
      request.link = link;
      handle_request (self, request_to_join (&request));
    }
}

static void
zero_application_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { .name = "preferences", .activate = on_preferences },
    { .name = "about", .activate = on_about },
    { .name = "quit", .activate = on_quit },
  };
  static const struct
  {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.new-session", { "<Control>n", NULL } },
    { "win.toggle-mic", { "<Control>d", NULL } },
    { "win.toggle-camera", { "<Control>e", NULL } },
    { "win.share-screen", { "<Control><Shift>s", NULL } },
    { "win.toggle-chat", { "<Control><Shift>c", NULL } },
    { "win.toggle-participants", { "<Control><Shift>p", NULL } },
    { "win.leave", { "<Control>w", NULL } },
    { "win.show-help-overlay", { "F1", "<Control>question", NULL } },
  };

  G_APPLICATION_CLASS (zero_application_parent_class)->startup (app);

  /* The DTLS certificate and the GStreamer elements, made while the user looks at the
   * welcome page rather than when joining. */
  zero_peer_prewarm ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);

  gtk_window_set_default_icon_name (ZERO_APP_ID);
}

static void
zero_application_shutdown (GApplication *app)
{
  ZeroApplication *self = ZERO_APPLICATION (app);

  /* Peers get a clean close (1001) rather than a dead socket. */
  if (self->local_server != NULL)
    zero_signaling_server_shutdown (self->local_server);
  g_clear_object (&self->local_server);

  G_APPLICATION_CLASS (zero_application_parent_class)->shutdown (app);
}

/* GObject */

static void
zero_application_dispose (GObject *object)
{
  ZeroApplication *self = ZERO_APPLICATION (object);

  if (self->local_server != NULL)
    zero_signaling_server_shutdown (self->local_server);
  g_clear_object (&self->local_server);

  g_clear_object (&self->config);
  g_clear_pointer (&self->pending_join, g_variant_unref);

  G_OBJECT_CLASS (zero_application_parent_class)->dispose (object);
}

static void
zero_application_finalize (GObject *object)
{
  ZeroApplication *self = ZERO_APPLICATION (object);

  g_free (self->config_error);

  G_OBJECT_CLASS (zero_application_parent_class)->finalize (object);
}

static void
zero_application_class_init (ZeroApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = zero_application_dispose;
  object_class->finalize = zero_application_finalize;

  app_class->handle_local_options = zero_application_handle_local_options;
  app_class->command_line = zero_application_command_line;
  app_class->activate = zero_application_activate;
  app_class->open = zero_application_open;
  app_class->startup = zero_application_startup;
  app_class->shutdown = zero_application_shutdown;
}

static void
zero_application_init (ZeroApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Video calls: create a session, or join one by "
                                              "its ID or its zero:// link."));
}

/* Public API */

ZeroApplication *
zero_application_new (void)
{
  return g_object_new (ZERO_TYPE_APPLICATION,
                       "application-id", ZERO_APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

/**
 * zero_application_get_config:
 *
 * Returns: (transfer none) (nullable): the settings, %NULL until loaded
 */
ZeroConfig *
zero_application_get_config (ZeroApplication *self)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), NULL);

  return self->config;
}

/* FALSE when running on defaults because the config file did not load. */
gboolean
zero_application_get_config_writable (ZeroApplication *self)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), FALSE);

  return self->config != NULL && self->config_error == NULL;
}

/* Returns: (nullable): why the config file did not load */
const char *
zero_application_get_config_error (ZeroApplication *self)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), NULL);

  return self->config_error;
}

/**
 * zero_application_save_config:
 *
 * Writes the settings back to their file, unless that file did not load
 * (saving defaults over it would destroy the user's settings).
 */
gboolean
zero_application_save_config (ZeroApplication *self,
                              GError         **error)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!zero_application_get_config_writable (self))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_CONFLICT,
                   _("Not saved: the settings file could not be read when Zero started, "
                     "so Zero will not overwrite it. Fix it and restart Zero."));
      return FALSE;
    }
  return zero_config_save (self->config, error);
}

/* Returns: (transfer none) (nullable): the main window, if there is one */
ZeroWindow *
zero_application_get_main_window (ZeroApplication *self)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), NULL);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (ZERO_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
is_this_machine (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  /* An IP literal: whether it is one of ours, binding tells. Names other
   * than localhost are someone else's server. */
  address = g_inet_address_new_from_string (host);
  return address != NULL;
}

/**
 * zero_application_ensure_local_server:
 * @server_address: the signaling server a join is about to use
 *
 * Runs the signaling server in-process when @server_address names this
 * machine over plain ws:// and nothing listens there yet (see the top of
 * this file). Otherwise does nothing: the join then reaches whatever
 * listens there, or fails with its own message.
 *
 * Returns: %TRUE when the embedded server serves @server_address
 */
gboolean
zero_application_ensure_local_server (ZeroApplication *self,
                                      const char      *server_address)
{
  g_autoptr(ZeroSignalingServer) server = NULL;
  g_autoptr(GPtrArray) ice_servers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  ZeroWindow *window;
  guint16 port = 0;

  g_return_val_if_fail (ZERO_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (server_address != NULL, FALSE);

  if (g_str_has_prefix (server_address, "wss://") ||
      !zero_server_address_split (server_address, &host, &port, NULL) ||
      !is_this_machine (host))
    return FALSE;

  if (self->local_server != NULL)
    return zero_signaling_server_get_port (self->local_server) == port;

  server = zero_signaling_server_new ();
  if (self->config != NULL)
    ice_servers = zero_config_get_ice_servers (self->config);
  for (guint i = 0; ice_servers != NULL && i < ice_servers->len; i++)
    {
      ZeroIceServer *ice = g_ptr_array_index (ice_servers, i);

      zero_signaling_server_add_ice_server (server, (const char *const *) ice->urls,
                                            ice->username, ice->credential);
    }

  if (!zero_signaling_server_listen (server, host, port, &error))
    {
      /* Usually a server already listens there: the join will use it. */
      g_debug ("not running a signaling server on %s: %s", server_address, error->message);
      return FALSE;
    }

  g_debug ("running the signaling server in-process: %s",
           zero_signaling_server_get_url (server));
  self->local_server = g_steal_pointer (&server);
  if ((window = zero_application_get_main_window (self)) != NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is a server address such as localhost:8080 */
      text = g_strdup_printf (_("No signaling server was running at %s: Zero runs one "
                                "itself while it is open"), server_address);
      zero_window_show_toast (window, text);
    }
  return TRUE;
}

/* Returns: (transfer none) (nullable): the embedded signaling server, if running */
ZeroSignalingServer *
zero_application_get_local_server (ZeroApplication *self)
{
  g_return_val_if_fail (ZERO_IS_APPLICATION (self), NULL);

  return self->local_server;
}
