/* test-app-e2e.c: the app in a three-party call, judged by its pixels.
 *
 * The app (its real window, in this process) creates a session on a real
 * signaling server; two zero-cli peers (other processes) join it with moving
 * test patterns. Two screenshots of the window, a second apart, must show
 * three tiles, and the two remote tiles must show video that is not black and
 * that moves. The screenshots are saved under $ZERO_TEST_ARTIFACTS (else the
 * temporary directory); with $ZERO_SCREENSHOT_DIR set, the second one is also
 * written there as call.png (the metainfo's screenshot). */

#include "app-call-util.h"

#define WIDTH 1000
#define HEIGHT 680

typedef struct
{
  GdkTexture *texture;
  guint32 *pixels;
  int width;
  int height;
} Shot;

static void
shot_clear (Shot *shot)
{
  g_clear_object (&shot->texture);
  g_clear_pointer (&shot->pixels, g_free);
}

static void
take_shot (ZeroWindow *window,
           const char *path,
           Shot       *shot)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  /* A snapshot taken while the window waits for its next layout (tiles coming and going,
   * a toast) is empty: take it again a frame later. */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        ZERO_WAIT_UNTIL (FALSE, 50);
      shot->width = gtk_widget_get_width (GTK_WIDGET (window));
      shot->height = gtk_widget_get_height (GTK_WIDGET (window));
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), shot->width, shot->height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node == NULL)
        g_test_message ("empty window snapshot (%dx%d), again", shot->width, shot->height);
    }
  g_assert_nonnull (node);
  shot->texture = gsk_renderer_render_texture (renderer, node,
                                               &GRAPHENE_RECT_INIT (0, 0, shot->width,
                                                                    shot->height));
  g_assert_true (gdk_texture_save_to_png (shot->texture, path));
  shot->pixels = g_new (guint32, (gsize) shot->width * shot->height);
  gdk_texture_download (shot->texture, (guchar *) shot->pixels, (gsize) shot->width * 4);
  g_test_message ("screenshot: %s (%dx%d)", path, shot->width, shot->height);
}

static int
channel_max (guint32 p)
{
  return MAX (MAX ((p >> 16) & 0xff, (p >> 8) & 0xff), p & 0xff);
}

static int
channel_diff (guint32 a,
              guint32 b)
{
  int d = 0;

  for (int shift = 0; shift <= 16; shift += 8)
    d = MAX (d, ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)));
  return d;
}

/* In the middle 80 % of @tile's area: the share of bright pixels in @a, and of pixels
 * that changed from @a to @b. */
static void
measure_tile (ZeroWindow *window,
              GtkWidget  *tile,
              const Shot *a,
              const Shot *b,
              double     *bright,
              double     *changed)
{
  graphene_rect_t bounds;
  int x0, y0, x1, y1, n = 0, n_bright = 0, n_changed = 0;

  g_assert_true (gtk_widget_compute_bounds (tile, GTK_WIDGET (window), &bounds));
  x0 = (int) (bounds.origin.x + bounds.size.width * 0.1);
  x1 = (int) (bounds.origin.x + bounds.size.width * 0.9);
  y0 = (int) (bounds.origin.y + bounds.size.height * 0.1);
  y1 = (int) (bounds.origin.y + bounds.size.height * 0.9);
  g_assert_cmpint (x1 - x0, >, 50);
  g_assert_cmpint (y1 - y0, >, 30);
  g_assert_cmpint (x1, <=, a->width);
  g_assert_cmpint (y1, <=, a->height);

  for (int y = y0; y < y1; y += 2)
    for (int x = x0; x < x1; x += 2)
      {
        guint32 pa = a->pixels[y * a->width + x];
        guint32 pb = b->pixels[y * b->width + x];

        n++;
        n_bright += channel_max (pa) > 100;
        n_changed += channel_diff (pa, pb) > 24;
      }
  *bright = (double) n_bright / n;
  *changed = (double) n_changed / n;
}

