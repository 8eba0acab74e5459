/* zero-call-page.c: the call: video grid, controls, chat and participants.
 *
 * The page follows the session manager's participants (a GListModel, self
 * first): one ZeroVideoTile per participant, in the model's order, with a
 * ZeroVideoPaintable fed from the participant's `video-sample` signal (the
 * self tile shows the window's preview paintable instead). A participant
 * sharing a screen gets a second tile while it does. Tiles follow the
 * participant's properties: name, mute and camera-off from its `state`
 * messages, the quality icon from the connection stats, and the loudest
 * participant who is speaking gets the active-speaker ring. The bottom bar's
 * buttons are the window's actions; the sidebar holds the chat and the list
 * of participants. */

#include "zero-call-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

typedef struct
{
  ZeroCallPage *page;
  ZeroParticipant *participant;
  ZeroVideoTile *tile;
  ZeroVideoPaintable *paintable;       /* NULL for self: the window's preview */
  ZeroVideoTile *screen_tile;          /* while the participant shares a screen */
  ZeroVideoPaintable *screen_paintable;
} TileEntry;

struct _ZeroCallPage
{
  GtkWidget parent_instance;

  ZeroSessionManager *manager;
  GListModel *participants;
  GHashTable *entries;                 /* ZeroParticipant * -> TileEntry * */
  GdkPaintable *self_paintable;
  ZeroVideoTile *active_tile;
  guint n_chats;

  /* Template children */
  ZeroCallGrid *grid;
  GtkRevealer *sidebar_revealer;
  GtkStack *sidebar_stack;
  GtkScrolledWindow *chat_scroller;
  GtkListBox *chat_list;
  GtkEntry *chat_entry;
  GtkButton *chat_send_button;
  GtkListBox *participants_list;
  GtkWidget *controls;
  GtkToggleButton *mic_button;
  GtkToggleButton *camera_button;
  GtkToggleButton *screen_button;
  GtkToggleButton *chat_button;
  GtkToggleButton *participants_button;
  GtkButton *leave_button;
};

G_DEFINE_FINAL_TYPE (ZeroCallPage, zero_call_page, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_MANAGER,
  PROP_SIDEBAR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (ZeroCallPage *self,
            const char   *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

/* Tiles */

static ZeroConnectionQuality
tile_quality (ZeroParticipant *p)
{
  if (zero_participant_is_self (p))
    return ZERO_CONNECTION_QUALITY_UNKNOWN;
  if (zero_participant_get_connection_state (p) == ZERO_PARTICIPANT_STATE_FAILED)
    return ZERO_CONNECTION_QUALITY_BAD;
  switch (zero_participant_get_quality (p))
    {
    case 1: return ZERO_CONNECTION_QUALITY_POOR;
    case 2: return ZERO_CONNECTION_QUALITY_GOOD;
    case 3: return ZERO_CONNECTION_QUALITY_EXCELLENT;
    default: return ZERO_CONNECTION_QUALITY_UNKNOWN;
    }
}

static char *
screen_tile_name (ZeroParticipant *p)
{
  if (zero_participant_is_self (p))
    return g_strdup (_("Your screen"));
  /* Translators: %s is a participant's name */
  return g_strdup_printf (_("%s’s screen"), zero_participant_get_name (p));
}

static void
update_screen_tile (TileEntry *entry)
{
  ZeroCallPage *self = entry->page;
  gboolean sharing = zero_participant_get_screen (entry->participant);

  /* Our own screen is not shown back to us: it would be a hall of mirrors. */
  if (zero_participant_is_self (entry->participant))
    sharing = FALSE;

  if (sharing && entry->screen_tile == NULL)
    {
      g_autofree char *name = screen_tile_name (entry->participant);
      GtkWidget *child = gtk_widget_get_next_sibling (GTK_WIDGET (entry->tile));

      entry->screen_paintable = zero_video_paintable_new ();
      entry->screen_tile = ZERO_VIDEO_TILE (zero_video_tile_new ());
      gtk_widget_add_css_class (GTK_WIDGET (entry->screen_tile), "screen");
      zero_video_tile_set_name (entry->screen_tile, name);
      zero_video_tile_set_paintable (entry->screen_tile, GDK_PAINTABLE (entry->screen_paintable));
      gtk_widget_insert_before (GTK_WIDGET (entry->screen_tile), GTK_WIDGET (self->grid), child);
    }
  else if (!sharing && entry->screen_tile != NULL)
    {
      zero_call_grid_remove (self->grid, GTK_WIDGET (entry->screen_tile));
      entry->screen_tile = NULL;
      g_clear_object (&entry->screen_paintable);
    }
}

static void
update_tile (TileEntry *entry)
{
  ZeroParticipant *p = entry->participant;
  gboolean known = zero_participant_is_self (p) || zero_participant_has_state (p);
  g_autofree char *name = NULL;

  if (zero_participant_is_self (p))
    /* Translators: the name on your own video tile; %s is your display name */
    name = g_strdup_printf (_("%s (You)"), zero_participant_get_name (p));
  else
    name = g_strdup (zero_participant_get_name (p));
  zero_video_tile_set_name (entry->tile, name);
  zero_video_tile_set_audio_muted (entry->tile, known && !zero_participant_get_audio (p));
  zero_video_tile_set_video_off (entry->tile, known && !zero_participant_get_video (p));
  zero_video_tile_set_quality (entry->tile, tile_quality (p));
  if (zero_participant_get_connection_state (p) == ZERO_PARTICIPANT_STATE_CONNECTED ||
      zero_participant_is_self (p))
    gtk_widget_remove_css_class (GTK_WIDGET (entry->tile), "connecting");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry->tile), "connecting");
  update_screen_tile (entry);
}

