/* zero-call-grid.h: lays out video tiles in the grid that makes them largest. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ZERO_TYPE_CALL_GRID (zero_call_grid_get_type ())

G_DECLARE_FINAL_TYPE (ZeroCallGrid, zero_call_grid, ZERO, CALL_GRID, GtkWidget)

GtkWidget *zero_call_grid_new          (void);
/* Appends @tile, or moves it so that it is the @position-th child (-1: last). */
void       zero_call_grid_insert       (ZeroCallGrid *self,
                                        GtkWidget    *tile,
                                        int           position);
void       zero_call_grid_remove       (ZeroCallGrid *self,
                                        GtkWidget    *tile);
guint      zero_call_grid_get_n_tiles  (ZeroCallGrid *self);
/* The columns of the last layout (0 before the first). */
guint      zero_call_grid_get_columns  (ZeroCallGrid *self);

G_END_DECLS
