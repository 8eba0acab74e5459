/* test-call-grid.c: the call grid's adaptive layout, on a real window. */

#include "app-test-util.h"

#include "zero-call-grid.h"

typedef struct
{
  GtkWindow *window;
  ZeroCallGrid *grid;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  f->grid = ZERO_CALL_GRID (zero_call_grid_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->grid));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
set_tiles (Fixture *f,
           guint    n)
{
  while (zero_call_grid_get_n_tiles (f->grid) > n)
    zero_call_grid_remove (f->grid, gtk_widget_get_last_child (GTK_WIDGET (f->grid)));
  while (zero_call_grid_get_n_tiles (f->grid) < n)
    zero_call_grid_insert (f->grid, gtk_label_new ("tile"), -1);
}

/* Lays out at @width x @height; checks the tiles fit, keep 16:9 and never overlap. */
static guint
layout (Fixture *f,
        int      width,
        int      height)
{
  graphene_rect_t r[16];
  int i = 0;

  gtk_widget_set_size_request (GTK_WIDGET (f->grid), width, height);
  gtk_window_set_default_size (f->window, width, height);
  gtk_window_present (f->window);
  ZERO_WAIT_UNTIL (FALSE, 50);
  ZERO_ASSERT_WAIT (gtk_widget_get_width (GTK_WIDGET (f->grid)) == width &&
                    gtk_widget_get_height (GTK_WIDGET (f->grid)) == height, 5000);
  ZERO_WAIT_UNTIL (FALSE, 50); /* the allocation of the children follows */

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (f->grid)); c;
       c = gtk_widget_get_next_sibling (c), i++)
    {
      g_assert_cmpint (i, <, 16);
      g_assert_true (gtk_widget_compute_bounds (c, GTK_WIDGET (f->grid), &r[i]));
      g_assert_cmpfloat (r[i].origin.x, >=, 0);
      g_assert_cmpfloat (r[i].origin.y, >=, 0);
      g_assert_cmpfloat (r[i].origin.x + r[i].size.width, <=, width + 0.5);
      g_assert_cmpfloat (r[i].origin.y + r[i].size.height, <=, height + 0.5);
      g_assert_cmpfloat (ABS (r[i].size.width / r[i].size.height - 16.0 / 9.0), <, 0.05);
      for (int j = 0; j < i; j++)
        {
          graphene_rect_t overlap;

          g_assert_false (graphene_rect_intersection (&r[i], &r[j], &overlap) &&
                          overlap.size.width > 0.5 && overlap.size.height > 0.5);
        }
    }
  return zero_call_grid_get_columns (f->grid);
}

static void
test_wide (Fixture       *f,
           gconstpointer  data)
{
  /* A wide window: side by side while it makes tiles larger. */
  static const guint expected[] = { 0, 1, 2, 2, 2, 3, 3, 3, 3, 3 };

  for (guint n = 1; n < G_N_ELEMENTS (expected); n++)
    {
      set_tiles (f, n);
      g_assert_cmpuint (layout (f, 1200, 600), ==, expected[n]);
    }
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  /* A phone-shaped window stacks them. */
  set_tiles (f, 2);
  g_assert_cmpuint (layout (f, 360, 700), ==, 1);
  set_tiles (f, 3);
  g_assert_cmpuint (layout (f, 360, 700), ==, 1);
  set_tiles (f, 4);
  g_assert_cmpuint (layout (f, 500, 700), ==, 1);
}

static void
test_order (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *a = gtk_label_new ("a"), *b = gtk_label_new ("b"), *c = gtk_label_new ("c");

  zero_call_grid_insert (f->grid, a, -1);
  zero_call_grid_insert (f->grid, b, -1);
  zero_call_grid_insert (f->grid, c, 0);
  g_assert_true (gtk_widget_get_first_child (GTK_WIDGET (f->grid)) == c);
  g_assert_true (gtk_widget_get_last_child (GTK_WIDGET (f->grid)) == b);
  zero_call_grid_insert (f->grid, c, 2);
  g_assert_true (gtk_widget_get_last_child (GTK_WIDGET (f->grid)) == c);
  g_assert_true (gtk_widget_get_first_child (GTK_WIDGET (f->grid)) == a);
  zero_call_grid_insert (f->grid, c, 1);
  g_assert_true (gtk_widget_get_next_sibling (a) == c);
  zero_call_grid_remove (f->grid, c);
  g_assert_cmpuint (zero_call_grid_get_n_tiles (f->grid), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init_i18n ();
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/app/call-grid/wide", Fixture, NULL, fixture_setup, test_wide, fixture_teardown);
  g_test_add ("/app/call-grid/narrow", Fixture, NULL, fixture_setup, test_narrow,
              fixture_teardown);
  g_test_add ("/app/call-grid/order", Fixture, NULL, fixture_setup, test_order,
              fixture_teardown);
  return g_test_run ();
}