/* The loudest participant who is speaking, when more than one is in the call. */
static void
update_active_speaker (ZeroCallPage *self)
{
  GHashTableIter iter;
  TileEntry *entry, *loudest = NULL;
  double loudest_level = -1;

  if (g_hash_table_size (self->entries) > 1)
    {
      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
        {
          double level = zero_participant_get_audio_level (entry->participant);

          /* A muted microphone still has a level (the meter keeps working): not heard. */
          if (zero_participant_get_speaking (entry->participant) &&
              zero_participant_get_audio (entry->participant) && level > loudest_level)
            {
              loudest = entry;
              loudest_level = level;
            }
        }
    }

  if (self->active_tile != NULL && (loudest == NULL || loudest->tile != self->active_tile))
    zero_video_tile_set_active_speaker (self->active_tile, FALSE);
  self->active_tile = loudest ? loudest->tile : NULL;
  if (self->active_tile != NULL)
    zero_video_tile_set_active_speaker (self->active_tile, TRUE);
}

static void
on_participant_notify (ZeroParticipant *p,
                       GParamSpec      *pspec,
                       ZeroCallPage    *self)
{
  TileEntry *entry = g_hash_table_lookup (self->entries, p);
  const char *name = g_param_spec_get_name (pspec);

  if (entry == NULL)
    return;
  if (g_str_equal (name, "audio-level") || g_str_equal (name, "speaking"))
    update_active_speaker (self);
  else if (!g_str_equal (name, "video-frames") && !g_str_equal (name, "audio-frames") &&
           !g_str_equal (name, "kbps-in") && !g_str_equal (name, "kbps-out") &&
           !g_str_equal (name, "rtt-ms") && !g_str_equal (name, "fps-in"))
    update_tile (entry);
}

static void
on_participant_video_sample (ZeroParticipant *p,
                             int              kind,
                             GstSample       *sample,
                             ZeroCallPage    *self)
{
  TileEntry *entry = g_hash_table_lookup (self->entries, p);
  g_autoptr(GError) error = NULL;
  ZeroVideoPaintable *paintable;

  if (entry == NULL)
    return;
  if (kind == ZERO_MEDIA_KIND_SCREEN)
    {
      update_screen_tile (entry);
      paintable = entry->screen_paintable;
    }
  else
    paintable = entry->paintable;
  if (paintable != NULL && !zero_video_paintable_push_sample (paintable, sample, &error))
    g_debug ("frame from %s not shown: %s", zero_participant_get_peer_id (p), error->message);
}

