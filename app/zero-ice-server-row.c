/* zero-ice-server-row.c: one editable STUN/TURN server in the preferences.
 *
 * The row only edits; the preferences window collects every row into
 * `webrtc.ice_servers` when one of them emits "changed" (an applied edit) or
 * "remove". */

#include "zero-ice-server-row.h"

#include "config/zero-config-error.h"

#include <glib/gi18n.h>
#include <string.h>

struct _ZeroIceServerRow
{
  AdwExpanderRow parent_instance;

  /* Template children */
  AdwEntryRow *urls_row;
  AdwEntryRow *username_row;
  AdwEntryRow *credential_row;
  GtkWidget *remove_button;
};

G_DEFINE_FINAL_TYPE (ZeroIceServerRow, zero_ice_server_row, ADW_TYPE_EXPANDER_ROW)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char **
split_urls (const char *text)
{
  g_auto(GStrv) parts = g_strsplit_set (text, ", \t\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

static const char *
entry_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Title: the first address; subtitle: the kind of server, and the user. */
static void
update_title (ZeroIceServerRow *self)
{
  g_auto(GStrv) urls = split_urls (entry_text (self->urls_row));
  const char *username = entry_text (self->username_row);
  g_autofree char *subtitle = NULL;
  gboolean turn;

  if (urls[0] == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), _("New Server"));
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), _("Enter its address"));
      return;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), urls[0]);
  turn = g_str_has_prefix (urls[0], "turn");
  if (turn && *username != '\0')
    /* Translators: %s is a user name on a TURN server */
    subtitle = g_strdup_printf (_("TURN relay, user %s"), username);
  else
    subtitle = g_strdup (turn ? _("TURN relay") : _("STUN server"));
  if (g_strv_length (urls) > 1)
    {
      g_autofree char *more = NULL;
      guint n = g_strv_length (urls) - 1;

      more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (and %u more address)",
                                           "%s (and %u more addresses)", n),
                              subtitle, n);
      g_free (subtitle);
      subtitle = g_steal_pointer (&more);
    }
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);
}

static void
on_apply (ZeroIceServerRow *self)
{
  update_title (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_remove_clicked (ZeroIceServerRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
zero_ice_server_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), ZERO_TYPE_ICE_SERVER_ROW);

  G_OBJECT_CLASS (zero_ice_server_row_parent_class)->dispose (object);
}

static void
zero_ice_server_row_class_init (ZeroIceServerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zero_ice_server_row_dispose;

  /* An edit was applied (Enter or the apply button). */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The user asked to remove this server. */
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/zerortc/Zero/ui/zero-ice-server-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ZeroIceServerRow, urls_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroIceServerRow, username_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroIceServerRow, credential_row);
  gtk_widget_class_bind_template_child (widget_class, ZeroIceServerRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
zero_ice_server_row_init (ZeroIceServerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_title (self);
}

/**
 * zero_ice_server_row_new:
 * @server: (nullable): the server to edit, or %NULL for a blank one
 */
GtkWidget *
zero_ice_server_row_new (const ZeroIceServer *server)
{
  ZeroIceServerRow *self = g_object_new (ZERO_TYPE_ICE_SERVER_ROW, NULL);

  if (server != NULL)
    {
      g_autofree char *urls = g_strjoinv (", ", server->urls);

      zero_ice_server_row_set_urls (self, urls);
      zero_ice_server_row_set_login (self, server->username, server->credential);
    }
  return GTK_WIDGET (self);
}

/* Fills the address field as if typed (the change is applied by the caller). */
void
zero_ice_server_row_set_urls (ZeroIceServerRow *self,
                              const char       *urls)
{
  g_return_if_fail (ZERO_IS_ICE_SERVER_ROW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->urls_row), urls ? urls : "");
  update_title (self);
}

void
zero_ice_server_row_set_login (ZeroIceServerRow *self,
                               const char       *username,
                               const char       *credential)
{
  g_return_if_fail (ZERO_IS_ICE_SERVER_ROW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username ? username : "");
  gtk_editable_set_text (GTK_EDITABLE (self->credential_row), credential ? credential : "");
  update_title (self);
}

/* TRUE for a row the user added but has not filled in yet. */
gboolean
zero_ice_server_row_is_blank (ZeroIceServerRow *self)
{
  g_auto(GStrv) urls = NULL;

  g_return_val_if_fail (ZERO_IS_ICE_SERVER_ROW (self), FALSE);

  urls = split_urls (entry_text (self->urls_row));
  return urls[0] == NULL && *entry_text (self->username_row) == '\0' &&
         *entry_text (self->credential_row) == '\0';
}

/**
 * zero_ice_server_row_dup_server:
 *
 * Returns: (transfer full) (nullable): the server as edited, or %NULL with
 *   @error naming what is wrong (and the faulty field marked).
 */
ZeroIceServer *
zero_ice_server_row_dup_server (ZeroIceServerRow *self,
                                GError          **error)
{
  g_auto(GStrv) urls = NULL;
  const char *username, *credential;
  gboolean has_turn = FALSE;

  g_return_val_if_fail (ZERO_IS_ICE_SERVER_ROW (self), NULL);

  urls = split_urls (entry_text (self->urls_row));
  username = entry_text (self->username_row);
  credential = entry_text (self->credential_row);

  gtk_widget_remove_css_class (GTK_WIDGET (self->urls_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->username_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->credential_row), "error");

  if (urls[0] == NULL)
    {
      g_set_error_literal (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                           _("A server needs at least one address"));
      gtk_widget_add_css_class (GTK_WIDGET (self->urls_row), "error");
      return NULL;
    }

  for (guint i = 0; urls[i] != NULL; i++)
    {
      if (!zero_ice_server_validate_url (urls[i], error))
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->urls_row), "error");
          return NULL;
        }
      has_turn |= g_str_has_prefix (urls[i], "turn");
    }

  if (has_turn && (*username == '\0' || *credential == '\0'))
    {
      g_set_error (error, ZERO_CONFIG_ERROR, ZERO_CONFIG_ERROR_RANGE,
                   _("The TURN server %s needs a user name and a password"), urls[0]);
      gtk_widget_add_css_class (GTK_WIDGET (*username == '\0' ? self->username_row
                                                              : self->credential_row),
                                "error");
      return NULL;
    }

  return zero_ice_server_new ((const char *const *) urls,
                              *username ? username : NULL,
                              *credential ? credential : NULL);
}