static void
test_e2e_three_party_call (void)
{
  CallFixture f = { 0 };
  g_autoptr(ZeroTestProc) grace = NULL;
  g_autoptr(ZeroTestProc) linus = NULL;
  const char *dir = g_getenv ("ZERO_TEST_ARTIFACTS");
  const char *publish = g_getenv ("ZERO_SCREENSHOT_DIR");
  g_autofree char *path_a = NULL;
  g_autofree char *path_b = NULL;
  g_autofree char *session = NULL;
  ZeroSessionManager *sm;
  ZeroCallPage *page;
  ZeroParticipant *remotes[2];
  Shot a = { 0 }, b = { 0 };
  const char *names[] = { "Grace", "Linus" };

  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path_a = g_build_filename (dir, "app-e2e-1.png", NULL);
  path_b = g_build_filename (dir, "app-e2e-2.png", NULL);

  call_fixture_start (&f, "Ada", 320, 240, 15);
  gtk_window_set_default_size (GTK_WINDOW (f.window), WIDTH, HEIGHT);
  page = zero_window_get_call_page (f.window);
  ZERO_ASSERT_WAIT (zero_window_get_manager (f.window) != NULL, T (5000));
  sm = zero_window_get_manager (f.window);

  session = zero_uuid_generate ();
  zero_window_join (f.window, session, NULL, TRUE);
  ZERO_ASSERT_WAIT (zero_window_get_in_call (f.window), T (10000));

  for (guint i = 0; i < 2; i++)
    {
      const char *extra[] = { "--join", session, "--name", names[i], "--video-source", "test",
                              "--audio-source", "test", "--resolution", "320x240", "--fps", "15",
                              NULL };
      ZeroTestProc *proc = call_spawn_cli (&f, names[i], extra);

      if (i == 0)
        grace = proc;
      else
        linus = proc;
    }

  /* Three tiles; both remote tiles get decoded video. */
  ZERO_ASSERT_WAIT (zero_call_grid_get_n_tiles (zero_call_page_get_grid (page)) == 3, T (20000));
  for (guint i = 0; i < 2; i++)
    {
      ZERO_ASSERT_WAIT ((remotes[i] = call_find_participant (sm, names[i])) != NULL, T (10000));
      ZERO_ASSERT_WAIT (zero_video_paintable_get_frames_shown (
                          zero_call_page_get_paintable (page, remotes[i])) >= 15, T (20000));
    }
  g_assert_true (zero_video_paintable_has_frame (zero_window_get_self_paintable (f.window)));

  /* Two screenshots a second apart, once the "joined" toasts are gone. */
  ZERO_WAIT_UNTIL (!app_test_find_label (GTK_WIDGET (f.window), " joined"), T (15000));
  ZERO_WAIT_UNTIL (FALSE, 500);
  take_shot (f.window, path_a, &a);
  ZERO_WAIT_UNTIL (FALSE, 1000);
  take_shot (f.window, path_b, &b);
  g_assert_cmpint (a.width, ==, b.width);
  g_assert_cmpint (a.height, ==, b.height);
  g_assert_cmpint (a.width, >=, WIDTH * 9 / 10);

  /* Three tiles in the picture: all laid out inside the window, none overlapping. */
  {
    GtkWidget *grid = GTK_WIDGET (zero_call_page_get_grid (page));
    graphene_rect_t r[3];
    int i = 0;

    for (GtkWidget *c = gtk_widget_get_first_child (grid); c; c = gtk_widget_get_next_sibling (c))
      {
        g_assert_cmpint (i, <, 3);
        g_assert_true (gtk_widget_get_mapped (c));
        g_assert_true (gtk_widget_compute_bounds (c, GTK_WIDGET (f.window), &r[i]));
        g_assert_cmpfloat (r[i].size.width, >, 150);
        g_assert_cmpfloat (r[i].origin.x + r[i].size.width, <=, a.width);
        g_assert_cmpfloat (r[i].origin.y + r[i].size.height, <=, a.height);
        i++;
      }
    g_assert_cmpint (i, ==, 3);
    for (int p = 0; p < 3; p++)
      for (int q = p + 1; q < 3; q++)
        g_assert_false (graphene_rect_intersection (&r[p], &r[q], NULL) &&
                        r[p].size.width > 0);
  }

  /* The remote tiles show bright, moving video. */
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *tile = GTK_WIDGET (zero_call_page_get_tile (page, remotes[i]));
      double bright, changed;

      measure_tile (f.window, tile, &a, &b, &bright, &changed);
      g_test_message ("%s's tile: %.0f %% bright, %.0f %% changed in 1 s", names[i],
                      bright * 100, changed * 100);
      g_assert_cmpfloat (bright, >, 0.5);
      g_assert_cmpfloat (changed, >, 0.05);
    }

  if (publish != NULL)
    {
      g_autofree char *published = g_build_filename (publish, "call.png", NULL);

      g_assert_true (gdk_texture_save_to_png (b.texture, published));
      g_test_message ("published: %s", published);
    }

  /* The peers saw us too. */
  g_assert_nonnull (zero_test_proc_wait_event (grace, "first-frame", "kind", "video", T (10000)));
  g_assert_nonnull (zero_test_proc_wait_event (linus, "first-frame", "kind", "video", T (10000)));

  shot_clear (&a);
  shot_clear (&b);
  zero_window_leave (f.window);
  zero_test_proc_kill (grace, SIGTERM);
  zero_test_proc_kill (linus, SIGTERM);
  g_assert_true (zero_test_proc_wait_exit (grace, T (10000)));
  g_assert_true (zero_test_proc_wait_exit (linus, T (10000)));
  call_fixture_stop (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app_test_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  app_call_tolerate_known_gst_bugs ();
  gst_init (NULL, NULL);

  g_test_add_func ("/app/e2e/three-party-call", test_e2e_three_party_call);
  ret = g_test_run ();
  app_call_cleanup ();
  return ret;
}