static void
tile_entry_free (gpointer data)
{
  TileEntry *entry = data;
  ZeroCallPage *self = entry->page;

  g_signal_handlers_disconnect_by_data (entry->participant, self);
  if (self->active_tile == entry->tile)
    self->active_tile = NULL;
  if (entry->screen_tile != NULL)
    zero_call_grid_remove (self->grid, GTK_WIDGET (entry->screen_tile));
  zero_call_grid_remove (self->grid, GTK_WIDGET (entry->tile));
  g_clear_object (&entry->screen_paintable);
  g_clear_object (&entry->paintable);
  g_object_unref (entry->participant);
  g_free (entry);
}

static TileEntry *
ensure_tile (ZeroCallPage    *self,
             ZeroParticipant *p)
{
  TileEntry *entry = g_hash_table_lookup (self->entries, p);

  if (entry != NULL)
    return entry;

  entry = g_new0 (TileEntry, 1);
  entry->page = self;
  entry->participant = g_object_ref (p);
  entry->tile = ZERO_VIDEO_TILE (zero_video_tile_new ());
  if (zero_participant_is_self (p))
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry->tile), "self");
      zero_video_tile_set_paintable (entry->tile, self->self_paintable);
    }
  else
    {
      entry->paintable = zero_video_paintable_new ();
      zero_video_tile_set_paintable (entry->tile, GDK_PAINTABLE (entry->paintable));
    }
  g_hash_table_insert (self->entries, p, entry);
  zero_call_grid_insert (self->grid, GTK_WIDGET (entry->tile), -1);

  g_signal_connect_object (p, "notify", G_CALLBACK (on_participant_notify), self, 0);
  if (!zero_participant_is_self (p))
    g_signal_connect_object (p, "video-sample", G_CALLBACK (on_participant_video_sample),
                             self, 0);
  update_tile (entry);
  return entry;
}

/* Makes the tiles match the model: one per participant, in its order. */
static void
sync_tiles (ZeroCallPage *self)
{
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  guint n = self->participants ? g_list_model_get_n_items (self->participants) : 0;
  GHashTableIter iter;
  gpointer key;
  int position = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ZeroParticipant) p = g_list_model_get_item (self->participants, i);
      TileEntry *entry = ensure_tile (self, p);

      g_hash_table_add (present, p);
      zero_call_grid_insert (self->grid, GTK_WIDGET (entry->tile), position++);
      if (entry->screen_tile != NULL)
        zero_call_grid_insert (self->grid, GTK_WIDGET (entry->screen_tile), position++);
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (present, key))
      g_hash_table_iter_remove (&iter);
  update_active_speaker (self);
}

static void
on_participants_changed (ZeroCallPage *self)
{
  sync_tiles (self);
}

/* Participants list */

static const char *
participant_status (ZeroParticipant *p)
{
  if (zero_participant_is_self (p))
    return _("You");
  if (g_strcmp0 (zero_participant_get_role (p), "viewer") == 0)
    return _("Viewer");
  switch (zero_participant_get_connection_state (p))
    {
    case ZERO_PARTICIPANT_STATE_CONNECTED: return _("Connected");
    case ZERO_PARTICIPANT_STATE_FAILED: return _("Connection failed");
    case ZERO_PARTICIPANT_STATE_CLOSED: return _("Disconnected");
    default: return _("Connecting…");
    }
}

static void
update_participant_row (AdwActionRow *row)
{
  ZeroParticipant *p = g_object_get_data (G_OBJECT (row), "participant");
  GtkWidget *mic = g_object_get_data (G_OBJECT (row), "mic-icon");
  GtkWidget *camera = g_object_get_data (G_OBJECT (row), "camera-icon");
  GtkWidget *hand = g_object_get_data (G_OBJECT (row), "hand-icon");
  gboolean known = zero_participant_is_self (p) || zero_participant_has_state (p);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), zero_participant_get_name (p));
  adw_action_row_set_subtitle (row, participant_status (p));
  gtk_widget_set_visible (mic, known && !zero_participant_get_audio (p));
  gtk_widget_set_visible (camera, known && !zero_participant_get_video (p));
  gtk_widget_set_visible (hand, zero_participant_get_hand (p));
}

