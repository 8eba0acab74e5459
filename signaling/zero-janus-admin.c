/* zero-janus-admin.c: VideoRoom rooms for the signaling server (see zero-janus-admin.h). */
#include "signaling/zero-janus-admin.h"

#define VIDEOROOM "janus.plugin.videoroom"

typedef enum
{
  OP_ENSURE,
  OP_DESTROY,
} OpKind;

typedef struct
{
  OpKind kind;
  guint64 room;
  char *secret;
  char *pin;
  guint publishers;
  char *description;
} Op;

struct _ZeroJanusAdmin
{
  GObject parent_instance;

  char *url;
  char *admin_key;
  guint timeout_ms;
  ZeroJanusSession *janus;   /* NULL when there is none (yet, or any more) */
  guint64 handle;            /* VideoRoom handle, 0 until attached */
  gboolean connecting;
  GQueue waiting;            /* of GTask* (refs) whose Op waits for the handle */
  GCancellable *cancellable; /* the connection attempt */
};

G_DEFINE_FINAL_TYPE (ZeroJanusAdmin, zero_janus_admin, G_TYPE_OBJECT)

static guint signal_connection_lost;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_free (op->secret);
  g_free (op->pin);
  g_free (op->description);
  g_free (op);
}

static void run_op (ZeroJanusAdmin *self, GTask *task);

static void
fail_waiting (ZeroJanusAdmin *self, const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->waiting)))
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

static void
forget_janus (ZeroJanusAdmin *self)
{
  if (self->janus)
    {
      g_signal_handlers_disconnect_by_data (self->janus, self);
      zero_janus_session_close (self->janus);
      g_clear_object (&self->janus);
    }
  self->handle = 0;
}

static void
on_janus_closed (ZeroJanusSession *janus, GError *error, gpointer user_data)
{
  ZeroJanusAdmin *self = user_data;

  g_message ("Janus at %s: %s (a new session is made on next use)", self->url, error->message);
  g_object_ref (self);
  forget_janus (self);
  g_signal_emit (self, signal_connection_lost, 0, error);
  g_object_unref (self);
}

static void
on_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ZeroJanusAdmin *self = user_data;
  g_autoptr (GError) error = NULL;
  guint64 handle = zero_janus_session_attach_finish (ZERO_JANUS_SESSION (source), result, &error);
  GTask *task;

  self->connecting = FALSE;
  if (handle == 0)
    {
      fail_waiting (self, error);
      if (ZERO_JANUS_SESSION (source) == self->janus)
        forget_janus (self);
      g_object_unref (self);
      return;
    }
  self->handle = handle;
  while ((task = g_queue_pop_head (&self->waiting)))
    {
      run_op (self, task);
      g_object_unref (task);
    }
  g_object_unref (self);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ZeroJanusAdmin *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!zero_janus_session_connect_finish (ZERO_JANUS_SESSION (source), result, &error))
    {
      self->connecting = FALSE;
      fail_waiting (self, error);
      if (ZERO_JANUS_SESSION (source) == self->janus)
        forget_janus (self);
      g_object_unref (self);
      return;
    }
  zero_janus_session_attach_async (ZERO_JANUS_SESSION (source), VIDEOROOM, self->cancellable,
                                   on_attached, self);
}

/* Runs @task's op now, or once the VideoRoom handle exists. */
static void
submit (ZeroJanusAdmin *self, GTask *task)
{
  g_autoptr (GError) error = NULL;

  if (self->janus && self->handle && zero_janus_session_is_connected (self->janus))
    {
      run_op (self, task);
      return;
    }
  g_queue_push_tail (&self->waiting, g_object_ref (task));
  if (self->connecting)
    return;

  forget_janus (self);
  self->janus = zero_janus_session_new (self->url, &error);
  if (self->janus == NULL)
    {
      fail_waiting (self, error);
      return;
    }
  g_object_set (self->janus, "transaction-timeout", self->timeout_ms, NULL);
  g_signal_connect (self->janus, "closed", G_CALLBACK (on_janus_closed), self);
  self->connecting = TRUE;
  zero_janus_session_connect_async (self->janus, self->cancellable, on_connected,
                                    g_object_ref (self));
}

static void
on_edited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) data = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source),
                                                                   result, NULL, &error);
  Op *op = g_task_get_task_data (task);

  if (data == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               "room %" G_GUINT64_FORMAT " exists in Janus and is not ours: %s",
                               op->room, error->message);
      return;
    }
  g_debug ("janus room %" G_GUINT64_FORMAT " existed; pin updated", op->room);
  g_task_return_boolean (task, TRUE);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) data = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source),
                                                                   result, NULL, &error);
  ZeroJanusAdmin *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (data)
    {
      g_debug ("janus room %" G_GUINT64_FORMAT " created", op->room);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_ROOM_EXISTS) &&
      self->janus == ZERO_JANUS_SESSION (source))
    {
      g_autoptr (JsonObject) body = json_object_new ();

      /* Ours from before (same secret): make sure it has our pin and size. */
      json_object_set_string_member (body, "request", "edit");
      json_object_set_int_member (body, "room", (gint64) op->room);
      json_object_set_string_member (body, "secret", op->secret);
      json_object_set_string_member (body, "new_pin", op->pin);
      json_object_set_int_member (body, "new_publishers", op->publishers);
      json_object_set_boolean_member (body, "new_is_private", TRUE);
      zero_janus_session_message_async (self->janus, self->handle, body, NULL,
                                        g_task_get_cancellable (task), on_edited,
                                        g_steal_pointer (&task));
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_destroyed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) data = zero_janus_session_message_finish (ZERO_JANUS_SESSION (source),
                                                                   result, NULL, &error);

  if (data)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
