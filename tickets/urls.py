from django.urls import path

from tickets import (
    bulk_views,
    canned_views,
    conversation_views,
    notification_views,
    queue_views,
    type_import_views,
    views,
)

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("types/", views.tickettype_list, name="types"),
    path("views/", queue_views.view_save, name="view_save"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("views/<int:pk>/rename/", queue_views.view_rename, name="view_rename"),
    path("views/<int:pk>/delete/", queue_views.view_delete, name="view_delete"),
    path("new/", views.ticket_new, name="new"),
    path("types/import/", type_import_views.type_import, name="type_import"),
    path(
        "types/import/apply/",
        type_import_views.type_import_apply,
        name="type_import_apply",
    ),
    path("types/export/", type_import_views.type_export, name="type_export"),
    path("new/<int:customer_pk>/", views.ticket_create, name="create"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/reply/", conversation_views.ticket_reply, name="reply"),
    # An internal note (the URL name predates replies).
    path("<int:pk>/comment/", conversation_views.ticket_note, name="comment"),
    path("<int:pk>/change/", views.ticket_change, name="change"),
    path(
        "replies/<int:pk>/send-again/",
        conversation_views.reply_send_again,
        name="send_again",
    ),
    path(
        "attachments/<int:pk>/",
        conversation_views.attachment_download,
        name="attachment",
    ),
    path(
        "customers/<int:customer_pk>/conversation/",
        conversation_views.customer_conversation,
        name="customer_conversation",
    ),
    path("held-mail/", conversation_views.held_list, name="held"),
    path("held-mail/<int:pk>/", conversation_views.held_action, name="held_action"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/settings/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/read/",
        notification_views.notification_read_all,
        name="notifications_read",
    ),
    path("saved-replies/", canned_views.canned_list, name="canned"),
    path("saved-replies/new/", canned_views.canned_create, name="canned_create"),
    path("saved-replies/<int:pk>/", canned_views.canned_edit, name="canned_edit"),
    path(
        "saved-replies/<int:pk>/delete/",
        canned_views.canned_delete,
        name="canned_delete",
    ),
]