static void
on_row_participant_notify (AdwActionRow *row,
                           GParamSpec   *pspec)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "name") || g_str_equal (name, "connection-state") ||
      g_str_equal (name, "audio") || g_str_equal (name, "video") ||
      g_str_equal (name, "hand") || g_str_equal (name, "role"))
    update_participant_row (row);
}

static GtkWidget *
suffix_icon (AdwActionRow *row,
             const char   *icon_name,
             const char   *tooltip,
             const char   *key)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (icon, tooltip);
  adw_action_row_add_suffix (row, icon);
  g_object_set_data (G_OBJECT (row), key, icon);
  return icon;
}

static GtkWidget *
create_participant_row (gpointer item,
                        gpointer user_data)
{
  ZeroParticipant *p = item;
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *avatar = adw_avatar_new (32, zero_participant_get_name (p), TRUE);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_add_prefix (row, avatar);
  g_object_set_data_full (G_OBJECT (row), "participant", g_object_ref (p), g_object_unref);
  suffix_icon (row, "microphone-disabled-symbolic", _("Microphone off"), "mic-icon");
  suffix_icon (row, "camera-disabled-symbolic", _("Camera off"), "camera-icon");
  suffix_icon (row, "emblem-important-symbolic", _("Hand raised"), "hand-icon");
  g_object_bind_property (p, "name", avatar, "text", G_BINDING_DEFAULT);
  g_signal_connect_object (p, "notify", G_CALLBACK (on_row_participant_notify), row,
                           G_CONNECT_SWAPPED);
  update_participant_row (row);
  return GTK_WIDGET (row);
}

/* Chat */

static void
scroll_chat_to_end (ZeroCallPage *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->chat_scroller);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
}

static gboolean
scroll_chat_idle (gpointer data)
{
  g_autoptr(ZeroCallPage) self = data;

  if (self->chat_scroller != NULL)
    scroll_chat_to_end (self);
  return G_SOURCE_REMOVE;
}

static void
on_chat_changed (ZeroCallPage *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->chat_entry)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->chat_send_button), *g_strstrip (text) != '\0');
}

static void
on_chat_activate (ZeroCallPage *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->chat_entry)));
  g_autoptr(GError) error = NULL;

  g_strstrip (text);
  if (*text == '\0' || self->manager == NULL)
    return;
  if (!zero_session_manager_send_chat (self->manager, text, &error))
    {
      show_toast (self, error->message);
      return;
    }
  zero_call_page_add_chat (self, NULL, text, g_get_real_time () / 1000, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->chat_entry), "");
}

/* The bar's mic and camera buttons say what a click will do, and are red when off. */
static void
update_media_button (GtkToggleButton *button,
                     const char      *on_icon,
                     const char      *off_icon,
                     const char      *on_tooltip,
                     const char      *off_tooltip)
{
  gboolean on = gtk_toggle_button_get_active (button);

  gtk_button_set_icon_name (GTK_BUTTON (button), on ? on_icon : off_icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), on ? on_tooltip : off_tooltip);
  if (on)
    gtk_widget_remove_css_class (GTK_WIDGET (button), "media-off");
  else
    gtk_widget_add_css_class (GTK_WIDGET (button), "media-off");
}

static void
on_media_button_toggled (ZeroCallPage *self)
{
  update_media_button (self->mic_button, "audio-input-microphone-symbolic",
                       "microphone-disabled-symbolic", _("Turn microphone off"),
                       _("Turn microphone on"));
  update_media_button (self->camera_button, "camera-video-symbolic", "camera-disabled-symbolic",
                       _("Turn camera off"), _("Turn camera on"));
}

static void
on_sidebar_page_changed (ZeroCallPage *self)
{
  if (gtk_revealer_get_reveal_child (self->sidebar_revealer))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDEBAR]);
}

/* GObject */

