/* bench-server.c: start, watch and stop zero-signaling (see bench-server.h). */
#include "bench-server.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-ws.h"

#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 5000
#define HTTP_TIMEOUT_S 5

struct _BenchServer
{
  GPid pid;
  gboolean exited;
  int wait_status;
  int stdout_fd;
  guint16 port;
  char *tmp_dir;
  char *config_path;
};

static const char *const server_args[] = {
  "--port", "0", "--rate-limit", "0", "--max-sessions", "0", NULL,
};

static void
pin_child (gpointer user_data)
{
  int cpu = *(int *) user_data;
  cpu_set_t set;

  if (cpu < 0)
    return;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  sched_setaffinity (0, sizeof set, &set); /* checked by the parent from /proc */
}

static char *
describe_status (int status)
{
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d (%s)", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));
  return g_strdup_printf ("ended with wait status %d", status);
}

static gboolean
reap (BenchServer *self, gboolean block)
{
  int status;
  pid_t r;

  if (self->exited)
    return TRUE;
  do
    r = waitpid (self->pid, &status, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == self->pid)
    {
      self->exited = TRUE;
      self->wait_status = status;
      g_spawn_close_pid (self->pid);
    }
  return self->exited;
}

/* Reads the "listening on ws://HOST:PORT/ws" line. */
static gboolean
read_port (BenchServer *self, GError **error)
{
  GString *line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;
  const char *colon;
  guint64 port = 0;

  while (strchr (line->str, '\n') == NULL)
    {
      struct pollfd pfd = { .fd = self->stdout_fd, .events = POLLIN };
      int left_ms = (int) ((deadline - g_get_monotonic_time ()) / 1000);
      char buf[256];
      ssize_t n;

      if (left_ms <= 0 || poll (&pfd, 1, left_ms) == 0)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                       "zero-signaling printed no \"listening on\" line within %d s",
                       START_TIMEOUT_MS / 1000);
          g_string_free (line, TRUE);
          return FALSE;
        }
      n = read (self->stdout_fd, buf, sizeof buf - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_autofree char *how = NULL;

          reap (self, TRUE);
          how = describe_status (self->wait_status);
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                       "zero-signaling %s before listening (its stderr is above)", how);
          g_string_free (line, TRUE);
          return FALSE;
        }
      g_string_append_len (line, buf, n);
    }

  colon = strrchr (line->str, ':');
  if (colon)
    {
      char *end;

      port = g_ascii_strtoull (colon + 1, &end, 10);
      if (*end != '/' || port == 0 || port > G_MAXUINT16)
        colon = NULL;
    }
  if (!g_str_has_prefix (line->str, "listening on ws://") || colon == NULL)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP,
                   "unexpected first line from zero-signaling: \"%s\"", g_strchomp (line->str));
      g_string_free (line, TRUE);
      return FALSE;
    }
  self->port = (guint16) port;
  g_string_free (line, TRUE);
  return TRUE;
}

char *
bench_server_describe (const char *path, int cpu)
{
  g_autofree char *args = g_strjoinv (" ", (char **) server_args);

  if (cpu < 0)
    return g_strdup_printf ("%s --config EMPTY.yaml %s", path, args);
  return g_strdup_printf ("taskset -c %d %s --config EMPTY.yaml %s", cpu, path, args);
}

