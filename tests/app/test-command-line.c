/* test-command-line.c: `zero`'s command line (CLI.md) and its single instance.
 *
 * Runs the real binary ($ZERO_APP_BINARY). The single-instance case starts a
 * private session bus, makes this process the running Zero on it, and hands
 * it requests from second `zero` processes. */

#include "app-test-util.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "signaling/zero-uuid.h"
#include "zero-window.h"

#define UUID "5f1d7a2e-3b4c-4d5e-8f60-718293a4b5c6"
#define UUID2 "00000000-1111-4222-8333-444455556666"

static char *config_path;
static GPid bus_pid;

typedef struct
{
  int status;
  char *out;
  char *err;
} RunResult;

static void
run_result_clear (RunResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunResult, run_result_clear)

static char **
child_env (const char *bus_address)
{
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS",
                          bus_address ? bus_address : "unix:path=/nonexistent/zero-test-bus",
                          TRUE);
  return env;
}

/* Runs zero synchronously with @args (NULL-terminated). */
static void
run_zero (RunResult         *result,
          const char        *bus_address,
          const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = child_env (bus_address);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("ZERO_APP_BINARY"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result->status = WEXITSTATUS (wait_status);
}

static void
assert_usage_error (const char *const *args,
                    const char        *message_part)
{
  g_auto(RunResult) r = { 0 };

  run_zero (&r, NULL, args);
  g_test_message ("zero %s → %d: %s", args[0], r.status, r.err);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (g_str_has_prefix (r.err, "zero: "));
  if (strstr (r.err, message_part) == NULL)
    g_error ("stderr “%s” lacks “%s”", r.err, message_part);
  g_assert_cmpstr (r.out, ==, "");
}

static void
test_bad_join (void)
{
  assert_usage_error ((const char *[]) { "--join", "not-a-uuid", NULL },
                      "--join: “not-a-uuid” is not a session ID");
  assert_usage_error ((const char *[]) { "--join=" UUID "0", NULL }, "is not a session ID");
  assert_usage_error ((const char *[]) { "-j", "", NULL }, "Enter a session ID");
}

static void
test_bad_link (void)
{
  assert_usage_error ((const char *[]) { "zero://host:0/" UUID, NULL },
                      "the port must be between 1 and 65535");
  assert_usage_error ((const char *[]) { "zero://host/not-a-uuid", NULL },
                      "session ID “not-a-uuid” is not valid");
  assert_usage_error ((const char *[]) { "https://example.org/" UUID, NULL },
                      "links start with zero://");
}

static void
test_conflicting (void)
{
  assert_usage_error ((const char *[]) { "--join", UUID, "--new", NULL }, "only one of");
  assert_usage_error ((const char *[]) { "--join", UUID, "zero://h/" UUID, NULL }, "only one of");
  assert_usage_error ((const char *[]) { "zero://h/" UUID, "zero://h/" UUID2, NULL },
                      "only one of");
}

static void
test_missing_config (void)
{
  assert_usage_error ((const char *[]) { "--config", "/nonexistent/zero.yaml", "--join", UUID,
                                         NULL },
                      "--config");
}

static void
test_version (void)
{
  g_auto(RunResult) r = { 0 };

  run_zero (&r, NULL, (const char *[]) { "--version", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "zero "));
}

/* The running instance on a private bus. */

typedef struct
{
  GPid bus_pid;
  char *bus_address;
  ZeroApplication *app;
  ZeroWindow *window;
  guint joins;
  char *session;
  char *server;
  gboolean create;
} Instance;

static void
on_join_requested (ZeroWindow *window,
                   const char *session,
                   const char *server,
                   const char *name,
                   gboolean    audio,
                   gboolean    video,
                   gboolean    create,
                   Instance   *inst)
{
  inst->joins++;
  g_free (inst->session);
  g_free (inst->server);
  inst->session = g_strdup (session);
  inst->server = g_strdup (server);
  inst->create = create;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_bus (Instance *inst)
{
  const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  int out_fd;
  gsize len;

  /* DO_NOT_REAP: no intermediate process, whose exit would fire PDEATHSIG. */
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent,
                            NULL, &inst->bus_pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_io_channel_read_line (channel, &inst->bus_address, &len, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (inst->bus_address);
  g_strchomp (inst->bus_address);
  g_test_message ("private session bus: %s", inst->bus_address);
}

static void
on_child_exit (GPid     pid,
               int      wait_status,
               gpointer user_data)
{
  int *status = user_data;

  *status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128;
  g_spawn_close_pid (pid);
}

/* Runs a second `zero` while this process's main loop serves the first. */
static int
run_remote (Instance          *inst,
            const char *const *args,
            char             **err_out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = child_env (inst->bus_address);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  GString *err = g_string_new (NULL);
  int status = -1;
  int err_fd;
  GPid pid;

  g_ptr_array_add (argv, (gpointer) g_getenv ("ZERO_APP_BINARY"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_async_with_pipes (NULL, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                            NULL, &pid, NULL, NULL, &err_fd, &error);
  g_assert_no_error (error);
  g_child_watch_add (pid, on_child_exit, &status);
  ZERO_ASSERT_WAIT (status >= 0, 120000);

  channel = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  {
    g_autofree char *text = NULL;
    gsize len;

    if (g_io_channel_read_to_end (channel, &text, &len, NULL) == G_IO_STATUS_NORMAL)
      g_string_append_len (err, text, len);
  }
  if (err_out != NULL)
    *err_out = g_string_free (err, FALSE);
  else
    g_string_free (err, TRUE);
  return status;
}

static void
test_single_instance (void)
{
  Instance inst = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *other_config = NULL;
  g_autofree char *err = NULL;
  int status;

  start_bus (&inst);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", inst.bus_address, TRUE);

  /* This process is the running Zero. */
  inst.app = zero_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (inst.app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (inst.app)));
  g_application_activate (G_APPLICATION (inst.app));
  inst.window = zero_application_get_main_window (inst.app);
  g_signal_connect (inst.window, "join-requested", G_CALLBACK (on_join_requested), &inst);

  /* A second `zero --join` hands its request over and exits 0. */
  status = run_remote (&inst, (const char *[]) { "--join", UUID, NULL }, NULL);
  g_assert_cmpint (status, ==, 0);
  ZERO_ASSERT_WAIT (inst.joins == 1, 60000);
  g_assert_cmpstr (inst.session, ==, UUID);
  g_assert_cmpstr (inst.server, ==, "sessions.example.org:8080");
  g_assert_false (inst.create);

  /* A zero:// link (desktop file: Exec=zero %U) names its server. */
  status = run_remote (&inst, (const char *[]) { "zero://peer.example.org:7000/" UUID2, NULL },
                       NULL);
  g_assert_cmpint (status, ==, 0);
  ZERO_ASSERT_WAIT (inst.joins == 2, 60000);
  g_assert_cmpstr (inst.session, ==, UUID2);
  g_assert_cmpstr (inst.server, ==, "peer.example.org:7000");

  /* --new: a fresh session, created. */
  status = run_remote (&inst, (const char *[]) { "--new", NULL }, NULL);
  g_assert_cmpint (status, ==, 0);
  ZERO_ASSERT_WAIT (inst.joins == 3, 60000);
  g_assert_true (zero_uuid_is_valid (inst.session));
  g_assert_cmpstr (inst.session, !=, UUID);
  g_assert_true (inst.create);

  /* A bad ID is refused where it was typed; the running one sees nothing. */
  status = run_remote (&inst, (const char *[]) { "--join", "nope", NULL }, &err);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "“nope” is not a session ID"));
  g_clear_pointer (&err, g_free);

  /* Another --config cannot replace the running instance's settings: said so. */
  other_config = g_build_filename (g_get_tmp_dir (), "zero-test-other-config.yaml", NULL);
  g_file_set_contents (other_config, "user:\n  name: Other\n", -1, &error);
  g_assert_no_error (error);
  status = run_remote (&inst, (const char *[]) { "--config", other_config, "--join", UUID, NULL },
                       &err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "already running"));
  ZERO_ASSERT_WAIT (inst.joins == 4, 60000);
  g_unlink (other_config);

  /* A plain second launch presents the window and joins nothing. */
  status = run_remote (&inst, (const char *[]) { NULL }, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (inst.joins, ==, 4);
  g_assert_true (zero_application_get_main_window (inst.app) == inst.window);

  app_test_close_windows ();
  g_object_unref (inst.app);
  /* The bus stays up until this process exits (it dies with it): GDBus
   * would SIGTERM this process if the shared connection's bus went away
   * while the next test iterates the main loop. */
  bus_pid = inst.bus_pid;
  g_free (inst.bus_address);
  g_free (inst.session);
  g_free (inst.server);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
}

static gboolean
on_child_output (GIOChannel   *channel,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  GString *seen = user_data;
  char buf[4096];
  gsize len = 0;

  if (condition & G_IO_IN &&
      g_io_channel_read_chars (channel, buf, sizeof buf, &len, NULL) == G_IO_STATUS_NORMAL)
    {
      g_string_append_len (seen, buf, len);
      return G_SOURCE_CONTINUE;
    }
  return G_SOURCE_REMOVE;
}

/* Without a session bus Zero still runs (as its own, non-unique instance). */
static void
test_no_session_bus (void)
{
  const char *argv[] = { g_getenv ("ZERO_APP_BINARY"), "--join", UUID, NULL };
  g_auto(GStrv) env = child_env (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  int out_fd, wait_status;
  guint watch;
  GPid pid;

  /* GLib's log handler writes debug messages to stdout. */
  env = g_environ_setenv (env, "G_MESSAGES_DEBUG", "zero-app", TRUE);
  g_spawn_async_with_pipes (NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_io_channel_set_flags (channel, G_IO_FLAG_NONBLOCK, NULL);
  g_io_channel_set_encoding (channel, NULL, NULL);
  watch = g_io_add_watch (channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_child_output, seen);

  /* It joins (its debug log says so) and keeps running. */
  if (!ZERO_WAIT_UNTIL (strstr (seen->str, "join: session " UUID) != NULL, 20000))
    g_error ("zero did not join without a session bus; its output:\n%s", seen->str);
  g_assert_cmpint (waitpid (pid, &wait_status, WNOHANG), ==, 0);

  g_source_remove (watch);
  kill (pid, SIGTERM);
  waitpid (pid, &wait_status, 0);
  g_spawn_close_pid (pid);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* A remote server: joining must not start an embedded one on this machine. */
  config_path = app_test_make_config_home ("user:\n  name: Remote Tester\n"
                                           "signaling:\n  server_address: sessions.example.org:8080\n");
  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  g_test_add_func ("/app/command-line/bad-join", test_bad_join);
  g_test_add_func ("/app/command-line/bad-link", test_bad_link);
  g_test_add_func ("/app/command-line/conflicting", test_conflicting);
  g_test_add_func ("/app/command-line/missing-config", test_missing_config);
  g_test_add_func ("/app/command-line/version", test_version);
  g_test_add_func ("/app/command-line/single-instance", test_single_instance);
  g_test_add_func ("/app/command-line/no-session-bus", test_no_session_bus);

  ret = g_test_run ();
  if (bus_pid > 0)
    {
      kill (bus_pid, SIGTERM);
      waitpid (bus_pid, NULL, 0);
      g_spawn_close_pid (bus_pid);
    }
  app_test_remove_config_home (config_path);
  g_free (config_path);
  return ret;
}