static void
zero_call_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ZeroCallPage *self = ZERO_CALL_PAGE (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_SIDEBAR:
      g_value_set_string (value, zero_call_page_get_sidebar (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_call_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ZeroCallPage *self = ZERO_CALL_PAGE (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      zero_call_page_set_manager (self, g_value_get_object (value));
      break;
    case PROP_SIDEBAR:
      zero_call_page_set_sidebar (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zero_call_page_dispose (GObject *object)
{
  ZeroCallPage *self = ZERO_CALL_PAGE (object);

  zero_call_page_set_manager (self, NULL);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->self_paintable);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZERO_TYPE_CALL_PAGE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (zero_call_page_parent_class)->dispose (object);
}

static void
zero_call_page_class_init (ZeroCallPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = zero_call_page_get_property;
  object_class->set_property = zero_call_page_set_property;
  object_class->dispose = zero_call_page_dispose;

  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, ZERO_TYPE_SESSION_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIDEBAR] =
    g_param_spec_string ("sidebar", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (ZERO_TYPE_CALL_GRID);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-call-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, grid);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, sidebar_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, chat_scroller);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, chat_list);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, chat_entry);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, chat_send_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, participants_list);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, controls);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, mic_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, camera_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, screen_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, chat_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, participants_button);
  gtk_widget_class_bind_template_child (widget_class, ZeroCallPage, leave_button);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_page_changed);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "callpage");
}

static void
zero_call_page_init (ZeroCallPage *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, tile_entry_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->mic_button, "notify::active",
                           G_CALLBACK (on_media_button_toggled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera_button, "notify::active",
                           G_CALLBACK (on_media_button_toggled), self, G_CONNECT_SWAPPED);
  on_media_button_toggled (self);
}

/* Public API */

GtkWidget *
zero_call_page_new (void)
{
  return g_object_new (ZERO_TYPE_CALL_PAGE, NULL);
}

ZeroSessionManager *
zero_call_page_get_manager (ZeroCallPage *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), NULL);

  return self->manager;
}

/**
 * zero_call_page_set_manager:
 * @manager: (nullable): the window's session manager
 *
 * Shows @manager's participants (and sends chat through it).
 */
void
zero_call_page_set_manager (ZeroCallPage       *self,
                            ZeroSessionManager *manager)
{
  g_return_if_fail (ZERO_IS_CALL_PAGE (self));
  g_return_if_fail (manager == NULL || ZERO_IS_SESSION_MANAGER (manager));

  if (self->manager == manager)
    return;

  if (self->participants != NULL)
    g_signal_handlers_disconnect_by_func (self->participants, on_participants_changed, self);
  g_clear_object (&self->participants);
  g_set_object (&self->manager, manager);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);

  if (manager != NULL)
    {
      self->participants = g_object_ref (zero_session_manager_get_participants (manager));
      g_signal_connect_swapped (self->participants, "items-changed",
                                G_CALLBACK (on_participants_changed), self);
      sync_tiles (self);
    }
  if (self->participants_list != NULL)
    gtk_list_box_bind_model (self->participants_list, self->participants,
                             create_participant_row, NULL, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MANAGER]);
}

/**
 * zero_call_page_set_self_paintable:
 * @paintable: (nullable): the local preview, shown on the self tile
 */
void
zero_call_page_set_self_paintable (ZeroCallPage *self,
                                   GdkPaintable *paintable)
{
  GHashTableIter iter;
  TileEntry *entry;

  g_return_if_fail (ZERO_IS_CALL_PAGE (self));
  g_return_if_fail (paintable == NULL || GDK_IS_PAINTABLE (paintable));

  if (!g_set_object (&self->self_paintable, paintable))
    return;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (zero_participant_is_self (entry->participant))
      zero_video_tile_set_paintable (entry->tile, paintable);
}

ZeroCallGrid *
zero_call_page_get_grid (ZeroCallPage *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), NULL);

  return self->grid;
}

/* Returns: (nullable) (transfer none): @participant's tile */
ZeroVideoTile *
zero_call_page_get_tile (ZeroCallPage    *self,
                         ZeroParticipant *participant)
{
  TileEntry *entry;

  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), NULL);

  entry = g_hash_table_lookup (self->entries, participant);
  return entry ? entry->tile : NULL;
}