BenchServer *
bench_server_start (const char *path, int cpu, GError **error)
{
  g_autoptr (BenchServer) self = g_new0 (BenchServer, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) env = g_get_environ ();

  self->stdout_fd = -1;
  self->pid = -1;
  self->tmp_dir = g_dir_make_tmp ("zero-bench-XXXXXX", error);
  if (self->tmp_dir == NULL)
    return NULL;
  /* An empty config: built-in defaults, whatever ~/.config/zero holds. */
  self->config_path = g_build_filename (self->tmp_dir, "config.yaml", NULL);
  if (!g_file_set_contents (self->config_path, "", 0, error))
    return NULL;

  /* Debug logging or malloc checking would be measured as the server. */
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  env = g_environ_unsetenv (env, "MALLOC_CHECK_");
  env = g_environ_unsetenv (env, "MALLOC_PERTURB_");

  g_ptr_array_add (argv, (char *) path);
  g_ptr_array_add (argv, "--config");
  g_ptr_array_add (argv, self->config_path);
  for (guint i = 0; server_args[i]; i++)
    g_ptr_array_add (argv, (char *) server_args[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                 pin_child, &cpu, &self->pid, NULL, &self->stdout_fd, NULL,
                                 error))
    return NULL;
  if (!read_port (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
bench_server_free (BenchServer *self)
{
  if (self == NULL)
    return;
  if (self->pid > 0 && !reap (self, FALSE))
    {
      kill (self->pid, SIGKILL);
      reap (self, TRUE);
    }
  if (self->stdout_fd >= 0)
    close (self->stdout_fd);
  if (self->config_path)
    g_unlink (self->config_path);
  if (self->tmp_dir)
    g_rmdir (self->tmp_dir);
  g_free (self->config_path);
  g_free (self->tmp_dir);
  g_free (self);
}

guint16
bench_server_get_port (BenchServer *self)
{
  return self->port;
}

GPid
bench_server_get_pid (BenchServer *self)
{
  return self->pid;
}

gboolean
bench_server_check_alive (BenchServer *self, GError **error)
{
  g_autofree char *how = NULL;

  if (!reap (self, FALSE))
    return TRUE;
  how = describe_status (self->wait_status);
  g_set_error (error, BENCH_ERROR, BENCH_ERROR_SERVER_DIED, "zero-signaling (pid %d) %s",
               (int) self->pid, how);
  return FALSE;
}

gboolean
bench_server_check_alive_within (BenchServer *self, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (!reap (self, FALSE) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  return bench_server_check_alive (self, error);
}

gboolean
bench_server_stop (BenchServer *self, GError **error)
{
  gint64 deadline;

  if (!bench_server_check_alive (self, error))
    return FALSE;
  kill (self->pid, SIGTERM);
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_MS * 1000;
  while (!reap (self, FALSE) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  if (!self->exited)
    {
      kill (self->pid, SIGKILL);
      reap (self, TRUE);
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SERVER_DIED,
                   "zero-signaling did not exit within %d s of SIGTERM", STOP_TIMEOUT_MS / 1000);
      return FALSE;
    }
  if (!WIFEXITED (self->wait_status) || WEXITSTATUS (self->wait_status) != 0)
    {
      g_autofree char *how = describe_status (self->wait_status);
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SERVER_DIED,
                   "zero-signaling %s on SIGTERM (expected 0)", how);
      return FALSE;
    }
  return TRUE;
}

gint64
bench_server_get_rss_kib (BenchServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) self->pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  line = strstr (text, "\nVmRSS:");
  return line ? g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10) : -1;
}

char *
bench_server_dup_cpus_allowed (BenchServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) self->pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (line = strstr (text, "\nCpus_allowed_list:")) == NULL)
    return g_strdup ("?");
  line += strlen ("\nCpus_allowed_list:");
  return g_strstrip (g_strndup (line, strcspn (line, "\n")));
}

double
bench_server_get_cpu_s (BenchServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) self->pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_comm;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (after_comm = strrchr (text, ')')) == NULL)
    return -1;
  /* After "pid (comm) ": state is field 3; utime and stime are 14 and 15. */
  fields = g_strsplit (after_comm + 2, " ", 14);
  if (g_strv_length (fields) < 14)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

/* A blocking HTTP/1.1 GET with Connection: close; the whole response. */
static char *
http_get (guint16 port, const char *path, GError **error)
{
  struct sockaddr_in addr = {
    .sin_family = AF_INET,
    .sin_port = htons (port),
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
  g_autofree char *request = NULL;
  GString *response;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SETUP, "socket: %s", g_strerror (errno));
      return NULL;
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                             path, port);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      send (fd, request, strlen (request), MSG_NOSIGNAL) != (ssize_t) strlen (request))
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_SERVER_DIED, "GET %s: %s", path,
                   g_strerror (errno));
      close (fd);
      return NULL;
    }
  response = g_string_new (NULL);
  for (;;)
    {
      char buf[4096];
      ssize_t n = recv (fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_SERVER_DIED, "GET %s: no answer: %s",
                       path, g_strerror (errno));
          close (fd);
          g_string_free (response, TRUE);
          return NULL;
        }
      if (n == 0)
        break;
      g_string_append_len (response, buf, n);
    }
  close (fd);
  return g_string_free (response, FALSE);
}

gboolean
bench_server_get_health (BenchServer *self, guint *sessions, guint *peers, GError **error)
{
  g_autofree char *response = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  const char *body;
  JsonNode *root;
  JsonObject *object;

  response = http_get (self->port, "/healthz", error);
  if (response == NULL)
    return FALSE;
  body = strstr (response, "\r\n\r\n");
  if (!g_str_has_prefix (response, "HTTP/1.1 200") || body == NULL ||
      !json_parser_load_from_data (parser, body + 4, -1, &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member ((object = json_node_get_object (root)), "sessions") ||
      !json_object_has_member (object, "peers"))
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_PROTOCOL, "unexpected /healthz answer: %s%s",
                   response, local_error ? local_error->message : "");
      return FALSE;
    }
  *sessions = (guint) json_object_get_int_member (object, "sessions");
  *peers = (guint) json_object_get_int_member (object, "peers");
  return TRUE;
}
