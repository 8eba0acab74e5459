/* zero-call-grid.c: lays out video tiles in the grid that makes them largest.
 *
 * For n tiles in a W×H area every column count c (rows r = ⌈n/c⌉) is tried;
 * a tile gets the largest 16:9 box that fits in (W/c)×(H/r), and the count
 * giving the largest box wins. So one tile fills the page, two sit side by
 * side on a wide window and stack on a narrow one, and so on. The last row
 * is centred when it is not full. */

#include "zero-call-grid.h"

#define SPACING 8
#define TILE_ASPECT (16.0 / 9.0)
#define TILE_MIN_WIDTH 96

struct _ZeroCallGrid
{
  GtkWidget parent_instance;

  guint columns;
};

G_DEFINE_FINAL_TYPE (ZeroCallGrid, zero_call_grid, GTK_TYPE_WIDGET)

static guint
count_children (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_should_layout (c))
      n++;
  return n;
}

/* The tile size for @columns columns, keeping 16:9. */
static void
tile_size (guint   n,
           guint   columns,
           int     width,
           int     height,
           double *tile_w,
           double *tile_h)
{
  guint rows = (n + columns - 1) / columns;
  double cell_w = (width - SPACING * (double) (columns - 1)) / columns;
  double cell_h = (height - SPACING * (double) (rows - 1)) / rows;

  *tile_w = MIN (cell_w, cell_h * TILE_ASPECT);
  *tile_h = *tile_w / TILE_ASPECT;
  if (*tile_w < 0)
    *tile_w = *tile_h = 0;
}

static guint
best_columns (guint n,
              int   width,
              int   height)
{
  guint best = 1;
  double best_w = -1;

  for (guint c = 1; c <= n; c++)
    {
      double w, h;

      tile_size (n, c, width, height, &w, &h);
      if (w > best_w + 0.5)
        {
          best_w = w;
          best = c;
        }
    }
  return best;
}

static void
zero_call_grid_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  guint n = count_children (widget);

  /* Tiles shrink to anything: ask for one small tile, want a 2-column grid. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = n > 0 ? TILE_MIN_WIDTH : 0;
      *natural = n > 0 ? 2 * 320 + SPACING : 0;
    }
  else
    {
      *minimum = n > 0 ? (int) (TILE_MIN_WIDTH / TILE_ASPECT) : 0;
      *natural = n > 0 ? 2 * 180 + SPACING : 0;
    }
}

static void
zero_call_grid_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  ZeroCallGrid *self = ZERO_CALL_GRID (widget);
  guint n = count_children (widget);
  guint columns, rows, i = 0;
  double tile_w, tile_h, top;

  if (n == 0)
    return;

  columns = best_columns (n, width, height);
  rows = (n + columns - 1) / columns;
  self->columns = columns;
  tile_size (n, columns, width, height, &tile_w, &tile_h);
  top = (height - (rows * tile_h + (rows - 1) * SPACING)) / 2;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      guint row, col, in_row;
      double left;
      int min_w, min_h;

      if (!gtk_widget_should_layout (c))
        continue;
      row = i / columns;
      col = i % columns;
      in_row = row == rows - 1 ? n - row * columns : columns;
      left = (width - (in_row * tile_w + (in_row - 1) * SPACING)) / 2;
      /* Children must get at least their minimum size (GTK warns otherwise). */
      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
      gtk_widget_measure (c, GTK_ORIENTATION_VERTICAL, -1, &min_h, NULL, NULL, NULL);
      gtk_widget_size_allocate (c,
                                &(GtkAllocation) {
                                  (int) (left + col * (tile_w + SPACING)),
                                  (int) (top + row * (tile_h + SPACING)),
                                  MAX ((int) tile_w, min_w),
                                  MAX ((int) tile_h, min_h),
                                },
                                -1);
      i++;
    }
}

static void
zero_call_grid_dispose (GObject *object)
{
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (zero_call_grid_parent_class)->dispose (object);
}

static void
zero_call_grid_class_init (ZeroCallGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zero_call_grid_dispose;
  widget_class->measure = zero_call_grid_measure;
  widget_class->size_allocate = zero_call_grid_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "callgrid");
}

static void
zero_call_grid_init (ZeroCallGrid *self)
{
}

/* Public API */

GtkWidget *
zero_call_grid_new (void)
{
  return g_object_new (ZERO_TYPE_CALL_GRID, NULL);
}

void
zero_call_grid_insert (ZeroCallGrid *self,
                       GtkWidget    *tile,
                       int           position)
{
  GtkWidget *sibling = NULL;

  g_return_if_fail (ZERO_IS_CALL_GRID (self));
  g_return_if_fail (GTK_IS_WIDGET (tile));
  g_return_if_fail (gtk_widget_get_parent (tile) == NULL ||
                    gtk_widget_get_parent (tile) == GTK_WIDGET (self));

  /* The child after which @tile goes, or NULL for first. */
  if (position < 0)
    sibling = gtk_widget_get_last_child (GTK_WIDGET (self));
  else
    {
      GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self));

      for (int i = 0; c != NULL && i < position; c = gtk_widget_get_next_sibling (c))
        if (c != tile)
          {
            sibling = c;
            i++;
          }
    }
  if (sibling == tile)
    sibling = gtk_widget_get_prev_sibling (tile);

  if (gtk_widget_get_parent (tile) == NULL)
    gtk_widget_insert_after (tile, GTK_WIDGET (self), sibling);
  else if (gtk_widget_get_prev_sibling (tile) != sibling)
    gtk_widget_insert_after (tile, GTK_WIDGET (self), sibling);
}

void
zero_call_grid_remove (ZeroCallGrid *self,
                       GtkWidget    *tile)
{
  g_return_if_fail (ZERO_IS_CALL_GRID (self));
  g_return_if_fail (GTK_IS_WIDGET (tile));
  g_return_if_fail (gtk_widget_get_parent (tile) == GTK_WIDGET (self));

  gtk_widget_unparent (tile);
}

guint
zero_call_grid_get_n_tiles (ZeroCallGrid *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_GRID (self), 0);

  return count_children (GTK_WIDGET (self));
}

guint
zero_call_grid_get_columns (ZeroCallGrid *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_GRID (self), 0);

  return self->columns;
}