/* Returns: (nullable) (transfer none): the paintable of @participant's camera tile (NULL for
 * self, whose tile shows the window's preview) */
ZeroVideoPaintable *
zero_call_page_get_paintable (ZeroCallPage    *self,
                              ZeroParticipant *participant)
{
  TileEntry *entry;

  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), NULL);

  entry = g_hash_table_lookup (self->entries, participant);
  return entry ? entry->paintable : NULL;
}

const char *
zero_call_page_get_sidebar (ZeroCallPage *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->sidebar_revealer))
    return NULL;
  return gtk_stack_get_visible_child_name (self->sidebar_stack);
}

/**
 * zero_call_page_set_sidebar:
 * @page: (nullable): "chat", "participants", or %NULL to hide the sidebar
 */
void
zero_call_page_set_sidebar (ZeroCallPage *self,
                            const char   *page)
{
  g_return_if_fail (ZERO_IS_CALL_PAGE (self));
  g_return_if_fail (page == NULL || g_str_equal (page, "chat") ||
                    g_str_equal (page, "participants"));

  if (g_strcmp0 (zero_call_page_get_sidebar (self), page) == 0)
    return;

  if (page != NULL)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, page);
      gtk_revealer_set_reveal_child (self->sidebar_revealer, TRUE);
      if (g_str_equal (page, "chat"))
        {
          gtk_widget_grab_focus (GTK_WIDGET (self->chat_entry));
          g_idle_add (scroll_chat_idle, g_object_ref (self));
        }
    }
  else
    gtk_revealer_set_reveal_child (self->sidebar_revealer, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDEBAR]);
}

/**
 * zero_call_page_add_chat:
 * @sender: (nullable): the sender's name; ignored when @is_self
 * @ts_ms: when it was sent, in milliseconds since the Unix epoch
 *
 * Appends a line to the chat panel: the sender, the time and the text.
 */
void
zero_call_page_add_chat (ZeroCallPage *self,
                         const char   *sender,
                         const char   *text,
                         gint64        ts_ms,
                         gboolean      is_self)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time_text = NULL;
  g_autofree char *header_text = NULL;
  GtkWidget *box, *header, *body;

  g_return_if_fail (ZERO_IS_CALL_PAGE (self));
  g_return_if_fail (text != NULL);

  when = g_date_time_new_from_unix_local (ts_ms / 1000);
  if (when == NULL)
    when = g_date_time_new_now_local ();
  time_text = g_date_time_format (when, "%H:%M");
  /* Translators: a chat line's header: the sender's name, then the time */
  header_text = g_strdup_printf (_("%s · %s"), is_self ? _("You") : (sender ? sender : "?"),
                                 time_text);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_add_css_class (box, "chat-message");
  if (is_self)
    gtk_widget_add_css_class (box, "self");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  header = gtk_label_new (header_text);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (header, "caption-heading");
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_set_name (header, "chat-header");

  body = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (body), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (body), TRUE);
  gtk_widget_set_name (body, "chat-text");

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), body);
  gtk_list_box_append (self->chat_list, box);
  self->n_chats++;
  g_idle_add (scroll_chat_idle, g_object_ref (self));
}

guint
zero_call_page_get_n_chats (ZeroCallPage *self)
{
  g_return_val_if_fail (ZERO_IS_CALL_PAGE (self), 0);

  return self->n_chats;
}

void
zero_call_page_clear (ZeroCallPage *self)
{
  GtkWidget *row;

  g_return_if_fail (ZERO_IS_CALL_PAGE (self));

  zero_call_page_set_manager (self, NULL);
  while ((row = GTK_WIDGET (gtk_list_box_get_row_at_index (self->chat_list, 0))) != NULL)
    gtk_list_box_remove (self->chat_list, row);
  self->n_chats = 0;
  gtk_editable_set_text (GTK_EDITABLE (self->chat_entry), "");
  zero_call_page_set_sidebar (self, NULL);
}
