/* test-session-link.c: session IDs and zero:// links (sessionmanager/zero-session-link.c). */

#include <glib.h>
#include <string.h>

#include "signaling/zero-uuid.h"
#include "sessionmanager/zero-session-link.h"

#define UUID "123e4567-e89b-42d3-a456-426614174000"

static void
test_bare_uuid (void)
{
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  link = zero_session_link_parse (UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (link->session, ==, UUID);
  g_assert_null (link->host);
  g_assert_cmpuint (link->port, ==, 0);

  text = zero_session_link_to_string (link);
  g_assert_cmpstr (text, ==, UUID);
}

static void
test_forgiving (void)
{
  /* What people paste: blanks around it, upper-case hex, a trailing slash. */
  const char *inputs[] = {
    "  " UUID "\n",
    "123E4567-E89B-42D3-A456-426614174000",
    "ZERO://Example.org:9000/" UUID "/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(ZeroSessionLink) link = NULL;
      g_autoptr(GError) error = NULL;

      link = zero_session_link_parse (inputs[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (link->session, ==, UUID);
    }
}

static void
test_link (void)
{
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autoptr(ZeroSessionLink) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *server = NULL;

  link = zero_session_link_parse ("zero://meet.example.org:9443/" UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (link->session, ==, UUID);
  g_assert_cmpstr (link->host, ==, "meet.example.org");
  g_assert_cmpuint (link->port, ==, 9443);

  copy = zero_session_link_copy (link);
  text = zero_session_link_to_string (copy);
  g_assert_cmpstr (text, ==, "zero://meet.example.org:9443/" UUID);

  /* Another server than the configured one: the link's host:port. */
  server = zero_session_link_dup_server (link, "localhost:8080");
  g_assert_cmpstr (server, ==, "meet.example.org:9443");
}

static void
test_link_default_port (void)
{
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autoptr(GError) error = NULL;

  link = zero_session_link_parse ("zero://10.0.0.7/" UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (link->host, ==, "10.0.0.7");
  g_assert_cmpuint (link->port, ==, ZERO_DEFAULT_SIGNALING_PORT);
}

static void
test_link_ipv6 (void)
{
  g_autoptr(ZeroSessionLink) link = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *server = NULL;

  link = zero_session_link_parse ("zero://[::1]:8081/" UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (link->host, ==, "::1");
  g_assert_cmpuint (link->port, ==, 8081);
  text = zero_session_link_to_string (link);
  g_assert_cmpstr (text, ==, "zero://[::1]:8081/" UUID);
  server = zero_session_link_dup_server (link, NULL);
  g_assert_cmpstr (server, ==, "[::1]:8081");
}

static void
test_link_keeps_configured_server (void)
{
  g_autoptr(ZeroSessionLink) link = zero_session_link_parse ("zero://chat.example.org:443/" UUID,
                                                             NULL);
  g_autoptr(ZeroSessionLink) bare = zero_session_link_parse (UUID, NULL);
  g_autofree char *same = NULL;
  g_autofree char *configured = NULL;

  g_assert_nonnull (link);
  /* Same host and port as the configured wss:// URL: keep the URL (and its TLS). */
  same = zero_session_link_dup_server (link, "wss://chat.example.org/ws");
  g_assert_cmpstr (same, ==, "wss://chat.example.org/ws");
  configured = zero_session_link_dup_server (bare, "localhost:8080");
  g_assert_cmpstr (configured, ==, "localhost:8080");
}

static void
test_refusals (void)
{
  static const struct
  {
    const char *text;
    const char *message_part;
  } cases[] = {
    { "", "Enter a session ID" },
    { "   ", "Enter a session ID" },
    { "hello", "is not a session ID" },
    { "123e4567-e89b-42d3-a456-42661417400", "is not a session ID" },   /* 35 chars */
    { "123e4567-e89b-42d3-a456-4266141740000", "is not a session ID" }, /* 37 chars */
    { "123e4567xe89b-42d3-a456-426614174000", "is not a session ID" },
    { "123e4567-e89b-42d3-a456-42661417400g", "is not a session ID" },
    { "https://example.org/" UUID, "links start with zero://" },
    { "zero://", "is not a Zero link" },
    { "zero:///" UUID, "is not a Zero link" },
    { "zero://host:0/" UUID, "port must be between 1 and 65535" },
    { "zero://host:70000/" UUID, "is not a Zero link" },
    { "zero://host:8080/", "has no session ID" },
    { "zero://host:8080/nope", "session ID “nope” is not valid" },
    { "zero://user@host/" UUID, "must not contain" },
    { "zero://host/" UUID "?pw=1", "must not contain" },
    { "zero://host/" UUID "#x", "must not contain" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ZeroSessionLink) link = NULL;
      g_autoptr(GError) error = NULL;

      link = zero_session_link_parse (cases[i].text, &error);
      g_assert_null (link);
      g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
      if (strstr (error->message, cases[i].message_part) == NULL)
        g_error ("parsing “%s”: message “%s” lacks “%s”", cases[i].text, error->message,
                 cases[i].message_part);
    }
}

static void
test_partial (void)
{
  /* Could still become valid: no error while typing. */
  const char *partial[] = { "", "1", "123e4567", "123e4567-", "123E4567-E8", "z", "zer",
                            "zero:/", "zero://", "zero://host", "zero://host:80",
                            "zero://host:80/", "zero://host:80/123e" };
  /* Can never become valid. */
  const char *wrong[] = { "x", "123e4567x", "1234567890", "hello world", "zero://host/zz",
                          "zero://host?x", UUID "0", "ws://host/" };

  for (guint i = 0; i < G_N_ELEMENTS (partial); i++)
    if (!zero_session_link_is_partial (partial[i]))
      g_error ("“%s” should count as partial", partial[i]);
  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    if (zero_session_link_is_partial (wrong[i]))
      g_error ("“%s” should not count as partial", wrong[i]);
}

static void
test_build (void)
{
  g_autofree char *uuid = zero_uuid_generate ();
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ZeroSessionLink) back = NULL;

  a = zero_session_link_build ("localhost:8080", uuid, &error);
  g_assert_no_error (error);
  expected = g_strconcat ("zero://localhost:8080/", uuid, NULL);
  g_assert_cmpstr (a, ==, expected);

  /* The link round-trips. */
  back = zero_session_link_parse (a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->session, ==, uuid);
  g_assert_cmpstr (back->host, ==, "localhost");
  g_assert_cmpuint (back->port, ==, 8080);

  b = zero_session_link_build ("wss://meet.example.org/ws", uuid, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (b, "zero://meet.example.org:443/"));
  c = zero_session_link_build ("ws://[fe80::1]:9000/ws", uuid, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (c, "zero://[fe80::1]:9000/"));
  d = zero_session_link_build ("example.org", uuid, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (d, "zero://example.org:8080/"));

  g_assert_null (zero_session_link_build ("localhost:8080", "not-a-uuid", &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_null (zero_session_link_build (":::", uuid, &error));
  g_assert_error (error, ZERO_SESSION_ERROR, ZERO_SESSION_ERROR_INVALID_SERVER);
}

static void
test_fuzzish (void)
{
  /* Random bytes never crash the parser, and whatever it accepts is canonical. */
  GRand *rand = g_rand_new_with_seed (42);
  static const char alphabet[] = "zero:/[]@?#%0123456789abcdefABCDEF-. \t\xc3\xa9";

  for (guint i = 0; i < 20000; i++)
    {
      char buf[64];
      guint len = g_rand_int_range (rand, 0, sizeof buf - 1);
      g_autoptr(ZeroSessionLink) link = NULL;

      for (guint j = 0; j < len; j++)
        buf[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      buf[len] = '\0';
      link = zero_session_link_parse (buf, NULL);
      if (link != NULL)
        g_assert_true (zero_uuid_is_valid (link->session));
      (void) zero_session_link_is_partial (buf);
    }
  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sessionmanager/session-link/bare-uuid", test_bare_uuid);
  g_test_add_func ("/sessionmanager/session-link/forgiving", test_forgiving);
  g_test_add_func ("/sessionmanager/session-link/link", test_link);
  g_test_add_func ("/sessionmanager/session-link/link-default-port", test_link_default_port);
  g_test_add_func ("/sessionmanager/session-link/link-ipv6", test_link_ipv6);
  g_test_add_func ("/sessionmanager/session-link/keeps-configured-server", test_link_keeps_configured_server);
  g_test_add_func ("/sessionmanager/session-link/refusals", test_refusals);
  g_test_add_func ("/sessionmanager/session-link/partial", test_partial);
  g_test_add_func ("/sessionmanager/session-link/build", test_build);
  g_test_add_func ("/sessionmanager/session-link/random-input", test_fuzzish);

  return g_test_run ();
}