run_op (ZeroJanusAdmin *self, GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr (JsonObject) body = json_object_new ();

  json_object_set_int_member (body, "room", (gint64) op->room);
  json_object_set_string_member (body, "secret", op->secret);
  if (op->kind == OP_DESTROY)
    {
      json_object_set_string_member (body, "request", "destroy");
      json_object_set_boolean_member (body, "permanent", FALSE);
      zero_janus_session_message_async (self->janus, self->handle, body, NULL,
                                        g_task_get_cancellable (task), on_destroyed,
                                        g_object_ref (task));
      return;
    }
  json_object_set_string_member (body, "request", "create");
  if (self->admin_key)
    json_object_set_string_member (body, "admin_key", self->admin_key);
  json_object_set_string_member (body, "pin", op->pin);
  json_object_set_string_member (body, "description",
                                 op->description ? op->description : "Zero session");
  json_object_set_boolean_member (body, "is_private", TRUE);
  json_object_set_boolean_member (body, "permanent", FALSE);
  json_object_set_int_member (body, "publishers", op->publishers);
  /* What Zero's shared encoders produce; each publisher uses one of them. */
  json_object_set_string_member (body, "audiocodec", "opus");
  json_object_set_string_member (body, "videocodec", "vp8,h264");
  /* A keyframe request to every publisher every 10 s heals subscribers that lost one. */
  json_object_set_int_member (body, "fir_freq", 10);
  json_object_set_boolean_member (body, "notify_joining", FALSE);
  zero_janus_session_message_async (self->janus, self->handle, body, NULL,
                                    g_task_get_cancellable (task), on_created,
                                    g_object_ref (task));
}

/* --- GObject --------------------------------------------------------------- */

static void
zero_janus_admin_dispose (GObject *object)
{
  ZeroJanusAdmin *self = ZERO_JANUS_ADMIN (object);

  zero_janus_admin_close (self);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (zero_janus_admin_parent_class)->dispose (object);
}

static void
zero_janus_admin_finalize (GObject *object)
{
  ZeroJanusAdmin *self = ZERO_JANUS_ADMIN (object);

  g_free (self->url);
  g_free (self->admin_key);

  G_OBJECT_CLASS (zero_janus_admin_parent_class)->finalize (object);
}

static void
zero_janus_admin_class_init (ZeroJanusAdminClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zero_janus_admin_dispose;
  object_class->finalize = zero_janus_admin_finalize;

  signal_connection_lost =
    g_signal_new ("connection-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
zero_janus_admin_init (ZeroJanusAdmin *self)
{
  self->timeout_ms = 10000;
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->waiting);
}

/* --- public API ------------------------------------------------------------ */

ZeroJanusAdmin *
zero_janus_admin_new (const char *url, const char *admin_key, GError **error)
{
  g_autoptr (ZeroJanusSession) probe = NULL;
  ZeroJanusAdmin *self;

  g_return_val_if_fail (url != NULL, NULL);

  probe = zero_janus_session_new (url, error); /* validates the URL */
  if (probe == NULL)
    return NULL;
  self = g_object_new (ZERO_TYPE_JANUS_ADMIN, NULL);
  self->url = g_strdup (url);
  self->admin_key = admin_key && *admin_key ? g_strdup (admin_key) : NULL;
  return self;
}

const char *
zero_janus_admin_get_url (ZeroJanusAdmin *self)
{
  g_return_val_if_fail (ZERO_IS_JANUS_ADMIN (self), NULL);
  return self->url;
}

void
zero_janus_admin_set_timeout (ZeroJanusAdmin *self, guint transaction_timeout_ms)
{
  g_return_if_fail (ZERO_IS_JANUS_ADMIN (self));
  g_return_if_fail (transaction_timeout_ms > 0);
  self->timeout_ms = transaction_timeout_ms;
}

void
zero_janus_admin_ensure_room_async (ZeroJanusAdmin *self, const ZeroJanusRoomSpec *spec,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (ZERO_IS_JANUS_ADMIN (self));
  g_return_if_fail (spec != NULL && spec->room > 0 && spec->secret && spec->pin);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zero_janus_admin_ensure_room_async);
  op = g_new0 (Op, 1);
  op->kind = OP_ENSURE;
  op->room = spec->room;
  op->secret = g_strdup (spec->secret);
  op->pin = g_strdup (spec->pin);
  op->publishers = MAX (spec->publishers, 1);
  op->description = g_strdup (spec->description);
  g_task_set_task_data (task, op, op_free);
  submit (self, task);
}

gboolean
zero_janus_admin_ensure_room_finish (ZeroJanusAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_destroy_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* Gone already, or we are closing: nothing to say. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_CODE_VIDEOROOM_NO_SUCH_ROOM) &&
      !g_error_matches (error, ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("could not destroy a Janus room: %s", error->message);
}

void
zero_janus_admin_destroy_room (ZeroJanusAdmin *self, guint64 room, const char *secret)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (ZERO_IS_JANUS_ADMIN (self));
  g_return_if_fail (room > 0 && secret != NULL);

  task = g_task_new (self, self->cancellable, on_destroy_done, NULL);
  op = g_new0 (Op, 1);
  op->kind = OP_DESTROY;
  op->room = room;
  op->secret = g_strdup (secret);
  g_task_set_task_data (task, op, op_free);
  submit (self, task);
}

void
zero_janus_admin_close (ZeroJanusAdmin *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (ZERO_IS_JANUS_ADMIN (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->connecting = FALSE;
  error = g_error_new (ZERO_JANUS_ERROR, ZERO_JANUS_ERROR_CLOSED, "closed");
  fail_waiting (self, error);
  forget_janus (self);
}
